//! The inhabitant-tax arithmetic the synthetic population needs for its figures to follow the
//! statute: employment and pension income, 所得金額調整控除, 損益通算, deductions, non-taxable
//! limits, 課税標準額 per kind, 所得割 by a rates table keyed by fiscal year and municipality kind,
//! and the credits (調整控除, 配当控除, 定額減税). Pure functions over whole yen, no I/O.
//! kofu itself never computes tax (it prints what the tax system assessed); only test data does.

use crate::domain::assessment::{
    Dependants, PersonCategory, SeparateIncomeKind, TaxAmounts, TaxCreditKind, TaxCreditLine,
};
use crate::domain::municipality::MunicipalityKind;

/// 給与所得 from 給与収入 of `income_year` (所得税法28条3項, 別表第五).
///
/// Two regimes: from 令和2年分 (2020) the deduction is at least ¥550,000 up to ¥1,625,000 of
/// revenue, then 40% − ¥100,000 up to ¥1,800,000; from 令和7年分 (2025, so from 令和8年度) it is at
/// least ¥650,000 up to ¥1,900,000 and the 40% band is gone. The bands above are the same in
/// both. Earlier income years are read with the 2020 rules (the generator never goes back that
/// far). Below ¥6,600,000 the law reads the result from 別表第五 (see `salary_table_row`).
pub fn salary_income(revenue: i64, income_year: i32) -> i64 {
    let r = salary_table_row(revenue, income_year);
    let (minimum, minimum_up_to) = if income_year >= 2025 {
        (650_000, 1_900_000)
    } else {
        (550_000, 1_625_000)
    };
    let deduction = match r {
        _ if r <= minimum_up_to => minimum,
        ..=1_800_000 => r * 40 / 100 - 100_000,
        1_800_001..=3_600_000 => r * 30 / 100 + 80_000,
        3_600_001..=6_600_000 => r * 20 / 100 + 440_000,
        6_600_001..=8_500_000 => r * 10 / 100 + 1_100_000,
        _ => 1_950_000,
    };
    (r - deduction).max(0)
}

/// The revenue 別表第五 computes with: the start of the table row `revenue` falls in.
///
/// The 2020 edition is exact below ¥1,619,000, then has rows ¥1,000 wide (to ¥1,620,000),
/// ¥2,000 wide (to ¥1,624,000) and ¥4,000 wide up to ¥6,600,000. The 2025 edition is exact
/// below ¥1,900,000 (its first row deducts ¥650,000 from any revenue below it) and has ¥4,000
/// rows from ¥1,900,000 to ¥6,600,000. From ¥6,600,000 the formula applies to the revenue itself.
fn salary_table_row(revenue: i64, income_year: i32) -> i64 {
    let floor_to = |step: i64| revenue / step * step;
    if income_year >= 2025 {
        return match revenue {
            1_900_000..6_600_000 => floor_to(4_000),
            _ => revenue,
        };
    }
    match revenue {
        1_619_000..1_620_000 => floor_to(1_000),
        1_620_000..1_624_000 => floor_to(2_000),
        1_624_000..6_600_000 => floor_to(4_000),
        _ => revenue,
    }
}

/// 公的年金等に係る雑所得 (所得税法35条4項, 公的年金等控除) from 2020 on.
///
/// `aged_65_or_over` is judged on 31 December of the income year. The deduction is the 65+ or
/// under-65 table, less ¥100,000 when the other income (公的年金等に係る雑所得以外の合計所得金額)
/// is above ¥10 million and ¥200,000 above ¥20 million. Under 65 the first band deducts
/// ¥600,000 up to ¥1,300,000 of revenue; 65 and over ¥1,100,000 up to ¥3,300,000; above that
/// both follow the same 速算表, floored to the yen.
pub fn pension_income(revenue: i64, aged_65_or_over: bool, other_income: i64) -> i64 {
    let less_deduction = match other_income {
        ..=10_000_000 => 0,
        10_000_001..=20_000_000 => 100_000,
        _ => 200_000,
    };
    let income = match (revenue, aged_65_or_over) {
        (..=1_300_000, false) => revenue - 600_000,
        (..=3_300_000, true) => revenue - 1_100_000,
        (..=4_100_000, _) => revenue * 75 / 100 - 275_000,
        (..=7_700_000, _) => revenue * 85 / 100 - 685_000,
        (..=10_000_000, _) => revenue * 95 / 100 - 1_455_000,
        _ => revenue - 1_955_000,
    } + less_deduction;
    income.clamp(0, revenue.max(0))
}

/// 所得金額調整控除 for a high salary (租税特別措置法41条の3の3第1項, which 地方税法313条2項 and
/// 施行令48条の5の2 apply to the inhabitant tax), from 令和2年分: when salary revenue is above
/// ¥8,500,000 and the taxpayer is 特別障害者 or has a 特別障害者 spouse or dependant, or a
/// dependant under 23, 10% of the revenue between ¥8,500,000 and ¥10,000,000, rounded up to the
/// yen.
pub fn income_adjustment_for_carers(salary_revenue: i64, qualifies: bool, income_year: i32) -> i64 {
    if income_year < 2020 || !qualifies || salary_revenue <= 8_500_000 {
        return 0;
    }
    let over = salary_revenue.min(10_000_000) - 8_500_000;
    (over + 9) / 10
}

/// 所得金額調整控除 for salary with pension (租税特別措置法41条の3の3第2項), from 令和2年分:
/// 給与所得 (after the high-salary adjustment) up to ¥100,000 plus 公的年金等に係る雑所得 up to
/// ¥100,000, less ¥100,000 — so only people with both.
pub fn income_adjustment_for_pensioners(
    salary_income: i64,
    pension_income: i64,
    income_year: i32,
) -> i64 {
    if income_year < 2020 {
        return 0;
    }
    (salary_income.clamp(0, 100_000) + pension_income.clamp(0, 100_000) - 100_000).max(0)
}

/// An amount for the income taxed together (総合課税) and one for each separately taxed kind
/// present: income of the year by how it is taxed, or the 課税標準額 of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ByKind {
    /// 総所得金額, or the taxable base of the income taxed together (課税総所得金額).
    pub together: i64,
    /// One amount per separately taxed kind, in the order the caller listed them.
    pub separate: Vec<(SeparateIncomeKind, i64)>,
}

impl ByKind {
    /// The separately taxed amounts together.
    pub fn separate_total(&self) -> i64 {
        self.separate.iter().map(|(_, amount)| amount).sum()
    }

    /// Everything: 総合 and 分離.
    pub fn total(&self) -> i64 {
        self.together + self.separate_total()
    }

    /// The amount of one separate kind, 0 when it is not there.
    pub fn of(&self, kind: SeparateIncomeKind) -> i64 {
        self.separate
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, amount)| amount)
            .sum()
    }
}

/// Separate kinds a loss of income taxed together (or of 山林) may be offset against, in the
/// order of 所得税法施行令198条: gains on land and buildings (their 譲渡所得 group; 租税特別措置法
/// 31条・32条 keep them in 損益通算), then 山林, then 退職. Shares, listed dividends and futures
/// are outside 損益通算 altogether (租税特別措置法37条の10, 8条の4, 41条の14).
const LOSS_OFFSET_ORDER: [SeparateIncomeKind; 4] = [
    SeparateIncomeKind::ShortTermRealEstate,
    SeparateIncomeKind::LongTermRealEstate,
    SeparateIncomeKind::Forestry,
    SeparateIncomeKind::Retirement,
];

