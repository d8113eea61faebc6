//! The inhabitant-tax arithmetic the synthetic population needs for its figures to add up:
//! employment and pension income, deductions, non-taxable limits, levies and per-capita rates.
//! kofu itself never computes tax (it prints what the tax system assessed); only test data does.

use crate::domain::assessment::{Dependants, TaxAmounts, TaxCreditKind, TaxCreditLine};

/// 給与所得 from 給与収入 under the rules in force from income year 2020 (令和2年分).
///
/// Below ¥6,600,000 the law reads the result from a table (所得税法 別表第五) whose rows are
/// ¥1,000, ¥2,000 and then ¥4,000 wide; flooring revenue to the row start reproduces it exactly.
pub fn salary_income(revenue: i64) -> i64 {
    let r = match revenue {
        ..1_619_000 => revenue,
        1_619_000..1_620_000 => revenue / 1_000 * 1_000,
        1_620_000..1_624_000 => revenue / 2_000 * 2_000,
        1_624_000..6_600_000 => revenue / 4_000 * 4_000,
        _ => revenue,
    };
    let income = match r {
        ..=1_625_000 => r - 550_000,
        1_625_001..=1_800_000 => r - (r * 40 / 100 - 100_000),
        1_800_001..=3_600_000 => r - (r * 30 / 100 + 80_000),
        3_600_001..=6_600_000 => r - (r * 20 / 100 + 440_000),
        6_600_001..=8_500_000 => r - (r * 10 / 100 + 1_100_000),
        _ => r - 1_950_000,
    };
    income.max(0)
}

/// 公的年金等に係る雑所得 for someone whose other income is at most ¥10 million.
///
/// Under 65 the first band deducts ¥600,000 up to ¥1,300,000 of revenue and then joins the
/// 65+ formula, which is the statutory table, not an approximation. Age is judged on 31 December
/// of the income year.
pub fn pension_income(revenue: i64, aged_65_or_over: bool) -> i64 {
    let income = match (revenue, aged_65_or_over) {
        (..=1_300_000, false) => revenue - 600_000,
        (..=3_300_000, true) => revenue - 1_100_000,
        (..=4_100_000, _) => revenue * 75 / 100 - 275_000,
        (..=7_700_000, _) => revenue * 85 / 100 - 685_000,
        (..=10_000_000, _) => revenue * 95 / 100 - 1_455_000,
        _ => revenue - 1_955_000,
    };
    income.clamp(0, revenue.max(0))
}

/// 均等割 and 森林環境税 of one fiscal year, in yen per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerCapitaRates {
    /// Municipal 均等割, yen (¥3,000 from FY2024, ¥3,500 in FY2014–2023).
    pub municipal: i64,
    /// Prefectural 均等割, yen (¥1,000 from FY2024, ¥1,500 in FY2014–2023).
    pub prefectural: i64,
    /// National, collected with the per-capita levy from FY2024.
    pub forest_env: i64,
}

/// Rates from the fiscal year in the first column until the next row. FY2014–2023 carry the
/// ¥500 + ¥500 disaster-prevention surcharge; FY2024 dropped it and added the forest tax.
/// Municipal surcharges (e.g. a prefecture's own) would be one more key; the 23 wards have none.
const PER_CAPITA_TABLE: [(i32, PerCapitaRates); 3] = [
    (
        i32::MIN,
        PerCapitaRates {
            municipal: 3_000,
            prefectural: 1_000,
            forest_env: 0,
        },
    ),
    (
        2014,
        PerCapitaRates {
            municipal: 3_500,
            prefectural: 1_500,
            forest_env: 0,
        },
    ),
    (
        2024,
        PerCapitaRates {
            municipal: 3_000,
            prefectural: 1_000,
            forest_env: 1_000,
        },
    ),
];

/// The per-capita rates in force for `fiscal_year` (Gregorian start year).
pub fn per_capita_rates(fiscal_year: i32) -> PerCapitaRates {
    PER_CAPITA_TABLE
        .iter()
        .rev()
        .find(|(from, _)| fiscal_year >= *from)
        .map(|(_, rates)| *rates)
        .expect("the first row starts at i32::MIN")
}

