//! Composes the text of a certificate page from a person's data, the municipality and the issue
//! date: titles, 和暦 dates, labels and formatted amounts, for each certificate kind. Pure; the
//! `pdf` module lays it out. The data decides between 課税 and 非課税, never the request.

use crate::config::MunicipalitySettings;
use crate::domain::assessment::{Assessment, Payment};
use crate::domain::certificate::CertificateKind;
use crate::domain::era::{format_calendar_year, format_date, format_fiscal_year};
use crate::domain::fiscal_year;
use crate::domain::money::format_yen;
use crate::domain::municipality::inhabitant_tax_names;
use crate::domain::printability::{self, PrintField};
use crate::domain::resident::Resident;
use crate::pdf::{Document, Field, Row, Section};
use chrono::NaiveDate;

/// Everything a certificate shows.
pub struct CertificateInput<'a> {
    /// Which certificate to compose.
    pub kind: CertificateKind,
    /// Names, head of the municipality and policy (labels for 元年 and FY2019).
    pub municipality: &'a MunicipalitySettings,
    /// The person as registered now.
    pub resident: &'a Resident,
    /// The fiscal year's assessment the certificate is about.
    pub assessment: &'a Assessment,
    /// The year's payments, for 納税証明書.
    pub payments: &'a [Payment],
    /// The number assigned to this certificate, e.g. "R7-0000123".
    pub certificate_number: &'a str,
    /// The date of issue (Japan date), printed in 和暦.
    pub issued_on: NaiveDate,
    /// The municipality's seal, loaded once at start-up ([`crate::pdf::Seal::load`]).
    pub seal: &'a crate::pdf::Seal,
}

const CERTIFY: &str = "上記のとおり証明します。";
const FOOTNOTE: &str = "この証明書はコンビニエンスストア等のキオスク端末で交付したものです。記載事項を訂正したものは無効です。";
const NOT_TAXED: &str = "非課税";
const DEPENDANT_NOTE: &str = "申告なし（他の方の扶養親族）";

/// The page for `input.kind`.
pub fn compose(input: &CertificateInput<'_>) -> Document {
    let a = input.assessment;
    let (municipal, prefectural) =
        inhabitant_tax_names(input.municipality.kind, &input.municipality.prefecture);
    let taxes = format!("{municipal}・{prefectural}");
    let fy = fiscal_year_label(input);
    let income_year = format!("（{}中の所得に基づく）", income_year_label(input));
    let (title, subtitle, sections) = match input.kind {
        CertificateKind::Income => (
            format!("{fy}　所得証明書"),
            Some(income_year),
            vec![
                income_section(a),
                deduction_section(a),
                dependants_section(a),
            ],
        ),
        CertificateKind::Taxation => {
            let title = if a.taxable {
                "課税証明書"
            } else {
                "非課税証明書"
            };
            // An undeclared dependant's year: nothing about income is known to certify.
            let first = if a.declared {
                summary_section(a)
            } else {
                dependant_note_section()
            };
            (
                format!("{fy}　{taxes}　{title}"),
                Some(income_year),
                vec![first, tax_section(input)],
            )
        }
        CertificateKind::IncomeAndTaxation => {
            let title = if a.taxable {
                "所得・課税証明書"
            } else {
                "所得・非課税証明書"
            };
            (
                format!("{fy}　{taxes}　{title}"),
                Some(income_year),
                vec![
                    income_section(a),
                    deduction_section(a),
                    dependants_section(a),
                    tax_section(input),
                ],
            )
        }
        CertificateKind::TaxPayment => (
            "納税証明書".to_owned(),
            Some(format!("（{fy}　{taxes}）")),
            vec![payment_section(input, &taxes, &fy)],
        ),
    };
    Document {
        title,
        subtitle,
        person: person_block(input),
        sections,
        certify_text: CERTIFY.into(),
        issue_date: date(input.issued_on, input),
        certificate_number: format!("証明書番号　{}", input.certificate_number),
        issuer: format!(
            "{}　{}",
            input.municipality.mayor_title, input.municipality.mayor_name
        ),
        seal: input.seal.clone(),
        footnote: Some(FOOTNOTE.into()),
    }
}

