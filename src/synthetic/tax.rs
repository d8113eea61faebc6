//! The tax arithmetic the synthetic population needs so that its figures are internally consistent:
//! employment and pension income deductions, rounding, and per-capita levies by fiscal year.
//! kofu itself never computes tax; it prints what the tax system assessed.

/// 給与所得: employment income from salary revenue (rules from income year 2020). Above
/// ¥1,625,000 and ¥6,600,000 the law first rounds revenue down to a multiple of ¥4,000.
pub fn salary_income(revenue: i64) -> i64 {
    let r = if (1_625_001..6_600_000).contains(&revenue) {
        revenue / 4_000 * 4_000
    } else {
        revenue
    };
    let deduction = if r <= 1_625_000 {
        550_000
    } else if r <= 1_800_000 {
        r * 40 / 100 - 100_000
    } else if r <= 3_600_000 {
        r * 30 / 100 + 80_000
    } else if r <= 6_600_000 {
        r * 20 / 100 + 440_000
    } else if r <= 8_500_000 {
        r * 10 / 100 + 1_100_000
    } else {
        1_950_000
    };
    (r - deduction).max(0)
}

/// 公的年金等所得 for a pensioner aged 65 or more whose other income is at most ¥10 million.
pub fn pension_income_65_plus(revenue: i64) -> i64 {
    let income = if revenue <= 3_300_000 {
        revenue - 1_100_000
    } else if revenue <= 4_100_000 {
        revenue * 75 / 100 - 275_000
    } else if revenue <= 7_700_000 {
        revenue * 85 / 100 - 685_000
    } else if revenue <= 10_000_000 {
        revenue * 95 / 100 - 1_455_000
    } else {
        revenue - 1_955_000
    };
    income.max(0)
}

/// Per-capita levies (均等割) and the forest environment tax (森林環境税) of a fiscal year:
/// (municipal, prefectural, forest). FY2014–2023 carried a ¥500 + ¥500 reconstruction surcharge;
/// from FY2024 the surcharge ended and the national ¥1,000 forest tax began.
pub fn per_capita_rates(fiscal_year: i32) -> (i64, i64, i64) {
    if fiscal_year >= 2024 {
        (3_000, 1_000, 1_000)
    } else {
        (3_500, 1_500, 0)
    }
}

/// Income-levy rates (所得割), municipal and prefectural, in percent: 6% + 4% outside designated cities.
pub const INCOME_LEVY_PERCENT: (i64, i64) = (6, 4);

/// 調整控除, simplified to its minimum (¥2,500: municipal ¥1,500, prefectural ¥1,000).
pub const ADJUSTMENT_CREDIT: (i64, i64) = (1_500, 1_000);

/// Non-taxable thresholds of a 1級地 municipality (the 23 wards): total income at or below
/// which no per-capita levy is due, and at or below which no income levy is due.
pub fn non_taxable_limits(dependants_incl_spouse: i64) -> (i64, i64) {
    if dependants_incl_spouse == 0 {
        (450_000, 450_000)
    } else {
        let n = dependants_incl_spouse + 1;
        (
            350_000 * n + 100_000 + 210_000,
            350_000 * n + 100_000 + 320_000,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_income_at_band_edges() {
        for (revenue, expected) in [
            (0, 0),
            (550_000, 0),
            (1_000_000, 450_000),
            (1_625_000, 1_075_000),
            (1_800_000, 1_180_000),
            (3_600_000, 2_440_000),
            (6_600_000, 4_840_000),
            (6_850_000, 5_065_000),
            (8_500_000, 6_550_000),
            (10_000_000, 8_050_000),
        ] {
            assert_eq!(salary_income(revenue), expected, "revenue {revenue}");
        }
    }

    #[test]
    fn pension_income_bands() {
        for (revenue, expected) in [
            (1_000_000, 0),
            (2_000_000, 900_000),
            (3_300_000, 2_200_000),
            (4_000_000, 2_725_000),
            (5_000_000, 3_565_000),
        ] {
            assert_eq!(
                pension_income_65_plus(revenue),
                expected,
                "revenue {revenue}"
            );
        }
    }

    #[test]
    fn per_capita_levy_changes_in_fy2024() {
        assert_eq!(per_capita_rates(2023), (3_500, 1_500, 0));
        assert_eq!(per_capita_rates(2024), (3_000, 1_000, 1_000));
    }
}