/// 所得割 rates (percent) and the flat 調整控除 (yen), municipal then prefectural.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomeLevyRates {
    /// Municipal 所得割 rate, percent (6 in the Tokyo wards).
    pub municipal_percent: i64,
    /// Prefectural 所得割 rate, percent (4 in Tokyo).
    pub prefectural_percent: i64,
    /// Municipal share of the flat 調整控除, yen.
    pub municipal_adjustment_credit: i64,
    /// Prefectural share of the flat 調整控除, yen.
    pub prefectural_adjustment_credit: i64,
}

/// Rates outside 政令指定都市 (those split 8% + 2% since FY2018). The adjustment credit is its
/// statutory minimum, 5% of ¥50,000 split 3:2; the real one grows with the personal-deduction gap.
pub fn income_levy_rates(_fiscal_year: i32) -> IncomeLevyRates {
    IncomeLevyRates {
        municipal_percent: 6,
        prefectural_percent: 4,
        municipal_adjustment_credit: 1_500,
        prefectural_adjustment_credit: 1_000,
    }
}

/// 基礎控除 (inhabitant tax), tapering off above ¥24 million of total income (from FY2021).
pub fn basic_deduction(total_income: i64) -> i64 {
    match total_income {
        ..=24_000_000 => 430_000,
        24_000_001..=24_500_000 => 290_000,
        24_500_001..=25_000_000 => 150_000,
        _ => 0,
    }
}

/// 配偶者控除 (inhabitant tax) by the taxpayer's total income; more for a spouse aged 70+.
pub fn spouse_deduction(taxpayer_total_income: i64, spouse_70_or_over: bool) -> i64 {
    let (full, reduced, least) = if spouse_70_or_over {
        (380_000, 260_000, 130_000)
    } else {
        (330_000, 220_000, 110_000)
    };
    match taxpayer_total_income {
        ..=9_000_000 => full,
        9_000_001..=9_500_000 => reduced,
        9_500_001..=10_000_000 => least,
        _ => 0,
    }
}

/// 扶養控除 (inhabitant tax): 一般 330,000, 特定 (19–22) 450,000, 老人 380,000, 同居老親 450,000.
/// Children under 16 earn no deduction but count for the non-taxable limit.
pub fn dependant_deduction(d: &Dependants) -> i64 {
    i64::from(d.general) * 330_000
        + i64::from(d.specific) * 450_000
        + i64::from(d.elderly) * 380_000
        + i64::from(d.elderly_cohabiting_parents) * 450_000
}

/// 障害者控除 for disabled spouse or dependants: 普通 260,000, 特別 300,000, 同居特別 530,000.
pub fn disabled_dependant_deduction(d: &Dependants) -> i64 {
    i64::from(d.disabled_ordinary) * 260_000
        + i64::from(d.disabled_special) * 300_000
        + i64::from(d.disabled_special_cohabiting) * 530_000
}

/// People counted with the taxpayer for the non-taxable limits: the qualifying spouse and every
/// dependant, children under 16 included.
pub fn family_size(d: &Dependants) -> i64 {
    i64::from(d.has_qualifying_spouse)
        + i64::from(d.general)
        + i64::from(d.specific)
        + i64::from(d.elderly)
        + i64::from(d.elderly_cohabiting_parents)
        + i64::from(d.under_16)
}

/// Total income at or below which no per-capita levy (and so no tax at all) is due, and total
/// income at or below which no income levy is due, for a 1級地 municipality such as the 23 wards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonTaxableLimits {
    /// 均等割 limit: total income at or below this owes no tax at all, yen.
    pub per_capita: i64,
    /// 所得割 limit: total income at or below this owes no income levy, yen.
    pub income_levy: i64,
}

/// The limits for a taxpayer with `family` spouse and dependants (0 for a single person).
pub fn non_taxable_limits(family: i64) -> NonTaxableLimits {
    if family == 0 {
        return NonTaxableLimits {
            per_capita: 450_000,
            income_levy: 450_000,
        };
    }
    let base = 350_000 * (family + 1) + 100_000;
    NonTaxableLimits {
        per_capita: base + 210_000,
        income_levy: base + 320_000,
    }
}

/// Minors, disabled people, widows and single parents owe nothing up to this total income.
pub const PERSONAL_EXEMPTION_LIMIT: i64 = 1_350_000;

/// 課税標準額: income less deductions, floored to ¥1,000, never negative.
pub fn taxable_base(total_income: i64, total_deductions: i64) -> i64 {
    (total_income - total_deductions).max(0) / 1_000 * 1_000
}

