//! What a person earns and whom they support (drawn once, so the years agree with each other),
//! and the assessment of one fiscal year built from that with the arithmetic in `tax`: losses
//! offset as the law allows and the carried-forward loss of the year after, separately taxed
//! income, 所得金額調整控除, the person's own categories, the credits, and people with no
//! declaration named as someone's dependant.

use super::tax;
use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    PersonCategory, SeparateIncomeKind, SeparateIncomeLine,
};
use crate::domain::municipality::MunicipalityKind;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::SmallRng;

/// Number of fiscal years assessed, the latest included.
pub const YEARS: usize = 4;

/// The person's own main source of income, at the level of the latest income year.
#[derive(Debug, Clone, Copy)]
enum Primary {
    /// No income of their own (homemaker, student, unemployed).
    Nothing,
    /// Part-time salary, usually under the non-taxable limits.
    PartTime {
        salary: i64,
    },
    Salaried {
        salary: i64,
    },
    /// 営業等: takings, the share left after expenses, and the ¥650,000 blue-return deduction.
    SelfEmployed {
        revenue: i64,
        margin_percent: i64,
        blue_return: bool,
        /// The one year (index into `Profile::drift`) whose expenses exceeded the takings.
        loss_year: Option<usize>,
    },
    Pensioner {
        pension: i64,
        salary: i64,
    },
}

/// Spouse, children and parents with birth years, so that who counts as what (16歳未満, 一般,
/// 特定, 老人) moves with the years as it would in a real household.
#[derive(Debug, Clone, Default)]
struct Household {
    spouse_qualifies: bool,
    spouse_birth_year: i32,
    /// Birth years of the children this person claims.
    children: Vec<i32>,
    /// Birth year of a supported parent and whether they live together.
    parent: Option<(i32, bool)>,
    /// 0 none, 1 普通, 2 特別, 3 同居特別: a disabled family member this person supports.
    disabled_dependant: u8,
}

/// Everything about a person that stays the same from year to year.
#[derive(Debug, Clone)]
pub struct Profile {
    birth_date: NaiveDate,
    /// A single parent who is a mother differs from a father in 調整控除's gap.
    female: bool,
    primary: Primary,
    /// (takings, income percent) of a rental property; a negative percent is a loss (a new
    /// building's depreciation and loan interest).
    real_estate: Option<(i64, i64)>,
    /// Separately taxed income: its kind, takings, income percent (negative: a loss, 山林
    /// only), and the one year it falls in (`None`: every year, as gains on shares do).
    separate: Option<(SeparateIncomeKind, i64, i64, Option<usize>)>,
    dividend: Option<i64>,
    /// (takings, income percent): manuscript fees, small side jobs.
    miscellaneous: Option<(i64, i64)>,
    /// A pensioner's small business on the side.
    side_business: Option<(i64, i64)>,
    household: Household,
    /// Income level of each year relative to the latest one; index 0 is the latest year.
    drift: [f64; YEARS],
    /// 未申告 every year.
    undeclared: bool,
    /// 0 no, 1 障害者, 2 特別障害者.
    disabled: u8,
    /// 寡婦 or ひとり親, when the year's income allows it (合計所得金額 ¥5 million at most).
    widow_or_single_parent: Option<PersonCategory>,
    /// A student working part-time: 勤労学生 while the income stays at ¥750,000 or less.
    student: bool,
    /// With no declaration: named as a dependant on a family member's return.
    named_as_dependant: bool,
    life_insurance: i64,
    earthquake_insurance: i64,
    /// The employer withholds (特別徴収); the few who do not are billed directly.
    salary_withheld: bool,
    /// First fiscal year whose tax is withheld from the pension; that year is 'mixed'.
    pension_withholding_from: i32,
}