/// 損益通算 (所得税法69条; 地方税法32条2項・313条2項 follow it) for the shapes the generator
/// produces: `together` is the net of the income lines taxed together (their losses already
/// offset within), `separate` the income of each separate kind (only 山林 may be negative).
///
/// A net loss taxed together is taken off land gains, then 山林, then 退職 (施行令198条); a 山林
/// loss off the income taxed together, then land gains, then 退職. Returns each kind's income
/// after that, never below 0, and the loss nothing could absorb (純損失: carried forward, not
/// part of the year's income).
pub fn offset_losses(together: i64, separate: &[(SeparateIncomeKind, i64)]) -> (ByKind, i64) {
    let mut income = ByKind {
        together,
        separate: separate.to_vec(),
    };
    let mut left = 0;
    if together < 0 {
        income.together = 0;
        left += absorb(&mut income, -together, &LOSS_OFFSET_ORDER, false);
    }
    for i in 0..income.separate.len() {
        let (kind, amount) = income.separate[i];
        if amount < 0 {
            income.separate[i].1 = 0;
            let order: Vec<_> = LOSS_OFFSET_ORDER
                .into_iter()
                .filter(|k| *k != kind)
                .collect();
            left += absorb(&mut income, -amount, &order, true);
        }
    }
    (income, left)
}

/// Takes `loss` off the income taxed together (when `together_first`) and then off each kind in
/// `order`, as far as each is positive; returns what is left of the loss.
fn absorb(
    income: &mut ByKind,
    mut loss: i64,
    order: &[SeparateIncomeKind],
    together_first: bool,
) -> i64 {
    let mut take = |amount: &mut i64| {
        let used = loss.min((*amount).max(0));
        *amount -= used;
        loss -= used;
    };
    if together_first {
        take(&mut income.together);
    }
    for kind in order {
        for (_, amount) in income.separate.iter_mut().filter(|(k, _)| k == kind) {
            take(amount);
        }
    }
    loss
}

/// Kinds a carried-forward 純損失 is deducted from after the income taxed together
/// (所得税法70条, 施行令201条, with land gains placed before 山林 and 退職 by 租税特別措置法
/// 施行令); never shares, listed dividends or futures, which carry only their own losses.
const CARRIED_LOSS_ORDER: [SeparateIncomeKind; 4] = LOSS_OFFSET_ORDER;

/// 純損失の繰越控除: takes up to `loss` off the year's income (the income taxed together first,
/// then [`CARRIED_LOSS_ORDER`]); returns the income left and the loss deducted (繰越損失の控除額).
pub fn deduct_carried_loss(income: &ByKind, loss: i64) -> (ByKind, i64) {
    let mut left = income.clone();
    let unused = absorb(&mut left, loss.max(0), &CARRIED_LOSS_ORDER, true);
    (left, loss.max(0) - unused)
}

/// The order the income deductions are taken in: the income taxed together first, then the
/// separate kinds in this order (所得税法87条2項 with the 租税特別措置法施行令 rules for each
/// kind; 地方税法314条の2 follows the same order): 短期譲渡, 長期譲渡, 株式等, 上場株式等の配当等,
/// 先物, 山林, 退職.
const DEDUCTION_ORDER: [SeparateIncomeKind; 7] = SeparateIncomeKind::ALL;

/// 課税標準額 of each kind: the deductions are taken off the income taxed together, and what is
/// left of them spills onto the separate kinds in [`DEDUCTION_ORDER`]. Each base is its income
/// (never below 0) less what was taken off it, floored to ¥1,000 (地方税法20条の4の2第1項).
pub fn taxable_bases(income: &ByKind, deductions: i64) -> ByKind {
    let mut left = deductions.max(0);
    let mut base = |income: i64| {
        let income = income.max(0);
        let used = left.min(income);
        left -= used;
        floor_to_thousand(income - used)
    };
    let together = base(income.together);
    let mut separate = income.separate.clone();
    for kind in DEDUCTION_ORDER {
        for (_, amount) in separate.iter_mut().filter(|(k, _)| *k == kind) {
            *amount = base(*amount);
        }
    }
    ByKind { together, separate }
}

fn floor_to_thousand(yen: i64) -> i64 {
    yen.max(0) / 1_000 * 1_000
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

/// Two amounts, one for each levy: the municipality's (市町村民税・特別区民税) and the
/// prefecture's (道府県民税・都民税). A rate is in basis points (1/10,000: 6% is 600).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Levies {
    /// The municipality's.
    pub municipal: i64,
    /// The prefecture's.
    pub prefectural: i64,
}

impl Levies {
    /// `amount` at these rates (basis points), each levy's product floored to the yen.
    pub fn of(self, amount: i64) -> Levies {
        Levies {
            municipal: amount * self.municipal / 10_000,
            prefectural: amount * self.prefectural / 10_000,
        }
    }

    /// Both levies together.
    pub fn sum(self) -> i64 {
        self.municipal + self.prefectural
    }
}

impl std::ops::Add for Levies {
    type Output = Levies;

    fn add(self, other: Levies) -> Levies {
        Levies {
            municipal: self.municipal + other.municipal,
            prefectural: self.prefectural + other.prefectural,
        }
    }
}

const fn bp(municipal: i64, prefectural: i64) -> Levies {
    Levies {
        municipal,
        prefectural,
    }
}

/// 所得割 rates and the credit rates that follow the same split, municipal then prefectural,
/// in basis points (the flat-rate reduction in yen per person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomeLevyRates {
    /// 総合課税 (地方税法35条・314条の3), also 課税山林所得金額 (5分5乗 at a flat rate is the
    /// base times the rate) and 課税退職所得金額 assessed with the year.
    pub together: Levies,
    /// 短期譲渡所得 (附則35条).
    pub short_term_real_estate: Levies,
    /// 長期譲渡所得 (附則34条), 株式等 (附則35条の2), 上場株式等の配当等 (附則33条の2) and
    /// 先物取引 (附則35条の4).
    pub long_term: Levies,
    /// 調整控除 (37条・314条の6): 5% split.
    pub adjustment_credit: Levies,
    /// 配当控除 (附則5条) on dividends within ¥10 million of taxable income.
    pub dividend_credit: Levies,
    /// 配当控除 on the dividends above it: half.
    pub dividend_credit_above_10m: Levies,
    /// 定額減税 (令和6年改正, 附則5条の8 ff.): ¥10,000 a person, in yen per person.
    pub flat_rate_reduction_per_person: Levies,
}

impl IncomeLevyRates {
    /// The rate of one separately taxed kind.
    pub fn separate(&self, kind: SeparateIncomeKind) -> Levies {
        match kind {
            SeparateIncomeKind::ShortTermRealEstate => self.short_term_real_estate,
            SeparateIncomeKind::LongTermRealEstate
            | SeparateIncomeKind::Shares
            | SeparateIncomeKind::ListedDividends
            | SeparateIncomeKind::Futures => self.long_term,
            SeparateIncomeKind::Forestry | SeparateIncomeKind::Retirement => self.together,
        }
    }
}

