//! Spotting a 個人番号 (My Number) that was supplied by accident, so it can be rejected or masked.
//!
//! kofu never stores, logs or derives My Number; this check digit exists only to recognise one.

/// True when `digits` is 12 ASCII digits whose last one is the My Number check digit.
pub fn is_my_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // Weights 6,5,4,3,2,7,6,5,4,3,2 from the left on the first 11 digits.
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = bytes[..11]
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    u32::from(bytes[11] - b'0') == check
}

/// True when `text` holds a run of exactly 12 digits (ASCII or full-width) that is a valid My Number.
pub fn contains_my_number(text: &str) -> bool {
    let mut run = String::new();
    let mut found = false;
    let mut flush = |run: &mut String| {
        if is_my_number(run) {
            found = true;
        }
        run.clear();
    };
    for c in text.chars() {
        match c {
            '0'..='9' => run.push(c),
            '０'..='９' => run.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            _ => flush(&mut run),
        }
    }
    flush(&mut run);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_valid_numbers() {
        for (input, expected) in [
            ("123456789018", true),
            ("983205673214", true),
            ("123456789017", false),
            ("12345678901", false),
            ("1234567890180", false),
            ("12345678901a", false),
        ] {
            assert_eq!(is_my_number(input), expected, "{input}");
        }
    }

    #[test]
    fn finds_numbers_inside_text() {
        for (input, expected) in [
            ("番号 123456789018 です", true),
            ("１２３４５６７８９０１８", true),
            ("電話 0312345678", false),
            ("1234567890180", false),
            ("山田太郎", false),
        ] {
            assert_eq!(contains_my_number(input), expected, "{input}");
        }
    }
}