fn normal(rng: &mut SmallRng) -> f64 {
    // Box–Muller; 1 - u keeps the logarithm finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Incomes are roughly log-normal: many modest ones, a long tail of high ones.
fn log_normal(rng: &mut SmallRng, median: f64, sigma: f64, min: i64, max: i64) -> i64 {
    ((median * (sigma * normal(rng)).exp()) as i64).clamp(min, max)
}

fn yen(amount: i64, factor: f64) -> i64 {
    (amount as f64 * factor) as i64
}

/// Age in completed years on `day`.
pub fn age_on(birth_date: NaiveDate, day: NaiveDate) -> i32 {
    let had_birthday = (day.month(), day.day()) >= (birth_date.month(), birth_date.day());
    day.year() - birth_date.year() - i32::from(!had_birthday)
}

/// Age as the law counts it on `day`: an age is reached on the day before the birthday
/// (年齢計算ニ関スル法律, 民法143条). So someone born on 1 January is already 65 on 31 December
/// of the year before their 65th birthday (国税庁: 65歳以上 for 令和6年分 is 昭和35年1月1日以前
/// 生まれ), and someone born on 2 April is 65 on 1 April.
pub fn legal_age_on(birth_date: NaiveDate, day: NaiveDate) -> i32 {
    age_on(birth_date, day.succ_opt().expect("a day after"))
}

impl Profile {
    /// Draws a profile for someone of `age` on 1 April of the latest fiscal year.
    pub fn draw(
        rng: &mut SmallRng,
        birth_date: NaiveDate,
        female: bool,
        age: i32,
        latest_fy: i32,
    ) -> Self {
        let roll = rng.random_range(0..100);
        let pay_gap = if female { 0.75 } else { 1.0 };
        let salary_median = pay_gap
            * match age {
                ..=29 => 3_400_000.0,
                30..=39 => 4_500_000.0,
                40..=49 => 5_300_000.0,
                _ => 5_600_000.0,
            };
        let part_time = |rng: &mut SmallRng, lo: i64, hi: i64| rng.random_range(lo..hi);
        let primary = match age {
            ..=22 => match roll {
                0..=44 => Primary::Nothing,
                45..=84 => Primary::PartTime {
                    salary: part_time(rng, 100_000, 1_300_000),
                },
                _ if age >= 18 => Primary::Salaried {
                    salary: log_normal(rng, 2_600_000.0, 0.25, 1_500_000, 4_000_000),
                },
                _ => Primary::Nothing,
            },
            23..=64 => match roll {
                0..=73 => Primary::Salaried {
                    salary: log_normal(rng, salary_median, 0.45, 1_200_000, 40_000_000),
                },
                74..=85 => Primary::SelfEmployed {
                    revenue: log_normal(rng, 8_000_000.0, 0.7, 1_000_000, 100_000_000) / 1_000
                        * 1_000,
                    margin_percent: rng.random_range(20..=50),
                    blue_return: rng.random_bool(0.55),
                    loss_year: rng.random_bool(0.12).then(|| rng.random_range(1..YEARS)),
                },
                86..=95 => Primary::PartTime {
                    salary: part_time(rng, 300_000, 1_600_000),
                },
                _ => Primary::Nothing,
            },
            _ => Primary::Pensioner {
                pension: log_normal(rng, 2_500_000.0, 0.45, 500_000, 9_000_000),
                salary: if age < 75 && roll < 25 {
                    log_normal(rng, 1_800_000.0, 0.5, 500_000, 8_000_000)
                } else {
                    0
                },
            },
        };
        let adult = age >= 25;
        let real_estate = (adult && rng.random_bool(0.04)).then(|| {
            (
                log_normal(rng, 2_500_000.0, 0.6, 600_000, 30_000_000) / 1_000 * 1_000,
                if rng.random_bool(0.2) {
                    rng.random_range(-30..=-5)
                } else {
                    rng.random_range(15..=45)
                },
            )
        });
        let separate = (adult && rng.random_bool(0.05)).then(|| {
            let one_year = Some(rng.random_range(0..YEARS));
            match rng.random_range(0..100) {
                0..=49 => (
                    SeparateIncomeKind::Shares,
                    log_normal(rng, 2_000_000.0, 0.9, 100_000, 50_000_000),
                    rng.random_range(5..=30),
                    None,
                ),
                50..=69 => {
                    let amount = log_normal(rng, 150_000.0, 0.9, 10_000, 5_000_000);
                    (SeparateIncomeKind::ListedDividends, amount, 100, None)
                }
                70..=79 => (
                    SeparateIncomeKind::LongTermRealEstate,
                    rng.random_range(10..=60) * 1_000_000,
                    rng.random_range(20..=60),
                    one_year,
                ),
                80..=84 => (
                    SeparateIncomeKind::ShortTermRealEstate,
                    rng.random_range(5..=30) * 1_000_000,
                    rng.random_range(5..=25),
                    one_year,
                ),
                85..=91 => (
                    SeparateIncomeKind::Futures,
                    log_normal(rng, 1_000_000.0, 0.8, 50_000, 20_000_000),
                    rng.random_range(10..=40),
                    None,
                ),
                92..=95 => (
                    SeparateIncomeKind::Retirement,
                    rng.random_range(5..=30) * 1_000_000,
                    rng.random_range(10..=40),
                    one_year,
                ),
                _ => (
                    SeparateIncomeKind::Forestry,
                    rng.random_range(1..=10) * 1_000_000,
                    if rng.random_bool(0.4) {
                        rng.random_range(-20..=-5)
                    } else {
                        rng.random_range(10..=30)
                    },
                    one_year,
                ),
            }
        });
        let dividend = (adult && rng.random_bool(0.06))
            .then(|| log_normal(rng, 200_000.0, 0.9, 10_000, 5_000_000));
        let miscellaneous = (age >= 20 && rng.random_bool(0.04)).then(|| {
            (
                rng.random_range(50..1_200) * 1_000,
                rng.random_range(40..=100),
            )
        });
        let side_business = (matches!(primary, Primary::Pensioner { .. }) && rng.random_bool(0.08))
            .then(|| {
                (
                    log_normal(rng, 3_000_000.0, 0.6, 500_000, 20_000_000) / 1_000 * 1_000,
                    rng.random_range(20..=50),
                )
            });
        let earner = matches!(
            primary,
            Primary::Salaried { .. } | Primary::SelfEmployed { .. } | Primary::Pensioner { .. }
        );
        let household = if earner {
            Household::draw(rng, birth_date.year(), female, age, latest_fy)
        } else {
            Household::default()
        };
        // Walk back from the latest year: each earlier year within ±5% of the next.
        let mut drift = [1.0; YEARS];
        for k in 1..YEARS {
            drift[k] = drift[k - 1] / rng.random_range(0.95..1.05);
        }
        let disabled = match rng.random_range(0..1000) {
            n if n < if age >= 65 { 50 } else { 25 } => 1 + u8::from(rng.random_bool(0.3)),
            _ => 0,
        };
        let unmarried = !household.spouse_qualifies;
        let widow_or_single_parent = if unmarried && !household.children.is_empty() {
            rng.random_bool(0.5).then_some(PersonCategory::SingleParent)
        } else if unmarried && female && age >= 55 && earner {
            rng.random_bool(0.1).then_some(PersonCategory::Widow)
        } else {
            None
        };
        let student =
            age <= 22 && matches!(primary, Primary::PartTime { .. }) && rng.random_bool(0.6);
        let undeclared = rng.random_range(0..1000) < 50;
        Profile {
            birth_date,
            female,
            primary,
            real_estate,
            separate,
            widow_or_single_parent,
            student,
            named_as_dependant: undeclared && rng.random_bool(0.6),
            dividend,
            miscellaneous,
            side_business,
            household,
            drift,
            undeclared,
            disabled,
            life_insurance: if earner && rng.random_bool(0.55) {
                rng.random_range(20..=70) * 1_000
            } else {
                0
            },
            earthquake_insurance: if earner && rng.random_bool(0.25) {
                rng.random_range(5..=25) * 1_000
            } else {
                0
            },
            salary_withheld: rng.random_range(0..100) < 95,
            // Withholding from the pension begins a year or two after the first fiscal year that
            // finds the person 65 on 1 April (reached on the day before the birthday, so born on
            // 2 April at the latest); until then the tax is billed directly.
            pension_withholding_from: birth_date.year()
                + 65
                + i32::from((birth_date.month(), birth_date.day()) > (4, 2))
                + rng.random_range(1..=2),
        }
    }
}

impl Household {
    fn draw(rng: &mut SmallRng, birth_year: i32, female: bool, age: i32, latest_fy: i32) -> Self {
        let married = rng.random_bool(match age {
            ..=24 => 0.05,
            25..=34 => 0.4,
            35..=64 => 0.65,
            _ => 0.6,
        });
        let spouse_qualifies = married && rng.random_bool(if female { 0.05 } else { 0.45 });
        let spouse_birth_year = if female {
            birth_year - rng.random_range(0..=5)
        } else {
            birth_year + rng.random_range(0..=5)
        };
        // Only one parent claims the children; more often the father in this generation's data.
        let claims_children =
            (married || rng.random_bool(0.05)) && rng.random_bool(if female { 0.3 } else { 0.85 });
        let mut children = Vec::new();
        if claims_children && (25..=70).contains(&age) {
            let count = match rng.random_range(0..100) {
                0..=34 => 0,
                35..=59 => 1,
                60..=89 => 2,
                _ => 3,
            };
            for _ in 0..count {
                let year = birth_year + rng.random_range(25..=40);
                if year <= latest_fy {
                    children.push(year);
                }
            }
        }
        let parent = ((45..=75).contains(&age) && rng.random_bool(0.07))
            .then(|| {
                (
                    birth_year - rng.random_range(22..=35),
                    rng.random_bool(0.55),
                )
            })
            .filter(|(year, _)| latest_fy - year <= 100);
        let disabled_dependant = match rng.random_range(0..1000) {
            0..=14 => 1,
            15..=19 => 2,
            20..=24 => 3,
            _ => 0,
        };
        Household {
            spouse_qualifies,
            spouse_birth_year,
            children,
            parent,
            disabled_dependant,
        }
    }

    /// Who counts as what for fiscal year `fy`: ages are taken on 31 December of the income year.
    /// Returns the dependants and whether the spouse is 70 or over.
    fn dependants(&self, fy: i32, taxpayer_total_income: i64) -> (Dependants, bool) {
        let year = fy - 1;
        let mut d = Dependants {
            has_qualifying_spouse: self.spouse_qualifies && taxpayer_total_income <= 10_000_000,
            ..Dependants::default()
        };
        for &born in &self.children {
            match year - born {
                ..0 => {}
                0..=15 => d.under_16 += 1,
                16..=18 => d.general += 1,
                19..=22 => d.specific += 1,
                _ => {}
            }
        }
        if let Some((born, cohabiting)) = self.parent {
            match (year - born >= 70, cohabiting) {
                (true, true) => d.elderly_cohabiting_parents += 1,
                (true, false) => d.elderly += 1,
                (false, _) => d.general += 1,
            }
        }
        // The disabled member is the spouse in the household (同一生計配偶者, whether or not the
        // taxpayer's income allows a spouse deduction) or a dependant.
        if self.spouse_qualifies || tax::family_size(&d) > 0 {
            match self.disabled_dependant {
                1 => d.disabled_ordinary = 1,
                2 => d.disabled_special = 1,
                3 => d.disabled_special_cohabiting = 1,
                _ => {}
            }
        }
        (d, year - self.spouse_birth_year >= 70)
    }

    /// Whether the high-salary 所得金額調整控除 may apply (租税特別措置法41条の3の3第1項): a
    /// dependant under 23 (a child this person claims, 年少 included) or a 特別障害者 spouse or
    /// dependant. Neither depends on the taxpayer's income.
    fn has_carer_case(&self, fy: i32) -> bool {
        let year = fy - 1;
        let (d, _) = self.dependants(fy, 0);
        self.children
            .iter()
            .any(|&born| (0..=22).contains(&(year - born)))
            || d.disabled_special + d.disabled_special_cohabiting > 0
    }
}

/// One year's income as its lines show it, before 損益通算: a function of the profile and the
/// year only (no draws), so that the year after a loss can recompute the loss.
#[derive(Debug, Clone, Default)]
struct YearIncome {
    /// 総合課税 lines in certificate order, the salary line after 所得金額調整控除.
    lines: Vec<IncomeLine>,
    /// 分離課税 lines (their bases are set once the deductions are known).
    separate_lines: Vec<SeparateIncomeLine>,
    /// 所得金額調整控除 taken off the salary line.
    income_adjustment: i64,
    /// 社会保険料控除: what the person paid on this income.
    social_insurance: i64,
}

impl YearIncome {
    /// The net of the lines taxed together and each separate kind's income.
    fn by_kind(&self) -> (i64, Vec<(SeparateIncomeKind, i64)>) {
        (
            self.lines.iter().map(|l| l.income_yen).sum(),
            self.separate_lines
                .iter()
                .map(|l| (l.kind, l.income_yen))
                .collect(),
        )
    }
}

/// What `profile` earned in the income year of `fiscal_year`.
fn year_income(profile: &Profile, fiscal_year: i32, latest_fy: i32) -> YearIncome {
    let income_year = fiscal_year - 1;
    let year_index = (latest_fy - fiscal_year) as usize;
    let f = profile.drift[year_index];
    let (mut salary, mut pension, mut business) = (0, 0, None);
    let mut social_insurance = 0;
    match profile.primary {
        Primary::Nothing => {}
        Primary::PartTime { salary: s } => {
            salary = yen(s, f);
            // Below about ¥1.06 million part-timers stay on a family member's insurance.
            if salary >= 1_060_000 {
                social_insurance = salary * 145 / 1000;
            }
        }
        Primary::Salaried { salary: s } => {
            salary = yen(s, f);
            social_insurance = salary * 145 / 1000;
        }
        Primary::SelfEmployed {
            revenue,
            margin_percent,
            blue_return,
            loss_year,
        } => {
            let revenue = yen(revenue, f) / 1_000 * 1_000;
            let income =
                business_income(revenue, margin_percent, blue_return, loss_year, year_index);
            business = Some((revenue, income));
            // National pension (about ¥200,000) plus national health insurance on income.
            social_insurance = 203_760 + (income.max(0) / 10).min(1_000_000);
        }
        Primary::Pensioner {
            pension: p,
            salary: s,
        } => {
            pension = yen(p, f);
            salary = yen(s, f);
            social_insurance = pension * 7 / 100 + salary * 145 / 1000;
        }
    }
    if let Some((revenue, percent)) = profile.side_business {
        let revenue = yen(revenue, f) / 1_000 * 1_000;
        let income = revenue * percent / 100;
        business = Some((revenue, income));
        social_insurance += income / 10;
    }
    let real_estate = profile.real_estate.map(|(revenue, percent)| {
        let revenue = yen(revenue, f) / 1_000 * 1_000;
        (revenue, revenue * percent / 100)
    });
    let dividend = profile.dividend.map(|amount| yen(amount, f));
    let miscellaneous = profile.miscellaneous.map(|(revenue, percent)| {
        let revenue = yen(revenue, f) / 1_000 * 1_000;
        (revenue, revenue * percent / 100)
    });
    let separate_lines: Vec<SeparateIncomeLine> = profile
        .separate
        .filter(|(_, _, _, year)| year.is_none_or(|y| y == year_index))
        .map(|(kind, revenue, percent, _)| {
            let revenue = yen(revenue, f) / 1_000 * 1_000;
            SeparateIncomeLine {
                kind,
                revenue_yen: revenue,
                income_yen: revenue * percent / 100,
                taxable_base_yen: None,
            }
        })
        .into_iter()
        .collect();

    // 給与所得, less the high-salary 所得金額調整控除 where a carer case applies.
    let carer = income_adjustment_applies(profile, fiscal_year);
    let adjustment_for_carers = tax::income_adjustment_for_carers(salary, carer, income_year);
    let salary_income = tax::salary_income(salary, income_year) - adjustment_for_carers;
    // 公的年金等控除 by the age on 31 December and by the other income (its 合計所得金額, the
    // salary taken before the pension adjustment, which itself needs the pension income).
    let year_end = NaiveDate::from_ymd_opt(income_year, 12, 31).expect("valid date");
    let aged_65 = legal_age_on(profile.birth_date, year_end) >= 65;
    let others = [business, real_estate, miscellaneous]
        .into_iter()
        .flatten()
        .map(|(_, income)| income)
        .chain(dividend)
        .chain([salary_income])
        .sum();
    let separate: Vec<_> = separate_lines
        .iter()
        .map(|l| (l.kind, l.income_yen))
        .collect();
    let other_income = tax::offset_losses(others, &separate).0.total();
    let pension_income = tax::pension_income(pension, aged_65, other_income);
    let adjustment_for_pensioners =
        tax::income_adjustment_for_pensioners(salary_income, pension_income, income_year);

    let mut lines = Vec::new();
    let mut line = |kind, revenue_yen: i64, income_yen: i64| {
        if revenue_yen > 0 {
            lines.push(IncomeLine {
                kind,
                revenue_yen,
                income_yen,
            });
        }
    };
    // Certificate order: 営業等, 不動産, 配当, 給与, 公的年金等, 雑.
    if let Some((revenue, income)) = business {
        line(IncomeKind::Business, revenue, income);
    }
    if let Some((revenue, income)) = real_estate {
        line(IncomeKind::RealEstate, revenue, income);
    }
    if let Some(amount) = dividend {
        line(IncomeKind::Dividend, amount, amount);
    }
    line(
        IncomeKind::Salary,
        salary,
        salary_income - adjustment_for_pensioners,
    );
    line(IncomeKind::Pension, pension, pension_income);
    if let Some((revenue, income)) = miscellaneous {
        line(IncomeKind::Miscellaneous, revenue, income);
    }
    YearIncome {
        lines,
        separate_lines,
        income_adjustment: adjustment_for_carers + adjustment_for_pensioners,
        social_insurance,
    }
}

/// Whether the high-salary 所得金額調整控除 may apply: the person is 特別障害者, or supports a
/// 特別障害者 or a dependant under 23.
fn income_adjustment_applies(profile: &Profile, fiscal_year: i32) -> bool {
    profile.disabled == 2 || profile.household.has_carer_case(fiscal_year)
}

/// 純損失の繰越控除 available in `fiscal_year`: a blue-return filer's net loss of the year before
/// (what 損益通算 left of it, 所得税法70条1項).
fn carried_loss(profile: &Profile, fiscal_year: i32, latest_fy: i32) -> i64 {
    let year_index = (latest_fy - fiscal_year) as usize;
    match profile.primary {
        Primary::SelfEmployed {
            blue_return: true,
            loss_year: Some(loss_year),
            ..
        } if year_index + 1 == loss_year => {
            let (together, separate) = year_income(profile, fiscal_year - 1, latest_fy).by_kind();
            tax::offset_losses(together, &separate).1
        }
        _ => 0,
    }
}

/// One fiscal year's assessment. `address` is where the person lived on 1 January; `kind` the
/// municipality's kind, which chooses the 所得割 rates.
pub fn assessment(
    rng: &mut SmallRng,
    profile: &Profile,
    addressee_no: &str,
    fiscal_year: i32,
    latest_fy: i32,
    address: &str,
    kind: MunicipalityKind,
) -> Assessment {
    let under_revision = rng.random_range(0..1000) < 2;
    let mut a = Assessment {
        addressee_no: addressee_no.to_owned(),
        fiscal_year,
        address_on_assessment_date: Some(address.to_owned()),
        declared: false,
        taxable: false,
        collection_methods: vec![CollectionMethod::DirectBilling],
        income_lines: Vec::new(),
        separate_income_lines: Vec::new(),
        deduction_lines: Vec::new(),
        total_income_yen: 0,
        carried_forward_loss_yen: 0,
        income_adjustment_yen: 0,
        aggregate_income_yen: 0,
        dependants: Dependants::default(),
        tax: Default::default(),
        tax_credits: Vec::new(),
        under_revision,
        own_categories: Vec::new(),
        declared_as_dependant: false,
    };
    if profile.undeclared {
        a.declared_as_dependant = profile.named_as_dependant;
        return a;
    }
    a.declared = true;
    let year = year_income(profile, fiscal_year, latest_fy);
    let (together, separate) = year.by_kind();
    // 損益通算 as the law allows it; a net loss leaves 0 (and is the tax system's to carry).
    let (income, _) = tax::offset_losses(together, &separate);
    let total_income = income.total();
    // The year after a blue-return loss deducts it (繰越控除), as far as this year's income goes.
    let (income, carried_forward) =
        tax::deduct_carried_loss(&income, carried_loss(profile, fiscal_year, latest_fy));
    let aggregate_income = total_income - carried_forward;

    let (dependants, spouse_70) = profile.household.dependants(fiscal_year, total_income);
    let mut own_categories = Vec::new();
    match profile.disabled {
        1 => own_categories.push(PersonCategory::Disabled),
        2 => own_categories.push(PersonCategory::SpeciallyDisabled),
        _ => {}
    }
    let widow_or_single_parent = profile
        .widow_or_single_parent
        .filter(|_| total_income <= 5_000_000);
    own_categories.extend(widow_or_single_parent);
    // 勤労学生: 合計所得金額 at most ¥750,000, ¥850,000 from 令和8年度 (令和7年改正).
    let student_limit = if fiscal_year >= 2026 {
        850_000
    } else {
        750_000
    };
    let working_student =
        profile.student && has_salary(&year.lines) && total_income <= student_limit;
    if working_student {
        own_categories.push(PersonCategory::WorkingStudent);
    }
    let mut deductions = Vec::new();
    let mut deduct = |kind, amount_yen: i64| {
        if amount_yen > 0 {
            deductions.push(DeductionLine { kind, amount_yen });
        }
    };
    let has_income = total_income > 0;
    deduct(DeductionKind::SocialInsurance, year.social_insurance);
    if has_income {
        deduct(DeductionKind::LifeInsurance, profile.life_insurance);
        deduct(
            DeductionKind::EarthquakeInsurance,
            profile.earthquake_insurance,
        );
    }
    let own_disability = match profile.disabled {
        1 => 260_000,
        2 => 300_000,
        _ => 0,
    };
    deduct(
        DeductionKind::Disability,
        own_disability + tax::disabled_dependant_deduction(&dependants),
    );
    match widow_or_single_parent {
        Some(PersonCategory::Widow) => deduct(DeductionKind::Widow, 260_000),
        Some(PersonCategory::SingleParent) => deduct(DeductionKind::SingleParent, 300_000),
        _ => {}
    }
    if working_student {
        deduct(DeductionKind::WorkingStudent, 260_000);
    }
    if dependants.has_qualifying_spouse {
        deduct(
            DeductionKind::Spouse,
            tax::spouse_deduction(total_income, spouse_70),
        );
    }
    deduct(
        DeductionKind::Dependant,
        tax::dependant_deduction(&dependants),
    );
    deduct(DeductionKind::Basic, tax::basic_deduction(total_income));
    if has_income && rng.random_range(0..100) < 5 {
        deduct(DeductionKind::Medical, rng.random_range(10..400) * 1_000);
    }

    // The age of majority fell from 20 to 18 in April 2022; FY2023 is the first assessed under it.
    let majority = if fiscal_year >= 2023 { 18 } else { 20 };
    let assessment_date = NaiveDate::from_ymd_opt(fiscal_year, 1, 1).expect("valid date");
    let minor = legal_age_on(profile.birth_date, assessment_date) < majority;
    let assessed = tax::assess(tax::TaxInput {
        fiscal_year,
        municipality: kind,
        total_income,
        income: &income,
        total_deductions: deductions.iter().map(|d| d.amount_yen).sum(),
        dividend_income: year
            .lines
            .iter()
            .filter(|l| l.kind == IncomeKind::Dividend)
            .map(|l| l.income_yen)
            .sum(),
        family: tax::family_size(&dependants),
        personally_exempt: minor || profile.disabled > 0 || widow_or_single_parent.is_some(),
        personal_deduction_gap: tax::personal_deduction_gap(&tax::Personal {
            total_income,
            dependants: &dependants,
            spouse_70_or_over: spouse_70,
            own_categories: &own_categories,
            single_father: !profile.female,
        }),
        flat_rate_people: tax::flat_rate_reduction_people(
            fiscal_year,
            total_income,
            &dependants,
            profile.household.spouse_qualifies,
        ),
    });
    let mut separate_lines = year.separate_lines;
    for line in &mut separate_lines {
        line.taxable_base_yen = Some(assessed.bases.of(line.kind));
    }
    a.tax = assessed.tax;
    a.tax_credits = assessed.credits;
    a.taxable = a.tax.total_yen > 0;
    a.collection_methods = collection_methods(profile, fiscal_year, &year.lines, &separate_lines);
    if !a.taxable {
        // Nothing is collected: no employer or pension fund is told to withhold anything.
        a.collection_methods = vec![CollectionMethod::DirectBilling];
    }
    a.total_income_yen = total_income;
    a.carried_forward_loss_yen = carried_forward;
    a.income_adjustment_yen = year.income_adjustment;
    a.aggregate_income_yen = aggregate_income;
    a.own_categories = own_categories;
    a.income_lines = year.lines;
    a.separate_income_lines = separate_lines;
    a.deduction_lines = deductions;
    a.dependants = dependants;
    a
}

/// How a taxed year is collected. Payroll withholding needs a salary the employer withholds
/// from (it takes the tax on small side income and separately taxed gains with it). Pension
/// withholding (地方税法321条の7の2) needs pension income and the pensioner 65 on 1 April of the
/// fiscal year, and bills its first year's first half directly. Income neither covers is
/// billed directly too, so a person may have several methods at once.
fn collection_methods(
    profile: &Profile,
    fiscal_year: i32,
    lines: &[IncomeLine],
    separate_lines: &[SeparateIncomeLine],
) -> Vec<CollectionMethod> {
    let april = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).expect("valid date");
    let aged_65_in_april = legal_age_on(profile.birth_date, april) >= 65;
    let payroll = has_salary(lines) && profile.salary_withheld;
    let pension = lines
        .iter()
        .any(|l| l.kind == IncomeKind::Pension && l.income_yen > 0)
        && aged_65_in_april
        && fiscal_year >= profile.pension_withholding_from;
    let uncovered = lines.iter().any(|l| match l.kind {
        IncomeKind::Salary => !payroll,
        IncomeKind::Pension => !pension,
        _ => !payroll,
    }) || (!separate_lines.is_empty() && !payroll);
    let first_pension_year = pension && fiscal_year == profile.pension_withholding_from;
    [
        (payroll, CollectionMethod::PayrollWithholding),
        (pension, CollectionMethod::PensionWithholding),
        (
            uncovered || first_pension_year || !(payroll || pension),
            CollectionMethod::DirectBilling,
        ),
    ]
    .into_iter()
    .filter_map(|(applies, method)| applies.then_some(method))
    .collect()
}