/// 配当控除 rates (percent of 総合課税 dividends, municipal then prefectural) while the taxable
/// base is at most ¥10 million; above it the law halves them, which this data never needs exactly.
fn dividend_credit_percent(base: i64) -> (f64, f64) {
    if base <= 10_000_000 {
        (1.6, 1.2)
    } else {
        (0.8, 0.6)
    }
}

/// What the assessment of one person for one fiscal year needs to know to compute the tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxInput {
    /// The fiscal year (Gregorian start year), choosing the rates.
    pub fiscal_year: i32,
    /// 総所得金額等, yen: the non-taxable limits are judged on it.
    pub total_income: i64,
    /// The part of `total_income` taxed separately (分離課税), yen; 0 without any.
    pub separate_income: i64,
    /// 所得控除の合計, yen: taken off the income taxed together first, then the separate.
    pub total_deductions: i64,
    /// Dividend income taxed with the rest (総合課税), for the dividend credit.
    pub dividend_income: i64,
    /// See [`family_size`].
    pub family: i64,
    /// Minor, disabled, widow or single parent: exempt up to [`PERSONAL_EXEMPTION_LIMIT`].
    pub personally_exempt: bool,
    /// People the 定額減税 counts (¥10,000 each), 0 in a year without it.
    pub flat_rate_people: i64,
}

/// The tax and the credits (税額控除) that were taken off the income levies to get it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessed {
    /// The levies (before and after the credits) and total, as a certificate prints them.
    pub tax: TaxAmounts,
    /// The credits taken off the income levies (e.g. 調整控除, 配当控除, 定額減税).
    pub credits: Vec<TaxCreditLine>,
}

/// 分離課税 rates as one pair (percent, municipal then prefectural): those of shares, listed
/// dividends, futures and long-term land gains (3% + 2%). Test data needs one honest rate, not
/// each kind's.
const SEPARATE_PERCENT: (i64, i64) = (3, 2);

/// The flat reduction's municipal share (numerator, denominator): 6 to 4, as the levies.
const FLAT_RATE_MUNICIPAL_SHARE: (i64, i64) = (6, 10);

