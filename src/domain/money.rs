//! Yen amounts as certificates print them: thousands separators, no currency sign, a loss with
//! △ (the sign Japanese tax documents use for a negative amount).

/// The largest amount kofu accepts and prints: 12 digits (just under 1兆円), far above any
/// individual's inhabitant tax, and what a certificate's columns are laid out to hold.
pub const MAX_AMOUNT_YEN: i64 = 999_999_999_999;

/// 1234567 → "1,234,567"; -500 → "△500".
pub fn format_yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('△');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        for (input, expected) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (276_600, "276,600"),
            (1_234_567, "1,234,567"),
            (-5_000, "△5,000"),
            (i64::MAX, "9,223,372,036,854,775,807"),
        ] {
            assert_eq!(format_yen(input), expected);
        }
    }
}
