//! 収納: how a taxable assessment is collected (instalment schedule by collection method) and
//! what had been paid by the extraction day, including late payers and a few in arrears.

use crate::domain::assessment::{self as domain, Assessment, CollectionMethod, Payment};
use crate::domain::due_date::next_business_day;
use chrono::{Days, NaiveDate};
use rand::Rng;
use rand::rngs::SmallRng;

/// One instalment: due date, amount, and whether the person pays it (普通徴収) rather than an
/// employer or pension fund (特別徴収).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    pub due: NaiveDate,
    pub amount: i64,
    pub direct: bool,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    date(ny, nm, 1) - Days::new(1)
}

/// The 10th of the month after the withholding month `m` of fiscal year `fy` (months 4..=15,
/// 13 = January of the next calendar year): when employers and pension funds remit.
fn remitted(fy: i32, m: u32) -> NaiveDate {
    let next = m + 1;
    next_business_day(date(fy + ((next - 1) / 12) as i32, (next - 1) % 12 + 1, 10))
}

/// The months payroll withholding takes the year's tax in: June to May (6..=17). In FY2024 the
/// 定額減税 (令和6年度) left June's withholding at nothing and split the reduced tax over July to
/// May instead.
fn payroll_months(fy: i32) -> Vec<u32> {
    let first = if fy == 2024 { 7 } else { 6 };
    (first..=17).collect()
}

/// `total` in `parts`: the later parts in whole ¥100, the first takes the remainder.
fn split(total: i64, parts: usize) -> Vec<i64> {
    let regular = total / parts as i64 / 100 * 100;
    let mut amounts = vec![regular; parts];
    amounts[0] = total - regular * (parts as i64 - 1);
    amounts
}

/// The instalments of an assessment.
///
/// - Direct billing: four, due at the end of June, August, October and January.
/// - Payroll withholding: twelve, withheld June to May, each remitted by the 10th of the next month;
///   eleven in FY2024, withheld July to May (定額減税).
/// - Pension withholding: six, withheld in the pension months April to February.
/// - Pension withholding with direct billing (its first year, or a pensioner with other income):
///   the first half billed in June and August, the second half withheld in October, December and
///   February.
/// - Any other combination: the tax shared evenly between the methods, each on its own schedule.
///
/// Every due date is moved past weekends, public holidays and the year end by
/// [`next_business_day`], as the law moves a 納期限.
pub fn schedule(a: &Assessment) -> Vec<Instalment> {
    let fy = a.fiscal_year;
    let total = a.tax.total_yen;
    let billed = |dues: &[NaiveDate], total| {
        dues.iter()
            .zip(split(total, dues.len()))
            .map(|(&due, amount)| Instalment {
                due: next_business_day(due),
                amount,
                direct: true,
            })
            .collect::<Vec<_>>()
    };
    let withheld = |months: &[u32], total| {
        months
            .iter()
            .zip(split(total, months.len()))
            .map(|(&m, amount)| Instalment {
                due: remitted(fy, m),
                amount,
                direct: false,
            })
            .collect::<Vec<_>>()
    };
    let own = |method, total| match method {
        CollectionMethod::DirectBilling => billed(
            &[
                last_day(fy, 6),
                last_day(fy, 8),
                last_day(fy, 10),
                last_day(fy + 1, 1),
            ],
            total,
        ),
        CollectionMethod::PayrollWithholding => withheld(&payroll_months(fy), total),
        CollectionMethod::PensionWithholding => withheld(&[4, 6, 8, 10, 12, 14], total),
    };
    let mut methods = a.collection_methods.clone();
    methods.sort();
    use CollectionMethod::{DirectBilling, PensionWithholding};
    let mut out = match methods.as_slice() {
        [PensionWithholding, DirectBilling] => {
            let first_half = total / 2 / 100 * 100;
            let mut out = billed(&[last_day(fy, 6), last_day(fy, 8)], first_half);
            out.extend(withheld(&[10, 12, 14], total - first_half));
            out
        }
        [] => own(DirectBilling, total),
        methods => methods
            .iter()
            .zip(split(total, methods.len()))
            .flat_map(|(&method, share)| own(method, share))
            .collect(),
    };
    out.sort_by_key(|i| i.due);
    out
}