fn date(d: NaiveDate, input: &CertificateInput<'_>) -> String {
    format_date(d, input.municipality.policy.first_year).unwrap_or_else(|| d.to_string())
}

fn fiscal_year_label(input: &CertificateInput<'_>) -> String {
    let policy = &input.municipality.policy;
    let year = input.assessment.fiscal_year;
    format_fiscal_year(year, policy.first_year, policy.fy2019_label)
        .unwrap_or_else(|| format!("{year}年度"))
}

fn income_year_label(input: &CertificateInput<'_>) -> String {
    let year = fiscal_year::income_year(input.assessment.fiscal_year);
    format_calendar_year(year, input.municipality.policy.first_year)
        .unwrap_or_else(|| format!("{year}年"))
}

fn row(label: impl Into<String>, values: Vec<String>) -> Row {
    Row {
        label: label.into(),
        values,
    }
}

/// The person block. Its texts are the ones `printability` names, so that the check made
/// before a number is spent (and the scan after each sync) covers exactly what is printed.
fn person_block(input: &CertificateInput<'_>) -> Vec<Field> {
    let r = input.resident;
    let assessment_date = fiscal_year::assessment_date(input.assessment.fiscal_year);
    let field = |label: String, value: &str| Field {
        label,
        value: value.to_owned(),
    };
    let [
        (PrintField::Name, name),
        (PrintField::NameKana, name_kana),
        (PrintField::Address, address),
    ] = printability::resident_texts(r)
    else {
        unreachable!("resident_texts lists name, reading, address")
    };
    let (_, address_on_assessment_date) = printability::assessment_text(input.assessment);
    vec![
        field("住所".into(), address),
        field(
            format!("{}現在の住所", date(assessment_date, input)),
            address_on_assessment_date,
        ),
        field("フリガナ".into(), name_kana),
        field("氏名".into(), name),
        field("生年月日".into(), &date(r.birth_date, input)),
    ]
}

fn income_section(a: &Assessment) -> Section {
    let mut rows: Vec<Row> = a
        .income_lines
        .iter()
        .map(|l| {
            row(
                format!("{}所得", l.kind.label()),
                vec![format_yen(l.revenue_yen), format_yen(l.income_yen)],
            )
        })
        .collect();
    rows.extend(a.separate_income_lines.iter().map(|l| {
        row(
            format!("分離 {}所得", l.kind.label()),
            vec![format_yen(l.revenue_yen), format_yen(l.income_yen)],
        )
    }));
    if rows.is_empty() {
        rows.push(row("所得なし", vec![format_yen(0), format_yen(0)]));
    }
    rows.push(row(
        "合計所得金額",
        vec![String::new(), format_yen(a.total_income_yen)],
    ));
    if a.carried_forward_loss_yen > 0 {
        rows.push(row(
            "繰越損失控除額",
            vec![String::new(), format_yen(a.carried_forward_loss_yen)],
        ));
    }
    rows.push(row(
        "総所得金額等",
        vec![String::new(), format_yen(a.aggregate_income_yen)],
    ));
    Section {
        heading: "所得の内訳（円）".into(),
        columns: vec!["収入金額".into(), "所得金額".into()],
        rows,
    }
}

fn deduction_section(a: &Assessment) -> Section {
    let mut rows: Vec<Row> = a
        .deduction_lines
        .iter()
        .map(|l| row(l.kind.label(), vec![format_yen(l.amount_yen)]))
        .collect();
    rows.push(row(
        "所得控除合計",
        vec![format_yen(a.total_deductions_yen())],
    ));
    Section {
        heading: "所得控除（円）".into(),
        columns: vec![],
        rows,
    }
}

