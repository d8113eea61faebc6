//! A deterministic synthetic municipality for demos, tests and load: residents with realistic
//! names, readings, addresses and birth dates across eras, card links, four fiscal years of
//! internally consistent assessments, and payments, as extracted on 1 November of the latest year.
//!
//! Person `i` depends only on (seed, municipality, i, latest fiscal year), so [`people`] streams
//! any number in constant memory and person 7 is the same whether 10 or 1,000,000 are generated.

mod addresses;
mod assessments;
mod names;
mod payments;
pub mod sample;
pub mod tax;

use crate::domain::assessment::{Assessment, Payment};
use crate::domain::lg_code::LgCode;
use crate::domain::municipality::MunicipalityKind;
use crate::domain::resident::{CardLink, Resident, ResidentStatus};
use crate::domain::sync_record::SyncRecord;
use assessments::{Profile, YEARS, age_on};
use chrono::{Datelike, Days, NaiveDate};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The municipality the population lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    /// 地方公共団体コード.
    pub lg_code: LgCode,
    /// e.g. 東京都
    pub prefecture_name: String,
    /// e.g. 新宿区
    pub city_name: String,
    /// 特別区, 市, 政令指定都市 …: chooses the 所得割 rates (a designated city's split differs).
    pub kind: MunicipalityKind,
}

impl From<&crate::config::MunicipalitySettings> for Municipality {
    fn from(m: &crate::config::MunicipalitySettings) -> Self {
        Municipality {
            lg_code: m.code,
            prefecture_name: m.prefecture.clone(),
            city_name: m.name.clone(),
            kind: m.kind,
        }
    }
}

/// A whole population, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyntheticMunicipality {
    /// One row per person.
    pub residents: Vec<Resident>,
    /// Cards per person (some have none, some an expired and a current one).
    pub card_links: Vec<CardLink>,
    /// One per person and fiscal year they were assessed here.
    pub assessments: Vec<Assessment>,
    /// One per person, fiscal year and tax item that was assessed.
    pub payments: Vec<Payment>,
}

/// One person with everything kofu keeps about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPerson {
    /// The person as registered.
    pub resident: Resident,
    /// Their card links.
    pub card_links: Vec<CardLink>,
    /// Their assessments, oldest fiscal year first.
    pub assessments: Vec<Assessment>,
    /// Their payment records.
    pub payments: Vec<Payment>,
}

/// The day the data describes: 1 November of the latest fiscal year. Every date in it (births,
/// moves, payments) lies on or before this day; instalments due later are simply unpaid.
pub fn extraction_date(latest_fiscal_year: i32) -> NaiveDate {
    date(latest_fiscal_year, 11, 1)
}