/// Rates everywhere except a 政令指定都市 from FY2018: 6% + 4%.
const STANDARD_RATES: IncomeLevyRates = IncomeLevyRates {
    together: bp(600, 400),
    short_term_real_estate: bp(540, 360),
    long_term: bp(300, 200),
    adjustment_credit: bp(300, 200),
    dividend_credit: bp(160, 120),
    dividend_credit_above_10m: bp(80, 60),
    flat_rate_reduction_per_person: bp(6_000, 4_000),
};

/// A 政令指定都市 from FY2018 (平成29年改正: the cities took over paying school teachers, and
/// two points of the prefecture's 所得割 with it): 8% + 2%, every split shifted alike.
const DESIGNATED_CITY_RATES: IncomeLevyRates = IncomeLevyRates {
    together: bp(800, 200),
    short_term_real_estate: bp(720, 180),
    long_term: bp(400, 100),
    adjustment_credit: bp(400, 100),
    dividend_credit: bp(224, 56),
    dividend_credit_above_10m: bp(112, 28),
    flat_rate_reduction_per_person: bp(8_000, 2_000),
};

/// (first fiscal year, for a designated city, rates): a row holds from its year until the next
/// row of the same kind of municipality.
const INCOME_LEVY_TABLE: [(i32, bool, IncomeLevyRates); 3] = [
    (i32::MIN, false, STANDARD_RATES),
    (i32::MIN, true, STANDARD_RATES),
    (2018, true, DESIGNATED_CITY_RATES),
];

/// The 所得割 rates in force for `fiscal_year` in a municipality of `kind`.
pub fn income_levy_rates(fiscal_year: i32, kind: MunicipalityKind) -> IncomeLevyRates {
    let designated = kind == MunicipalityKind::DesignatedCity;
    INCOME_LEVY_TABLE
        .iter()
        .rev()
        .find(|(from, for_designated, _)| *for_designated == designated && fiscal_year >= *from)
        .map(|(_, _, rates)| *rates)
        .expect("each kind has a row from i32::MIN")
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

/// What the taxpayer's personal deductions (人的控除) rest on: the 調整控除 makes up for the
/// gap between the income tax's and the inhabitant tax's amounts of each.
#[derive(Debug, Clone, Copy)]
pub struct Personal<'a> {
    /// 合計所得金額: the spouse deduction (and so its gap) tapers above ¥9 million.
    pub total_income: i64,
    /// Spouse and dependants as counted.
    pub dependants: &'a Dependants,
    /// The qualifying spouse is 70 or over (老人控除対象配偶者).
    pub spouse_70_or_over: bool,
    /// The taxpayer's own categories.
    pub own_categories: &'a [PersonCategory],
    /// A single parent who is a father (ひとり親 differs by ¥10,000 for him, ¥50,000 for a mother).
    pub single_father: bool,
}

/// 人的控除額の差 (地方税法37条1号・314条の6第1号 and their table): the income tax's personal
/// deduction less the inhabitant tax's, summed over the taxpayer's. 基礎 ¥50,000; 配偶者 (一般)
/// ¥50,000, ¥40,000, ¥20,000 and (老人) ¥100,000, ¥60,000, ¥30,000 as the taxpayer's income
/// passes ¥9 and ¥9.5 million; 扶養 一般 ¥50,000, 特定 ¥180,000, 老人 ¥100,000, 同居老親等
/// ¥130,000; 障害者 普通 ¥10,000, 特別 ¥100,000, 同居特別 ¥220,000; 寡婦 ¥10,000; ひとり親
/// mother ¥50,000, father ¥10,000; 勤労学生 ¥10,000. 配偶者特別控除 is not here: the generator
/// never produces it (its spouses have no income of their own).
pub fn personal_deduction_gap(p: &Personal) -> i64 {
    let d = p.dependants;
    let spouse = if d.has_qualifying_spouse {
        let (full, reduced, least) = if p.spouse_70_or_over {
            (100_000, 60_000, 30_000)
        } else {
            (50_000, 40_000, 20_000)
        };
        match p.total_income {
            ..=9_000_000 => full,
            9_000_001..=9_500_000 => reduced,
            9_500_001..=10_000_000 => least,
            _ => 0,
        }
    } else {
        0
    };
    let dependants = i64::from(d.general) * 50_000
        + i64::from(d.specific) * 180_000
        + i64::from(d.elderly) * 100_000
        + i64::from(d.elderly_cohabiting_parents) * 130_000
        + i64::from(d.disabled_ordinary) * 10_000
        + i64::from(d.disabled_special) * 100_000
        + i64::from(d.disabled_special_cohabiting) * 220_000;
    let own: i64 = p
        .own_categories
        .iter()
        .map(|category| match category {
            PersonCategory::Disabled => 10_000,
            PersonCategory::SpeciallyDisabled => 100_000,
            PersonCategory::Widow => 10_000,
            PersonCategory::SingleParent if p.single_father => 10_000,
            PersonCategory::SingleParent => 50_000,
            PersonCategory::WorkingStudent => 10_000,
        })
        .sum();
    50_000 + spouse + dependants + own
}

/// 調整控除 (地方税法37条・314条の6): with 合計課税所得金額 `combined_taxable` (every taxable
/// base, 総合 and 分離) at most ¥2 million, 5% of the smaller of the gap and it; above, 5% of
/// the gap less the excess over ¥2 million, but at least of ¥50,000. Split 3% + 2% (a
/// designated city 4% + 1%), each floored. None from FY2021 when 合計所得金額 is above ¥25 million.
pub fn adjustment_credit(
    gap: i64,
    combined_taxable: i64,
    total_income: i64,
    fiscal_year: i32,
    rates: &IncomeLevyRates,
) -> Levies {
    if fiscal_year >= 2021 && total_income > 25_000_000 {
        return Levies::default();
    }
    let basis = if combined_taxable <= 2_000_000 {
        gap.min(combined_taxable)
    } else {
        (gap - (combined_taxable - 2_000_000)).max(50_000)
    };
    rates.adjustment_credit.of(basis.max(0))
}

/// 配当控除 (地方税法附則5条) on dividends taxed together. `taxable_income` is the taxable income
/// the ¥10 million is judged on: 課税総所得金額 plus the separate bases the 附則 add to it
/// (land, shares, listed dividends, futures; not 山林 or 退職). The dividends that fit under
/// ¥10 million less the other taxable income earn the full rates (1.6% + 1.2%; a designated city
/// 2.24% + 0.56%), the rest half. Each levy's credit is floored to the yen.
pub fn dividend_credit(dividends: i64, taxable_income: i64, rates: &IncomeLevyRates) -> Levies {
    let dividends = dividends.max(0);
    let within = (10_000_000 - (taxable_income - dividends)).clamp(0, dividends);
    let rest = dividends - within;
    let (full, half) = (rates.dividend_credit, rates.dividend_credit_above_10m);
    Levies {
        municipal: (within * full.municipal + rest * half.municipal) / 10_000,
        prefectural: (within * full.prefectural + rest * half.prefectural) / 10_000,
    }
}

/// People the 定額減税 counts (¥10,000 each; 令和6年改正, 地方税法附則5条の8 ff.): in 令和6年度
/// the taxpayer, the qualifying spouse (控除対象配偶者) and every dependant, children under 16
/// included; in 令和7年度 a spouse in the household (同一生計配偶者) whom 令和6年度 could not count,
/// because the taxpayer's income was above ¥10 million. Either only while 合計所得金額 is at most
/// ¥18,050,000; no other year has it.
pub fn flat_rate_reduction_people(
    fiscal_year: i32,
    total_income: i64,
    d: &Dependants,
    spouse_in_household: bool,
) -> i64 {
    if total_income > 18_050_000 {
        return 0;
    }
    match fiscal_year {
        2024 => 1 + family_size(d),
        2025 => i64::from(spouse_in_household && !d.has_qualifying_spouse),
        _ => 0,
    }
}

