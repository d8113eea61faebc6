//! 和暦: Japanese era dates, as certificates print them (令和7年6月1日, 元年 for year 1).
//!
//! Era starts (Gregorian): 明治 1873-01-01 (the day Japan adopted the Gregorian calendar, 明治6年),
//! 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.

use chrono::{Datelike, NaiveDate};

/// A Japanese era (元号), for 和暦 dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 明治 (from 1868; only dates from 1873, when Japan adopted the Gregorian calendar, print).
    Meiji,
    /// 大正 (1912-07-30 to 1926-12-24).
    Taisho,
    /// 昭和 (1926-12-25 to 1989-01-07).
    Showa,
    /// 平成 (1989-01-08 to 2019-04-30).
    Heisei,
    /// 令和 (from 2019-05-01).
    Reiwa,
}

impl Era {
    /// The era name as printed, e.g. 「令和」.
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The Latin initial used in compact numbers (R7 = 令和7年).
    pub fn initial(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    fn start(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).expect("era start is a valid date")
    }
}

/// How year 1 of an era prints. Most offices print 元年; some write 1年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstYear {
    /// 元年: 令和元年5月1日.
    #[default]
    Gannen,
    /// 1年: 令和1年5月1日.
    Numeral,
}

/// How fiscal year 2019, which began under 平成, is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fy2019Label {
    /// 令和元年度, as kiosk menus show it.
    #[default]
    Reiwa,
    /// 平成31年度, the era on the day the fiscal year began.
    Heisei,
}

/// The earliest date kofu prints in 和暦 (Japan's Gregorian calendar starts 明治6年1月1日).
pub fn earliest_printable() -> NaiveDate {
    NaiveDate::from_ymd_opt(1873, 1, 1).expect("valid date")
}

/// The era and era year of a date, or `None` before 1873-01-01.
pub fn era_year(date: NaiveDate) -> Option<(Era, i32)> {
    if date < earliest_printable() {
        return None;
    }
    let era = [Era::Reiwa, Era::Heisei, Era::Showa, Era::Taisho, Era::Meiji]
        .into_iter()
        .find(|era| date >= era.start())?;
    Some((era, date.year() - era.start().year() + 1))
}

fn year_text(era: Era, year: i32, first_year: FirstYear) -> String {
    match (year, first_year) {
        (1, FirstYear::Gannen) => format!("{}元年", era.name()),
        _ => format!("{}{}年", era.name(), year),
    }
}

/// 令和7年6月1日. `None` before 1873.
pub fn format_date(date: NaiveDate, first_year: FirstYear) -> Option<String> {
    let (era, year) = era_year(date)?;
    Some(format!(
        "{}{}月{}日",
        year_text(era, year, first_year),
        date.month(),
        date.day()
    ))
}

/// The calendar year whose income a certificate shows, named by the era in force at its end:
/// 2024 → 令和6年, 2019 → 令和元年.
pub fn format_calendar_year(year: i32, first_year: FirstYear) -> Option<String> {
    let (era, era_year) = era_year(NaiveDate::from_ymd_opt(year, 12, 31)?)?;
    Some(year_text(era, era_year, first_year))
}

/// 令和7年度 for fiscal year 2025: named by the era on 1 April, except 2019 which follows `fy2019`.
pub fn format_fiscal_year(
    fiscal_year: i32,
    first_year: FirstYear,
    fy2019: Fy2019Label,
) -> Option<String> {
    let (era, year) = if fiscal_year == 2019 && fy2019 == Fy2019Label::Reiwa {
        (Era::Reiwa, 1)
    } else {
        era_year(NaiveDate::from_ymd_opt(fiscal_year, 4, 1)?)?
    };
    Some(format!("{}度", year_text(era, year, first_year)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn check(input: NaiveDate, expected: Option<&str>) {
        assert_eq!(
            format_date(input, FirstYear::Gannen).as_deref(),
            expected,
            "{input}"
        );
    }

    #[test]
    fn formats_dates_at_era_boundaries() {
        check(date(2025, 6, 1), Some("令和7年6月1日"));
        check(date(2019, 5, 1), Some("令和元年5月1日"));
        check(date(2019, 4, 30), Some("平成31年4月30日"));
        check(date(1989, 1, 8), Some("平成元年1月8日"));
        check(date(1989, 1, 7), Some("昭和64年1月7日"));
        check(date(1926, 12, 25), Some("昭和元年12月25日"));
        check(date(1926, 12, 24), Some("大正15年12月24日"));
        check(date(1912, 7, 30), Some("大正元年7月30日"));
        check(date(1912, 7, 29), Some("明治45年7月29日"));
        check(date(1873, 1, 1), Some("明治6年1月1日"));
        check(date(1872, 12, 31), None);
    }

    #[test]
    fn first_year_can_print_as_a_numeral() {
        assert_eq!(
            format_date(date(2019, 5, 1), FirstYear::Numeral).as_deref(),
            Some("令和1年5月1日")
        );
    }

    #[test]
    fn labels_fiscal_and_calendar_years() {
        let fy = |y, label| format_fiscal_year(y, FirstYear::Gannen, label);
        assert_eq!(fy(2025, Fy2019Label::Reiwa).as_deref(), Some("令和7年度"));
        assert_eq!(fy(2020, Fy2019Label::Reiwa).as_deref(), Some("令和2年度"));
        assert_eq!(fy(2019, Fy2019Label::Reiwa).as_deref(), Some("令和元年度"));
        assert_eq!(fy(2019, Fy2019Label::Heisei).as_deref(), Some("平成31年度"));
        assert_eq!(fy(2018, Fy2019Label::Reiwa).as_deref(), Some("平成30年度"));
        assert_eq!(fy(1989, Fy2019Label::Reiwa).as_deref(), Some("平成元年度"));
        let cy = |y| format_calendar_year(y, FirstYear::Gannen);
        assert_eq!(cy(2024).as_deref(), Some("令和6年"));
        assert_eq!(cy(2019).as_deref(), Some("令和元年"));
        assert_eq!(cy(2018).as_deref(), Some("平成30年"));
    }
}
