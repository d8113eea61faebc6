//! One fully populated synthetic person for previews and benchmarks: every income kind a salaried
//! landlord might declare (gains on shares taxed separately), many deductions, dependants, taxes
//! with the credits taken off them (調整控除, 配当控除, 令和6年度's 定額減税) and a year's
//! payments; and a part-time year of the same person below the non-taxable limits. Every figure
//! follows from the others by the rules in `tax` (the tests pin them by hand).

use super::tax;
use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    Instalment, Payment, SeparateIncomeKind, SeparateIncomeLine,
};
use crate::domain::municipality::MunicipalityKind;
use crate::domain::resident::{Resident, ResidentStatus};
use chrono::NaiveDate;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

const ADDRESSEE_NO: &str = "0012345678";
const ADDRESS: &str = "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号";

/// The sample resident 山田　花子 (宛名番号 0012345678) of 新宿区: registered, no flags, born 1985.
pub fn resident() -> Resident {
    Resident {
        addressee_no: ADDRESSEE_NO.into(),
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

/// A taxed year of 新宿区 (a special ward: 6% + 4%); with `taxed: false`, a year of part-time
/// work below the non-taxable limits.
pub fn assessment(fiscal_year: i32, taxed: bool) -> Assessment {
    if taxed {
        taxed_year(fiscal_year)
    } else {
        untaxed_year(fiscal_year)
    }
}

/// Salary of ¥6,850,000 (withheld by the employer, who takes the tax on the side income with
/// it), a little rent, dividends taxed together, manuscript fees and gains on shares taxed
/// separately; a spouse without income, a child of 16–18 and one under 16.
fn taxed_year(fiscal_year: i32) -> Assessment {
    let line = |kind, revenue_yen, income_yen| IncomeLine {
        kind,
        revenue_yen,
        income_yen,
    };
    let deduction = |kind, amount_yen| DeductionLine { kind, amount_yen };
    let income_lines = vec![
        line(IncomeKind::RealEstate, 480_000, 120_000),
        line(IncomeKind::Dividend, 35_000, 35_000),
        line(
            IncomeKind::Salary,
            6_850_000,
            tax::salary_income(6_850_000, fiscal_year - 1),
        ),
        line(IncomeKind::Miscellaneous, 60_000, 48_000),
    ];
    let dependants = Dependants {
        has_qualifying_spouse: true,
        general: 1,
        under_16: 1,
        ..Dependants::default()
    };
    let income = tax::ByKind {
        together: income_lines.iter().map(|l| l.income_yen).sum(),
        separate: vec![(SeparateIncomeKind::Shares, 300_000)],
    };
    let total_income = income.total();
    let deduction_lines = vec![
        deduction(DeductionKind::SocialInsurance, 1_012_345),
        deduction(DeductionKind::SmallBusinessMutualAid, 276_000),
        deduction(DeductionKind::LifeInsurance, 70_000),
        deduction(DeductionKind::EarthquakeInsurance, 25_000),
        deduction(
            DeductionKind::Spouse,
            tax::spouse_deduction(total_income, false),
        ),
        deduction(
            DeductionKind::Dependant,
            tax::dependant_deduction(&dependants),
        ),
        deduction(DeductionKind::Basic, tax::basic_deduction(total_income)),
        deduction(DeductionKind::Medical, 52_400),
    ];
    let assessed = tax::assess(tax::TaxInput {
        fiscal_year,
        municipality: MunicipalityKind::SpecialWard,
        total_income,
        income: &income,
        total_deductions: deduction_lines.iter().map(|d| d.amount_yen).sum(),
        dividend_income: 35_000,
        family: tax::family_size(&dependants),
        personally_exempt: false,
        personal_deduction_gap: tax::personal_deduction_gap(&tax::Personal {
            total_income,
            dependants: &dependants,
            spouse_70_or_over: false,
            own_categories: &[],
            single_father: false,
        }),
        flat_rate_people: tax::flat_rate_reduction_people(
            fiscal_year,
            total_income,
            &dependants,
            true,
        ),
    });
    Assessment {
        addressee_no: ADDRESSEE_NO.into(),
        fiscal_year,
        address_on_assessment_date: Some(ADDRESS.into()),
        declared: true,
        taxable: assessed.tax.total_yen > 0,
        collection_methods: vec![CollectionMethod::PayrollWithholding],
        total_income_yen: total_income,
        carried_forward_loss_yen: 0,
        income_adjustment_yen: 0,
        aggregate_income_yen: total_income,
        income_lines,
        separate_income_lines: vec![SeparateIncomeLine {
            kind: SeparateIncomeKind::Shares,
            revenue_yen: 1_200_000,
            income_yen: 300_000,
            taxable_base_yen: Some(assessed.bases.of(SeparateIncomeKind::Shares)),
        }],
        deduction_lines,
        dependants,
        tax: assessed.tax,
        tax_credits: assessed.credits,
        under_revision: false,
        own_categories: vec![],
        declared_as_dependant: false,
    }
}

/// Part-time salary of ¥960,000 and nothing else, single: 給与所得 ¥410,000 (¥310,000 from
/// 令和8年度), at or below the ¥450,000 limit, so no tax at all. Nothing is withheld in a year
/// without tax, so the honest method is direct billing (of nothing).
fn untaxed_year(fiscal_year: i32) -> Assessment {
    const REVENUE: i64 = 960_000;
    let salary_income = tax::salary_income(REVENUE, fiscal_year - 1);
    let income = tax::ByKind {
        together: salary_income,
        separate: vec![],
    };
    let deduction_lines = vec![DeductionLine {
        kind: DeductionKind::Basic,
        amount_yen: tax::basic_deduction(salary_income),
    }];
    let assessed = tax::assess(tax::TaxInput {
        fiscal_year,
        municipality: MunicipalityKind::SpecialWard,
        total_income: salary_income,
        income: &income,
        total_deductions: deduction_lines.iter().map(|d| d.amount_yen).sum(),
        dividend_income: 0,
        family: 0,
        personally_exempt: false,
        personal_deduction_gap: 50_000,
        flat_rate_people: 0,
    });
    Assessment {
        addressee_no: ADDRESSEE_NO.into(),
        fiscal_year,
        address_on_assessment_date: Some(ADDRESS.into()),
        declared: true,
        taxable: assessed.tax.total_yen > 0,
        collection_methods: vec![CollectionMethod::DirectBilling],
        income_lines: vec![IncomeLine {
            kind: IncomeKind::Salary,
            revenue_yen: REVENUE,
            income_yen: salary_income,
        }],
        deduction_lines,
        separate_income_lines: vec![],
        total_income_yen: salary_income,
        carried_forward_loss_yen: 0,
        income_adjustment_yen: 0,
        aggregate_income_yen: salary_income,
        dependants: Dependants::default(),
        tax: assessed.tax,
        tax_credits: assessed.credits,
        under_revision: false,
        own_categories: vec![],
        declared_as_dependant: false,
    }
}

/// The year's payments for a taxed assessment, on the schedule its collection methods give
/// (payroll withholding: twelve monthly instalments from June), each instalment due before
/// 1 November (the synthetic data's extraction day) paid on its due date.
pub fn payments(assessment: &Assessment) -> Vec<Payment> {
    if !assessment.taxable {
        return vec![];
    }
    let fy = assessment.fiscal_year;
    let as_of = super::extraction_date(fy);
    let instalments: Vec<Instalment> = super::payments::schedule(assessment)
        .iter()
        .zip(1..)
        .map(|(i, number)| {
            let paid = i.due < as_of;
            Instalment {
                number,
                due_date: i.due,
                amount_yen: i.amount,
                paid_yen: if paid { i.amount } else { 0 },
                paid_on: paid.then_some(i.due),
            }
        })
        .collect();
    let assessed = assessment.tax.total_yen;
    let paid = instalments.iter().map(|i| i.paid_yen).sum::<i64>();
    vec![Payment {
        addressee_no: assessment.addressee_no.clone(),
        fiscal_year: fy,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: assessed,
        paid_yen: paid,
        unpaid_yen: assessed - paid,
        last_due_date: instalments.iter().map(|i| i.due_date).max(),
        last_paid_on: instalments.iter().filter_map(|i| i.paid_on).max(),
        instalments,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::{TaxAmounts, TaxCreditKind, TaxCreditLine};
    use crate::domain::sync_record::{CheckContext, SyncRecord, check};

    fn credit(kind: TaxCreditKind, municipal: i64, prefectural: i64) -> TaxCreditLine {
        TaxCreditLine {
            kind,
            amount_yen: municipal + prefectural,
            municipal_amount_yen: Some(municipal),
        }
    }

    /// The taxed year by hand. Income: 給与 6,850,000 − (685,000 + 1,100,000) = 5,065,000;
    /// with 不動産 120,000, 配当 35,000 and 雑 48,000, 総所得 5,268,000; 株式等 300,000;
    /// 合計所得金額 5,568,000. Deductions 1,012,345 + 276,000 + 70,000 + 25,000 + 330,000
    /// (spouse) + 330,000 (one 一般) + 430,000 + 52,400 = 2,525,745: 総合 base
    /// 5,268,000 − 2,525,745 = 2,742,255 → 2,742,000; shares 300,000. Before the credits
    /// 2,742,000 × 6% + 300,000 × 3% = 164,520 + 9,000 and × 4% + × 2% = 109,680 + 6,000.
    /// 調整控除: gap 50,000 (基礎) + 50,000 (配偶者) + 50,000 (一般) = 150,000, 合計課税所得金額
    /// 3,042,000 > 2,000,000, so max(150,000 − 1,042,000, 50,000) = 50,000: 1,500 and 1,000.
    /// 配当控除: 35,000 × 1.6% = 560 and × 1.2% = 420.
    fn expected_taxed(flat: (i64, i64)) -> (TaxAmounts, Vec<TaxCreditLine>) {
        let (before_m, before_p) = (173_520, 115_680);
        let municipal = (before_m - 1_500 - 560 - flat.0) / 100 * 100;
        let prefectural = (before_p - 1_000 - 420 - flat.1) / 100 * 100;
        let mut credits = vec![
            credit(TaxCreditKind::Adjustment, 1_500, 1_000),
            credit(TaxCreditKind::Dividend, 560, 420),
        ];
        if flat != (0, 0) {
            credits.push(credit(TaxCreditKind::FlatRateReduction, flat.0, flat.1));
        }
        let tax = TaxAmounts {
            taxable_base_yen: 2_742_000,
            separate_taxable_base_yen: 300_000,
            municipal_income_levy_before_credits_yen: Some(before_m),
            prefectural_income_levy_before_credits_yen: Some(before_p),
            municipal_income_levy_yen: municipal,
            municipal_per_capita_levy_yen: 3_000,
            prefectural_income_levy_yen: prefectural,
            prefectural_per_capita_levy_yen: 1_000,
            forest_env_tax_yen: 1_000,
            total_yen: municipal + 3_000 + prefectural + 1_000 + 1_000,
        };
        (tax, credits)
    }

    #[test]
    fn the_taxed_year_follows_the_rules_by_hand() {
        // 令和7年度: 173,520 − 1,500 − 560 = 171,460 → 171,400; 115,680 − 1,000 − 420 =
        // 114,260 → 114,200; total 290,600.
        let a = assessment(2025, true);
        assert_eq!(
            (a.tax.clone(), a.tax_credits.clone()),
            expected_taxed((0, 0))
        );
        assert_eq!(a.tax.total_yen, 290_600);
        assert_eq!(a.total_income_yen, 5_568_000);
        assert_eq!(a.separate_income_lines[0].taxable_base_yen, Some(300_000));
        // 令和6年度 also takes 定額減税 for four people (taxpayer, spouse, two children):
        // 24,000 and 16,000, so 147,400 and 98,200; total 250,600.
        let a = assessment(2024, true);
        assert_eq!(
            (a.tax.clone(), a.tax_credits.clone()),
            expected_taxed((24_000, 16_000))
        );
        assert_eq!(a.tax.total_yen, 250_600);
        // 令和8年度: the new 65万 minimum does not reach a salary of 6,850,000.
        assert_eq!(assessment(2026, true).tax.total_yen, 290_600);
    }

    #[test]
    fn the_untaxed_year_is_a_part_time_year_below_the_limit() {
        let a = assessment(2025, false);
        // 960,000 − 550,000 = 410,000 ≤ 450,000: no tax; base 410,000 − 430,000 → 0.
        assert_eq!(a.income_lines[0].income_yen, 410_000);
        assert_eq!(
            (a.taxable, a.tax.total_yen, a.tax.taxable_base_yen),
            (false, 0, 0)
        );
        assert_eq!(a.collection_methods, vec![CollectionMethod::DirectBilling]);
        // 令和8年度: 960,000 − 650,000.
        assert_eq!(assessment(2026, false).income_lines[0].income_yen, 310_000);
    }

    #[test]
    fn the_sample_passes_the_sync_checks_and_pays_as_withheld() {
        let context = CheckContext {
            extracted_on: date(2026, 11, 1),
        };
        for fiscal_year in [2023, 2024, 2025, 2026] {
            for taxed in [true, false] {
                let a = assessment(fiscal_year, taxed);
                let mut records = vec![SyncRecord::Assessment(a.clone())];
                records.extend(payments(&a).into_iter().map(SyncRecord::Payment));
                for record in records {
                    let problems = check(&record, &context);
                    assert!(problems.is_empty(), "{problems:?} in {record:?}");
                }
            }
        }
        // Payroll withholding: twelve instalments, those remitted by 10 October paid.
        let p = &payments(&assessment(2025, true))[0];
        assert_eq!(p.instalments.len(), 12);
        assert_eq!(p.instalments.iter().filter(|i| i.paid_yen > 0).count(), 4);
        assert_eq!(p.assessed_yen, 290_600);
    }
}
