//! A deterministic synthetic municipality for demos, tests and benchmarks: residents with
//! realistic names and readings, addresses, birth dates across eras, card links, four fiscal
//! years of internally consistent assessments, and payments.
//!
//! Person `i` depends only on (seed, i): `people()` streams any number of them in constant memory,
//! and person 7 is the same whether 10 or 1,000,000 are generated. No value looks like a My Number.

mod names;
pub mod sample;
pub mod tax;

use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    Payment, TaxAmounts, TaxCreditKind, TaxCreditLine,
};
use crate::domain::lg_code::LgCode;
use crate::domain::my_number::contains_my_number;
use crate::domain::resident::{CardLink, Resident, ResidentStatus};
use crate::domain::sync_record::SyncRecord;
use chrono::{Datelike, Days, NaiveDate};
use names::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The municipality the population lives in.
#[derive(Debug, Clone)]
pub struct Municipality {
    pub lg_code: LgCode,
    /// e.g. "東京都"
    pub prefecture_name: String,
    /// e.g. "新宿区"
    pub city_name: String,
}

/// One person with everything kofu keeps about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPerson {
    pub resident: Resident,
    pub card_links: Vec<CardLink>,
    pub assessments: Vec<Assessment>,
    pub payments: Vec<Payment>,
}

/// Streams `residents` people for fiscal years `latest_fiscal_year - 3 ..= latest_fiscal_year`.
/// The data is as the tax system would have extracted it on 1 November of `latest_fiscal_year`.
pub fn people(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> impl Iterator<Item = SyntheticPerson> + use<> {
    let municipality = municipality.clone();
    (0..residents).map(move |i| person(seed, &municipality, i, latest_fiscal_year))
}

/// SplitMix64 finaliser: decorrelates (seed, index) into independent generator seeds.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Dates born exactly on era boundaries, so certificates print both sides of each.
const ERA_EDGES: [(i32, u32, u32); 4] = [(1989, 1, 7), (1989, 1, 8), (2019, 4, 30), (2019, 5, 1)];

/// A card serial: 16 upper-case hex digits, unique per person, never with a My Number inside.
fn card_serial(seed: u64, index: usize, generation: u64) -> String {
    let mut salt = 0u64;
    loop {
        let high = mix(seed ^ mix(generation.wrapping_add(salt))) as u32;
        let serial = format!("{high:08X}{:08X}", (index as u32) ^ 0xA5A5_0000);
        if !contains_my_number(&serial) {
            return serial;
        }
        salt += 1;
    }
}

/// What a person earns, fixed for life here and drifted a little from year to year.
#[derive(Debug, Clone, Copy)]
enum Earner {
    Salaried {
        revenue: i64,
    },
    SelfEmployed {
        income: i64,
    },
    Pensioner {
        revenue: i64,
        part_time_salary: i64,
    },
    /// Students, homemakers: a little part-time salary at most.
    Dependent {
        part_time_salary: i64,
    },
}

fn person(seed: u64, m: &Municipality, index: usize, latest_fy: i32) -> SyntheticPerson {
    let mut rng = SmallRng::seed_from_u64(mix(seed ^ mix(index as u64)));
    let as_of = date(latest_fy, 11, 1);
    let reference = date(latest_fy, 4, 1);

    // Age: a population pyramid of sorts, with a tail past 100 so that 大正 births appear.
    let age: i32 = match rng.random_range(0..100) {
        0..=11 => rng.random_range(0..15),
        12..=70 => rng.random_range(15..65),
        71..=95 => rng.random_range(65..90),
        _ => rng.random_range(90..106),
    };
    let birth_date = if index % 997 == 500 {
        let (y, mo, d) = ERA_EDGES[(index / 997) % ERA_EDGES.len()];
        date(y, mo, d)
    } else {
        date(reference.year() - age, 4, 1) - Days::new(rng.random_range(1..=365))
    };

    let female = rng.random_bool(0.5);
    let (family, family_kana) = if rng.random_range(0..200) == 0 {
        *pick(&mut rng, VARIANT_FAMILY_NAMES)
    } else {
        *pick(&mut rng, FAMILY_NAMES)
    };
    let generation = match birth_date.year() {
        ..=1950 => GIVEN_NAMES_OLD,
        1951..=1985 => GIVEN_NAMES_MIDDLE,
        _ => GIVEN_NAMES_YOUNG,
    };
    let candidates: Vec<&(&str, &str, bool)> =
        generation.iter().filter(|g| g.2 == female).collect();
    let (given, given_kana, _) = **pick(&mut rng, &candidates);

    let address = address(&mut rng, m);
    let status = match rng.random_range(0..1000) {
        0..=969 => ResidentStatus::Resident,
        970..=989 => ResidentStatus::MovedOut {
            filed_on: as_of - Days::new(rng.random_range(1..60)),
        },
        _ => ResidentStatus::Deceased {
            on: as_of - Days::new(rng.random_range(1..120)),
        },
    };
    let moved_in_on = (rng.random_range(0..10) == 0 && age >= 1).then(|| {
        let earliest = date(latest_fy - 3, 1, 1).max(birth_date);
        let span = (as_of - earliest).num_days().max(1) as u64;
        earliest + Days::new(rng.random_range(0..span))
    });
    let addressee_no = format!("{:010}", index + 1);
    let resident = Resident {
        addressee_no: addressee_no.clone(),
        name: format!("{family}　{given}"),
        name_kana: format!("{family_kana}　{given_kana}"),
        birth_date,
        address: address.clone(),
        status,
        moved_in_on,
        protection_measure: rng.random_range(0..1000) < 5,
        issuance_stopped: rng.random_range(0..1000) < 3,
    };

    let mut card_links = Vec::new();
    let has_card = if age >= 15 {
        rng.random_bool(0.85)
    } else {
        rng.random_bool(0.2)
    };
    if has_card {
        let issued = reference - Days::new(rng.random_range(30..3000));
        if rng.random_range(0..100) == 0 {
            card_links.push(CardLink {
                card_serial: card_serial(seed, index, 1),
                addressee_no: addressee_no.clone(),
                valid_from: issued - Days::new(1826),
                valid_until: Some(issued - Days::new(1)),
            });
        }
        card_links.push(CardLink {
            card_serial: card_serial(seed, index, 0),
            addressee_no: addressee_no.clone(),
            valid_from: issued,
            valid_until: None,
        });
    }

    let earner = earner(&mut rng, age);
    let married = age >= 25 && rng.random_bool(0.55);
    let spouse_dependent = married && rng.random_bool(0.35);
    let children_under_16 = if (25..55).contains(&age) {
        rng.random_range(0..3)
    } else {
        0
    };
    let children_16_plus = if (40..65).contains(&age) {
        rng.random_range(0..2)
    } else {
        0
    };
    let undeclared = rng.random_range(0..100) < 5;

    let mut assessments = Vec::new();
    let mut payments = Vec::new();
    for fiscal_year in latest_fy - 3..=latest_fy {
        let assessment_date = date(fiscal_year, 1, 1);
        let age_then = crate::domain::eligibility::age_on(birth_date, assessment_date);
        let lived_here = moved_in_on.is_none_or(|d| d <= assessment_date);
        // People under 15, and years before they moved in, have no assessment here.
        if age_then < 15 || !lived_here {
            continue;
        }
        let drift = 1.0 + (fiscal_year - latest_fy) as f64 * 0.03 + rng.random_range(-0.03..0.03);
        let a = assessment(
            &mut rng,
            AssessmentInput {
                addressee_no: &addressee_no,
                fiscal_year,
                address: &address,
                earner,
                drift,
                spouse_dependent,
                children_under_16,
                children_16_plus,
                undeclared,
            },
        );
        if a.taxable {
            payments.push(payment(&mut rng, &a, as_of));
        }
        assessments.push(a);
    }

    SyntheticPerson {
        resident,
        card_links,
        assessments,
        payments,
    }
}

fn address(rng: &mut SmallRng, m: &Municipality) -> String {
    let towns = if m.city_name == "新宿区" {
        SHINJUKU_TOWNS
    } else {
        GENERIC_TOWNS
    };
    let town = pick(rng, towns);
    let chome = KANJI_NUMERALS[rng.random_range(0..5)];
    let ban = rng.random_range(1..30);
    let go = rng.random_range(1..25);
    let mut address = format!(
        "{}{}{town}{chome}丁目{ban}番{go}号",
        m.prefecture_name, m.city_name
    );
    if rng.random_bool(0.35) {
        let building = pick(rng, BUILDINGS);
        let room = rng.random_range(1..15) * 100 + rng.random_range(1..10);
        address.push_str(&format!("　{town}{building}{room}号"));
    }
    address
}

fn earner(rng: &mut SmallRng, age: i32) -> Earner {
    let roll = rng.random_range(0..100);
    // Log-normal-ish salaries around ¥4.5 million.
    let salary = |rng: &mut SmallRng| {
        let x: f64 =
            rng.random_range(0.0..1.0f64) + rng.random_range(0.0..1.0) + rng.random_range(0.0..1.0);
        ((1_200_000.0 * (x * 0.75).exp()) as i64) / 1000 * 1000
    };
    if age < 20 {
        return Earner::Dependent {
            part_time_salary: if roll < 40 {
                rng.random_range(100..1_200) * 1_000
            } else {
                0
            },
        };
    }
    if age >= 65 {
        return Earner::Pensioner {
            revenue: rng.random_range(600..3_600) * 1_000,
            part_time_salary: if roll < 10 {
                rng.random_range(300..1_500) * 1_000
            } else {
                0
            },
        };
    }
    match roll {
        0..=72 => Earner::Salaried {
            revenue: salary(rng),
        },
        73..=85 => Earner::SelfEmployed {
            income: rng.random_range(500..8_000) * 1_000,
        },
        _ => Earner::Dependent {
            part_time_salary: if roll < 95 {
                rng.random_range(300..1_300) * 1_000
            } else {
                0
            },
        },
    }
}

struct AssessmentInput<'a> {
    addressee_no: &'a str,
    fiscal_year: i32,
    address: &'a str,
    earner: Earner,
    drift: f64,
    spouse_dependent: bool,
    children_under_16: u8,
    children_16_plus: u8,
    undeclared: bool,
}

