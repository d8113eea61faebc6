//! The rules that decide whether a certificate may be issued: a pure function of the person,
//! their assessment for the year, the municipality's policy and the date in Japan.

use super::assessment::{Assessment, CollectionMethod, Payment};
use super::certificate::CertificateKind;
use super::policy::{ArrearsPolicy, MonthDay, Policy};
use super::refusal::RefusalReason;
use super::resident::{Resident, ResidentStatus};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Whether kiosks may issue at `now` (Japan time): within service hours, not on a closed day,
/// not in a maintenance window.
pub fn check_service_hours(now: NaiveDateTime, policy: &Policy) -> Result<(), RefusalReason> {
    let time = now.time();
    let open = policy.opens.0 <= time && time < policy.closes.0;
    let closed_day = policy.closed_days.iter().any(|c| c.contains(now.date()));
    let maintenance = policy
        .maintenance
        .iter()
        .any(|w| w.from <= now && now < w.to);
    if open && !closed_day && !maintenance {
        Ok(())
    } else {
        Err(RefusalReason::OutsideServiceHours)
    }
}

/// The newest fiscal year whose certificates are open on `today` for a person collected by
/// `methods`: the current fiscal year once its switchover day has come, the one before until then.
pub fn latest_open_fiscal_year(
    today: NaiveDate,
    methods: &[CollectionMethod],
    policy: &Policy,
) -> i32 {
    open_year_from(today, policy.switchover.day(methods))
}

/// The newest fiscal year open to anyone on `today` (the earliest switchover day has come).
pub fn newest_year_open_to_anyone(today: NaiveDate, policy: &Policy) -> i32 {
    open_year_from(today, policy.switchover.earliest())
}

fn open_year_from(today: NaiveDate, switchover: MonthDay) -> i32 {
    let current = super::fiscal_year::containing(today);
    if today >= switchover.in_year(current) {
        current
    } else {
        current - 1
    }
}

/// The fiscal years of `kind` offered on `today`, newest first.
pub fn fiscal_years_offered(
    today: NaiveDate,
    kind: CertificateKind,
    methods: &[CollectionMethod],
    policy: &Policy,
) -> Vec<i32> {
    let latest = latest_open_fiscal_year(today, methods, policy);
    let most = policy.retention.years_kept.max(1);
    (0..i32::from(policy.years_offered.of(kind).clamp(1, most)))
        .map(|back| latest - back)
        .collect()
}

/// Age in completed years on `today`.
pub fn age_on(birth_date: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth_date.year();
    if (today.month(), today.day()) < (birth_date.month(), birth_date.day()) {
        age -= 1;
    }
    age
}

/// Checks that hold whatever the year: the person's standing, age, the kind asked for.
pub fn check_person(
    resident: &Resident,
    kind: CertificateKind,
    policy: &Policy,
    today: NaiveDate,
) -> Result<(), RefusalReason> {
    if !policy.kinds_offered.contains(&kind) {
        return Err(RefusalReason::KindNotOffered);
    }
    match resident.status {
        ResidentStatus::Deceased { .. } => return Err(RefusalReason::Deceased),
        ResidentStatus::MovedOut { filed_on } if filed_on <= today => {
            return Err(RefusalReason::MovedOut);
        }
        _ => {}
    }
    if resident.protection_measure {
        return Err(RefusalReason::SupportMeasure);
    }
    // On the day of moving in the registry's change has not reached the tax data yet.
    if resident.moved_in_on == Some(today) {
        return Err(RefusalReason::MovedInToday);
    }
    if resident.issuance_stopped {
        return Err(RefusalReason::IssuanceStopped);
    }
    if age_on(resident.birth_date, today) < policy.min_age as i32 {
        return Err(RefusalReason::UnderMinimumAge);
    }
    Ok(())
}

