//! The people the integration tests issue certificates for, with known data.

use chrono::NaiveDate;
use kofu::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    TaxAmounts, TaxCreditKind, TaxCreditLine,
};
use kofu::domain::resident::{CardLink, Resident, ResidentStatus};
use kofu::domain::sync_record::SyncRecord;
use kofu::tools::synthetic::SyntheticPerson;

pub const YAMADA_CARD: &str = "0A1B2C3D4E5F6001";
pub const CHILD_CARD: &str = "0A1B2C3D4E5F6002";
pub const UNDECLARED_CARD: &str = "0A1B2C3D4E5F6003";
/// 鈴木 一子: declared, not taxed (非課税).
pub const UNTAXED_CARD: &str = "0A1B2C3D4E5F6004";
pub const UNKNOWN_CARD: &str = "FFFFFFFFFFFFFFFF";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const ADDRESS: &str = "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号";

fn resident(addressee_no: &str, name: &str, kana: &str, birth: NaiveDate) -> Resident {
    Resident {
        addressee_no: addressee_no.into(),
        name: name.into(),
        name_kana: kana.into(),
        birth_date: birth,
        address: ADDRESS.into(),
        status: ResidentStatus::Resident,
        moved_in_on: None,
        protection_measure: false,
        issuance_stopped: false,
    }
}

fn card(serial: &str, addressee_no: &str) -> CardLink {
    CardLink {
        card_serial: serial.into(),
        addressee_no: addressee_no.into(),
        valid_from: date(2023, 4, 1),
        valid_until: None,
    }
}

/// 山田 花子's 令和7年度 assessment: salary 6,850,000 and a little real-estate income.
pub fn yamada_2025() -> Assessment {
    Assessment {
        addressee_no: "0000000001".into(),
        fiscal_year: 2025,
        address_on_assessment_date: Some(ADDRESS.into()),
        declared: true,
        taxable: true,
        collection_methods: vec![CollectionMethod::PayrollWithholding],
        income_lines: vec![
            IncomeLine {
                kind: IncomeKind::Salary,
                revenue_yen: 6_850_000,
                income_yen: 5_065_000,
            },
            IncomeLine {
                kind: IncomeKind::RealEstate,
                revenue_yen: 480_000,
                income_yen: 120_000,
            },
        ],
        deduction_lines: vec![
            DeductionLine {
                kind: DeductionKind::SocialInsurance,
                amount_yen: 1_012_345,
            },
            DeductionLine {
                kind: DeductionKind::LifeInsurance,
                amount_yen: 70_000,
            },
            DeductionLine {
                kind: DeductionKind::Basic,
                amount_yen: 430_000,
            },
        ],
        separate_income_lines: vec![],
        total_income_yen: 5_185_000,
        carried_forward_loss_yen: 0,
        aggregate_income_yen: 5_185_000,
        dependants: Dependants {
            general: 1,
            ..Dependants::default()
        },
        tax: TaxAmounts {
            taxable_base_yen: 3_672_000,
            separate_taxable_base_yen: 0,
            municipal_income_levy_before_credits_yen: None,
            prefectural_income_levy_before_credits_yen: None,
            municipal_income_levy_yen: 218_800,
            municipal_per_capita_levy_yen: 3_000,
            prefectural_income_levy_yen: 145_800,
            prefectural_per_capita_levy_yen: 1_000,
            forest_env_tax_yen: 1_000,
            total_yen: 369_600,
        },
        tax_credits: vec![TaxCreditLine {
            kind: TaxCreditKind::Adjustment,
            amount_yen: 2_500,
            municipal_amount_yen: Some(1_500),
        }],
        under_revision: false,
        own_categories: vec![],
        declared_as_dependant: false,
        income_adjustment_yen: 0,
    }
}

/// 鈴木 一子's 令和7年度: a small pension, below the non-taxable limit.
pub fn suzuki_2025() -> Assessment {
    Assessment {
        addressee_no: "0000000004".into(),
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
        total_income_yen: 100_000,
        separate_income_lines: vec![],
        carried_forward_loss_yen: 0,
        aggregate_income_yen: 100_000,
        dependants: Dependants::default(),
        tax: TaxAmounts::default(),
        tax_credits: vec![],
        ..yamada_2025()
    }
}

