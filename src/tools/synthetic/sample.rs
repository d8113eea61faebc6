//! One fully populated synthetic person for previews and benchmarks: every income kind a salaried
//! landlord might declare (gains on shares taxed separately), many deductions, dependants, taxes
//! with the credits taken off them (令和6年度's 定額減税 included) and a year's payments.

use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    Instalment, Payment, SeparateIncomeKind, SeparateIncomeLine, TaxAmounts, TaxCreditKind,
    TaxCreditLine,
};
use crate::domain::resident::{Resident, ResidentStatus};
use chrono::NaiveDate;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

const ADDRESS: &str = "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号";

/// The sample resident 山田　花子 (宛名番号 0012345678) of 新宿区: registered, no flags, born 1985.
pub fn resident() -> Resident {
    Resident {
        addressee_no: "0012345678".into(),
        name: "山田　花子".into(),
        name_kana: "ヤマダ　ハナコ".into(),
        birth_date: date(1985, 4, 15),
        address: ADDRESS.into(),
        status: ResidentStatus::Resident,
        moved_in_on: None,
        protection_measure: false,
        issuance_stopped: false,
    }
}

/// A taxed year; with `taxed: false`, a pensioner's year below the non-taxable limit.
pub fn assessment(fiscal_year: i32, taxed: bool) -> Assessment {
    if !taxed {
        return Assessment {
            addressee_no: "0012345678".into(),
            fiscal_year,
            address_on_assessment_date: Some(ADDRESS.into()),
            declared: true,
            taxable: false,
            collection_methods: vec![CollectionMethod::PayrollWithholding],
            income_lines: vec![IncomeLine {
                kind: IncomeKind::Pension,
                revenue_yen: 1_200_000,
                income_yen: 100_000,
            }],
            deduction_lines: vec![DeductionLine {
                kind: DeductionKind::Basic,
                amount_yen: 430_000,
            }],
            separate_income_lines: vec![],
            total_income_yen: 100_000,
            carried_forward_loss_yen: 0,
            income_adjustment_yen: 0,
            aggregate_income_yen: 100_000,
            dependants: Dependants::default(),
            tax: TaxAmounts::default(),
            tax_credits: vec![],
            under_revision: false,
            own_categories: vec![],
            declared_as_dependant: false,
        };
    }
    let line = |kind, revenue_yen, income_yen| IncomeLine {
        kind,
        revenue_yen,
        income_yen,
    };
    let deduction = |kind, amount_yen| DeductionLine { kind, amount_yen };
    let income_lines = vec![
        line(IncomeKind::RealEstate, 480_000, 120_000),
        line(IncomeKind::Dividend, 35_000, 35_000),
        line(IncomeKind::Salary, 6_850_000, 5_065_000),
        line(IncomeKind::Miscellaneous, 60_000, 48_000),
    ];
    let deduction_lines = vec![
        deduction(DeductionKind::SocialInsurance, 1_012_345),
        deduction(DeductionKind::SmallBusinessMutualAid, 276_000),
        deduction(DeductionKind::LifeInsurance, 70_000),
        deduction(DeductionKind::EarthquakeInsurance, 25_000),
        deduction(DeductionKind::Spouse, 330_000),
        deduction(DeductionKind::Dependant, 330_000),
        deduction(DeductionKind::Basic, 430_000),
        deduction(DeductionKind::Medical, 52_400),
    ];
    let separate_income_lines = vec![SeparateIncomeLine {
        kind: SeparateIncomeKind::Shares,
        revenue_yen: 1_200_000,
        income_yen: 300_000,
        taxable_base_yen: Some(300_000),
    }];
    // 調整控除 ¥2,500 (¥1,500 + ¥1,000); in 令和6年度 also 定額減税 ¥10,000 for each of four
    // people (the taxpayer, the spouse and two children), ¥24,000 + ¥16,000.
    let flat_rate = fiscal_year == 2024;
    let mut tax_credits = vec![TaxCreditLine {
        kind: TaxCreditKind::Adjustment,
        amount_yen: 2_500,
        municipal_amount_yen: Some(1_500),
    }];
    if flat_rate {
        tax_credits.push(TaxCreditLine {
            kind: TaxCreditKind::FlatRateReduction,
            amount_yen: 40_000,
            municipal_amount_yen: Some(24_000),
        });
    }
    let (flat_m, flat_p) = if flat_rate { (24_000, 16_000) } else { (0, 0) };
    // 総合: 6% and 4% of the base; 分離 (shares): 3% and 2% of its base.
    let (municipal_before, prefectural_before) = (164_520 + 9_000, 109_680 + 6_000);
    let tax = TaxAmounts {
        taxable_base_yen: 2_742_000,
        separate_taxable_base_yen: 300_000,
        municipal_income_levy_before_credits_yen: Some(municipal_before),
        prefectural_income_levy_before_credits_yen: Some(prefectural_before),
        municipal_income_levy_yen: (municipal_before - 1_500 - flat_m) / 100 * 100,
        municipal_per_capita_levy_yen: 3_000,
        prefectural_income_levy_yen: (prefectural_before - 1_000 - flat_p) / 100 * 100,
        prefectural_per_capita_levy_yen: 1_000,
        forest_env_tax_yen: if fiscal_year >= 2024 { 1_000 } else { 0 },
        total_yen: 0,
    };
    let tax = TaxAmounts {
        total_yen: tax.sum_of_parts(),
        ..tax
    };
    let total_income: i64 = income_lines
        .iter()
        .map(|l| l.income_yen)
        .chain(separate_income_lines.iter().map(|l| l.income_yen))
        .sum();
    Assessment {
        addressee_no: "0012345678".into(),
        fiscal_year,
        address_on_assessment_date: Some(ADDRESS.into()),
        declared: true,
        taxable: true,
        collection_methods: vec![CollectionMethod::PayrollWithholding],
        total_income_yen: total_income,
        carried_forward_loss_yen: 0,
        income_adjustment_yen: 0,
        aggregate_income_yen: total_income,
        income_lines,
        separate_income_lines,
        deduction_lines,
        dependants: Dependants {
            has_qualifying_spouse: true,
            general: 1,
            under_16: 1,
            ..Dependants::default()
        },
        tax,
        tax_credits,
        under_revision: false,
        own_categories: vec![],
        declared_as_dependant: false,
    }
}