/// Checks for one fiscal year: offered now (by the person's collection method), assessed here on
/// 1 January, declared, settled, and for a tax payment certificate, taxed (no 納税証明書 for a
/// year without tax) and without arrears the policy refuses.
pub fn check_year(
    kind: CertificateKind,
    fiscal_year: i32,
    assessment: Option<&Assessment>,
    payments: &[Payment],
    policy: &Policy,
    today: NaiveDate,
) -> Result<(), RefusalReason> {
    let methods = assessment.map_or(&[][..], |a| &a.collection_methods[..]);
    if !fiscal_years_offered(today, kind, methods, policy).contains(&fiscal_year) {
        return Err(RefusalReason::YearNotAvailable);
    }
    let assessment = match assessment {
        Some(a) if a.address_on_assessment_date.is_some() => a,
        _ => return Err(RefusalReason::NotResidentOnAssessmentDate),
    };
    if !assessment.declared && !dependants_nontax_certificate(kind, assessment, policy) {
        return Err(RefusalReason::NoDeclaration);
    }
    if assessment.under_revision {
        return Err(RefusalReason::UnderRevision);
    }
    if kind == CertificateKind::TaxPayment {
        if !assessment.taxable {
            return Err(RefusalReason::NotTaxedYear);
        }
        check_payments(payments, &policy.arrears, today)?;
    }
    Ok(())
}

/// Whether an undeclared year may still be certified: a 非課税証明書 for a person named as a
/// dependant on another taxpayer's return, when the municipality allows it. Their income is
/// known only to be within the dependant's limit, so the certificate shows no income figures.
pub fn dependants_nontax_certificate(
    kind: CertificateKind,
    assessment: &Assessment,
    policy: &Policy,
) -> bool {
    policy.allow_dependant_nontax
        && kind == CertificateKind::Taxation
        && !assessment.declared
        && assessment.declared_as_dependant
        && !assessment.taxable
}

/// What the payments of a year say about money overdue on `today`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Overdue {
    /// Something overdue that a bank payment within the reflection lag may already have paid.
    maybe_not_reflected: bool,
    /// 滞納: something unpaid after its due date and past the reflection lag.
    arrears: bool,
}

fn overdue(p: &Payment, lag_days: i64, today: NaiveDate) -> Overdue {
    if p.instalments.is_empty() {
        // An older file: only the year's totals are known. Money unpaid after 最終納期限 is
        // arrears, unless a payment within the lag may not be counted yet.
        let late = p.unpaid_yen > 0 && p.last_due_date.is_some_and(|due| due < today);
        let recent = p
            .last_paid_on
            .is_some_and(|paid| (today - paid).num_days() < lag_days);
        return Overdue {
            maybe_not_reflected: late && recent,
            arrears: late && !recent,
        };
    }
    let mut found = Overdue::default();
    for i in p.instalments.iter() {
        if i.unpaid_yen() > 0 && i.due_date < today {
            if (today - i.due_date).num_days() <= lag_days {
                found.maybe_not_reflected = true;
            } else {
                found.arrears = true;
            }
        }
    }
    found
}