/// Total income at or below which no per-capita levy (and so no tax at all) is due, and total
/// income at or below which no income levy is due, for a 1級地 municipality such as the 23 wards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonTaxableLimits {
    /// 均等割 limit on 合計所得金額 (地方税法295条3項): at or below it no tax at all, yen.
    pub per_capita: i64,
    /// 所得割 limit on 総所得金額等 (附則3条の3): at or below it no income levy, yen.
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

/// Minors, disabled people, widows and single parents owe nothing up to this 合計所得金額
/// (地方税法295条1項2号).
pub const PERSONAL_EXEMPTION_LIMIT: i64 = 1_350_000;

/// 所得割 before the credits (算出所得割額): each base at its kind's rate, each product floored.
pub fn income_levies(bases: &ByKind, rates: &IncomeLevyRates) -> Levies {
    bases
        .separate
        .iter()
        .fold(rates.together.of(bases.together), |levies, (kind, base)| {
            levies + rates.separate(*kind).of(*base)
        })
}

/// The cap of 地方税法附則3条の3 for someone just above the income-levy limit: each levy at most
/// its 総合 rate of 総所得金額等 above the limit, floored. The statute compares it with the levy
/// after the credits of 37条・314条の6 onward (調整控除, 配当控除 …) and takes the excess off;
/// 定額減税 comes after it. The excess is listed as a credit line (`LowIncomeRelief`) so that
/// the certificate explains the levy after.
pub fn income_levy_cap(aggregate_income: i64, limit: i64, rates: &IncomeLevyRates) -> Levies {
    rates.together.of((aggregate_income - limit).max(0))
}

/// What the assessment of one person for one fiscal year needs to know to compute the tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxInput<'a> {
    /// The fiscal year (Gregorian start year), choosing the rates.
    pub fiscal_year: i32,
    /// What kind of municipality levies it, choosing the rates too.
    pub municipality: MunicipalityKind,
    /// 合計所得金額, yen: the per-capita limit, the personal exemption, and the income limits of
    /// 調整控除 and 定額減税 are judged on it.
    pub total_income: i64,
    /// The year's income by kind after 損益通算 and the carried-forward loss: their sum is
    /// 総所得金額等, on which the income-levy limit is judged.
    pub income: &'a ByKind,
    /// 所得控除の合計, yen: taken off the income taxed together first, then the separate kinds.
    pub total_deductions: i64,
    /// Dividend income taxed with the rest (総合課税), for the dividend credit.
    pub dividend_income: i64,
    /// See [`family_size`].
    pub family: i64,
    /// Minor, disabled, widow or single parent: exempt up to [`PERSONAL_EXEMPTION_LIMIT`].
    pub personally_exempt: bool,
    /// 人的控除額の差, see [`personal_deduction_gap`].
    pub personal_deduction_gap: i64,
    /// People the 定額減税 counts, see [`flat_rate_reduction_people`].
    pub flat_rate_people: i64,
}

/// The tax and the credits (税額控除) that were taken off the income levies to get it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessed {
    /// The levies (before and after the credits) and total, as a certificate prints them.
    pub tax: TaxAmounts,
    /// The credits taken off the income levies (e.g. 調整控除, 配当控除, 定額減税).
    pub credits: Vec<TaxCreditLine>,
    /// 課税標準額 of each kind; `tax` carries the 総合 one and the separate ones' sum.
    pub bases: ByKind,
}