/// The tax amounts of one assessment. Non-taxed people keep their computed bases but owe
/// nothing; above the per-capita limit but at or below the income-levy limit only the per-capita
/// levy and the forest tax are due. Each income levy is computed before the credits, the credits
/// (調整控除, then 配当控除, then 定額減税) are taken off as far as it reaches, and what is left is
/// floored to ¥100. `total_yen` is always the sum of the parts.
pub fn assess(input: TaxInput) -> Assessed {
    let together = input.total_income - input.separate_income;
    let base = taxable_base(together, input.total_deductions);
    let deductions_left = (input.total_deductions - together.max(0)).max(0);
    let separate_base = taxable_base(input.separate_income, deductions_left);
    let limits = non_taxable_limits(input.family);
    let exempt = input.total_income <= limits.per_capita
        || (input.personally_exempt && input.total_income <= PERSONAL_EXEMPTION_LIMIT);
    if exempt {
        return Assessed {
            tax: TaxAmounts {
                taxable_base_yen: base,
                separate_taxable_base_yen: separate_base,
                ..TaxAmounts::default()
            },
            credits: Vec::new(),
        };
    }
    let per_capita = per_capita_rates(input.fiscal_year);
    let rates = income_levy_rates(input.fiscal_year);
    let levied = input.total_income > limits.income_levy && base + separate_base > 0;
    let (before_m, before_p) = if levied {
        (
            base * rates.municipal_percent / 100 + separate_base * SEPARATE_PERCENT.0 / 100,
            base * rates.prefectural_percent / 100 + separate_base * SEPARATE_PERCENT.1 / 100,
        )
    } else {
        (0, 0)
    };
    let (dividend_municipal, dividend_prefectural) = dividend_credit_percent(base);
    let dividend_credit = |percent: f64| (input.dividend_income as f64 * percent / 100.0) as i64;
    let flat = 10_000 * input.flat_rate_people;
    let flat_m = flat * FLAT_RATE_MUNICIPAL_SHARE.0 / FLAT_RATE_MUNICIPAL_SHARE.1;
    // Each credit is used only as far as the levy still reaches.
    let take = |left: &mut i64, credit: i64| {
        let used = credit.min(*left);
        *left -= used;
        used
    };
    let (mut left_m, mut left_p) = (before_m, before_p);
    let adjustment = (
        take(&mut left_m, rates.municipal_adjustment_credit),
        take(&mut left_p, rates.prefectural_adjustment_credit),
    );
    let dividend = (
        take(&mut left_m, dividend_credit(dividend_municipal)),
        take(&mut left_p, dividend_credit(dividend_prefectural)),
    );
    let flat_rate = (take(&mut left_m, flat_m), take(&mut left_p, flat - flat_m));
    let mut tax = TaxAmounts {
        taxable_base_yen: base,
        separate_taxable_base_yen: separate_base,
        municipal_income_levy_before_credits_yen: Some(before_m),
        prefectural_income_levy_before_credits_yen: Some(before_p),
        municipal_income_levy_yen: left_m / 100 * 100,
        municipal_per_capita_levy_yen: per_capita.municipal,
        prefectural_income_levy_yen: left_p / 100 * 100,
        prefectural_per_capita_levy_yen: per_capita.prefectural,
        forest_env_tax_yen: per_capita.forest_env,
        total_yen: 0,
    };
    tax.total_yen = tax.sum_of_parts();
    let credits = [
        (TaxCreditKind::Adjustment, adjustment),
        (TaxCreditKind::Dividend, dividend),
        (TaxCreditKind::FlatRateReduction, flat_rate),
    ]
    .into_iter()
    .filter(|(_, (m, p))| m + p > 0)
    .map(|(kind, (m, p))| TaxCreditLine {
        kind,
        amount_yen: m + p,
        municipal_amount_yen: Some(m),
    })
    .collect();
    Assessed { tax, credits }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_income_at_band_edges() {
        for (revenue, expected) in [
            (0, 0),
            (550_000, 0),
            (550_001, 1),
            (1_000_000, 450_000),
            (1_618_999, 1_068_999),
            (1_619_500, 1_069_000),
            (1_621_999, 1_070_000),
            (1_623_999, 1_072_000),
            // The brief expected 1,075,000 here, but its own 4,000 rule (and 別表第五: the row
            // 1,624,000–1,627,999 reads 1,074,000) puts 1,625,000 in the 1,624,000 row.
            (1_625_000, 1_074_000),
            (1_627_999, 1_074_000),
            (1_628_000, 1_076_800),
            (1_800_000, 1_180_000),
            (1_803_999, 1_180_000),
            (1_804_000, 1_182_800),
            (3_600_000, 2_440_000),
            (3_603_999, 2_440_000),
            (4_235_812, 2_945_600),
            (6_599_999, 4_836_800),
            (6_600_000, 4_840_000),
            (6_600_001, 4_840_001),
            (8_500_000, 6_550_000),
            (8_500_010, 6_550_010),
            (10_000_000, 8_050_000),
            (20_000_000, 18_050_000),
        ] {
            assert_eq!(salary_income(revenue), expected, "revenue {revenue}");
        }
    }

    #[test]
    fn pension_income_by_age_and_band() {
        for (revenue, aged_65, expected) in [
            (500_000, false, 0),
            (1_000_000, false, 400_000),
            (1_300_000, false, 700_000),
            (1_300_004, false, 700_003),
            (2_000_000, false, 1_225_000),
            (1_000_000, true, 0),
            (1_100_000, true, 0),
            (2_000_000, true, 900_000),
            (3_300_000, true, 2_200_000),
            (4_000_000, true, 2_725_000),
            (4_100_000, true, 2_800_000),
            (5_000_000, true, 3_565_000),
            (7_700_000, true, 5_860_000),
            (10_000_000, true, 8_045_000),
            (12_000_000, true, 10_045_000),
        ] {
            assert_eq!(
                pension_income(revenue, aged_65),
                expected,
                "revenue {revenue}, 65+ {aged_65}"
            );
        }
    }

    #[test]
    fn per_capita_rates_by_fiscal_year() {
        let r = |m, p, f| PerCapitaRates {
            municipal: m,
            prefectural: p,
            forest_env: f,
        };
        for (fy, expected) in [
            (2013, r(3_000, 1_000, 0)),
            (2014, r(3_500, 1_500, 0)),
            (2022, r(3_500, 1_500, 0)),
            (2023, r(3_500, 1_500, 0)),
            (2024, r(3_000, 1_000, 1_000)),
            (2025, r(3_000, 1_000, 1_000)),
        ] {
            assert_eq!(per_capita_rates(fy), expected, "FY{fy}");
        }
    }

    #[test]
    fn deductions_taper() {
        for (income, expected) in [
            (0, 430_000),
            (24_000_000, 430_000),
            (24_000_001, 290_000),
            (24_500_001, 150_000),
            (25_000_001, 0),
        ] {
            assert_eq!(basic_deduction(income), expected, "{income}");
        }
        for (income, aged_70, expected) in [
            (5_000_000, false, 330_000),
            (5_000_000, true, 380_000),
            (9_200_000, false, 220_000),
            (9_800_000, true, 130_000),
            (12_000_000, false, 0),
        ] {
            assert_eq!(spouse_deduction(income, aged_70), expected, "{income}");
        }
        let d = Dependants {
            general: 1,
            specific: 1,
            elderly: 1,
            elderly_cohabiting_parents: 1,
            under_16: 2,
            disabled_ordinary: 1,
            ..Dependants::default()
        };
        assert_eq!(dependant_deduction(&d), 1_610_000);
        assert_eq!(disabled_dependant_deduction(&d), 260_000);
        assert_eq!(family_size(&d), 6);
    }

    #[test]
    fn non_taxable_limits_of_the_23_wards() {
        for (family, per_capita, income_levy) in [
            (0, 450_000, 450_000),
            (1, 1_010_000, 1_120_000),
            (2, 1_360_000, 1_470_000),
            (3, 1_710_000, 1_820_000),
        ] {
            assert_eq!(
                non_taxable_limits(family),
                NonTaxableLimits {
                    per_capita,
                    income_levy
                },
                "family {family}"
            );
        }
    }

    /// A single person of 令和7年度 with nothing: each test sets what it needs.
    fn input() -> TaxInput {
        TaxInput {
            fiscal_year: 2025,
            total_income: 0,
            separate_income: 0,
            total_deductions: 0,
            dividend_income: 0,
            family: 0,
            personally_exempt: false,
            flat_rate_people: 0,
        }
    }

    #[test]
    fn assesses_levies() {
        let input = |fiscal_year, total_income, total_deductions, family| TaxInput {
            fiscal_year,
            total_income,
            total_deductions,
            family,
            ..input()
        };
        let t = |base, mi, mp, pi, pp, f| TaxAmounts {
            taxable_base_yen: base,
            separate_taxable_base_yen: 0,
            municipal_income_levy_before_credits_yen: None,
            prefectural_income_levy_before_credits_yen: None,
            municipal_income_levy_yen: mi,
            municipal_per_capita_levy_yen: mp,
            prefectural_income_levy_yen: pi,
            prefectural_per_capita_levy_yen: pp,
            forest_env_tax_yen: f,
            total_yen: mi + mp + pi + pp + f,
        };
        for (case, expected) in [
            // Income 1,980,000, deductions 865,000: base 1,115,000.
            (
                input(2025, 1_980_000, 865_000, 0),
                t(1_115_000, 65_400, 3_000, 43_600, 1_000, 1_000),
            ),
            (
                input(2023, 1_980_000, 865_000, 0),
                t(1_115_000, 65_400, 3_500, 43_600, 1_500, 0),
            ),
            // At the single limit: nothing due, base kept.
            (input(2025, 450_000, 430_000, 0), t(20_000, 0, 0, 0, 0, 0)),
            // Just above it with a tiny base: the credit takes most of the income levy.
            (
                input(2025, 460_000, 430_000, 0),
                t(30_000, 300, 3_000, 200, 1_000, 1_000),
            ),
            (
                input(2025, 460_000, 440_000, 0),
                t(20_000, 0, 3_000, 0, 1_000, 1_000),
            ),
            // One dependant: per-capita only between 1,010,000 and 1,120,000.
            (
                input(2025, 1_100_000, 760_000, 1),
                t(340_000, 0, 3_000, 0, 1_000, 1_000),
            ),
            (
                input(2025, 1_130_000, 760_000, 1),
                t(370_000, 20_700, 3_000, 13_800, 1_000, 1_000),
            ),
            (
                input(2025, 1_000_000, 760_000, 1),
                t(240_000, 0, 0, 0, 0, 0),
            ),
            // Deductions above income: base 0, per-capita still due.
            (
                input(2025, 600_000, 900_000, 0),
                t(0, 0, 3_000, 0, 1_000, 1_000),
            ),
        ] {
            let got = TaxAmounts {
                municipal_income_levy_before_credits_yen: None,
                prefectural_income_levy_before_credits_yen: None,
                ..assess(case).tax
            };
            assert_eq!(got, expected, "{case:?}");
            assert_eq!(got.total_yen, got.sum_of_parts());
        }
        let exempt = TaxInput {
            personally_exempt: true,
            ..input(2025, 1_350_000, 430_000, 0)
        };
        let got = assess(exempt);
        assert_eq!((got.tax.total_yen, got.tax.taxable_base_yen), (0, 920_000));
        assert!(got.credits.is_empty());
        let over = TaxInput {
            total_income: 1_350_001,
            ..exempt
        };
        assert!(assess(over).tax.total_yen > 0);
    }

    #[test]
    fn lists_the_credits_it_applied() {
        let credit = |kind, (m, p): (i64, i64)| TaxCreditLine {
            kind,
            amount_yen: m + p,
            municipal_amount_yen: Some(m),
        };
        let input = TaxInput {
            total_income: 3_000_000,
            total_deductions: 1_000_000,
            dividend_income: 500_000,
            ..input()
        };
        // Base 2,000,000: municipal 120,000 − 1,500 − 8,000; prefectural 80,000 − 1,000 − 6,000.
        let got = assess(input);
        assert_eq!(
            (
                got.tax.municipal_income_levy_yen,
                got.tax.prefectural_income_levy_yen
            ),
            (110_500, 73_000)
        );
        assert_eq!(
            got.credits,
            vec![
                credit(TaxCreditKind::Adjustment, (1_500, 1_000)),
                credit(TaxCreditKind::Dividend, (8_000, 6_000))
            ]
        );
        // A tiny base: the adjustment credit is used only as far as the levy reaches.
        let small = assess(TaxInput {
            total_income: 460_000,
            total_deductions: 440_000,
            dividend_income: 0,
            ..input
        });
        assert_eq!(
            small.credits,
            vec![credit(TaxCreditKind::Adjustment, (1_200, 800))]
        );
        assert_eq!(small.tax.total_yen, 5_000);
    }

    #[test]
    fn levies_before_the_credits_less_the_credits_give_those_after() {
        let credit = |kind, (m, p): (i64, i64)| TaxCreditLine {
            kind,
            amount_yen: m + p,
            municipal_amount_yen: Some(m),
        };
        // 令和6年度, three people: ¥30,000 of 定額減税 after the adjustment credit; separately
        // taxed gains of ¥1,000,000 at 3% + 2%.
        let got = assess(TaxInput {
            fiscal_year: 2024,
            total_income: 4_000_000,
            separate_income: 1_000_000,
            total_deductions: 1_000_000,
            family: 2,
            flat_rate_people: 3,
            ..input()
        });
        let t = &got.tax;
        assert_eq!(
            (t.taxable_base_yen, t.separate_taxable_base_yen),
            (2_000_000, 1_000_000)
        );
        assert_eq!(
            (
                t.municipal_income_levy_before_credits_yen,
                t.prefectural_income_levy_before_credits_yen
            ),
            (Some(150_000), Some(100_000))
        );
        assert_eq!(
            got.credits,
            vec![
                credit(TaxCreditKind::Adjustment, (1_500, 1_000)),
                credit(TaxCreditKind::FlatRateReduction, (18_000, 12_000))
            ]
        );
        // 150,000 − 1,500 − 18,000 and 100,000 − 1,000 − 12,000.
        assert_eq!(
            (t.municipal_income_levy_yen, t.prefectural_income_levy_yen),
            (130_500, 87_000)
        );
        // Deductions above the income taxed together spill over onto the separate base.
        let spill = assess(TaxInput {
            total_income: 1_500_000,
            separate_income: 1_000_000,
            total_deductions: 800_000,
            ..input()
        });
        assert_eq!(
            (
                spill.tax.taxable_base_yen,
                spill.tax.separate_taxable_base_yen
            ),
            (0, 700_000)
        );
    }
}
