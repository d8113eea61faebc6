//! 納期限: a due date that falls on a day the offices are closed moves to the next day they are
//! open (地方税法第20条の5第2項; 国税通則法第10条第2項 says the same for national taxes).
//!
//! Closed are: Sundays and the holidays of 国民の祝日に関する法律 (祝日, 振替休日, 国民の休日),
//! which 民法第142条 names; Saturdays and 29–31 December, which the article adds itself; and
//! 2–3 January, 休日 by custom (民法第142条's その他の休日; 1 January is 元日). When the next day is
//! closed too the rule applies again, so a due date on 31 December reaches the first open day of
//! January.
//!
//! The holidays are computed by the `yasumi` crate (see Cargo.toml for why that one), checked
//! below against an independent list, tests/data/jp-holidays-2000-2030.txt, written by
//! ops/oracle/jp_holidays.py.

use super::fiscal_year;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The due date that `day` becomes: `day` itself when offices are open, else the next open day.
pub fn next_business_day(mut day: NaiveDate) -> NaiveDate {
    while is_closed(day) {
        day = day + Days::new(1);
    }
    day
}

/// Whether a due date on `day` moves: a weekend, a public holiday, or 29 December – 3 January.
pub fn is_closed(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        || matches!((day.month(), day.day()), (12, 29..=31) | (1, 1..=3))
        || is_public_holiday(day)
}

/// 国民の祝日に関する法律に規定する休日: a 祝日, 振替休日 or 国民の休日.
fn is_public_holiday(day: NaiveDate) -> bool {
    // yasumi works each day out from the rules anew, which more than doubled the time to generate
    // a synthetic municipality (tens of millions of questions about a few hundred distinct days
    // for a million people): the years kofu accepts are worked out once.
    static KNOWN: OnceLock<HashSet<NaiveDate>> = OnceLock::new();
    let years = fiscal_year::EARLIEST..=fiscal_year::LATEST + 1;
    if !years.contains(&day.year()) {
        return yasumi::is_holiday(day);
    }
    KNOWN
        .get_or_init(|| {
            years
                .flat_map(yasumi::year_holidays)
                .map(|(day, _)| day)
                .collect()
        })
        .contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_dates_move_past_closed_days() {
        for (due, moved, why) in [
            (d(2025, 7, 10), d(2025, 7, 10), "a Thursday stays"),
            (d(2025, 5, 10), d(2025, 5, 12), "Saturday"),
            (d(2025, 8, 31), d(2025, 9, 1), "Sunday"),
            (d(2025, 7, 21), d(2025, 7, 22), "海の日, a Monday"),
            (
                d(2025, 5, 2),
                d(2025, 5, 2),
                "the Friday before Golden Week stays",
            ),
            // 憲法記念日 (Sat), Sunday, こどもの日 (Mon), 振替休日 for みどりの日 on the Sunday.
            (d(2025, 5, 3), d(2025, 5, 7), "Golden Week"),
            (d(2025, 5, 5), d(2025, 5, 7), "Golden Week"),
            (d(2025, 5, 6), d(2025, 5, 7), "振替休日"),
            // 8/10 Saturday, 8/11 山の日 on a Sunday, 8/12 its 振替休日.
            (d(2024, 8, 10), d(2024, 8, 13), "weekend, 山の日, 振替休日"),
            (
                d(2026, 9, 22),
                d(2026, 9, 24),
                "国民の休日 between 敬老の日 and 秋分の日",
            ),
            (
                d(2025, 12, 26),
                d(2025, 12, 26),
                "the last Friday of the year stays",
            ),
            (d(2025, 12, 29), d(2026, 1, 5), "year end on a Monday"),
            (
                d(2025, 12, 31),
                d(2026, 1, 5),
                "year end, new year, weekend",
            ),
            (d(2027, 1, 2), d(2027, 1, 4), "1/2 Saturday, 1/3 Sunday"),
            (
                d(2019, 4, 30),
                d(2019, 5, 7),
                "2019: 国民の休日, 即位の日, 国民の休日",
            ),
            (d(2019, 10, 22), d(2019, 10, 23), "2019: 即位礼正殿の儀"),
            (
                d(2020, 8, 10),
                d(2020, 8, 11),
                "2020: 山の日 moved for the Olympics",
            ),
            (
                d(2020, 10, 12),
                d(2020, 10, 12),
                "2020: スポーツの日 was moved to 7/24",
            ),
            (
                d(2021, 7, 22),
                d(2021, 7, 26),
                "2021: 海の日, スポーツの日, weekend",
            ),
            (
                d(2021, 8, 9),
                d(2021, 8, 10),
                "2021: 振替休日 for 山の日 on 8/8",
            ),
        ] {
            assert_eq!(next_business_day(due), moved, "{due}: {why}");
        }
    }

    /// The crate's holidays are exactly those of an independent source (the PyPI `holidays`
    /// package, via ops/oracle/jp_holidays.py) for every day of 2000–2030.
    #[test]
    fn holidays_agree_with_the_oracle() {
        let oracle: std::collections::BTreeMap<NaiveDate, &str> =
            include_str!("../../tests/data/jp-holidays-2000-2030.txt")
                .lines()
                .map(|line| {
                    let (day, name) = line.split_once('\t').expect("date<TAB>name");
                    (day.parse().expect("an ISO date"), name)
                })
                .collect();
        assert!(oracle.len() > 500, "the oracle file looks truncated");
        let mut day = d(2000, 1, 1);
        while day <= d(2030, 12, 31) {
            let expected = oracle.get(&day);
            let ours = is_public_holiday(day);
            assert_eq!(
                ours,
                expected.is_some(),
                "first disagreement with the oracle, {day}: the crate says {}, the oracle {}",
                if ours { "holiday" } else { "no holiday" },
                expected.unwrap_or(&"no holiday"),
            );
            day = day + Days::new(1);
        }
    }
}