fn dependants_section(a: &Assessment) -> Section {
    let d = &a.dependants;
    let count = |n: u8| vec![format!("{n}人")];
    Section {
        heading: "扶養等の状況".into(),
        columns: vec![],
        rows: vec![
            row(
                "控除対象配偶者",
                vec![
                    if d.has_qualifying_spouse {
                        "有"
                    } else {
                        "無"
                    }
                    .into(),
                ],
            ),
            row("扶養親族（一般）", count(d.general)),
            row("扶養親族（特定）", count(d.specific)),
            row("扶養親族（老人）", count(d.elderly)),
            row(
                "扶養親族（同居老親等）",
                count(d.elderly_cohabiting_parents),
            ),
            row("扶養親族（16歳未満）", count(d.under_16)),
            row(
                "障害者（特別・同居特別）",
                count(d.disabled_special + d.disabled_special_cohabiting),
            ),
            row("障害者（普通）", count(d.disabled_ordinary)),
        ],
    }
}

/// Why a dependant's 非課税証明書 shows no income: one line in place of the income summary.
fn dependant_note_section() -> Section {
    Section {
        heading: "所得（円）".into(),
        columns: vec![],
        rows: vec![row(DEPENDANT_NOTE, vec![String::new()])],
    }
}

/// The income summary a taxation certificate carries.
fn summary_section(a: &Assessment) -> Section {
    Section {
        heading: "所得（円）".into(),
        columns: vec![],
        rows: vec![
            row("合計所得金額", vec![format_yen(a.total_income_yen)]),
            row("総所得金額等", vec![format_yen(a.aggregate_income_yen)]),
            row("所得控除合計", vec![format_yen(a.total_deductions_yen())]),
        ],
    }
}

fn tax_section(input: &CertificateInput<'_>) -> Section {
    let a = input.assessment;
    let t = &a.tax;
    let (municipal, prefectural) =
        inhabitant_tax_names(input.municipality.kind, &input.municipality.prefecture);
    // 森林環境税 exists from 令和6年度 (FY2024).
    let forest = a.fiscal_year >= 2024;
    let amount = |yen: i64| {
        vec![if a.taxable {
            format_yen(yen)
        } else {
            NOT_TAXED.to_owned()
        }]
    };
    let mut rows = vec![
        row("課税標準額（総合）", vec![format_yen(t.taxable_base_yen)]),
        row(
            "課税標準額（分離）",
            vec![format_yen(t.separate_taxable_base_yen)],
        ),
        row(
            format!("{municipal} 所得割額"),
            amount(t.municipal_income_levy_yen),
        ),
        row(
            format!("{municipal} 均等割額"),
            amount(t.municipal_per_capita_levy_yen),
        ),
        row(
            format!("{prefectural} 所得割額"),
            amount(t.prefectural_income_levy_yen),
        ),
        row(
            format!("{prefectural} 均等割額"),
            amount(t.prefectural_per_capita_levy_yen),
        ),
    ];
    if forest {
        rows.push(row("森林環境税", amount(t.forest_env_tax_yen)));
    }
    rows.push(row("年税額", amount(t.total_yen)));
    Section {
        heading: "税額（円）".into(),
        columns: vec![],
        rows,
    }
}

fn payment_section(input: &CertificateInput<'_>, taxes: &str, fiscal_year: &str) -> Section {
    let rows = input
        .payments
        .iter()
        .map(|p| {
            let item = match p.tax_item.as_str() {
                "inhabitant_tax" => taxes.to_owned(),
                other => other.to_owned(),
            };
            row(
                format!("{item}（{fiscal_year}）"),
                vec![
                    format_yen(p.assessed_yen),
                    format_yen(p.paid_yen),
                    format_yen(p.unpaid_yen),
                    p.last_due_date.map(|d| date(d, input)).unwrap_or_default(),
                ],
            )
        })
        .collect();
    Section {
        heading: "納税の状況（円）".into(),
        columns: vec![
            "税額".into(),
            "納付済額".into(),
            "未納額".into(),
            "最終納期限".into(),
        ],
        rows,
    }
}