/// The year's payments for a taxed assessment: four instalments (end of June, August, October
/// and January), the first two paid.
pub fn payments(assessment: &Assessment) -> Vec<Payment> {
    if !assessment.taxable {
        return vec![];
    }
    let fy = assessment.fiscal_year;
    let assessed = assessment.tax.total_yen;
    let later = assessed / 4 / 100 * 100;
    let dues = [
        date(fy, 6, 30),
        date(fy, 8, 31),
        date(fy, 10, 31),
        date(fy + 1, 1, 31),
    ];
    let paid_on = [Some(date(fy, 6, 27)), Some(date(fy, 8, 29)), None, None];
    let instalments: Vec<Instalment> = (0..4)
        .map(|i| {
            let amount_yen = if i == 0 { assessed - 3 * later } else { later };
            Instalment {
                number: i as u8 + 1,
                due_date: dues[i],
                amount_yen,
                paid_yen: if paid_on[i].is_some() { amount_yen } else { 0 },
                paid_on: paid_on[i],
            }
        })
        .collect();
    let paid = instalments.iter().map(|i| i.paid_yen).sum::<i64>();
    vec![Payment {
        addressee_no: assessment.addressee_no.clone(),
        fiscal_year: fy,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: assessed,
        paid_yen: paid,
        unpaid_yen: assessed - paid,
        last_due_date: Some(dues[3]),
        last_paid_on: paid_on[1],
        instalments,
    }]
}
