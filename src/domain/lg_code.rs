//! 地方公共団体コード: the 6-digit local government code (2 prefecture + 3 municipality + check digit).

use std::fmt;

/// A municipality code whose check digit has been verified. Built only through [`LgCode::parse`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct LgCode([u8; 6]);

/// Why text is not a valid 地方公共団体コード.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LgCodeError {
    /// Not six characters; carries the count.
    #[error("a municipality code has 6 digits, got {0} characters")]
    Length(usize),
    /// A character other than 0-9.
    #[error("a municipality code has only digits 0-9")]
    NotDigits,
    /// Six digits whose last is not the check digit of the first five (a mistyped code).
    #[error("the check digit of municipality code {code} should be {expected}")]
    CheckDigit {
        /// The code as given.
        code: String,
        /// The check digit the first five digits call for.
        expected: u8,
    },
}

impl LgCode {
    /// Parses a six-digit code and checks its check digit (weights 6,5,4,3,2; r = sum mod 11;
    /// check = (11 − r) mod 10).
    pub fn parse(text: &str) -> Result<Self, LgCodeError> {
        if text.chars().count() != 6 {
            return Err(LgCodeError::Length(text.chars().count()));
        }
        let mut digits = [0u8; 6];
        for (slot, byte) in digits.iter_mut().zip(text.bytes()) {
            if !byte.is_ascii_digit() {
                return Err(LgCodeError::NotDigits);
            }
            *slot = byte - b'0';
        }
        let expected = check_digit(&digits[..5]);
        if digits[5] != expected {
            return Err(LgCodeError::CheckDigit {
                code: text.to_owned(),
                expected,
            });
        }
        Ok(Self(digits))
    }

    /// The two-digit prefecture code (13 = Tokyo).
    pub fn prefecture(&self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }
}

/// Weights 6,5,4,3,2 over the first five digits; r = sum mod 11; check = (11 - r) mod 10.
fn check_digit(first_five: &[u8]) -> u8 {
    let sum: u32 = first_five
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

impl fmt::Display for LgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for LgCode {
    type Error = LgCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<LgCode> for String {
    fn from(code: LgCode) -> Self {
        code.to_string()
    }
}

impl std::str::FromStr for LgCode {
    type Err = LgCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, LgCodeError>) {
        let got = LgCode::parse(input).map(|c| c.to_string());
        assert_eq!(got, expected.map(str::to_owned), "input {input:?}");
    }

    #[test]
    fn parses_codes_with_valid_check_digits() {
        check("131041", Ok("131041")); // 新宿区, r = 0
        check("131130", Ok("131130")); // 渋谷区, r = 1
        check("131016", Ok("131016")); // 千代田区
        check("011002", Ok("011002")); // 札幌市
    }

    #[test]
    fn rejects_bad_codes() {
        check(
            "131042",
            Err(LgCodeError::CheckDigit {
                code: "131042".into(),
                expected: 1,
            }),
        );
        check("13104", Err(LgCodeError::Length(5)));
        check("1310411", Err(LgCodeError::Length(7)));
        check("13104a", Err(LgCodeError::NotDigits));
        check("１３１０４１", Err(LgCodeError::NotDigits));
        check("", Err(LgCodeError::Length(0)));
    }

    #[test]
    fn prefecture_is_the_first_two_digits() {
        assert_eq!(LgCode::parse("131041").unwrap().prefecture(), 13);
    }
}