/// What had been collected on `as_of`. Past years: almost all settled, about 2% still owe
/// one or two billed instalments. The latest year: what fell due is paid, except that about 3%
/// of billed instalments are paid late (and the most recent may still be open).
pub fn payment(rng: &mut SmallRng, a: &Assessment, latest_fy: i32, as_of: NaiveDate) -> Payment {
    let instalments = schedule(a);
    let billed = instalments.iter().filter(|i| i.direct).count();
    let arrears_from = if a.fiscal_year < latest_fy && billed > 0 && rng.random_range(0..100) < 2 {
        billed - rng.random_range(1..=billed.min(2))
    } else {
        usize::MAX
    };
    // 最終納期限: the due date of the year's last instalment. Unpaid money after it is arrears;
    // before it, unpaid money may simply not be due yet.
    let last_due_date = instalments.iter().map(|i| i.due).max();
    let (mut paid, mut last_paid_on) = (0, None);
    let mut billed_seen = 0;
    let mut recorded: Vec<domain::Instalment> = instalments
        .iter()
        .zip(1..)
        .map(|(i, number)| domain::Instalment {
            number,
            due_date: i.due,
            amount_yen: i.amount,
            paid_yen: 0,
            paid_on: None,
        })
        .collect();
    for (i, record) in instalments
        .iter()
        .zip(recorded.iter_mut())
        .filter(|(i, _)| i.due <= as_of)
    {
        let paid_on = if i.direct {
            billed_seen += 1;
            if billed_seen > arrears_from {
                None
            } else if rng.random_range(0..100) < 3 {
                Some(i.due + Days::new(rng.random_range(1..=45)))
            } else {
                Some(i.due - Days::new(rng.random_range(0..=20)))
            }
        } else {
            Some(i.due - Days::new(rng.random_range(0..=3)))
        };
        if let Some(day) = paid_on.filter(|d| *d <= as_of) {
            paid += i.amount;
            last_paid_on = last_paid_on.max(Some(day));
            record.paid_yen = i.amount;
            record.paid_on = Some(day);
        }
    }
    Payment {
        addressee_no: a.addressee_no.clone(),
        fiscal_year: a.fiscal_year,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: a.tax.total_yen,
        paid_yen: paid,
        unpaid_yen: a.tax.total_yen - paid,
        last_due_date,
        last_paid_on,
        instalments: recorded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::{Dependants, IncomeKind, IncomeLine, TaxAmounts};

    fn assessment(methods: &[CollectionMethod], salary: bool, total: i64) -> Assessment {
        Assessment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            address_on_assessment_date: None,
            declared: true,
            taxable: true,
            collection_methods: methods.to_vec(),
            income_lines: vec![IncomeLine {
                kind: if salary {
                    IncomeKind::Salary
                } else {
                    IncomeKind::Pension
                },
                revenue_yen: 3_000_000,
                income_yen: 2_000_000,
            }],
            deduction_lines: vec![],
            total_income_yen: 2_000_000,
            separate_income_lines: vec![],
            carried_forward_loss_yen: 0,
            income_adjustment_yen: 0,
            aggregate_income_yen: 2_000_000,
            dependants: Dependants::default(),
            tax: TaxAmounts {
                total_yen: total,
                ..TaxAmounts::default()
            },
            tax_credits: vec![],
            under_revision: false,
            own_categories: vec![],
            declared_as_dependant: false,
        }
    }

    #[test]
    fn splits_put_the_remainder_first() {
        assert_eq!(split(161_500, 4), vec![40_600, 40_300, 40_300, 40_300]);
        assert_eq!(
            split(5_000, 12),
            vec![600, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]
        );
        assert_eq!(split(5_000, 1), vec![5_000]);
    }

    #[test]
    fn schedules_by_collection_method() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        for (a, dues, direct) in [
            (
                assessment(&[CollectionMethod::DirectBilling], false, 100_000),
                // 2025-08-31 is a Sunday.
                vec![
                    d(2025, 6, 30),
                    d(2025, 9, 1),
                    d(2025, 10, 31),
                    d(2026, 2, 2),
                ],
                4,
            ),
            (
                assessment(&[CollectionMethod::PensionWithholding], false, 100_000),
                vec![
                    d(2025, 5, 12),
                    d(2025, 7, 10),
                    d(2025, 9, 10),
                    d(2025, 11, 10),
                    // 1/10 Saturday, 1/11 Sunday, 1/12 成人の日.
                    d(2026, 1, 13),
                    d(2026, 3, 10),
                ],
                0,
            ),
            (
                assessment(
                    &[
                        CollectionMethod::DirectBilling,
                        CollectionMethod::PensionWithholding,
                    ],
                    false,
                    100_000,
                ),
                vec![
                    d(2025, 6, 30),
                    d(2025, 9, 1),
                    d(2025, 11, 10),
                    d(2026, 1, 13),
                    d(2026, 3, 10),
                ],
                2,
            ),
        ] {
            let s = schedule(&a);
            assert_eq!(s.iter().map(|i| i.due).collect::<Vec<_>>(), dues);
            assert_eq!(s.iter().filter(|i| i.direct).count(), direct);
            assert_eq!(s.iter().map(|i| i.amount).sum::<i64>(), 100_000);
        }
        let payroll = schedule(&assessment(
            &[CollectionMethod::PayrollWithholding],
            true,
            120_000,
        ));
        assert_eq!(payroll.len(), 12);
        assert_eq!(payroll[0].due, d(2025, 7, 10));
        assert_eq!(payroll[11].due, d(2026, 6, 10));
        assert_eq!(payroll[0].amount, 10_000);
        // Salary withheld and business income billed: half each, on their own schedules.
        let both = schedule(&assessment(
            &[
                CollectionMethod::PayrollWithholding,
                CollectionMethod::DirectBilling,
            ],
            true,
            120_000,
        ));
        assert_eq!(both.len(), 16);
        assert_eq!(both.iter().filter(|i| i.direct).count(), 4);
        assert_eq!(both.iter().map(|i| i.amount).sum::<i64>(), 120_000);
        assert!(both.windows(2).all(|w| w[0].due <= w[1].due));
    }

    #[test]
    fn fy2024_payroll_is_withheld_july_to_may() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut a = assessment(&[CollectionMethod::PayrollWithholding], true, 100_000);
        a.fiscal_year = 2024;
        let s = schedule(&a);
        assert_eq!(s.len(), 11);
        // July's withholding is due 8/10, a Saturday; 8/11 山の日 falls on the Sunday, 8/12 is
        // its 振替休日.
        assert_eq!(s[0].due, d(2024, 8, 13));
        assert_eq!(s[0].due, next_business_day(d(2024, 8, 10)));
        // May 2025's withholding.
        assert_eq!(s[10].due, d(2025, 6, 10));
        // The later ten in whole ¥100, the first takes the remainder.
        assert_eq!(s[0].amount, 10_000);
        assert!(s[1..].iter().all(|i| i.amount == 9_000));
        assert_eq!(s.iter().map(|i| i.amount).sum::<i64>(), 100_000);
        assert!(s.iter().all(|i| !i.direct));
        // Only FY2024: the years either side withhold from June.
        for fy in [2023, 2025] {
            a.fiscal_year = fy;
            let s = schedule(&a);
            assert_eq!(s.len(), 12, "FY{fy}");
            assert_eq!(s[0].due, d(fy, 7, 10), "FY{fy}");
        }
    }

    #[test]
    fn latest_year_pays_what_fell_due() {
        use rand::SeedableRng;
        let as_of = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        let mut rng = SmallRng::seed_from_u64(3);
        let p = payment(
            &mut rng,
            &assessment(&[CollectionMethod::PayrollWithholding], true, 120_000),
            2025,
            as_of,
        );
        // July, August, September and October remittances.
        assert_eq!((p.paid_yen, p.unpaid_yen), (40_000, 80_000));
        // The year's last instalment, June of the next year.
        assert_eq!(p.last_due_date, NaiveDate::from_ymd_opt(2026, 6, 10));
    }
}