fn scaled(amount: i64, drift: f64) -> i64 {
    ((amount as f64 * drift) as i64 / 1_000 * 1_000).max(0)
}

fn assessment(rng: &mut SmallRng, input: AssessmentInput<'_>) -> Assessment {
    let collection_method = match input.earner {
        Earner::SelfEmployed { .. } => CollectionMethod::DirectBilling,
        Earner::Pensioner { .. } if rng.random_bool(0.3) => CollectionMethod::Mixed,
        _ => CollectionMethod::Withholding,
    };
    let empty = Assessment {
        addressee_no: input.addressee_no.to_owned(),
        fiscal_year: input.fiscal_year,
        address_on_assessment_date: Some(input.address.to_owned()),
        declared: false,
        taxable: false,
        collection_method,
        income_lines: vec![],
        deduction_lines: vec![],
        total_income_yen: 0,
        aggregate_income_yen: 0,
        dependants: Dependants::default(),
        tax: TaxAmounts::default(),
        tax_credits: vec![],
        under_revision: rng.random_range(0..500) == 0,
    };
    if input.undeclared {
        return empty;
    }

    let mut income_lines = Vec::new();
    let salary_line = |revenue: i64, lines: &mut Vec<IncomeLine>| {
        if revenue > 0 {
            lines.push(IncomeLine {
                kind: IncomeKind::Salary,
                revenue_yen: revenue,
                income_yen: tax::salary_income(revenue),
            });
        }
    };
    let social_insurance = match input.earner {
        Earner::Salaried { revenue } => {
            let revenue = scaled(revenue, input.drift);
            salary_line(revenue, &mut income_lines);
            revenue * 145 / 1000
        }
        Earner::SelfEmployed { income } => {
            let income = scaled(income, input.drift);
            let revenue = income * rng.random_range(15..30) / 10 / 1000 * 1000;
            income_lines.push(IncomeLine {
                kind: IncomeKind::Business,
                revenue_yen: revenue.max(income),
                income_yen: income,
            });
            income * 12 / 100
        }
        Earner::Pensioner {
            revenue,
            part_time_salary,
        } => {
            let revenue = scaled(revenue, input.drift);
            income_lines.push(IncomeLine {
                kind: IncomeKind::Pension,
                revenue_yen: revenue,
                income_yen: tax::pension_income_65_plus(revenue),
            });
            salary_line(scaled(part_time_salary, input.drift), &mut income_lines);
            revenue * 8 / 100
        }
        Earner::Dependent { part_time_salary } => {
            let revenue = scaled(part_time_salary, input.drift);
            salary_line(revenue, &mut income_lines);
            revenue * 5 / 100
        }
    };
    // Extras some people declare.
    let extra_roll = rng.random_range(0..100);
    if extra_roll < 5 {
        let revenue = rng.random_range(600..3_000) * 1_000;
        income_lines.push(IncomeLine {
            kind: IncomeKind::RealEstate,
            revenue_yen: revenue,
            income_yen: revenue * rng.random_range(20..60) / 100 / 1_000 * 1_000,
        });
    } else if extra_roll < 12 {
        let amount = rng.random_range(10..500) * 1_000;
        income_lines.push(IncomeLine {
            kind: IncomeKind::Dividend,
            revenue_yen: amount,
            income_yen: amount,
        });
    } else if extra_roll < 16 {
        let revenue = rng.random_range(50..800) * 1_000;
        income_lines.push(IncomeLine {
            kind: IncomeKind::Miscellaneous,
            revenue_yen: revenue,
            income_yen: revenue * rng.random_range(50..100) / 100 / 1_000 * 1_000,
        });
    }
    let total_income: i64 = income_lines.iter().map(|l| l.income_yen).sum();

    let dependants = Dependants {
        has_qualifying_spouse: input.spouse_dependent,
        general: input.children_16_plus.min(1),
        specific: input.children_16_plus.saturating_sub(1),
        under_16: input.children_under_16,
        ..Dependants::default()
    };
    let mut deduction_lines = Vec::new();
    let mut deduct = |kind, amount_yen: i64| {
        if amount_yen > 0 {
            deduction_lines.push(DeductionLine { kind, amount_yen });
        }
    };
    deduct(DeductionKind::SocialInsurance, social_insurance);
    if rng.random_bool(0.6) {
        deduct(
            DeductionKind::LifeInsurance,
            rng.random_range(10..=70) * 1_000,
        );
    }
    if rng.random_bool(0.3) {
        deduct(
            DeductionKind::EarthquakeInsurance,
            rng.random_range(5..=25) * 1_000,
        );
    }
    if rng.random_range(0..20) == 0 {
        deduct(DeductionKind::Medical, rng.random_range(10..400) * 1_000);
    }
    if input.spouse_dependent {
        deduct(DeductionKind::Spouse, 330_000);
    }
    deduct(
        DeductionKind::Dependant,
        i64::from(dependants.general) * 330_000 + i64::from(dependants.specific) * 450_000,
    );
    if total_income <= 24_000_000 {
        deduct(DeductionKind::Basic, 430_000);
    }
    let total_deductions: i64 = deduction_lines.iter().map(|d| d.amount_yen).sum();
    let taxable_base = ((total_income - total_deductions).max(0)) / 1_000 * 1_000;

    let family = i64::from(input.spouse_dependent)
        + i64::from(dependants.general + dependants.specific + dependants.under_16);
    let (per_capita_limit, income_levy_limit) = tax::non_taxable_limits(family);
    let (municipal_pc, prefectural_pc, forest) = tax::per_capita_rates(input.fiscal_year);
    let tax = if total_income <= per_capita_limit {
        TaxAmounts {
            taxable_base_yen: taxable_base,
            ..TaxAmounts::default()
        }
    } else {
        let levy = |percent: i64, credit: i64| {
            if total_income <= income_levy_limit {
                0
            } else {
                ((taxable_base * percent / 100 - credit).max(0)) / 100 * 100
            }
        };
        let mut t = TaxAmounts {
            taxable_base_yen: taxable_base,
            municipal_income_levy_yen: levy(tax::INCOME_LEVY_PERCENT.0, tax::ADJUSTMENT_CREDIT.0),
            municipal_per_capita_levy_yen: municipal_pc,
            prefectural_income_levy_yen: levy(tax::INCOME_LEVY_PERCENT.1, tax::ADJUSTMENT_CREDIT.1),
            prefectural_per_capita_levy_yen: prefectural_pc,
            forest_env_tax_yen: forest,
            total_yen: 0,
        };
        t.total_yen = t.sum_of_parts();
        t
    };
    // The 調整控除 taken off the income levies above, listed as the tax system would.
    let tax_credits = if tax.municipal_income_levy_yen > 0 {
        vec![TaxCreditLine {
            kind: TaxCreditKind::Adjustment,
            amount_yen: tax::ADJUSTMENT_CREDIT.0 + tax::ADJUSTMENT_CREDIT.1,
        }]
    } else {
        vec![]
    };
    Assessment {
        declared: true,
        taxable: tax.total_yen > 0,
        tax_credits,
        income_lines,
        deduction_lines,
        total_income_yen: total_income,
        aggregate_income_yen: total_income,
        dependants,
        tax,
        ..empty
    }
}