/// The tax amounts of one assessment. Non-taxed people keep their computed bases but owe
/// nothing; above the per-capita limit but at or below the income-levy limit only the per-capita
/// levy and the forest tax are due. Each income levy is computed before the credits, the credits
/// (調整控除, then 配当控除, then the excess over [`income_levy_cap`], then 定額減税) are taken off
/// as far as it reaches, and what is left is floored to ¥100. `total_yen` is always the sum of the
/// parts.
pub fn assess(input: TaxInput) -> Assessed {
    let bases = taxable_bases(input.income, input.total_deductions);
    let limits = non_taxable_limits(input.family);
    let exempt = input.total_income <= limits.per_capita
        || (input.personally_exempt && input.total_income <= PERSONAL_EXEMPTION_LIMIT);
    let mut tax = TaxAmounts {
        taxable_base_yen: bases.together,
        separate_taxable_base_yen: bases.separate_total(),
        ..TaxAmounts::default()
    };
    if exempt {
        return Assessed {
            tax,
            credits: Vec::new(),
            bases,
        };
    }
    let rates = income_levy_rates(input.fiscal_year, input.municipality);
    let aggregate_income = input.income.total();
    let levied = aggregate_income > limits.income_levy;
    let before = if levied {
        income_levies(&bases, &rates)
    } else {
        Levies::default()
    };
    let cap = income_levy_cap(aggregate_income, limits.income_levy, &rates);
    let taxable_for_dividends = bases.total()
        - bases.of(SeparateIncomeKind::Forestry)
        - bases.of(SeparateIncomeKind::Retirement);
    let credited = [
        (
            TaxCreditKind::Adjustment,
            adjustment_credit(
                input.personal_deduction_gap,
                bases.total(),
                input.total_income,
                input.fiscal_year,
                &rates,
            ),
        ),
        (
            TaxCreditKind::Dividend,
            dividend_credit(input.dividend_income, taxable_for_dividends, &rates),
        ),
    ];
    let flat_rate = Levies {
        municipal: rates.flat_rate_reduction_per_person.municipal * input.flat_rate_people,
        prefectural: rates.flat_rate_reduction_per_person.prefectural * input.flat_rate_people,
    };
    // Each credit is used only as far as its levy still reaches; 附則3条の3 takes what the levy
    // after the credits exceeds its cap, and 定額減税 comes last.
    let mut left = before;
    let mut credits = Vec::new();
    let mut take = |kind, credit: Levies, left: &mut Levies| {
        let used = Levies {
            municipal: credit.municipal.min(left.municipal),
            prefectural: credit.prefectural.min(left.prefectural),
        };
        left.municipal -= used.municipal;
        left.prefectural -= used.prefectural;
        if used.sum() > 0 {
            credits.push(TaxCreditLine {
                kind,
                amount_yen: used.sum(),
                municipal_amount_yen: Some(used.municipal),
            });
        }
    };
    for (kind, credit) in credited {
        take(kind, credit, &mut left);
    }
    let relief = Levies {
        municipal: (left.municipal - cap.municipal).max(0),
        prefectural: (left.prefectural - cap.prefectural).max(0),
    };
    take(TaxCreditKind::LowIncomeRelief, relief, &mut left);
    take(TaxCreditKind::FlatRateReduction, flat_rate, &mut left);
    let per_capita = per_capita_rates(input.fiscal_year);
    tax.municipal_income_levy_before_credits_yen = Some(before.municipal);
    tax.prefectural_income_levy_before_credits_yen = Some(before.prefectural);
    tax.municipal_income_levy_yen = left.municipal / 100 * 100;
    tax.prefectural_income_levy_yen = left.prefectural / 100 * 100;
    tax.municipal_per_capita_levy_yen = per_capita.municipal;
    tax.prefectural_per_capita_levy_yen = per_capita.prefectural;
    tax.forest_env_tax_yen = per_capita.forest_env;
    tax.total_yen = tax.sum_of_parts();
    Assessed {
        tax,
        credits,
        bases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SeparateIncomeKind as K;

    #[test]
    fn salary_income_from_2020_at_band_edges() {
        for (revenue, expected) in [
            (0, 0),
            (550_000, 0),
            (550_001, 1),
            (1_000_000, 450_000),
            (1_618_999, 1_068_999),
            (1_619_500, 1_069_000),
            (1_621_999, 1_070_000),
            (1_623_999, 1_072_000),
            // 別表第五: the row 1,624,000–1,627,999 reads 1,074,000.
            (1_625_000, 1_074_000),
            (1_627_999, 1_074_000),
            (1_628_000, 1_076_800),
            (1_800_000, 1_180_000),
            (1_803_999, 1_180_000),
            (1_804_000, 1_182_800),
            // Row 1,896,000: 1,896,000 − (568,800 + 80,000).
            (1_899_999, 1_247_200),
            (1_900_000, 1_250_000),
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
            assert_eq!(salary_income(revenue, 2024), expected, "revenue {revenue}");
        }
        assert_eq!(salary_income(1_625_000, 2020), 1_074_000);
    }

    #[test]
    fn salary_income_from_2025_deducts_at_least_650_000_up_to_1_900_000() {
        for (revenue, expected) in [
            (0, 0),
            (650_000, 0),
            (650_001, 1),
            (1_000_000, 350_000),
            // No rows below 1,900,000: the revenue itself less 650,000.
            (1_625_000, 975_000),
            (1_627_999, 977_999),
            (1_800_000, 1_150_000),
            (1_899_999, 1_249_999),
            // From 1,900,000 rows ¥4,000 wide at 30% + 80,000.
            (1_900_000, 1_250_000),
            (1_903_999, 1_250_000),
            (1_904_000, 1_252_800),
            (3_600_000, 2_440_000),
            (3_603_999, 2_440_000),
            (3_604_000, 2_443_200),
            (6_599_999, 4_836_800),
            (6_600_000, 4_840_000),
            (8_500_000, 6_550_000),
            (10_000_000, 8_050_000),
        ] {
            assert_eq!(salary_income(revenue, 2025), expected, "revenue {revenue}");
        }
        assert_eq!(salary_income(1_000_000, 2026), 350_000);
    }

    #[test]
    fn pension_income_by_age_band_and_other_income() {
        for (revenue, aged_65, other, expected) in [
            (500_000, false, 0, 0),
            (1_000_000, false, 0, 400_000),
            (1_300_000, false, 0, 700_000),
            (1_300_004, false, 0, 700_003),
            (2_000_000, false, 0, 1_225_000),
            (1_000_000, true, 0, 0),
            (1_100_000, true, 0, 0),
            (2_000_000, true, 0, 900_000),
            (3_300_000, true, 0, 2_200_000),
            (4_000_000, true, 0, 2_725_000),
            (4_100_000, true, 0, 2_800_000),
            (5_000_000, true, 0, 3_565_000),
            (7_700_000, true, 0, 5_860_000),
            (10_000_000, true, 0, 8_045_000),
            (12_000_000, true, 0, 10_045_000),
            // Other income above ¥10 million: ¥100,000 less deduction; above ¥20 million ¥200,000.
            (1_000_000, false, 10_000_000, 400_000),
            (1_000_000, false, 10_000_001, 500_000),
            (1_000_000, false, 20_000_000, 500_000),
            (1_000_000, false, 20_000_001, 600_000),
            (3_000_000, true, 15_000_000, 2_000_000),
            (5_000_000, true, 25_000_000, 3_765_000),
            (12_000_000, true, 15_000_000, 10_145_000),
        ] {
            assert_eq!(
                pension_income(revenue, aged_65, other),
                expected,
                "revenue {revenue}, 65+ {aged_65}, other {other}"
            );
        }
    }

    #[test]
    fn income_adjustments() {
        for (revenue, qualifies, year, expected) in [
            (8_500_000, true, 2024, 0),
            (8_500_001, true, 2024, 1),
            // 10% of 500,005 is 50,000.5: rounded up.
            (9_000_005, true, 2024, 50_001),
            (10_000_000, true, 2024, 150_000),
            (12_000_000, true, 2024, 150_000),
            (12_000_000, false, 2024, 0),
            (12_000_000, true, 2019, 0),
        ] {
            assert_eq!(
                income_adjustment_for_carers(revenue, qualifies, year),
                expected,
                "{revenue} {qualifies} {year}"
            );
        }
        for (salary, pension, expected) in [
            (80_000, 150_000, 80_000),
            (500_000, 30_000, 30_000),
            (500_000, 500_000, 100_000),
            (0, 500_000, 0),
            (500_000, 0, 0),
        ] {
            assert_eq!(
                income_adjustment_for_pensioners(salary, pension, 2024),
                expected,
                "{salary} {pension}"
            );
        }
    }

    fn by_kind(together: i64, separate: &[(K, i64)]) -> ByKind {
        ByKind {
            together,
            separate: separate.to_vec(),
        }
    }

    #[test]
    fn losses_offset_only_what_the_law_lets_them() {
        for (together, separate, expected, left) in [
            // A business loss is taken off land gains …
            (
                -500_000,
                vec![(K::LongTermRealEstate, 2_000_000)],
                by_kind(0, &[(K::LongTermRealEstate, 1_500_000)]),
                0,
            ),
            // … never off gains on shares.
            (
                -500_000,
                vec![(K::Shares, 2_000_000)],
                by_kind(0, &[(K::Shares, 2_000_000)]),
                500_000,
            ),
            // Land first, then 退職.
            (
                -1_000_000,
                vec![
                    (K::Retirement, 2_000_000),
                    (K::ShortTermRealEstate, 300_000),
                ],
                by_kind(
                    0,
                    &[(K::Retirement, 1_300_000), (K::ShortTermRealEstate, 0)],
                ),
                0,
            ),
            (
                -300_000,
                vec![(K::Forestry, 1_000_000)],
                by_kind(0, &[(K::Forestry, 700_000)]),
                0,
            ),
            // A 山林 loss is taken off the income taxed together.
            (
                3_000_000,
                vec![(K::Forestry, -1_000_000)],
                by_kind(2_000_000, &[(K::Forestry, 0)]),
                0,
            ),
            (
                100_000,
                vec![(K::Forestry, -300_000)],
                by_kind(0, &[(K::Forestry, 0)]),
                200_000,
            ),
            (
                -300_000,
                vec![(K::Forestry, -200_000)],
                by_kind(0, &[(K::Forestry, 0)]),
                500_000,
            ),
        ] {
            assert_eq!(
                offset_losses(together, &separate),
                (expected, left),
                "{together} {separate:?}"
            );
        }
    }

    #[test]
    fn a_carried_loss_is_deducted_from_all_but_shares_dividends_and_futures() {
        let income = by_kind(
            1_000_000,
            &[(K::Shares, 800_000), (K::LongTermRealEstate, 500_000)],
        );
        assert_eq!(
            deduct_carried_loss(&income, 1_200_000),
            (
                by_kind(0, &[(K::Shares, 800_000), (K::LongTermRealEstate, 300_000)]),
                1_200_000
            )
        );
        assert_eq!(
            deduct_carried_loss(&income, 5_000_000),
            (
                by_kind(0, &[(K::Shares, 800_000), (K::LongTermRealEstate, 0)]),
                1_500_000
            )
        );
    }

    #[test]
    fn deductions_spill_onto_the_separate_kinds_in_statutory_order() {
        for (income, deductions, expected) in [
            (by_kind(1_234_567, &[]), 0, by_kind(1_234_000, &[])),
            (
                by_kind(1_000_000, &[(K::LongTermRealEstate, 5_000_500)]),
                1_300_000,
                by_kind(0, &[(K::LongTermRealEstate, 4_700_000)]),
            ),
            // Listed out of order: 短期譲渡 takes the spill before 株式等.
            (
                by_kind(
                    200_000,
                    &[(K::Shares, 1_000_000), (K::ShortTermRealEstate, 500_000)],
                ),
                1_000_000,
                by_kind(0, &[(K::Shares, 700_000), (K::ShortTermRealEstate, 0)]),
            ),
            // 山林 before 退職.
            (
                by_kind(0, &[(K::Retirement, 2_000_000), (K::Forestry, 1_000_000)]),
                1_500_000,
                by_kind(0, &[(K::Retirement, 1_500_000), (K::Forestry, 0)]),
            ),
            // Each base is floored on its own.
            (
                by_kind(
                    1_000_999,
                    &[(K::ListedDividends, 300_999), (K::Futures, 200_999)],
                ),
                500,
                by_kind(
                    1_000_000,
                    &[(K::ListedDividends, 300_000), (K::Futures, 200_000)],
                ),
            ),
        ] {
            assert_eq!(
                taxable_bases(&income, deductions),
                expected,
                "{income:?} {deductions}"
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
    fn income_levy_rates_by_fiscal_year_and_municipality_kind() {
        use MunicipalityKind as M;
        let l = |municipal, prefectural| Levies {
            municipal,
            prefectural,
        };
        for (fy, kind, together, short, long, adjustment, dividend, flat) in [
            (
                2017,
                M::DesignatedCity,
                l(600, 400),
                l(540, 360),
                l(300, 200),
                l(300, 200),
                l(160, 120),
                l(6_000, 4_000),
            ),
            (
                2018,
                M::DesignatedCity,
                l(800, 200),
                l(720, 180),
                l(400, 100),
                l(400, 100),
                l(224, 56),
                l(8_000, 2_000),
            ),
            (
                2025,
                M::DesignatedCity,
                l(800, 200),
                l(720, 180),
                l(400, 100),
                l(400, 100),
                l(224, 56),
                l(8_000, 2_000),
            ),
            (
                2018,
                M::City,
                l(600, 400),
                l(540, 360),
                l(300, 200),
                l(300, 200),
                l(160, 120),
                l(6_000, 4_000),
            ),
            (
                2025,
                M::SpecialWard,
                l(600, 400),
                l(540, 360),
                l(300, 200),
                l(300, 200),
                l(160, 120),
                l(6_000, 4_000),
            ),
            (
                2025,
                M::Town,
                l(600, 400),
                l(540, 360),
                l(300, 200),
                l(300, 200),
                l(160, 120),
                l(6_000, 4_000),
            ),
        ] {
            let r = income_levy_rates(fy, kind);
            assert_eq!(
                (
                    r.together,
                    r.short_term_real_estate,
                    r.long_term,
                    r.adjustment_credit,
                    r.dividend_credit,
                    r.flat_rate_reduction_per_person
                ),
                (together, short, long, adjustment, dividend, flat),
                "FY{fy} {kind:?}"
            );
            assert_eq!(r.separate(K::Forestry), together);
            assert_eq!(r.separate(K::Retirement), together);
            assert_eq!(r.separate(K::Futures), long);
        }
    }

    #[test]
    fn levies_before_the_credits_at_each_kinds_rate() {
        let bases = by_kind(
            2_000_000,
            &[
                (K::ShortTermRealEstate, 1_000_000),
                (K::Shares, 500_000),
                (K::Forestry, 300_000),
            ],
        );
        // 6%, 5.4%, 3%, 6%: 120,000 + 54,000 + 15,000 + 18,000; 4%, 3.6%, 2%, 4%.
        assert_eq!(
            income_levies(
                &bases,
                &income_levy_rates(2025, MunicipalityKind::SpecialWard)
            ),
            Levies {
                municipal: 207_000,
                prefectural: 138_000
            }
        );
        // 8%, 7.2%, 4%, 8%: 160,000 + 72,000 + 20,000 + 24,000; 2%, 1.8%, 1%, 2%.
        assert_eq!(
            income_levies(
                &bases,
                &income_levy_rates(2025, MunicipalityKind::DesignatedCity)
            ),
            Levies {
                municipal: 276_000,
                prefectural: 69_000
            }
        );
        // The cap: 10,001 above the limit at 6% is 600.06, floored; 4% is 400.04.
        assert_eq!(
            income_levy_cap(
                460_001,
                450_000,
                &income_levy_rates(2025, MunicipalityKind::City)
            ),
            Levies {
                municipal: 600,
                prefectural: 400
            }
        );
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
    fn the_personal_deduction_gap_follows_the_table() {
        let gap = |total_income, d: &Dependants, spouse_70, own: &[PersonCategory], father| {
            personal_deduction_gap(&Personal {
                total_income,
                dependants: d,
                spouse_70_or_over: spouse_70,
                own_categories: own,
                single_father: father,
            })
        };
        let none = Dependants::default();
        assert_eq!(gap(3_000_000, &none, false, &[], false), 50_000);
        let family = Dependants {
            has_qualifying_spouse: true,
            general: 1,
            under_16: 1,
            ..Dependants::default()
        };
        // 基礎 50,000 + 配偶者 50,000 + 一般 50,000 (年少 none).
        assert_eq!(gap(5_500_000, &family, false, &[], false), 150_000);
        let spouse = Dependants {
            has_qualifying_spouse: true,
            ..Dependants::default()
        };
        assert_eq!(gap(9_000_000, &spouse, true, &[], false), 150_000);
        assert_eq!(gap(9_200_000, &spouse, true, &[], false), 110_000);
        assert_eq!(gap(9_200_000, &spouse, false, &[], false), 90_000);
        assert_eq!(gap(9_800_000, &spouse, false, &[], false), 70_000);
        assert_eq!(gap(9_800_000, &spouse, true, &[], false), 80_000);
        let many = Dependants {
            specific: 1,
            elderly: 1,
            elderly_cohabiting_parents: 1,
            disabled_ordinary: 1,
            disabled_special: 1,
            disabled_special_cohabiting: 1,
            ..Dependants::default()
        };
        // 50,000 + 180,000 + 100,000 + 130,000 + 10,000 + 100,000 + 220,000.
        assert_eq!(gap(4_000_000, &many, false, &[], false), 790_000);
        use PersonCategory as P;
        assert_eq!(
            gap(
                700_000,
                &none,
                false,
                &[P::SpeciallyDisabled, P::Widow, P::WorkingStudent],
                false
            ),
            170_000
        );
        assert_eq!(
            gap(3_000_000, &none, false, &[P::SingleParent], false),
            100_000
        );
        assert_eq!(
            gap(3_000_000, &none, false, &[P::SingleParent], true),
            60_000
        );
        assert_eq!(gap(3_000_000, &none, false, &[P::Disabled], true), 60_000);
    }

    #[test]
    fn the_adjustment_credit_by_its_formula() {
        let standard = income_levy_rates(2025, MunicipalityKind::SpecialWard);
        let designated = income_levy_rates(2025, MunicipalityKind::DesignatedCity);
        let l = |municipal, prefectural| Levies {
            municipal,
            prefectural,
        };
        for (gap, combined, total, fy, rates, expected) in [
            // Above ¥2 million, the gap less the excess, at least ¥50,000: 5% of 50,000.
            (
                150_000,
                3_042_000,
                5_568_000,
                2025,
                standard,
                l(1_500, 1_000),
            ),
            // 700,000 − 300,000 = 400,000: 3% and 2%, or 4% and 1%.
            (
                700_000,
                2_300_000,
                4_000_000,
                2025,
                standard,
                l(12_000, 8_000),
            ),
            (
                700_000,
                2_300_000,
                4_000_000,
                2025,
                designated,
                l(16_000, 4_000),
            ),
            // At most ¥2 million: the smaller of the gap and the taxable income.
            (
                250_000,
                1_800_000,
                3_000_000,
                2025,
                standard,
                l(7_500, 5_000),
            ),
            (50_000, 30_000, 460_000, 2025, standard, l(900, 600)),
            (50_000, 0, 400_000, 2025, standard, l(0, 0)),
            // No credit above ¥25 million of 合計所得金額 from FY2021.
            (
                50_000,
                24_000_000,
                25_000_000,
                2025,
                standard,
                l(1_500, 1_000),
            ),
            (50_000, 24_000_000, 25_000_001, 2025, standard, l(0, 0)),
            (
                50_000,
                24_000_000,
                25_000_001,
                2020,
                standard,
                l(1_500, 1_000),
            ),
        ] {
            assert_eq!(
                adjustment_credit(gap, combined, total, fy, &rates),
                expected,
                "{gap} {combined} {total} FY{fy}"
            );
        }
    }

    #[test]
    fn the_dividend_credit_halves_above_ten_million() {
        let standard = income_levy_rates(2025, MunicipalityKind::City);
        let designated = income_levy_rates(2025, MunicipalityKind::DesignatedCity);
        let l = |municipal, prefectural| Levies {
            municipal,
            prefectural,
        };
        for (dividends, taxable, rates, expected) in [
            // 1.6% and 1.2% of 35,000.
            (35_000, 3_042_000, standard, l(560, 420)),
            // 2.24% and 0.56%.
            (35_000, 3_042_000, designated, l(784, 196)),
            // 35,123 × 2.24% = 786.7552, × 0.56% = 196.6888: floored.
            (35_123, 3_042_000, designated, l(786, 196)),
            // Other taxable income 9,500,000: 500,000 within at 1.6%/1.2%, 500,000 at 0.8%/0.6%.
            (1_000_000, 10_500_000, standard, l(12_000, 9_000)),
            // Other taxable income already above ¥10 million: all at half.
            (500_000, 12_000_000, standard, l(4_000, 3_000)),
            (500_000, 10_000_000, standard, l(8_000, 6_000)),
        ] {
            assert_eq!(
                dividend_credit(dividends, taxable, &rates),
                expected,
                "{dividends} {taxable}"
            );
        }
    }

    #[test]
    fn the_flat_rate_reduction_counts_people_in_2024_and_a_spouse_in_2025() {
        let d = Dependants {
            has_qualifying_spouse: true,
            general: 1,
            under_16: 2,
            ..Dependants::default()
        };
        assert_eq!(flat_rate_reduction_people(2024, 5_000_000, &d, true), 5);
        assert_eq!(flat_rate_reduction_people(2024, 18_050_000, &d, true), 5);
        assert_eq!(flat_rate_reduction_people(2024, 18_050_001, &d, true), 0);
        assert_eq!(flat_rate_reduction_people(2023, 5_000_000, &d, true), 0);
        // 令和7年度: only the spouse in the household who was not 控除対象配偶者.
        let rich = Dependants {
            has_qualifying_spouse: false,
            ..d.clone()
        };
        assert_eq!(flat_rate_reduction_people(2025, 12_000_000, &rich, true), 1);
        assert_eq!(
            flat_rate_reduction_people(2025, 12_000_000, &rich, false),
            0
        );
        assert_eq!(flat_rate_reduction_people(2025, 8_000_000, &d, true), 0);
        assert_eq!(flat_rate_reduction_people(2025, 19_000_000, &rich, true), 0);
        assert_eq!(flat_rate_reduction_people(2026, 12_000_000, &rich, true), 0);
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

    /// A single person of 令和7年度 in a special ward with nothing: each test sets what it needs.
    fn input(income: &ByKind) -> TaxInput<'_> {
        TaxInput {
            fiscal_year: 2025,
            municipality: MunicipalityKind::SpecialWard,
            total_income: income.total(),
            income,
            total_deductions: 0,
            dividend_income: 0,
            family: 0,
            personally_exempt: false,
            personal_deduction_gap: 50_000,
            flat_rate_people: 0,
        }
    }

    fn credit(kind: TaxCreditKind, (m, p): (i64, i64)) -> TaxCreditLine {
        TaxCreditLine {
            kind,
            amount_yen: m + p,
            municipal_amount_yen: Some(m),
        }
    }

    #[test]
    fn assesses_levies() {
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
        for (fiscal_year, income, deductions, family, gap, expected) in [
            // Income 1,980,000, deductions 865,000: base 1,115,000; 66,900 − 1,500, 44,600 − 1,000.
            (
                2025,
                1_980_000,
                865_000,
                0,
                50_000,
                t(1_115_000, 65_400, 3_000, 43_600, 1_000, 1_000),
            ),
            (
                2023,
                1_980_000,
                865_000,
                0,
                50_000,
                t(1_115_000, 65_400, 3_500, 43_600, 1_500, 0),
            ),
            // At the single limit: nothing due, base kept.
            (2025, 450_000, 430_000, 0, 50_000, t(20_000, 0, 0, 0, 0, 0)),
            // Just above it the 附則3条の3 cap binds: the base 30,000 gives 1,800 and 1,200, the
            // adjustment credit (5% of the base: 900 and 600) leaves 900 and 600, which the cap
            // (10,000 over the limit at 6% and 4%: 600 and 400) reduces to 600 and 400.
            (
                2025,
                460_000,
                430_000,
                0,
                50_000,
                t(30_000, 600, 3_000, 400, 1_000, 1_000),
            ),
            // 30,000 over: base 50,000 gives 3,000 and 2,000, less the credit 1,500 and 1,000;
            // the 1,500 and 1,000 left are below the cap (1,800 and 1,200).
            (
                2025,
                480_000,
                430_000,
                0,
                50_000,
                t(50_000, 1_500, 3_000, 1_000, 1_000, 1_000),
            ),
            // One dependant: per-capita only between 1,010,000 and 1,120,000.
            (
                2025,
                1_100_000,
                760_000,
                1,
                100_000,
                t(340_000, 0, 3_000, 0, 1_000, 1_000),
            ),
            // 10,000 over 1,120,000: the base 370,000 gives 22,200 and 14,800, the credit (5% of
            // the gap 100,000: 3,000 and 2,000) leaves 19,200 and 12,800, capped at 600 and 400.
            (
                2025,
                1_130_000,
                760_000,
                1,
                100_000,
                t(370_000, 600, 3_000, 400, 1_000, 1_000),
            ),
            // 200,000 over: 33,600 and 22,400, less 3,000 and 2,000, capped at 12,000 and 8,000.
            (
                2025,
                1_320_000,
                760_000,
                1,
                100_000,
                t(560_000, 12_000, 3_000, 8_000, 1_000, 1_000),
            ),
            (
                2025,
                1_000_000,
                760_000,
                1,
                100_000,
                t(240_000, 0, 0, 0, 0, 0),
            ),
            // Deductions above income: base 0, per-capita still due.
            (
                2025,
                600_000,
                900_000,
                0,
                50_000,
                t(0, 0, 3_000, 0, 1_000, 1_000),
            ),
        ] {
            let income = ByKind {
                together: income,
                separate: vec![],
            };
            let case = TaxInput {
                fiscal_year,
                total_deductions: deductions,
                family,
                personal_deduction_gap: gap,
                ..input(&income)
            };
            let got = TaxAmounts {
                municipal_income_levy_before_credits_yen: None,
                prefectural_income_levy_before_credits_yen: None,
                ..assess(case).tax
            };
            assert_eq!(got, expected, "{case:?}");
            assert_eq!(got.total_yen, got.sum_of_parts());
        }
        let income = ByKind {
            together: 1_350_000,
            separate: vec![],
        };
        let exempt = TaxInput {
            personally_exempt: true,
            total_deductions: 430_000,
            ..input(&income)
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
    fn the_per_capita_limit_reads_total_income_and_the_income_levy_limit_aggregate_income() {
        // 合計所得金額 1,000,000 less a carried loss of 700,000: 総所得金額等 300,000.
        let income = by_kind(300_000, &[]);
        let got = assess(TaxInput {
            total_income: 1_000_000,
            ..input(&income)
        });
        assert_eq!(
            (
                got.tax.municipal_income_levy_before_credits_yen,
                got.tax.total_yen
            ),
            (Some(0), 5_000)
        );
    }

    #[test]
    fn the_cap_takes_what_the_levy_after_the_credits_exceeds() {
        // 10,000 over the limit: the base 30,000 gives 1,800 and 1,200; 調整控除 takes 900 and
        // 600; the cap (600 and 400) takes the 300 and 200 above it (附則3条の3).
        let income = by_kind(460_000, &[]);
        let got = assess(TaxInput {
            total_deductions: 430_000,
            ..input(&income)
        });
        assert_eq!(
            (
                got.tax.municipal_income_levy_before_credits_yen,
                got.tax.prefectural_income_levy_before_credits_yen
            ),
            (Some(1_800), Some(1_200))
        );
        assert_eq!(
            got.credits,
            vec![
                credit(TaxCreditKind::Adjustment, (900, 600)),
                credit(TaxCreditKind::LowIncomeRelief, (300, 200))
            ]
        );
        assert_eq!(
            (
                got.tax.municipal_income_levy_yen,
                got.tax.prefectural_income_levy_yen
            ),
            (600, 400)
        );
    }

    #[test]
    fn lists_the_credits_it_applied() {
        let income = by_kind(3_000_000, &[]);
        let base = TaxInput {
            total_deductions: 1_000_000,
            dividend_income: 500_000,
            ..input(&income)
        };
        // Base 2,000,000: municipal 120,000 − 1,500 − 8,000; prefectural 80,000 − 1,000 − 6,000.
        let got = assess(base);
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
        // A tiny base: 1,200 and 800, less the adjustment credit (600 and 400), is within the
        // cap (10,000 over the limit: 600 and 400); ¥1,000 of income levy is left.
        let small = by_kind(460_000, &[]);
        let got = assess(TaxInput {
            total_deductions: 440_000,
            ..input(&small)
        });
        assert_eq!(
            got.credits,
            vec![credit(TaxCreditKind::Adjustment, (600, 400))]
        );
        assert_eq!(got.tax.total_yen, 6_000);
    }

    #[test]
    fn levies_before_the_credits_less_the_credits_give_those_after() {
        // 令和6年度, three people: ¥30,000 of 定額減税 after the adjustment credit; gains on
        // shares of ¥1,000,000 at 3% + 2%.
        let income = by_kind(3_000_000, &[(K::Shares, 1_000_000)]);
        let case = TaxInput {
            fiscal_year: 2024,
            total_deductions: 1_000_000,
            family: 2,
            personal_deduction_gap: 150_000,
            flat_rate_people: 3,
            ..input(&income)
        };
        let got = assess(case);
        let t = &got.tax;
        assert_eq!(
            (t.taxable_base_yen, t.separate_taxable_base_yen),
            (2_000_000, 1_000_000)
        );
        assert_eq!(got.bases, by_kind(2_000_000, &[(K::Shares, 1_000_000)]));
        assert_eq!(
            (
                t.municipal_income_levy_before_credits_yen,
                t.prefectural_income_levy_before_credits_yen
            ),
            (Some(150_000), Some(100_000))
        );
        // 合計課税所得金額 3,000,000: max(150,000 − 1,000,000, 50,000) at 5%.
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
        // The same in a designated city: 8% + 4% and 2% + 1%; 4% and 1% of 50,000; 8,000 and
        // 2,000 a person.
        let designated = assess(TaxInput {
            municipality: MunicipalityKind::DesignatedCity,
            ..case
        });
        let t = &designated.tax;
        assert_eq!(
            (
                t.municipal_income_levy_before_credits_yen,
                t.prefectural_income_levy_before_credits_yen
            ),
            (Some(200_000), Some(50_000))
        );
        assert_eq!(
            designated.credits,
            vec![
                credit(TaxCreditKind::Adjustment, (2_000, 500)),
                credit(TaxCreditKind::FlatRateReduction, (24_000, 6_000))
            ]
        );
        assert_eq!(
            (t.municipal_income_levy_yen, t.prefectural_income_levy_yen),
            (174_000, 43_500)
        );
        // Deductions above the income taxed together spill over onto the separate base.
        let spill = by_kind(500_000, &[(K::LongTermRealEstate, 1_000_000)]);
        let got = assess(TaxInput {
            total_deductions: 800_000,
            ..input(&spill)
        });
        assert_eq!(
            (got.tax.taxable_base_yen, got.tax.separate_taxable_base_yen),
            (0, 700_000)
        );
    }

    #[test]
    fn the_flat_rate_reduction_stops_where_each_levy_does() {
        // Base 200,000 in 令和6年度 with four people: 12,000 and 8,000 before; the credit of
        // 5% of 50,000 (1,500, 1,000) first; then 24,000 and 16,000 wanted, 10,500 and 7,000 used.
        let income = by_kind(3_000_000, &[]);
        let got = assess(TaxInput {
            fiscal_year: 2024,
            total_deductions: 2_800_000,
            family: 3,
            flat_rate_people: 4,
            ..input(&income)
        });
        assert_eq!(
            got.credits,
            vec![
                credit(TaxCreditKind::Adjustment, (1_500, 1_000)),
                credit(TaxCreditKind::FlatRateReduction, (10_500, 7_000))
            ]
        );
        assert_eq!(got.tax.total_yen, 5_000);
    }
}