/// 山田 花子's payments for 令和7年度: twelve monthly instalments of ¥30,800, the first four paid
/// together on 27 June, the rest not yet due (the last falls due in May 2026).
pub fn yamada_payment_2025() -> kofu::domain::assessment::Payment {
    let dues = [
        date(2025, 6, 10),
        date(2025, 7, 10),
        date(2025, 8, 11),
        date(2025, 9, 10),
        date(2025, 10, 10),
        date(2025, 11, 10),
        date(2025, 12, 10),
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
        date(2026, 4, 10),
        date(2026, 5, 11),
    ];
    let instalments = dues
        .iter()
        .zip(1..)
        .map(|(&due_date, number)| kofu::domain::assessment::Instalment {
            number,
            due_date,
            amount_yen: 30_800,
            paid_yen: if number <= 4 { 30_800 } else { 0 },
            paid_on: (number <= 4).then(|| date(2025, 6, 27)),
        })
        .collect();
    kofu::domain::assessment::Payment {
        addressee_no: "0000000001".into(),
        fiscal_year: 2025,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: 369_600,
        paid_yen: 123_200,
        unpaid_yen: 246_400,
        last_due_date: Some(date(2026, 5, 11)),
        last_paid_on: Some(date(2025, 6, 27)),
        instalments,
    }
}

pub fn people() -> std::vec::IntoIter<SyntheticPerson> {
    let undeclared = Assessment {
        addressee_no: "0000000003".into(),
        declared: false,
        taxable: false,
        income_lines: vec![],
        deduction_lines: vec![],
        total_income_yen: 0,
        separate_income_lines: vec![],
        carried_forward_loss_yen: 0,
        aggregate_income_yen: 0,
        dependants: Dependants::default(),
        tax: TaxAmounts::default(),
        tax_credits: vec![],
        ..yamada_2025()
    };
    vec![
        SyntheticPerson {
            resident: resident(
                "0000000001",
                "山田　花子",
                "ヤマダ　ハナコ",
                date(1985, 4, 15),
            ),
            card_links: vec![card(YAMADA_CARD, "0000000001")],
            assessments: vec![yamada_2025()],
            payments: vec![yamada_payment_2025()],
        },
        SyntheticPerson {
            resident: resident(
                "0000000002",
                "山田　太一",
                "ヤマダ　タイチ",
                date(2015, 8, 1),
            ),
            card_links: vec![card(CHILD_CARD, "0000000002")],
            assessments: vec![],
            payments: vec![],
        },
        SyntheticPerson {
            resident: resident(
                "0000000003",
                "佐藤　一郎",
                "サトウ　イチロウ",
                date(1960, 1, 2),
            ),
            card_links: vec![card(UNDECLARED_CARD, "0000000003")],
            assessments: vec![undeclared],
            payments: vec![],
        },
        SyntheticPerson {
            resident: resident(
                "0000000004",
                "鈴木　一子",
                "スズキ　イチコ",
                date(1950, 3, 3),
            ),
            card_links: vec![card(UNTAXED_CARD, "0000000004")],
            assessments: vec![suzuki_2025()],
            payments: vec![],
        },
    ]
    .into_iter()
}

/// The fixture people as sync records, grouped by type.
pub fn records() -> Vec<SyncRecord> {
    let people: Vec<SyntheticPerson> = people().collect();
    let mut records: Vec<SyncRecord> = people
        .iter()
        .map(|p| SyncRecord::Resident(p.resident.clone()))
        .collect();
    records.extend(
        people
            .iter()
            .flat_map(|p| p.card_links.iter().cloned().map(SyncRecord::CardLink)),
    );
    records.extend(
        people
            .iter()
            .flat_map(|p| p.assessments.iter().cloned().map(SyncRecord::Assessment)),
    );
    records.extend(
        people
            .iter()
            .flat_map(|p| p.payments.iter().cloned().map(SyncRecord::Payment)),
    );
    records
}

/// A test person (宛名番号 00000002NN, `number` < 100) with `card`, registered here, and 山田's
/// 令和7年度 assessment, both as `change` leaves them: one resident, card link and assessment.
pub fn person(
    number: usize,
    card: &str,
    change: impl FnOnce(&mut Resident, &mut Assessment),
) -> Vec<SyncRecord> {
    let addressee_no = format!("00000002{number:02}");
    let mut resident = Resident {
        addressee_no: addressee_no.clone(),
        name: "確認　一郎".into(),
        name_kana: "カクニン　イチロウ".into(),
        birth_date: date(1970, 1, 1),
        address: "東京都新宿区西新宿二丁目8番1号".into(),
        status: ResidentStatus::Resident,
        moved_in_on: None,
        protection_measure: false,
        issuance_stopped: false,
    };
    let mut assessment = yamada_2025();
    assessment.addressee_no = addressee_no.clone();
    change(&mut resident, &mut assessment);
    vec![
        SyncRecord::Resident(resident),
        SyncRecord::CardLink(CardLink {
            card_serial: card.into(),
            addressee_no,
            valid_from: date(2024, 1, 1),
            valid_until: None,
        }),
        SyncRecord::Assessment(assessment),
    ]
}
