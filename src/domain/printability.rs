//! What cannot print: which of a person's texts (or the page as a whole) cannot be printed in
//! full, and why — a character no font has, or a line longer than its cell. The renderer finds
//! the problem; this module names it, stored and reported by code, never with the text itself.

use super::assessment::Assessment;
use super::refusal::RefusalReason;
use super::resident::Resident;
use std::fmt;

/// Where on the certificate the problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrintField {
    /// 氏名.
    Name,
    /// フリガナ.
    NameKana,
    /// 住所 (the current address).
    Address,
    /// The address on the fiscal year's assessment date (賦課期日現在の住所).
    AddressOnAssessmentDate,
    /// The page as a whole (its tables overflow it), not one of the person's texts.
    Page,
}

impl PrintField {
    /// Every field.
    pub const ALL: [PrintField; 5] = [
        PrintField::Name,
        PrintField::NameKana,
        PrintField::Address,
        PrintField::AddressOnAssessmentDate,
        PrintField::Page,
    ];

    /// The code stored and reported, named after the sync record's field.
    pub fn code(self) -> &'static str {
        match self {
            PrintField::Name => "name",
            PrintField::NameKana => "name_kana",
            PrintField::Address => "address",
            PrintField::AddressOnAssessmentDate => "address_on_assessment_date",
            PrintField::Page => "page",
        }
    }

    /// The field for a stored code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

impl fmt::Display for PrintField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a text or page cannot print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrintProblem {
    /// A character no configured font has (外字 not yet registered, MJ文字 missing).
    UnprintableCharacter {
        /// The code point without a glyph: what the office must register, never the text.
        code_point: u32,
    },
    /// Longer than its cell even at the smallest text size, or a page whose tables overflow it.
    DoesNotFit,
}

impl PrintProblem {
    /// The refusal a kiosk request meets for this problem.
    pub fn refusal(self) -> RefusalReason {
        match self {
            PrintProblem::UnprintableCharacter { .. } => RefusalReason::UnprintableCharacter,
            PrintProblem::DoesNotFit => RefusalReason::DoesNotFit,
        }
    }

    /// The code stored and reported: the refusal's code, as the audit trail records it.
    pub fn code(self) -> &'static str {
        self.refusal().code()
    }

    /// The problem for a stored code and code point; `None` for an unknown code, or an
    /// unprintable character without its code point.
    pub fn from_code(code: &str, code_point: Option<u32>) -> Option<Self> {
        match (code, code_point) {
            ("unprintable_character", Some(code_point)) => {
                Some(PrintProblem::UnprintableCharacter { code_point })
            }
            ("does_not_fit", _) => Some(PrintProblem::DoesNotFit),
            _ => None,
        }
    }

    /// The code point without a glyph, if that is the problem.
    pub fn code_point(self) -> Option<u32> {
        match self {
            PrintProblem::UnprintableCharacter { code_point } => Some(code_point),
            PrintProblem::DoesNotFit => None,
        }
    }
}

impl fmt::Display for PrintProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrintProblem::UnprintableCharacter { code_point } => {
                write!(f, "{} (U+{code_point:04X})", self.code())
            }
            PrintProblem::DoesNotFit => f.write_str(self.code()),
        }
    }
}

/// One problem found in a person's data: which 宛名番号, which field (of which fiscal year's
/// assessment, for the address on the assessment date) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprintable {
    /// 宛名番号 of the person.
    pub addressee_no: String,
    /// The text that cannot print.
    pub field: PrintField,
    /// The assessment's fiscal year, for [`PrintField::AddressOnAssessmentDate`].
    pub fiscal_year: Option<i32>,
    /// Why.
    pub problem: PrintProblem,
}

/// The person's own texts a certificate prints from the resident record: name, reading, address
/// (compose builds the person block from these very fields).
pub fn resident_texts(resident: &Resident) -> [(PrintField, &str); 3] {
    [
        (PrintField::Name, resident.name.as_str()),
        (PrintField::NameKana, resident.name_kana.as_str()),
        (PrintField::Address, resident.address.as_str()),
    ]
}

/// The text a certificate prints from the fiscal year's assessment: the address on its
/// assessment date (empty when the tax system has none).
pub fn assessment_text(assessment: &Assessment) -> (PrintField, &str) {
    (
        PrintField::AddressOnAssessmentDate,
        assessment
            .address_on_assessment_date
            .as_deref()
            .unwrap_or(""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_written() {
        for field in PrintField::ALL {
            assert_eq!(PrintField::from_code(field.code()), Some(field));
        }
        assert_eq!(PrintField::from_code("birth_date"), None);
        for problem in [
            PrintProblem::UnprintableCharacter { code_point: 0xE000 },
            PrintProblem::DoesNotFit,
        ] {
            assert_eq!(
                PrintProblem::from_code(problem.code(), problem.code_point()),
                Some(problem)
            );
        }
        assert_eq!(PrintProblem::from_code("unprintable_character", None), None);
        assert_eq!(PrintProblem::from_code("arrears", None), None);
    }

    #[test]
    fn problems_are_refused_by_their_own_reason_and_reported_by_code_point() {
        let check = |problem: PrintProblem, reason: RefusalReason, shown: &str| {
            assert_eq!(problem.refusal(), reason);
            assert_eq!(problem.code(), reason.code());
            assert_eq!(problem.to_string(), shown);
        };
        check(
            PrintProblem::UnprintableCharacter { code_point: 0xE000 },
            RefusalReason::UnprintableCharacter,
            "unprintable_character (U+E000)",
        );
        check(
            PrintProblem::UnprintableCharacter {
                code_point: 0x20BB7,
            },
            RefusalReason::UnprintableCharacter,
            "unprintable_character (U+20BB7)",
        );
        check(
            PrintProblem::DoesNotFit,
            RefusalReason::DoesNotFit,
            "does_not_fit",
        );
    }
}