/// 収納 as of `as_of`: direct billing in four instalments (end of June, August, October, January),
/// withholding in twelve monthly parts from June; past years settled but for ~2% in arrears.
fn payment(rng: &mut SmallRng, a: &Assessment, as_of: NaiveDate) -> Payment {
    let fy = a.fiscal_year;
    let due_dates: Vec<NaiveDate> = match a.collection_method {
        CollectionMethod::DirectBilling => {
            vec![
                date(fy, 6, 30),
                date(fy, 8, 31),
                date(fy, 10, 31),
                date(fy + 1, 1, 31),
            ]
        }
        _ => (0..12)
            .map(|k| {
                let month0 = 5 + k; // June = 5 (zero-based), through May of the next year
                let (y, mo) = (fy + month0 / 12, (month0 % 12) as u32 + 1);
                date(y, mo, 10)
            })
            .collect(),
    };
    let parts = due_dates.len() as i64;
    let assessed = a.tax.total_yen;
    let regular = assessed / parts / 100 * 100;
    let first = assessed - regular * (parts - 1);
    let passed: Vec<NaiveDate> = due_dates.iter().copied().filter(|d| *d <= as_of).collect();
    let mut paid_parts = passed.len();
    if paid_parts > 0 && rng.random_range(0..100) < 3 {
        paid_parts -= 1; // a late payer: the last instalment due is still open
    }
    let paid: i64 = (0..paid_parts)
        .map(|k| if k == 0 { first } else { regular })
        .sum();
    Payment {
        addressee_no: a.addressee_no.clone(),
        fiscal_year: fy,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: assessed,
        paid_yen: paid,
        unpaid_yen: assessed - paid,
        last_due_date: passed.last().copied(),
        last_paid_on: paid_parts
            .checked_sub(1)
            .map(|k| due_dates[k] - Days::new(rng.random_range(0..10))),
    }
}