/// Money is in arrears when any instalment is unpaid after its own due date. An instalment that
/// fell due within the reflection lag and shows unpaid may have been paid at a bank in the last
/// weeks: the figures cannot be certified either way, so the resident is sent to the counter.
pub fn check_payments(
    payments: &[Payment],
    policy: &ArrearsPolicy,
    today: NaiveDate,
) -> Result<(), RefusalReason> {
    let lag_days = i64::from(policy.reflection_lag_days);
    let found: Vec<Overdue> = payments
        .iter()
        .map(|p| overdue(p, lag_days, today))
        .collect();
    if policy.refuse_with_arrears && found.iter().any(|o| o.arrears) {
        Err(RefusalReason::Arrears)
    } else if found.iter().any(|o| o.maybe_not_reflected) {
        Err(RefusalReason::PaymentNotYetReflected)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::{CollectionMethod, Dependants, TaxAmounts};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn resident() -> Resident {
        Resident {
            addressee_no: "0000000001".into(),
            name: "山田　花子".into(),
            name_kana: "ヤマダ　ハナコ".into(),
            birth_date: date(1985, 4, 15),
            address: "東京都新宿区西新宿二丁目8番1号".into(),
            status: ResidentStatus::Resident,
            moved_in_on: None,
            protection_measure: false,
            issuance_stopped: false,
        }
    }

    fn assessment() -> Assessment {
        Assessment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            address_on_assessment_date: Some("東京都新宿区西新宿二丁目8番1号".into()),
            declared: true,
            taxable: true,
            collection_methods: vec![CollectionMethod::PayrollWithholding],
            income_lines: vec![],
            deduction_lines: vec![],
            total_income_yen: 0,
            separate_income_lines: vec![],
            carried_forward_loss_yen: 0,
            income_adjustment_yen: 0,
            aggregate_income_yen: 0,
            dependants: Dependants::default(),
            tax: TaxAmounts::default(),
            tax_credits: vec![],
            under_revision: false,
            own_categories: vec![],
            declared_as_dependant: false,
        }
    }

    #[test]
    fn years_open_at_the_switchover_for_each_collection_method() {
        use CollectionMethod::{
            DirectBilling as D, PayrollWithholding as W, PensionWithholding as P,
        };
        let policy = Policy::default();
        let new = vec![2025, 2024, 2023, 2022];
        let old = vec![2024, 2023, 2022, 2021];
        // Every combination on the days either side of both switchover days.
        let combinations: [&[CollectionMethod]; 8] =
            [&[W], &[P], &[D], &[W, P], &[W, D], &[P, D], &[W, P, D], &[]];
        for methods in combinations {
            let payroll_only = methods == [W];
            for (today, open) in [
                (date(2025, 5, 14), false),
                (date(2025, 5, 15), payroll_only),
                (date(2025, 5, 31), payroll_only),
                (date(2025, 6, 1), true),
                (date(2026, 3, 31), true),
            ] {
                let got = fiscal_years_offered(today, CertificateKind::Income, methods, &policy);
                let expected = if open { &new } else { &old };
                assert_eq!(&got, expected, "{today} {methods:?}");
            }
        }
        // From 1 April the fiscal year has changed but its certificates are not open yet.
        assert_eq!(
            fiscal_years_offered(date(2026, 4, 1), CertificateKind::Income, &[W], &policy),
            new
        );
        assert_eq!(newest_year_open_to_anyone(date(2025, 5, 15), &policy), 2025);
        assert_eq!(newest_year_open_to_anyone(date(2025, 5, 14), &policy), 2024);
        let mut one_year = Policy::default();
        one_year.years_offered.tax_payment = 1;
        let years = |kind| fiscal_years_offered(date(2025, 6, 1), kind, &[D], &one_year);
        assert_eq!(years(CertificateKind::TaxPayment), vec![2025]);
        assert_eq!(years(CertificateKind::Income).len(), 4);
    }

    #[test]
    fn service_hours_closed_days_and_maintenance() {
        let at = |y, m, d, h, min| date(y, m, d).and_hms_opt(h, min, 0).unwrap();
        let mut policy = Policy::default();
        policy
            .maintenance
            .push(crate::domain::policy::MaintenanceWindow {
                from: at(2025, 8, 10, 1, 0),
                to: at(2025, 8, 10, 5, 0),
            });
        let closed = Err(RefusalReason::OutsideServiceHours);
        for (now, expected) in [
            (at(2025, 7, 1, 6, 29), closed),
            (at(2025, 7, 1, 6, 30), Ok(())),
            (at(2025, 7, 1, 22, 59), Ok(())),
            (at(2025, 7, 1, 23, 0), closed),
            (at(2025, 12, 28, 12, 0), Ok(())),
            (at(2025, 12, 29, 12, 0), closed),
            (at(2026, 1, 1, 12, 0), closed),
            (at(2026, 1, 3, 12, 0), closed),
            (at(2026, 1, 4, 12, 0), Ok(())),
            (at(2025, 8, 10, 7, 0), Ok(())),
        ] {
            assert_eq!(check_service_hours(now, &policy), expected, "{now}");
        }
        assert_eq!(check_service_hours(at(2025, 8, 10, 6, 45), &policy), Ok(()));
        let mut night = policy.clone();
        night.opens = crate::domain::policy::ClockTime(chrono::NaiveTime::MIN);
        assert_eq!(check_service_hours(at(2025, 8, 10, 1, 0), &night), closed);
        assert_eq!(check_service_hours(at(2025, 8, 10, 5, 0), &night), Ok(()));
    }

    #[test]
    fn an_older_files_year_totals_decide_after_the_last_due_date() {
        let policy = ArrearsPolicy::default();
        let payment = |unpaid: i64, due: (i32, u32, u32), paid: Option<(i32, u32, u32)>| Payment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            tax_item: "inhabitant_tax".into(),
            assessed_yen: 100_000,
            paid_yen: 100_000 - unpaid,
            unpaid_yen: unpaid,
            last_due_date: Some(date(due.0, due.1, due.2)),
            last_paid_on: paid.map(|(y, m, d)| date(y, m, d)),
            instalments: vec![],
        };
        let today = date(2025, 9, 15);
        for (p, expected) in [
            (payment(0, (2025, 8, 31), Some((2025, 9, 10))), Ok(())),
            (payment(50_000, (2025, 10, 31), None), Ok(())),
            (
                payment(50_000, (2025, 8, 31), Some((2025, 6, 30))),
                Err(RefusalReason::Arrears),
            ),
            (
                payment(50_000, (2025, 8, 31), Some((2025, 9, 1))),
                Err(RefusalReason::PaymentNotYetReflected),
            ),
            (
                payment(50_000, (2025, 8, 31), Some((2025, 8, 25))),
                Err(RefusalReason::Arrears),
            ),
        ] {
            assert_eq!(
                check_payments(std::slice::from_ref(&p), &policy, today),
                expected,
                "{p:?}"
            );
        }
        let lenient = ArrearsPolicy {
            refuse_with_arrears: false,
            ..policy
        };
        assert_eq!(
            check_payments(&[payment(50_000, (2025, 8, 31), None)], &lenient, today),
            Ok(())
        );
    }

    /// Four instalments of ¥25,000 due 6/30, 8/31, 10/31 and 1/31; `paid` says which are paid.
    fn instalments(paid: [bool; 4]) -> Payment {
        use crate::domain::assessment::Instalment;
        let dues = [
            date(2025, 6, 30),
            date(2025, 8, 31),
            date(2025, 10, 31),
            date(2026, 1, 31),
        ];
        let instalments: Vec<Instalment> = (0..4)
            .map(|i| Instalment {
                number: i as u8 + 1,
                due_date: dues[i],
                amount_yen: 25_000,
                paid_yen: if paid[i] { 25_000 } else { 0 },
                paid_on: paid[i].then_some(dues[i]),
            })
            .collect();
        let paid_yen = instalments.iter().map(|i| i.paid_yen).sum::<i64>();
        Payment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            tax_item: "inhabitant_tax".into(),
            assessed_yen: 100_000,
            paid_yen,
            unpaid_yen: 100_000 - paid_yen,
            last_due_date: Some(dues[3]),
            last_paid_on: instalments.iter().filter_map(|i| i.paid_on).max(),
            instalments,
        }
    }

    #[test]
    fn arrears_are_per_instalment_and_the_lag_protects_recent_due_dates() {
        let policy = ArrearsPolicy::default(); // 21 days
        let reflected = Err(RefusalReason::PaymentNotYetReflected);
        let arrears = Err(RefusalReason::Arrears);
        let second_unpaid = instalments([true, false, true, false]);
        for (today, expected) in [
            // On its due date the 2nd instalment may still be paid on time.
            (date(2025, 8, 31), Ok(())),
            // The day after, it fell due within the lag: maybe paid at a bank, not yet reflected.
            (date(2025, 9, 1), reflected),
            // The lag's last day: 21 days after the due date.
            (date(2025, 9, 21), reflected),
            // The day after the lag: arrears, though 最終納期限 (1/31) is months away.
            (date(2025, 9, 22), arrears),
            (date(2026, 2, 1), arrears),
        ] {
            assert_eq!(
                check_payments(std::slice::from_ref(&second_unpaid), &policy, today),
                expected,
                "{today}"
            );
        }
        // Money not yet due is not owed: only the 1st instalment fell due, and it is paid.
        let first_paid = instalments([true, false, false, false]);
        assert_eq!(
            check_payments(
                std::slice::from_ref(&first_paid),
                &policy,
                date(2025, 8, 31)
            ),
            Ok(())
        );
        assert_eq!(
            check_payments(&[first_paid], &policy, date(2025, 9, 1)),
            reflected
        );
        // An old unpaid instalment is arrears even while a newer one is within the lag.
        let old_and_new = instalments([false, false, true, true]);
        assert_eq!(
            check_payments(
                std::slice::from_ref(&old_and_new),
                &policy,
                date(2025, 9, 1)
            ),
            arrears
        );
        // A municipality that certifies arrears still refuses figures it cannot trust.
        let lenient = ArrearsPolicy {
            refuse_with_arrears: false,
            ..policy
        };
        assert_eq!(
            check_payments(&[old_and_new], &lenient, date(2025, 9, 1)),
            reflected
        );
        assert_eq!(
            check_payments(&[second_unpaid], &lenient, date(2025, 9, 22)),
            Ok(())
        );
    }

    #[test]
    fn ages_count_completed_years() {
        for (birth, today, expected) in [
            (date(2010, 6, 2), date(2025, 6, 1), 14),
            (date(2010, 6, 1), date(2025, 6, 1), 15),
            (date(2008, 2, 29), date(2025, 2, 28), 16),
        ] {
            assert_eq!(age_on(birth, today), expected);
        }
    }

    fn check_person_case(change: impl FnOnce(&mut Resident), expected: Result<(), RefusalReason>) {
        let mut r = resident();
        change(&mut r);
        let got = check_person(
            &r,
            CertificateKind::IncomeAndTaxation,
            &Policy::default(),
            date(2025, 7, 1),
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn person_rules() {
        check_person_case(|_| {}, Ok(()));
        check_person_case(
            |r| {
                r.status = ResidentStatus::MovedOut {
                    filed_on: date(2025, 7, 1),
                }
            },
            Err(RefusalReason::MovedOut),
        );
        check_person_case(
            |r| {
                r.status = ResidentStatus::MovedOut {
                    filed_on: date(2025, 7, 2),
                }
            },
            Ok(()),
        );
        check_person_case(
            |r| {
                r.status = ResidentStatus::Deceased {
                    on: date(2025, 1, 1),
                }
            },
            Err(RefusalReason::Deceased),
        );
        check_person_case(
            |r| r.protection_measure = true,
            Err(RefusalReason::SupportMeasure),
        );
        check_person_case(
            |r| r.issuance_stopped = true,
            Err(RefusalReason::IssuanceStopped),
        );
        check_person_case(
            |r| r.birth_date = date(2010, 7, 2),
            Err(RefusalReason::UnderMinimumAge),
        );
        check_person_case(|r| r.birth_date = date(2010, 7, 1), Ok(()));
        // The day of moving in is refused; the day after and the day before are not.
        check_person_case(
            |r| r.moved_in_on = Some(date(2025, 7, 1)),
            Err(RefusalReason::MovedInToday),
        );
        check_person_case(|r| r.moved_in_on = Some(date(2025, 6, 30)), Ok(()));
        check_person_case(|r| r.moved_in_on = Some(date(2025, 7, 2)), Ok(()));
        let income_only = Policy {
            kinds_offered: vec![CertificateKind::Income],
            ..Policy::default()
        };
        assert_eq!(
            check_person(
                &resident(),
                CertificateKind::TaxPayment,
                &income_only,
                date(2025, 7, 1)
            ),
            Err(RefusalReason::KindNotOffered)
        );
    }

    fn check_year_case(
        fiscal_year: i32,
        change: impl FnOnce(&mut Option<Assessment>),
        expected: Result<(), RefusalReason>,
    ) {
        let mut a = Some(assessment());
        change(&mut a);
        let got = check_year(
            CertificateKind::IncomeAndTaxation,
            fiscal_year,
            a.as_ref(),
            &[],
            &Policy::default(),
            date(2025, 7, 1),
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn year_rules() {
        check_year_case(2025, |_| {}, Ok(()));
        check_year_case(2026, |_| {}, Err(RefusalReason::YearNotAvailable));
        check_year_case(2021, |_| {}, Err(RefusalReason::YearNotAvailable));
        check_year_case(
            2025,
            |a| *a = None,
            Err(RefusalReason::NotResidentOnAssessmentDate),
        );
        check_year_case(
            2025,
            |a| a.as_mut().unwrap().address_on_assessment_date = None,
            Err(RefusalReason::NotResidentOnAssessmentDate),
        );
        check_year_case(
            2025,
            |a| a.as_mut().unwrap().declared = false,
            Err(RefusalReason::NoDeclaration),
        );
        check_year_case(
            2025,
            |a| a.as_mut().unwrap().under_revision = true,
            Err(RefusalReason::UnderRevision),
        );
        let mut untaxed = assessment();
        untaxed.taxable = false;
        for (kind, expected) in [
            (
                CertificateKind::TaxPayment,
                Err(RefusalReason::NotTaxedYear),
            ),
            (CertificateKind::Taxation, Ok(())),
            (CertificateKind::Income, Ok(())),
        ] {
            let got = check_year(
                kind,
                2025,
                Some(&untaxed),
                &[],
                &Policy::default(),
                date(2025, 7, 1),
            );
            assert_eq!(got, expected, "{kind}");
        }
    }

    #[test]
    fn a_dependants_nontax_certificate_only_when_allowed_and_only_that() {
        let dependant = Assessment {
            declared: false,
            taxable: false,
            declared_as_dependant: true,
            ..assessment()
        };
        let allowed = Policy {
            allow_dependant_nontax: true,
            ..Policy::default()
        };
        let check = |kind, a: &Assessment, policy: &Policy| {
            check_year(kind, 2025, Some(a), &[], policy, date(2025, 7, 1))
        };
        use CertificateKind::{Income, IncomeAndTaxation, TaxPayment, Taxation};
        // Off by default.
        assert_eq!(
            check(Taxation, &dependant, &Policy::default()),
            Err(RefusalReason::NoDeclaration)
        );
        assert_eq!(check(Taxation, &dependant, &allowed), Ok(()));
        // Only the 非課税証明書: no income figures exist to certify.
        for kind in [Income, IncomeAndTaxation] {
            assert_eq!(
                check(kind, &dependant, &allowed),
                Err(RefusalReason::NoDeclaration),
                "{kind}"
            );
        }
        assert_eq!(
            check(TaxPayment, &dependant, &allowed),
            Err(RefusalReason::NoDeclaration)
        );
        // Not named as a dependant, or taxed after all (a per-capita levy): the counter.
        let not_named = Assessment {
            declared_as_dependant: false,
            ..dependant.clone()
        };
        assert_eq!(
            check(Taxation, &not_named, &allowed),
            Err(RefusalReason::NoDeclaration)
        );
        let taxed = Assessment {
            taxable: true,
            ..dependant.clone()
        };
        assert_eq!(
            check(Taxation, &taxed, &allowed),
            Err(RefusalReason::NoDeclaration)
        );
        // Under revision still wins.
        let revising = Assessment {
            under_revision: true,
            ..dependant
        };
        assert_eq!(
            check(Taxation, &revising, &allowed),
            Err(RefusalReason::UnderRevision)
        );
    }
}
