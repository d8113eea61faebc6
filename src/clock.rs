//! The one clock kofu reads "now" from: the system clock in Japan time, or a fixed instant that a
//! test or a rehearsal sets through `clock.fixed_now` (env `KOFU__CLOCK__FIXED_NOW`).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Japan has used UTC+9 without daylight saving since 1952.
pub fn japan() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// Where "now" comes from; built once from the `clock.fixed_now` setting.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock, read on every call.
    System,
    /// A fixed instant (tests, rehearsals): every call returns it, in Japan time.
    Fixed(DateTime<FixedOffset>),
}

impl Clock {
    /// `Fixed` when `clock.fixed_now` is set, otherwise `System`.
    pub fn from_setting(fixed_now: Option<DateTime<FixedOffset>>) -> Self {
        fixed_now.map_or(Clock::System, Clock::Fixed)
    }

    /// Now, in Japan time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Utc::now().with_timezone(&japan()),
            Clock::Fixed(at) => at.with_timezone(&japan()),
        }
    }

    /// Today's date in Japan.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_taken_in_japan_time() {
        // 2025-03-31 16:00 UTC is already 1 April in Japan: a new fiscal year.
        let at = DateTime::parse_from_rfc3339("2025-03-31T16:00:00Z").unwrap();
        let clock = Clock::Fixed(at);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
    }
}