/// The population as sync records, grouped by type (residents, then card links, assessments,
/// payments) as a tax system would send them; each group is its own pass over the generator.
pub fn records(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> impl Iterator<Item = SyncRecord> + use<> {
    let pass = move |m: &Municipality| people(seed, m, residents, latest_fiscal_year);
    let m = municipality.clone();
    pass(&m)
        .map(|p| SyncRecord::Resident(p.resident))
        .chain(pass(&m).flat_map(|p| p.card_links.into_iter().map(SyncRecord::CardLink)))
        .chain(pass(&m).flat_map(|p| p.assessments.into_iter().map(SyncRecord::Assessment)))
        .chain(pass(&m).flat_map(|p| p.payments.into_iter().map(SyncRecord::Payment)))
}

/// Everything at once, for small populations.
pub fn generate(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> Vec<SyntheticPerson> {
    people(seed, municipality, residents, latest_fiscal_year).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn shinjuku() -> Municipality {
        Municipality {
            lg_code: LgCode::parse("131041").unwrap(),
            prefecture_name: "東京都".into(),
            city_name: "新宿区".into(),
        }
    }

    #[test]
    fn is_deterministic_per_person() {
        let small = generate(7, &shinjuku(), 10, 2025);
        let large = generate(7, &shinjuku(), 2000, 2025);
        assert_eq!(small[..], large[..10]);
        assert_eq!(generate(7, &shinjuku(), 10, 2025), small);
        assert_ne!(generate(8, &shinjuku(), 10, 2025), small);
    }

    #[test]
    fn figures_are_consistent() {
        let people = generate(1, &shinjuku(), 3000, 2025);
        let mut addressee_nos = HashSet::new();
        let mut serials = HashSet::new();
        let (mut assessments, mut non_taxed, mut undeclared, mut ivs, mut taisho, mut reiwa) =
            (0, 0, 0, 0, 0, 0);
        for p in &people {
            assert!(addressee_nos.insert(p.resident.addressee_no.clone()));
            for c in &p.card_links {
                assert!(serials.insert(c.card_serial.clone()));
                assert_eq!(c.addressee_no, p.resident.addressee_no);
            }
            for text in [&p.resident.name, &p.resident.name_kana, &p.resident.address] {
                assert!(!contains_my_number(text), "{text}");
            }
            ivs += usize::from(
                p.resident
                    .name
                    .chars()
                    .any(|c| ('\u{E0100}'..='\u{E01EF}').contains(&c)),
            );
            let year = p.resident.birth_date.year();
            taisho += usize::from((1913..=1926).contains(&year));
            reiwa += usize::from(year >= 2020);
            for a in &p.assessments {
                assessments += 1;
                assert_eq!(a.tax.total_yen, a.tax.sum_of_parts());
                let total: i64 = a.income_lines.iter().map(|l| l.income_yen).sum();
                assert_eq!(a.total_income_yen, total);
                for line in &a.income_lines {
                    assert!(
                        line.income_yen <= line.revenue_yen && line.income_yen >= 0,
                        "{line:?}"
                    );
                }
                assert!(a.tax.taxable_base_yen <= a.total_income_yen);
                assert!(a.deduction_lines.iter().all(|d| d.amount_yen > 0));
                if !a.taxable {
                    non_taxed += 1;
                    assert_eq!(a.tax.total_yen, 0);
                }
                undeclared += usize::from(!a.declared);
            }
            for pay in &p.payments {
                assert_eq!(pay.assessed_yen, pay.paid_yen + pay.unpaid_yen);
                assert!(pay.unpaid_yen >= 0);
            }
        }
        let share = |n: usize| n as f64 / assessments as f64;
        assert!(
            (0.02..0.09).contains(&share(undeclared)),
            "undeclared {}",
            share(undeclared)
        );
        assert!(
            (0.08..0.40).contains(&share(non_taxed)),
            "non-taxed {}",
            share(non_taxed)
        );
        assert!(ivs > 0, "no name with a variation sequence");
        assert!(
            taisho > 0 && reiwa > 0,
            "eras not spread: 大正 {taisho}, 令和 {reiwa}"
        );
        let with_card = people.iter().filter(|p| !p.card_links.is_empty()).count();
        assert!(with_card > people.len() / 2);
    }

    #[test]
    fn some_people_are_born_on_era_boundaries() {
        let people = generate(1, &shinjuku(), 5000, 2025);
        let edge = date(1989, 1, 8);
        assert!(people.iter().any(|p| p.resident.birth_date == edge));
    }
}
