//! Retention: how long a municipality's tax data and issuance records are kept. A fiscal year's
//! tax data goes when no resident can be offered it any more (the last switchover day), not when
//! the new year's data arrives; an issuance record goes a number of whole fiscal years after the
//! one it was issued in. Pure functions of the policy and the day; `db::retention` deletes.

use super::assessment::CollectionMethod;
use super::eligibility::latest_open_fiscal_year;
use super::policy::Policy;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The most fiscal years of tax data a municipality may keep (Bunkyo offers 6).
pub const MAX_YEARS_KEPT: u8 = 10;

/// The most years issuance records may be kept.
pub const MAX_ISSUANCE_RECORDS_YEARS: u8 = 30;

/// `[municipalities.policy.retention]`: how long data is kept; a missing key takes the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Fiscal years of tax data kept once the last switchover day has come, the newest open one
    /// included: default 4, as the ward's impact assessment states. Between the early (payroll)
    /// and the last switchover day one year more is held. Every `years_offered.<kind>` is at
    /// most this (1 to [`MAX_YEARS_KEPT`]).
    pub years_kept: u8,
    /// Whole fiscal years an issuance record (it holds 宛名番号) is kept after the fiscal year it
    /// was issued in: default 7, like the audit trail (1 to [`MAX_ISSUANCE_RECORDS_YEARS`]).
    pub issuance_records_years: u8,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            years_kept: 4,
            issuance_records_years: 7,
        }
    }
}

/// What a purge on a given day keeps: everything older goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floor {
    /// The oldest fiscal year of tax data (assessments, payments) kept.
    pub oldest_fiscal_year: i32,
    /// Issuance records issued before the start of this day (1 April, Japan time) go.
    pub issued_before: NaiveDate,
}

/// The oldest fiscal year of tax data that must still be kept on `today`: `years_kept` years
/// counted back from the newest year open to everyone, i.e. the year that opens on the last
/// switchover day (direct billing by default). Before that day in fiscal year Y the floor is
/// one year older than from it on, because a direct-billing resident is still offered it.
pub fn oldest_fiscal_year_kept(today: NaiveDate, policy: &Policy) -> i32 {
    let newest_open_to_everyone = latest_open_fiscal_year(today, &CollectionMethod::ALL, policy);
    newest_open_to_everyone - (i32::from(policy.retention.years_kept.max(1)) - 1)
}

/// The first day whose issuance records are kept on `today`: 1 April of the fiscal year
/// `issuance_records_years` before the current one. A record issued in fiscal year F is kept
/// through the end of F + `issuance_records_years` (so at least that many years), and a fiscal
/// year's records, like its certificate-number series, go together.
pub fn issuance_records_kept_from(today: NaiveDate, retention: &Retention) -> NaiveDate {
    let current = super::fiscal_year::containing(today);
    let first_kept = current - i32::from(retention.issuance_records_years.max(1));
    NaiveDate::from_ymd_opt(first_kept, 4, 1).expect("1 April exists")
}

/// The retention floor of a purge run on `today` under `policy`.
pub fn floor(today: NaiveDate, policy: &Policy) -> Floor {
    Floor {
        oldest_fiscal_year: oldest_fiscal_year_kept(today, policy),
        issued_before: issuance_records_kept_from(today, &policy.retention),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::CertificateKind;
    use crate::domain::eligibility::fiscal_years_offered;
    use crate::domain::policy::MonthDay;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn check(policy: &Policy, today: NaiveDate, expected: i32) {
        assert_eq!(oldest_fiscal_year_kept(today, policy), expected, "{today}");
    }

    #[test]
    fn the_floor_moves_on_the_last_switchover_day() {
        let policy = Policy::default(); // payroll 5月15日, pension and direct billing 6月1日, 4 years
        for (today, expected) in [
            (date(2025, 3, 31), 2021),
            (date(2025, 4, 1), 2021),
            (date(2025, 5, 14), 2021),
            // Payroll opens 2025, a direct-billing resident still gets 2021: five years held.
            (date(2025, 5, 15), 2021),
            (date(2025, 5, 31), 2021),
            (date(2025, 6, 1), 2022),
            (date(2025, 12, 31), 2022),
            (date(2026, 3, 31), 2022),
            (date(2026, 4, 1), 2022),
            (date(2026, 5, 31), 2022),
            (date(2026, 6, 1), 2023),
        ] {
            check(&policy, today, expected);
        }

        let mut one = Policy::default();
        one.retention.years_kept = 1;
        check(&one, date(2025, 5, 31), 2024);
        check(&one, date(2025, 6, 1), 2025);

        let mut bunkyo = Policy::default();
        bunkyo.retention.years_kept = 6;
        check(&bunkyo, date(2025, 6, 1), 2020);

        // The last switchover day decides, whichever method has it.
        let mut late_direct = Policy::default();
        late_direct.switchover.direct_billing = MonthDay::new(6, 10);
        check(&late_direct, date(2025, 6, 9), 2021);
        check(&late_direct, date(2025, 6, 10), 2022);
        let mut late_pension = Policy::default();
        late_pension.switchover.pension_withholding = MonthDay::new(6, 15);
        check(&late_pension, date(2025, 6, 14), 2021);
        check(&late_pension, date(2025, 6, 15), 2022);
    }

    /// With every kind offering as many years as are kept, the floor is exactly the oldest year
    /// some resident is offered on each day of a year: nothing offered is purged, and nothing is
    /// held that nobody can obtain.
    #[test]
    fn the_floor_is_the_oldest_year_anyone_is_offered() {
        use CollectionMethod::{
            DirectBilling as D, PayrollWithholding as W, PensionWithholding as P,
        };
        let combinations: [&[CollectionMethod]; 8] =
            [&[W], &[P], &[D], &[W, P], &[W, D], &[P, D], &[W, P, D], &[]];
        for years_kept in [1, 4, 6] {
            let mut policy = Policy::default();
            policy.retention.years_kept = years_kept;
            policy.years_offered = crate::domain::policy::YearsOffered {
                income: years_kept,
                taxation: years_kept,
                income_and_taxation: years_kept,
                tax_payment: 1,
            };
            let mut today = date(2025, 3, 1);
            while today < date(2026, 7, 1) {
                let oldest_offered = combinations
                    .iter()
                    .flat_map(|methods| {
                        CertificateKind::ALL
                            .iter()
                            .flat_map(|&kind| fiscal_years_offered(today, kind, methods, &policy))
                    })
                    .min()
                    .unwrap();
                check(&policy, today, oldest_offered);
                today = today.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn issuance_records_go_in_whole_fiscal_years_of_issue() {
        let retention = |years| Retention {
            years_kept: 4,
            issuance_records_years: years,
        };
        for (today, years, expected) in [
            (date(2025, 7, 1), 7, date(2018, 4, 1)),
            (date(2025, 4, 1), 7, date(2018, 4, 1)),
            (date(2025, 3, 31), 7, date(2017, 4, 1)),
            (date(2026, 1, 1), 7, date(2018, 4, 1)),
            (date(2025, 4, 1), 1, date(2024, 4, 1)),
        ] {
            assert_eq!(
                issuance_records_kept_from(today, &retention(years)),
                expected,
                "{today} {years}"
            );
        }
        assert_eq!(
            floor(date(2025, 6, 1), &Policy::default()),
            Floor {
                oldest_fiscal_year: 2022,
                issued_before: date(2018, 4, 1),
            }
        );
    }
}
