//! The rules that decide whether a certificate may be issued: a pure function of the person,
//! their assessment for the year, the municipality's policy and the date in Japan.

use super::assessment::Assessment;
use super::certificate::CertificateKind;
use super::policy::Policy;
use super::refusal::RefusalReason;
use super::resident::{Resident, ResidentStatus};
use chrono::{Datelike, NaiveDate};

/// The newest fiscal year whose certificates are open on `today`: the current fiscal year once
/// its switchover day has come, the one before until then.
pub fn latest_open_fiscal_year(today: NaiveDate, policy: &Policy) -> i32 {
    let current = super::fiscal_year::containing(today);
    let opens = NaiveDate::from_ymd_opt(current, policy.switchover.month, policy.switchover.day)
        .expect("the switchover day is validated with the configuration");
    if today >= opens { current } else { current - 1 }
}

/// The fiscal years offered on `today`, newest first.
pub fn fiscal_years_offered(today: NaiveDate, policy: &Policy) -> Vec<i32> {
    let latest = latest_open_fiscal_year(today, policy);
    (0..i32::from(policy.years_offered.clamp(1, 4)))
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
    if resident.issuance_stopped {
        return Err(RefusalReason::IssuanceStopped);
    }
    if age_on(resident.birth_date, today) < policy.min_age as i32 {
        return Err(RefusalReason::UnderMinimumAge);
    }
    Ok(())
}

/// Checks for one fiscal year: offered now, assessed here on 1 January, declared, settled, and
/// for a tax payment certificate, taxed (no 納税証明書 for a year without tax).
pub fn check_year(
    kind: CertificateKind,
    fiscal_year: i32,
    assessment: Option<&Assessment>,
    policy: &Policy,
    today: NaiveDate,
) -> Result<(), RefusalReason> {
    if !fiscal_years_offered(today, policy).contains(&fiscal_year) {
        return Err(RefusalReason::YearNotAvailable);
    }
    let assessment = match assessment {
        Some(a) if a.address_on_assessment_date.is_some() => a,
        _ => return Err(RefusalReason::NotResidentOnAssessmentDate),
    };
    if !assessment.declared {
        return Err(RefusalReason::NoDeclaration);
    }
    if assessment.under_revision {
        return Err(RefusalReason::UnderRevision);
    }
    if kind == CertificateKind::TaxPayment && !assessment.taxable {
        return Err(RefusalReason::NotTaxedYear);
    }
    Ok(())
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
            collection_method: CollectionMethod::Withholding,
            income_lines: vec![],
            deduction_lines: vec![],
            total_income_yen: 0,
            aggregate_income_yen: 0,
            dependants: Dependants::default(),
            tax: TaxAmounts::default(),
            tax_credits: vec![],
            under_revision: false,
        }
    }

    #[test]
    fn years_open_at_the_switchover() {
        let policy = Policy::default();
        for (today, expected) in [
            (date(2025, 5, 31), vec![2024, 2023, 2022, 2021]),
            (date(2025, 6, 1), vec![2025, 2024, 2023, 2022]),
            (date(2025, 12, 31), vec![2025, 2024, 2023, 2022]),
            (date(2026, 1, 15), vec![2025, 2024, 2023, 2022]),
            (date(2026, 3, 31), vec![2025, 2024, 2023, 2022]),
            (date(2026, 4, 1), vec![2025, 2024, 2023, 2022]),
        ] {
            assert_eq!(fiscal_years_offered(today, &policy), expected, "{today}");
        }
        let one_year = Policy {
            years_offered: 1,
            ..Policy::default()
        };
        assert_eq!(
            fiscal_years_offered(date(2025, 6, 1), &one_year),
            vec![2025]
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
                &Policy::default(),
                date(2025, 7, 1),
            );
            assert_eq!(got, expected, "{kind}");
        }
    }
}
