//! 年度: the fiscal year (1 April – 31 March). FY N is assessed on 1 January of N (賦課期日)
//! on the income of calendar year N−1.

use chrono::{Datelike, NaiveDate};

/// The fiscal years kofu accepts on the wire at all; what a municipality offers is narrower.
pub const EARLIEST: i32 = 2000;
/// The latest fiscal year kofu accepts on the wire.
pub const LATEST: i32 = 2100;

/// The fiscal year `date` falls in: 2025-04-01 → 2025, 2025-03-31 → 2024.
pub fn containing(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// 賦課期日: 1 January of the fiscal year's starting year.
pub fn assessment_date(fiscal_year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fiscal_year, 1, 1).expect("1 January exists")
}

/// The calendar year whose income fiscal year N taxes: N − 1.
pub fn income_year(fiscal_year: i32) -> i32 {
    fiscal_year - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_starts_in_april() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        for (date, expected) in [
            (d(2025, 4, 1), 2025),
            (d(2025, 3, 31), 2024),
            (d(2025, 12, 31), 2025),
            (d(2026, 1, 1), 2025),
        ] {
            assert_eq!(containing(date), expected, "{date}");
        }
        assert_eq!(income_year(2025), 2024);
        assert_eq!(assessment_date(2025), d(2025, 1, 1));
    }
}
