//! Composes the text of a certificate page from a person's data, the municipality and the issue
//! date: titles, 和暦 dates, labels and formatted amounts. Pure; the `pdf` module lays it out.

use crate::config::MunicipalitySettings;
use crate::domain::assessment::Assessment;
use crate::domain::era::{format_calendar_year, format_date, format_fiscal_year};
use crate::domain::fiscal_year;
use crate::domain::money::format_yen;
use crate::domain::resident::Resident;
use crate::pdf::{Document, Field, Row, Section};
use chrono::NaiveDate;

/// Everything a certificate shows.
pub struct CertificateInput<'a> {
    pub municipality: &'a MunicipalitySettings,
    pub resident: &'a Resident,
    pub assessment: &'a Assessment,
    pub certificate_number: &'a str,
    pub issued_on: NaiveDate,
}

const CERTIFY: &str = "上記のとおり証明します。";
const FOOTNOTE: &str = "この証明書はコンビニエンスストア等のキオスク端末で交付したものです。記載事項を訂正したものは無効です。";

fn date(d: NaiveDate, input: &CertificateInput<'_>) -> String {
    format_date(d, input.municipality.policy.first_year).unwrap_or_else(|| d.to_string())
}

fn yen(amount: i64) -> String {
    format_yen(amount)
}

/// 所得・課税証明書 (所得・非課税証明書 when the person is not taxed that year).
pub fn income_and_taxation(input: &CertificateInput<'_>) -> Document {
    let a = input.assessment;
    let policy = &input.municipality.policy;
    let fy_label = format_fiscal_year(a.fiscal_year, policy.first_year, policy.fy2019_label)
        .unwrap_or_else(|| format!("{}年度", a.fiscal_year));
    let (municipal_tax, prefectural_tax) = input.municipality.tax_names();
    let title_kind = if a.taxable {
        "所得・課税証明書"
    } else {
        "所得・非課税証明書"
    };
    let income_year = fiscal_year::income_year(a.fiscal_year);
    let income_year_label = format_calendar_year(income_year, policy.first_year)
        .unwrap_or_else(|| format!("{income_year}年"));

    let mut income_rows: Vec<Row> = a
        .income_lines
        .iter()
        .map(|line| Row {
            label: format!("{}所得", line.kind.label()),
            values: vec![yen(line.revenue_yen), yen(line.income_yen)],
        })
        .collect();
    if income_rows.is_empty() {
        income_rows.push(Row {
            label: "所得なし".into(),
            values: vec![yen(0), yen(0)],
        });
    }
    income_rows.push(Row {
        label: "合計所得金額".into(),
        values: vec![String::new(), yen(a.total_income_yen)],
    });
    income_rows.push(Row {
        label: "総所得金額等".into(),
        values: vec![String::new(), yen(a.aggregate_income_yen)],
    });

    let mut deduction_rows: Vec<Row> = a
        .deduction_lines
        .iter()
        .map(|line| Row {
            label: line.kind.label().into(),
            values: vec![yen(line.amount_yen)],
        })
        .collect();
    deduction_rows.push(Row {
        label: "所得控除合計".into(),
        values: vec![yen(a.total_deductions_yen())],
    });

    let d = &a.dependants;
    let count = |n: u8| format!("{n}人");
    let dependant_rows = vec![
        Row {
            label: "控除対象配偶者".into(),
            values: vec![
                if d.has_qualifying_spouse {
                    "有"
                } else {
                    "無"
                }
                .into(),
            ],
        },
        Row {
            label: "扶養親族（一般）".into(),
            values: vec![count(d.general)],
        },
        Row {
            label: "扶養親族（特定）".into(),
            values: vec![count(d.specific)],
        },
        Row {
            label: "扶養親族（老人）".into(),
            values: vec![count(d.elderly)],
        },
        Row {
            label: "扶養親族（同居老親等）".into(),
            values: vec![count(d.elderly_cohabiting_parents)],
        },
        Row {
            label: "扶養親族（16歳未満）".into(),
            values: vec![count(d.under_16)],
        },
        Row {
            label: "障害者（特別・同居特別）".into(),
            values: vec![count(d.disabled_special + d.disabled_special_cohabiting)],
        },
        Row {
            label: "障害者（普通）".into(),
            values: vec![count(d.disabled_ordinary)],
        },
    ];

    let t = &a.tax;
    let mut tax_rows = vec![
        Row {
            label: "課税標準額".into(),
            values: vec![yen(t.taxable_base_yen)],
        },
        Row {
            label: format!("{municipal_tax} 所得割額"),
            values: vec![yen(t.municipal_income_levy_yen)],
        },
        Row {
            label: format!("{municipal_tax} 均等割額"),
            values: vec![yen(t.municipal_per_capita_levy_yen)],
        },
        Row {
            label: format!("{prefectural_tax} 所得割額"),
            values: vec![yen(t.prefectural_income_levy_yen)],
        },
        Row {
            label: format!("{prefectural_tax} 均等割額"),
            values: vec![yen(t.prefectural_per_capita_levy_yen)],
        },
    ];
    // 森林環境税 exists from 令和6年度 (FY2024).
    if a.fiscal_year >= 2024 {
        tax_rows.push(Row {
            label: "森林環境税".into(),
            values: vec![yen(t.forest_env_tax_yen)],
        });
    }
    tax_rows.push(Row {
        label: "年税額".into(),
        values: vec![yen(t.total_yen)],
    });

    let r = input.resident;
    let assessment_date = fiscal_year::assessment_date(a.fiscal_year);
    Document {
        title: format!("{fy_label}　{municipal_tax}・{prefectural_tax}　{title_kind}"),
        subtitle: Some(format!("（{income_year_label}中の所得に基づく）")),
        person: vec![
            Field {
                label: "住所".into(),
                value: r.address.clone(),
            },
            Field {
                label: format!("{}現在の住所", date(assessment_date, input)),
                value: a.address_on_assessment_date.clone().unwrap_or_default(),
            },
            Field {
                label: "フリガナ".into(),
                value: r.name_kana.clone(),
            },
            Field {
                label: "氏名".into(),
                value: r.name.clone(),
            },
            Field {
                label: "生年月日".into(),
                value: date(r.birth_date, input),
            },
        ],
        sections: vec![
            Section {
                heading: "所得の内訳（円）".into(),
                columns: vec!["収入金額".into(), "所得金額".into()],
                rows: income_rows,
            },
            Section {
                heading: "所得控除（円）".into(),
                columns: vec![],
                rows: deduction_rows,
            },
            Section {
                heading: "扶養等の状況".into(),
                columns: vec![],
                rows: dependant_rows,
            },
            Section {
                heading: "税額（円）".into(),
                columns: vec![],
                rows: tax_rows,
            },
        ],
        certify_text: CERTIFY.into(),
        issue_date: date(input.issued_on, input),
        certificate_number: format!("証明書番号　{}", input.certificate_number),
        issuer: format!(
            "{}　{}",
            input.municipality.mayor_title, input.municipality.mayor_name
        ),
        seal_text: input.municipality.seal_text.clone(),
        footnote: Some(FOOTNOTE.into()),
    }
}