/// Deterministic for a given (seed, municipality, count, latest_fiscal_year).
pub fn generate(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> SyntheticMunicipality {
    let mut out = SyntheticMunicipality::default();
    out.residents.reserve(residents);
    for p in people(seed, municipality, residents, latest_fiscal_year) {
        out.residents.push(p.resident);
        out.card_links.extend(p.card_links);
        out.assessments.extend(p.assessments);
        out.payments.extend(p.payments);
    }
    out
}

/// Streams `residents` people for fiscal years `latest_fiscal_year - 3 ..= latest_fiscal_year`,
/// one at a time, in constant memory.
pub fn people(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> impl Iterator<Item = SyntheticPerson> + use<> {
    let municipality = municipality.clone();
    (0..residents).map(move |i| person(seed, &municipality, i, latest_fiscal_year))
}

/// The population as sync records, grouped by type (residents, card links, assessments,
/// payments) as a tax system sends them; each group is its own pass over the generator, so memory
/// stays constant at the cost of generating everyone four times.
pub fn records(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    latest_fiscal_year: i32,
) -> impl Iterator<Item = SyncRecord> + use<> {
    let m = municipality.clone();
    let pass = move || people(seed, &m, residents, latest_fiscal_year);
    pass()
        .map(|p| SyncRecord::Resident(p.resident))
        .chain(pass().flat_map(|p| p.card_links.into_iter().map(SyncRecord::CardLink)))
        .chain(pass().flat_map(|p| p.assessments.into_iter().map(SyncRecord::Assessment)))
        .chain(pass().flat_map(|p| p.payments.into_iter().map(SyncRecord::Payment)))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// SplitMix64's finaliser: a bijection on u64 that spreads (seed, index) into unrelated seeds.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Distinct indices get distinct generator seeds because `mix` is a bijection.
fn person_rng(seed: u64, index: usize) -> SmallRng {
    SmallRng::seed_from_u64(mix(mix(seed).wrapping_add(index as u64)))
}

/// A JPKI certificate serial: 16 upper-case hex characters, unique per (seed, index, generation).
///
/// A 4-round Feistel network keyed by the seed permutes the 56-bit (index, generation) value, so
/// serials look random yet cannot collide; letters A–F derived from it sit at positions 8 and 16
/// so that no run of 12 digits (a My Number look-alike) can ever appear.
fn card_serial(seed: u64, index: usize, generation: u64) -> String {
    const MASK: u64 = (1 << 28) - 1;
    let x = ((index as u64) << 1 | generation) & ((1 << 56) - 1);
    let (mut left, mut right) = (x >> 28, x & MASK);
    for round in 0..4u64 {
        let f = mix(right ^ mix(seed ^ round.wrapping_mul(0xA24B_AED4_963E_E407))) & MASK;
        (left, right) = (right, left ^ f);
    }
    let v = (left << 28) | right;
    let hex = format!("{v:014X}");
    let h = mix(v);
    let letter = |bits: u64| char::from(b'A' + (bits % 6) as u8);
    format!("{}{}{}{}", &hex[..7], letter(h), &hex[7..], letter(h >> 16))
}

/// Population by age band (lower age, upper age, weight): Japan's 2020 census in thousands,
/// so the old outnumber the young and a thin tail reaches 105 (born in 大正).
const AGE_BANDS: [(i32, i32, u32); 21] = [
    (0, 4, 4_541),
    (5, 9, 5_114),
    (10, 14, 5_376),
    (15, 19, 5_706),
    (20, 24, 6_320),
    (25, 29, 6_384),
    (30, 34, 6_714),
    (35, 39, 7_498),
    (40, 44, 8_476),
    (45, 49, 9_868),
    (50, 54, 8_766),
    (55, 59, 7_939),
    (60, 64, 7_424),
    (65, 69, 8_237),
    (70, 74, 9_189),
    (75, 79, 7_068),
    (80, 84, 5_417),
    (85, 89, 3_930),
    (90, 94, 1_890),
    (95, 99, 562),
    (100, 105, 80),
];

/// Birthdays on either side of each era change, so certificates print both sides of every one.
const ERA_EDGES: [(i32, u32, u32); 6] = [
    (1926, 12, 24),
    (1926, 12, 25),
    (1989, 1, 7),
    (1989, 1, 8),
    (2019, 4, 30),
    (2019, 5, 1),
];
/// One person in this many is born on an era edge, taking the edges in turn, so that any
/// population of 2,000 or more holds all six.
const ERA_EDGE_EVERY: usize = 331;

fn birth_date(rng: &mut SmallRng, index: usize, reference: NaiveDate) -> NaiveDate {
    if index % ERA_EDGE_EVERY == 100 {
        let (y, m, d) = ERA_EDGES[(index / ERA_EDGE_EVERY) % ERA_EDGES.len()];
        let edge = date(y, m, d);
        if edge <= reference && age_on(edge, reference) <= 105 {
            return edge;
        }
    }
    let total: u32 = AGE_BANDS.iter().map(|b| b.2).sum();
    let mut roll = rng.random_range(0..total);
    let &(low, high, _) = AGE_BANDS
        .iter()
        .find(|b| {
            let hit = roll < b.2;
            roll = roll.saturating_sub(b.2);
            hit
        })
        .expect("roll is below the total");
    let age = rng.random_range(low..=high);
    // Born after 1 April `age + 1` years back and no later than 1 April `age` years back.
    let latest = date(reference.year() - age, reference.month(), reference.day());
    let earliest = date(
        reference.year() - age - 1,
        reference.month(),
        reference.day(),
    );
    earliest + Days::new(rng.random_range(1..=(latest - earliest).num_days() as u64))
}

/// A uniformly drawn day in `from..=to` (`from` when the range is empty).
fn day_between(rng: &mut SmallRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=span))
}

fn person(seed: u64, m: &Municipality, index: usize, latest_fy: i32) -> SyntheticPerson {
    let mut rng = person_rng(seed, index);
    let reference = date(latest_fy, 4, 1);
    let as_of = extraction_date(latest_fy);
    let first_fy = latest_fy - (YEARS as i32 - 1);

    let birth_date = birth_date(&mut rng, index, reference);
    let age = age_on(birth_date, reference);
    let female = rng.random_bool(0.51);
    let (name, name_kana) = names::full_name(&mut rng, index, birth_date.year(), female);
    let address = addresses::address(&mut rng, m);
    let day_after_birth = birth_date + Days::new(1);

    // About 10% moved in from elsewhere within the last four years; they have no assessment here
    // for a fiscal year whose 1 January came before the move (another municipality assessed it).
    let moved_in_on = rng.random_bool(0.10).then(|| {
        let from = (as_of - Days::new(4 * 365)).max(day_after_birth);
        day_between(&mut rng, from, as_of - Days::new(1))
    });
    // A few moved within the city; years assessed before that show the older address.
    let moved_within = (moved_in_on.is_none() && rng.random_range(0..100) < 3).then(|| {
        let from = date(first_fy, 1, 2).max(day_after_birth);
        (
            day_between(&mut rng, from, as_of - Days::new(1)),
            addresses::address(&mut rng, m),
        )
    });

    // Death is far likelier late in life; about 1% overall. Both statuses are recent, so the
    // person was still here on 1 January of the latest fiscal year.
    let deceased_per_mille = match age {
        ..=59 => 1,
        60..=74 => 8,
        _ => 50,
    };
    let roll = rng.random_range(0..1000);
    let recent = date(latest_fy, 1, 2)
        .max(day_after_birth)
        .max(moved_in_on.unwrap_or(day_after_birth));
    let status = if roll < deceased_per_mille {
        ResidentStatus::Deceased {
            on: day_between(&mut rng, recent, as_of - Days::new(1)),
        }
    } else if roll >= 980 {
        ResidentStatus::MovedOut {
            filed_on: day_between(&mut rng, recent.max(as_of - Days::new(60)), as_of),
        }
    } else {
        ResidentStatus::Resident
    };

    let addressee_no = format!("{:010}", index + 1);
    let resident = Resident {
        addressee_no: addressee_no.clone(),
        name,
        name_kana,
        birth_date,
        address: address.clone(),
        status,
        moved_in_on,
        protection_measure: rng.random_range(0..1000) < 5,
        issuance_stopped: rng.random_range(0..1000) < 3,
    };

    let card_links = card_links(&mut rng, seed, index, &resident, reference, as_of);

    let profile = Profile::draw(&mut rng, birth_date, female, age, latest_fy);
    let mut assessments = Vec::with_capacity(YEARS);
    let mut payments = Vec::with_capacity(YEARS);
    for fiscal_year in first_fy..=latest_fy {
        let assessment_date = date(fiscal_year, 1, 1);
        // Children have no assessment; nor do years before the person moved in.
        if age_on(birth_date, assessment_date) < 16
            || moved_in_on.is_some_and(|d| d > assessment_date)
        {
            continue;
        }
        let address_then = match &moved_within {
            Some((moved, old)) if *moved > assessment_date => old,
            _ => &address,
        };
        let a = assessments::assessment(
            &mut rng,
            &profile,
            &addressee_no,
            fiscal_year,
            latest_fy,
            address_then,
            m.kind,
        );
        if a.taxable {
            payments.push(payments::payment(&mut rng, &a, latest_fy, as_of));
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

/// About 85% of people 15 and over hold a card linked here (20% of younger children), 1% of them
/// with an expired earlier certificate too. Links of people who died or moved out are kept: the
/// server must refuse them by status, not by a missing link.
fn card_links(
    rng: &mut SmallRng,
    seed: u64,
    index: usize,
    r: &Resident,
    reference: NaiveDate,
    as_of: NaiveDate,
) -> Vec<CardLink> {
    let age = age_on(r.birth_date, reference);
    if !rng.random_bool(if age >= 15 { 0.85 } else { 0.20 }) {
        return Vec::new();
    }
    let issued = reference - Days::new(rng.random_range(1..=1_800));
    // Usable from the day after issuance or after moving in, whichever is later.
    let valid_from = issued
        .max(r.birth_date + Days::new(30))
        .max(r.moved_in_on.map_or(issued, |d| d + Days::new(1)))
        .min(as_of);
    // The user certificate expires on the fifth birthday after issuance; some feeds omit it.
    let fifth_birthday = date(valid_from.year() + 5, r.birth_date.month(), 1)
        + Days::new(u64::from(r.birth_date.day()) - 1);
    let valid_until = (rng.random_bool(0.6) && fifth_birthday > as_of).then_some(fifth_birthday);
    let mut links = Vec::with_capacity(2);
    let old_from = valid_from - Days::new(5 * 365);
    if rng.random_range(0..100) == 0 && old_from > r.birth_date {
        links.push(CardLink {
            card_serial: card_serial(seed, index, 1),
            addressee_no: r.addressee_no.clone(),
            valid_from: old_from,
            valid_until: Some(valid_from - Days::new(1)),
        });
    }
    links.push(CardLink {
        card_serial: card_serial(seed, index, 0),
        addressee_no: r.addressee_no.clone(),
        valid_from,
        valid_until,
    });
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::{CollectionMethod, IncomeKind, TaxCreditKind};
    use crate::domain::my_number::contains_my_number;
    use crate::domain::sync_record::{CheckContext, check};
    use std::collections::HashSet;

    fn shinjuku() -> Municipality {
        Municipality {
            lg_code: LgCode::parse("131041").unwrap(),
            prefecture_name: "東京都".into(),
            city_name: "新宿区".into(),
            kind: MunicipalityKind::SpecialWard,
        }
    }

    fn population() -> SyntheticMunicipality {
        generate(20251101, &shinjuku(), 2000, 2025)
    }

    /// The longest run of ASCII or full-width digits in `text`.
    fn longest_digit_run(text: &str) -> usize {
        let (mut best, mut run) = (0, 0);
        for c in text.chars() {
            run = if c.is_ascii_digit() || ('０'..='９').contains(&c) {
                run + 1
            } else {
                0
            };
            best = best.max(run);
        }
        best
    }

    #[test]
    fn is_deterministic_per_person() {
        let m = shinjuku();
        let small: Vec<_> = people(7, &m, 10, 2025).collect();
        let large: Vec<_> = people(7, &m, 2000, 2025).collect();
        assert_eq!(small[..], large[..10]);
        assert_eq!(generate(7, &m, 300, 2025), generate(7, &m, 300, 2025));
        assert_ne!(people(8, &m, 10, 2025).collect::<Vec<_>>(), small);
        let whole = generate(7, &m, 10, 2025);
        assert_eq!(
            whole.residents,
            small.iter().map(|p| p.resident.clone()).collect::<Vec<_>>()
        );
        assert_eq!(
            whole.payments.len(),
            small.iter().map(|p| p.payments.len()).sum::<usize>()
        );
    }

    #[test]
    fn card_serials_are_unique_hex_without_digit_runs() {
        let mut seen = HashSet::new();
        for index in 0..200_000 {
            for generation in 0..2 {
                let s = card_serial(99, index, generation);
                assert_eq!(s.len(), 16, "{s}");
                assert!(
                    s.chars()
                        .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
                );
                assert!(longest_digit_run(&s) <= 7, "{s}");
                assert!(seen.insert(s));
            }
        }
        assert_ne!(card_serial(1, 0, 0), card_serial(2, 0, 0));
    }

    #[test]
    fn produces_every_shape_of_the_tax_data() {
        use crate::domain::assessment::{PersonCategory, SeparateIncomeKind};
        let m = generate(20251101, &shinjuku(), 5000, 2025);
        let a = &m.assessments;
        let any = |f: &dyn Fn(&Assessment) -> bool| a.iter().any(f);
        for kind in [IncomeKind::Business, IncomeKind::RealEstate] {
            assert!(
                any(&|x| x
                    .income_lines
                    .iter()
                    .any(|l| l.kind == kind && l.income_yen < 0)),
                "a loss of {kind:?}"
            );
        }
        assert!(
            any(&|x| x.carried_forward_loss_yen > 0),
            "a carried-forward loss"
        );
        for kind in SeparateIncomeKind::ALL {
            assert!(
                any(&|x| x.separate_income_lines.iter().any(|l| l.kind == kind)),
                "separately taxed {kind:?}"
            );
        }
        assert!(any(&|x| x.tax.separate_taxable_base_yen > 0));
        for category in PersonCategory::ALL {
            assert!(
                any(&|x| x.own_categories.contains(&category)),
                "{category:?}"
            );
        }
        for year in [2024, 2025] {
            assert!(
                any(&|x| x.fiscal_year == year
                    && x.tax_credits
                        .iter()
                        .any(|c| c.kind == TaxCreditKind::FlatRateReduction)),
                "定額減税 in {year}"
            );
        }
        assert!(any(&|x| x
            .tax
            .municipal_income_levy_before_credits_yen
            .is_some()));
        assert!(any(&|x| !x.declared && x.declared_as_dependant));
        assert!(any(&|x| !x.declared && !x.declared_as_dependant));
        assert!(
            a.iter()
                .filter(|x| x.fiscal_year != 2024 && x.fiscal_year != 2025)
                .all(|x| x
                    .tax_credits
                    .iter()
                    .all(|c| c.kind != TaxCreditKind::FlatRateReduction))
        );
        let has_credit = |x: &Assessment, kind| x.tax_credits.iter().any(|c| c.kind == kind);
        assert!(any(&|x| has_credit(x, TaxCreditKind::Dividend)), "配当控除");
        // An adjustment credit above its ¥2,500 floor: a gap wider than ¥50,000 at a low income.
        assert!(any(&|x| x.tax_credits.iter().any(|c| c.kind
            == TaxCreditKind::Adjustment
            && c.amount_yen > 2_500)));
        let salary_revenue = |x: &Assessment| {
            x.income_lines
                .iter()
                .find(|l| l.kind == IncomeKind::Salary)
                .map_or(0, |l| l.revenue_yen)
        };
        let has_pension = |x: &Assessment| {
            x.income_lines
                .iter()
                .any(|l| l.kind == IncomeKind::Pension && l.income_yen > 0)
        };
        assert!(
            any(&|x| x.income_adjustment_yen > 0 && salary_revenue(x) > 8_500_000),
            "所得金額調整控除 for a high salary with a child or a 特別障害者"
        );
        assert!(
            any(&|x| x.income_adjustment_yen > 0 && has_pension(x)),
            "所得金額調整控除 for salary with pension"
        );
        assert!(
            any(&|x| cap_binds(x, MunicipalityKind::SpecialWard)),
            "附則3条の3 capping a levy"
        );
        assert!(
            any(&|x| x.total_income_yen > x.incomes_yen().sum::<i64>().max(0)),
            "a loss 損益通算 may not take off gains on shares, listed dividends or futures"
        );
    }

    /// Whether 附則3条の3 lowered one of `x`'s levies before the credits below its bases at the
    /// rates of a municipality of `kind`.
    /// 附則3条の3 took something off: the relief line is there. The levies before it are the
    /// bases at the municipality kind's rates (the relief comes after the credits, not before).
    fn cap_binds(x: &Assessment, kind: MunicipalityKind) -> bool {
        let bases = tax::ByKind {
            together: x.tax.taxable_base_yen,
            separate: x
                .separate_income_lines
                .iter()
                .map(|l| (l.kind, l.taxable_base_yen.unwrap_or(0)))
                .collect(),
        };
        let levies = tax::income_levies(&bases, &tax::income_levy_rates(x.fiscal_year, kind));
        x.tax.municipal_income_levy_before_credits_yen == Some(levies.municipal)
            && x.tax_credits
                .iter()
                .any(|c| c.kind == TaxCreditKind::LowIncomeRelief && c.amount_yen > 0)
    }

    #[test]
    fn a_designated_city_splits_its_levies_8_to_2() {
        let yokohama = Municipality {
            lg_code: LgCode::parse("141003").unwrap(),
            prefecture_name: "神奈川県".into(),
            city_name: "横浜市".into(),
            kind: MunicipalityKind::DesignatedCity,
        };
        let context = CheckContext {
            extracted_on: extraction_date(2025),
        };
        let people: Vec<_> = people(3, &yokohama, 1000, 2025).collect();
        for p in &people {
            assert!(p.resident.address.starts_with("神奈川県横浜市"));
            for a in &p.assessments {
                let record = SyncRecord::Assessment(a.clone());
                let problems = check(&record, &context);
                assert!(problems.is_empty(), "{problems:?} in {a:?}");
            }
        }
        let assessments = || people.iter().flat_map(|p| &p.assessments);
        // With only income taxed together, no credits and no cap, the levies are 8% and 2%.
        let plain = assessments()
            .filter(|a| {
                a.separate_income_lines.is_empty()
                    && a.tax.taxable_base_yen > 0
                    && !cap_binds(a, MunicipalityKind::DesignatedCity)
                    && a.tax.municipal_income_levy_before_credits_yen > Some(0)
            })
            .inspect(|a| {
                assert_eq!(
                    (
                        a.tax.municipal_income_levy_before_credits_yen,
                        a.tax.prefectural_income_levy_before_credits_yen
                    ),
                    (
                        Some(a.tax.taxable_base_yen * 8 / 100),
                        Some(a.tax.taxable_base_yen * 2 / 100)
                    ),
                    "{a:?}"
                );
            })
            .count();
        assert!(plain > 500, "{plain}");
        // The 定額減税 of 令和6年度 splits 8,000 and 2,000 a person where the levies reach.
        assert!(assessments().any(|a| a.tax_credits.iter().any(|c| {
            c.kind == TaxCreditKind::FlatRateReduction
                && c.amount_yen % 10_000 == 0
                && c.municipal_amount_yen == Some(c.amount_yen * 8 / 10)
        })));
        assert!(assessments().any(|a| cap_binds(a, MunicipalityKind::DesignatedCity)));
    }

    #[test]
    fn from_fiscal_2026_salary_deducts_at_least_650_000() {
        let context = CheckContext {
            extracted_on: extraction_date(2026),
        };
        let m = generate(4, &shinjuku(), 1500, 2026);
        for a in &m.assessments {
            let problems = check(&SyncRecord::Assessment(a.clone()), &context);
            assert!(problems.is_empty(), "{problems:?} in {a:?}");
        }
        let low_salaries = |fiscal_year: i32| {
            m.assessments
                .iter()
                .filter(move |a| a.fiscal_year == fiscal_year && a.income_adjustment_yen == 0)
                .flat_map(|a| &a.income_lines)
                .filter(|l| {
                    l.kind == IncomeKind::Salary && (650_000..1_600_000).contains(&l.revenue_yen)
                })
        };
        // 令和8年度 (令和7年分): revenue less 650,000; 令和7年度: less 550,000.
        assert!(low_salaries(2026).count() > 20);
        assert!(low_salaries(2026).all(|l| l.income_yen == l.revenue_yen - 650_000));
        assert!(low_salaries(2025).count() > 20);
        assert!(low_salaries(2025).all(|l| l.income_yen == l.revenue_yen - 550_000));
    }

    #[test]
    fn every_record_passes_the_sync_checks() {
        let context = CheckContext {
            extracted_on: extraction_date(2025),
        };
        let mut count = 0;
        for record in records(5, &shinjuku(), 2000, 2025) {
            let problems = check(&record, &context);
            assert!(problems.is_empty(), "{problems:?} in {record:?}");
            count += 1;
        }
        assert!(count > 2000 * 4);
    }

    #[test]
    fn figures_are_internally_consistent() {
        let m = population();
        let as_of = extraction_date(2025);
        let mut addressee_nos = HashSet::new();
        for r in &m.residents {
            assert_eq!(r.addressee_no.len(), 10);
            assert!(r.addressee_no.bytes().all(|b| b.is_ascii_digit()));
            assert!(addressee_nos.insert(r.addressee_no.clone()));
            assert!(r.address.starts_with("東京都新宿区"), "{}", r.address);
            assert_eq!(r.name.matches('\u{3000}').count(), 1, "{}", r.name);
            assert_eq!(r.name_kana.matches('\u{3000}').count(), 1);
            assert!(r.birth_date <= date(2025, 4, 1));
            assert!(r.moved_in_on.is_none_or(|d| d > r.birth_date && d <= as_of));
            assert!(
                r.status
                    .date()
                    .is_none_or(|d| d > r.birth_date && d <= as_of)
            );
        }
        let mut serials = HashSet::new();
        for c in &m.card_links {
            assert!(serials.insert(c.card_serial.clone()), "{}", c.card_serial);
            assert!(addressee_nos.contains(&c.addressee_no));
            assert!(c.valid_from <= as_of);
            assert!(c.valid_until.is_none_or(|u| u > c.valid_from));
        }
        let residents: std::collections::HashMap<_, _> = m
            .residents
            .iter()
            .map(|r| (r.addressee_no.as_str(), r))
            .collect();
        let mut assessed = HashSet::new();
        for a in &m.assessments {
            let r = residents[a.addressee_no.as_str()];
            assert!(assessed.insert((a.addressee_no.clone(), a.fiscal_year)));
            assert!((2022..=2025).contains(&a.fiscal_year));
            let january = date(a.fiscal_year, 1, 1);
            assert!(age_on(r.birth_date, january) >= 16);
            assert!(r.moved_in_on.is_none_or(|d| d <= january));
            let t = &a.tax;
            assert_eq!(t.total_yen, t.sum_of_parts(), "{a:?}");
            for amount in [
                t.taxable_base_yen,
                t.municipal_income_levy_yen,
                t.municipal_per_capita_levy_yen,
                t.prefectural_income_levy_yen,
                t.prefectural_per_capita_levy_yen,
                t.forest_env_tax_yen,
                a.total_income_yen,
            ] {
                assert!(amount >= 0, "{a:?}");
            }
            for line in &a.income_lines {
                assert!(
                    (0 <= line.income_yen || line.kind.may_be_loss())
                        && line.income_yen <= line.revenue_yen,
                    "{line:?}"
                );
            }
            assert!(a.deduction_lines.iter().all(|d| d.amount_yen > 0));
            // 合計所得金額: the lines after 損益通算 as the law allows it (a loss never offsets
            // gains on shares), so between every loss offset and none.
            let together: i64 = a.income_lines.iter().map(|l| l.income_yen).sum();
            let separate: Vec<_> = a
                .separate_income_lines
                .iter()
                .map(|l| (l.kind, l.income_yen))
                .collect();
            let (offset, _) = tax::offset_losses(together, &separate);
            assert_eq!(a.total_income_yen, offset.total(), "{a:?}");
            let bases: Vec<i64> = a
                .separate_income_lines
                .iter()
                .map(|l| {
                    l.taxable_base_yen
                        .expect("every separate line has its base")
                })
                .collect();
            assert_eq!(bases.iter().sum::<i64>(), t.separate_taxable_base_yen);
            // Withholding only where the law has it; nothing withheld in a year with no tax.
            let has_income = |kind| {
                a.income_lines
                    .iter()
                    .any(|l| l.kind == kind && l.income_yen > 0)
            };
            let methods = &a.collection_methods;
            if methods.contains(&CollectionMethod::PensionWithholding) {
                let april = date(a.fiscal_year, 4, 1);
                assert!(
                    assessments::legal_age_on(r.birth_date, april) >= 65,
                    "{a:?}"
                );
                assert!(has_income(IncomeKind::Pension), "{a:?}");
            }
            if methods.contains(&CollectionMethod::PayrollWithholding) {
                assert!(
                    a.income_lines.iter().any(|l| l.kind == IncomeKind::Salary),
                    "{a:?}"
                );
            }
            if !a.taxable {
                assert_eq!(methods, &[CollectionMethod::DirectBilling], "{a:?}");
            }
            // A pension alone: 公的年金等控除 by the age on 31 December of the income year.
            if let [line] = &a.income_lines[..]
                && line.kind == IncomeKind::Pension
                && a.separate_income_lines.is_empty()
            {
                let year_end = date(a.fiscal_year - 1, 12, 31);
                let aged_65 = assessments::legal_age_on(r.birth_date, year_end) >= 65;
                assert_eq!(
                    line.income_yen,
                    tax::pension_income(line.revenue_yen, aged_65, 0),
                    "{a:?}"
                );
            }
            assert_eq!(
                a.aggregate_income_yen,
                a.total_income_yen - a.carried_forward_loss_yen
            );
            assert!(
                t.taxable_base_yen + t.separate_taxable_base_yen <= a.aggregate_income_yen,
                "{a:?}"
            );
            assert_eq!(t.taxable_base_yen % 1_000, 0);
            assert_eq!(a.taxable, t.total_yen > 0);
            if !a.taxable {
                assert_eq!(t.sum_of_parts(), 0);
            } else {
                let rates = tax::per_capita_rates(a.fiscal_year);
                assert_eq!(t.municipal_per_capita_levy_yen, rates.municipal);
                assert_eq!(t.forest_env_tax_yen, rates.forest_env);
            }
            if !a.declared {
                assert!(a.income_lines.is_empty() && a.total_income_yen == 0 && !a.taxable);
            } else {
                assert!(!a.declared_as_dependant);
            }
            let address = a.address_on_assessment_date.as_deref().unwrap();
            assert!(address.starts_with("東京都新宿区"));
        }
        let mut paid_for = HashSet::new();
        for p in &m.payments {
            let a = m
                .assessments
                .iter()
                .find(|a| a.addressee_no == p.addressee_no && a.fiscal_year == p.fiscal_year)
                .expect("a payment has its assessment");
            assert!(a.taxable);
            assert!(paid_for.insert((p.addressee_no.clone(), p.fiscal_year)));
            assert_eq!(p.assessed_yen, a.tax.total_yen);
            assert_eq!(p.unpaid_yen, p.assessed_yen - p.paid_yen);
            assert!(p.paid_yen >= 0 && p.unpaid_yen >= 0);
            assert!(p.last_paid_on.is_none_or(|d| d <= as_of));
            // 最終納期限 lies in the fiscal year's own span, past or future.
            assert!(p.last_due_date.is_some_and(|d| {
                d > NaiveDate::from_ymd_opt(p.fiscal_year, 4, 1).unwrap()
                    && d < NaiveDate::from_ymd_opt(p.fiscal_year + 1, 7, 1).unwrap()
            }));
            assert_eq!(p.last_paid_on.is_some(), p.paid_yen > 0);
        }
        assert_eq!(
            paid_for.len(),
            m.assessments.iter().filter(|a| a.taxable).count()
        );
    }

    #[test]
    fn nothing_looks_like_a_my_number() {
        for p in people(11, &shinjuku(), 2000, 2025) {
            let text = format!("{p:?}");
            assert!(!contains_my_number(&text));
            assert!(longest_digit_run(&text) < 12, "{text}");
        }
    }

    #[test]
    fn proportions_are_roughly_as_specified() {
        let m = population();
        let n = m.residents.len() as f64;
        let share = |count: usize, of: f64| count as f64 / of;
        let count = |f: &dyn Fn(&Resident) -> bool| m.residents.iter().filter(|r| f(r)).count();
        let check = |what: &str, value: f64, range: std::ops::Range<f64>| {
            assert!(range.contains(&value), "{what}: {value:.4}");
        };
        check(
            "resident",
            share(count(&|r| r.status == ResidentStatus::Resident), n),
            0.95..0.99,
        );
        check(
            "moved out",
            share(count(&|r| r.status.code() == "moved_out"), n),
            0.01..0.035,
        );
        check(
            "deceased",
            share(count(&|r| r.status.code() == "deceased"), n),
            0.004..0.02,
        );
        check(
            "protection",
            share(count(&|r| r.protection_measure), n),
            0.001..0.012,
        );
        check(
            "issuance stopped",
            share(count(&|r| r.issuance_stopped), n),
            0.0005..0.008,
        );
        check(
            "moved in",
            share(count(&|r| r.moved_in_on.is_some()), n),
            0.07..0.13,
        );
        let reference = date(2025, 4, 1);
        let adults = count(&|r| age_on(r.birth_date, reference) >= 15);
        let holders: HashSet<_> = m.card_links.iter().map(|c| &c.addressee_no).collect();
        let adult_holders =
            count(&|r| age_on(r.birth_date, reference) >= 15 && holders.contains(&r.addressee_no));
        check(
            "card holders 15+",
            share(adult_holders, adults as f64),
            0.80..0.90,
        );
        check(
            "two links",
            share(m.card_links.len() - holders.len(), holders.len() as f64),
            0.002..0.03,
        );
        let a = m.assessments.len() as f64;
        let count_a =
            |f: &dyn Fn(&Assessment) -> bool| m.assessments.iter().filter(|x| f(x)).count();
        check(
            "undeclared",
            share(count_a(&|x| !x.declared), a),
            0.03..0.08,
        );
        check(
            "non-taxed (declared)",
            share(count_a(&|x| x.declared && !x.taxable), a),
            0.10..0.22,
        );
        check(
            "per-capita only",
            share(
                count_a(&|x| x.taxable && x.tax.municipal_income_levy_yen == 0),
                a,
            ),
            0.002..0.06,
        );
        check(
            "under revision",
            share(count_a(&|x| x.under_revision), a),
            0.0002..0.006,
        );
        use CollectionMethod::{DirectBilling, PayrollWithholding, PensionWithholding};
        // Each method alone and the combinations a ward has: salary with side income, a
        // pensioner's first withheld year or other income.
        for methods in [
            &[PayrollWithholding][..],
            &[PensionWithholding],
            &[DirectBilling],
            &[PayrollWithholding, DirectBilling],
            &[PensionWithholding, DirectBilling],
        ] {
            let n = count_a(&|x| x.taxable && x.collection_methods == methods);
            assert!(n > 20, "{methods:?}: {n}");
        }
        let past: Vec<_> = m.payments.iter().filter(|p| p.fiscal_year < 2025).collect();
        let arrears = past.iter().filter(|p| p.unpaid_yen > 0).count();
        assert!(arrears > 0 && arrears < past.len() / 20, "{arrears}");
        let kinds: HashSet<_> = m
            .assessments
            .iter()
            .flat_map(|x| x.income_lines.iter().map(|l| l.kind))
            .collect();
        assert!(kinds.len() >= 6, "{kinds:?}");
        let older_addresses = m
            .assessments
            .iter()
            .filter(|x| {
                x.address_on_assessment_date.as_deref()
                    != m.residents
                        .iter()
                        .find(|r| r.addressee_no == x.addressee_no)
                        .map(|r| r.address.as_str())
            })
            .count();
        assert!(older_addresses > 0);
    }

    #[test]
    fn names_and_birth_dates_spread_over_eras() {
        let m = population();
        let ivs = m
            .residents
            .iter()
            .filter(|r| {
                r.name
                    .chars()
                    .any(|c| ('\u{E0100}'..='\u{E01EF}').contains(&c))
            })
            .count();
        assert!(ivs >= 2, "{ivs}");
        let variant_share = m
            .residents
            .iter()
            .filter(|r| {
                r.name.contains(['髙', '﨑', '𠮷', '邊', '齋']) || r.name.contains('\u{E0100}')
            })
            .count() as f64
            / m.residents.len() as f64;
        assert!((0.003..0.01).contains(&variant_share), "{variant_share}");
        let born = |from: (i32, u32, u32), to: (i32, u32, u32)| {
            let (from, to) = (date(from.0, from.1, from.2), date(to.0, to.1, to.2));
            m.residents
                .iter()
                .filter(|r| (from..=to).contains(&r.birth_date))
                .count()
        };
        assert!(born((1912, 7, 30), (1926, 12, 24)) > 0, "大正");
        assert!(born((1926, 12, 25), (1945, 12, 31)) > 0, "early 昭和");
        assert!(born((1989, 1, 8), (2019, 4, 30)) > 0, "平成");
        assert!(born((2019, 5, 1), (2025, 4, 1)) > 0, "令和");
        for (y, mo, d) in ERA_EDGES {
            assert!(
                m.residents.iter().any(|r| r.birth_date == date(y, mo, d)),
                "{y}-{mo}-{d}"
            );
        }
        let old = m
            .residents
            .iter()
            .filter(|r| age_on(r.birth_date, date(2025, 4, 1)) >= 65)
            .count() as f64
            / m.residents.len() as f64;
        assert!((0.22..0.36).contains(&old), "65+: {old}");
    }
}