/// 営業等所得 of one year: the takings' margin less the blue-return deduction, or in the loss
/// year a loss of a fifth of the takings (the blue-return deduction cannot deepen a loss).
fn business_income(
    revenue: i64,
    margin_percent: i64,
    blue_return: bool,
    loss_year: Option<usize>,
    year_index: usize,
) -> i64 {
    if loss_year == Some(year_index) {
        return -(revenue / 5);
    }
    let blue = if blue_return { 650_000 } else { 0 };
    (revenue * margin_percent / 100 - blue).max(0)
}

fn has_salary(lines: &[IncomeLine]) -> bool {
    lines.iter().any(|l| l.kind == IncomeKind::Salary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_completed_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        for (birth, day, expected) in [
            (d(1960, 4, 1), d(2025, 4, 1), 65),
            (d(1960, 4, 2), d(2025, 4, 1), 64),
            (d(2000, 2, 29), d(2025, 2, 28), 24),
            (d(2000, 2, 29), d(2025, 3, 1), 25),
            (d(2025, 1, 1), d(2025, 1, 1), 0),
        ] {
            assert_eq!(age_on(birth, day), expected, "{birth} on {day}");
        }
    }

    #[test]
    fn the_law_counts_an_age_from_the_day_before_the_birthday() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        for (birth, day, expected) in [
            // 令和6年分: 65 on 31 December 2024 is born on 1 January 1960 or before.
            (d(1960, 1, 1), d(2024, 12, 31), 65),
            (d(1960, 1, 2), d(2024, 12, 31), 64),
            // 65 on 1 April 2025 is born on 2 April 1960 or before.
            (d(1960, 4, 2), d(2025, 4, 1), 65),
            (d(1960, 4, 3), d(2025, 4, 1), 64),
        ] {
            assert_eq!(legal_age_on(birth, day), expected, "{birth} on {day}");
        }
    }

    #[test]
    fn dependants_move_with_the_years() {
        let household = Household {
            spouse_qualifies: true,
            spouse_birth_year: 1954,
            children: vec![2006, 2009],
            parent: Some((1950, true)),
            disabled_dependant: 1,
        };
        let (d, spouse_70) = household.dependants(2025, 5_000_000);
        // On 31 Dec 2024: children 18 and 15, parent 74, spouse 70.
        assert_eq!(
            d,
            Dependants {
                has_qualifying_spouse: true,
                general: 1,
                under_16: 1,
                elderly_cohabiting_parents: 1,
                disabled_ordinary: 1,
                ..Dependants::default()
            }
        );
        assert!(spouse_70);
        let (d, spouse_70) = household.dependants(2022, 12_000_000);
        // On 31 Dec 2021: children 15 and 12, parent 71, spouse 67; income too high for a spouse.
        assert!(!d.has_qualifying_spouse && !spouse_70);
        assert_eq!(
            (d.under_16, d.general, d.elderly_cohabiting_parents),
            (2, 0, 1)
        );
    }
}
