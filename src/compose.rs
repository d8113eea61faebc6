//! Composes the text of a certificate page from a person's data, the municipality and the issue
//! date: titles, 和暦 dates, labels and formatted amounts, for each certificate kind. Pure; the
//! `pdf` module lays it out. The data decides between 課税 and 非課税, never the request.
//!
//! Every figure printed can be explained from the others on the page: income lines add up to
//! 合計所得金額, deductions to their total, 課税標準額 to the income less the deductions, each
//! levy before credits less its credits to the levy after them, the levies to 年税額, and on a
//! 納税証明書 the instalments to the year's tax and the tax to what is paid plus what is owed.

use crate::config::MunicipalitySettings;
use crate::domain::assessment::{Assessment, IncomeKind, Payment, TaxCreditKind};
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
/// Closes the content: nothing can be written in below it.
const END_MARK: &str = "以下余白";
/// Printed where the data does not say (an older file's credit without its split).
const UNKNOWN: &str = "－";

/// The page for `input.kind`.
pub fn compose(input: &CertificateInput<'_>) -> Document {
    let a = input.assessment;
    let policy = &input.municipality.policy;
    let (municipal, prefectural) =
        inhabitant_tax_names(input.municipality.kind, &input.municipality.prefecture);
    let taxes = format!("{municipal}・{prefectural}");
    let fy = fiscal_year_label(input.municipality, a.fiscal_year);
    let income_year = format!("（{}中の所得に基づく）", income_year_label(input));
    let title = title_line(input.kind, input.municipality, a.fiscal_year, a.taxable);
    let (subtitle, sections) = match input.kind {
        CertificateKind::Income => (Some(income_year), income_part(a)),
        CertificateKind::Taxation | CertificateKind::IncomeAndTaxation => {
            // An undeclared dependant's year: nothing about income is known to certify.
            let sections = if a.declared {
                let mut sections = income_part(a);
                sections.extend(tax_part(input));
                sections
            } else {
                vec![dependant_note_section(), tax_section(input)]
            };
            (Some(income_year), sections)
        }
        CertificateKind::TaxPayment => {
            let mut sections = payment_sections(input, &taxes, &fy);
            if policy.tax_payment_summary {
                sections.push(summary_section(a));
                sections.push(levy_summary_section(input));
            }
            (Some(format!("（{fy}　{taxes}）")), sections)
        }
    };
    Document {
        title,
        subtitle,
        person: person_block(input),
        sections,
        note: policy.notes.of(input.kind).map(str::to_owned),
        end_mark: END_MARK.into(),
        certify_text: CERTIFY.into(),
        issue_date: date(input.issued_on, input),
        certificate_number: certificate_number_line(input.certificate_number),
        issuer: format!(
            "{}　{}",
            input.municipality.mayor_title, input.municipality.mayor_name
        ),
        seal: input.seal.clone(),
        footnote: Some(FOOTNOTE.into()),
    }
}

/// The title line of `kind` for `fiscal_year`: the municipality's title for the kind (or the
/// default, which depends on whether the year is taxed), after the fiscal year and the tax names
/// where the kind prints them there.
pub fn title_line(
    kind: CertificateKind,
    municipality: &MunicipalitySettings,
    fiscal_year: i32,
    taxable: bool,
) -> String {
    let title = municipality
        .policy
        .titles
        .of(kind)
        .unwrap_or_else(|| default_title(kind, taxable));
    let fy = fiscal_year_label(municipality, fiscal_year);
    let (municipal, prefectural) =
        inhabitant_tax_names(municipality.kind, &municipality.prefecture);
    match kind {
        CertificateKind::Income => format!("{fy}　{title}"),
        CertificateKind::Taxation | CertificateKind::IncomeAndTaxation => {
            format!("{fy}　{municipal}・{prefectural}　{title}")
        }
        CertificateKind::TaxPayment => title.to_owned(),
    }
}

/// Today's titles, used where the municipality sets none.
fn default_title(kind: CertificateKind, taxable: bool) -> &'static str {
    match (kind, taxable) {
        (CertificateKind::Income, _) => "所得証明書",
        (CertificateKind::Taxation, true) => "課税証明書",
        (CertificateKind::Taxation, false) => "非課税証明書",
        (CertificateKind::IncomeAndTaxation, true) => "所得・課税証明書",
        (CertificateKind::IncomeAndTaxation, false) => "所得・非課税証明書",
        (CertificateKind::TaxPayment, _) => "納税証明書",
    }
}

fn date(d: NaiveDate, input: &CertificateInput<'_>) -> String {
    format_date(d, input.municipality.policy.first_year).unwrap_or_else(|| d.to_string())
}

fn fiscal_year_label(municipality: &MunicipalitySettings, year: i32) -> String {
    let policy = &municipality.policy;
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

fn yen_row(label: impl Into<String>, amounts: &[i64]) -> Row {
    row(label, amounts.iter().map(|&y| format_yen(y)).collect())
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

/// What a 所得証明書 shows, and the first part of the taxation kinds: income, deductions, the
/// person's own categories, spouse and dependants.
fn income_part(a: &Assessment) -> Vec<Section> {
    vec![
        income_section(a),
        deduction_section(a),
        categories_section(a),
        dependants_section(a),
    ]
}

/// The taxation kinds' second part: the taxable bases and the levies.
fn tax_part(input: &CertificateInput<'_>) -> Vec<Section> {
    vec![base_section(input.assessment), tax_section(input)]
}

fn income_section(a: &Assessment) -> Section {
    let mut rows = Vec::with_capacity(a.income_lines.len() + a.separate_income_lines.len() + 4);
    for l in &a.income_lines {
        rows.push(yen_row(l.kind.label(), &[l.revenue_yen, l.income_yen]));
        // 給与所得 is printed after the adjustment; the row says how much it took, so the
        // line can be explained from its revenue.
        if l.kind == IncomeKind::Salary && a.income_adjustment_yen > 0 {
            rows.push(row(
                "所得金額調整控除（控除済）",
                vec![String::new(), format_yen(a.income_adjustment_yen)],
            ));
        }
    }
    for l in &a.separate_income_lines {
        rows.push(yen_row(
            format!("{}（分離）", l.kind.label()),
            &[l.revenue_yen, l.income_yen],
        ));
    }
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
        .map(|l| yen_row(l.kind.label(), &[l.amount_yen]))
        .collect();
    rows.push(yen_row("所得控除合計", &[a.total_deductions_yen()]));
    Section {
        heading: "所得控除（円）".into(),
        columns: vec![],
        rows,
    }
}

/// 本人該当区分: each category the assessment found, or that there is none.
fn categories_section(a: &Assessment) -> Section {
    let mut rows: Vec<Row> = a
        .own_categories
        .iter()
        .map(|c| row(c.label(), vec!["該当".into()]))
        .collect();
    if rows.is_empty() {
        rows.push(row("該当なし", vec![String::new()]));
    }
    Section {
        heading: "本人該当区分".into(),
        columns: vec![],
        rows,
    }
}

/// Spouse and dependant counts, one row across the page.
fn dependants_section(a: &Assessment) -> Section {
    let d = &a.dependants;
    let spouse = if d.has_qualifying_spouse {
        "有"
    } else {
        "無"
    };
    let counts = [
        d.general,
        d.specific,
        d.elderly,
        d.elderly_cohabiting_parents,
        d.under_16,
        d.disabled_special,
        d.disabled_special_cohabiting,
        d.disabled_ordinary,
    ];
    let mut values = vec![spouse.to_owned()];
    values.extend(counts.iter().map(|n| n.to_string()));
    Section {
        heading: "控除対象配偶者・扶養親族・障害者の数（人）".into(),
        columns: [
            "控除対象配偶者",
            "扶養（一般）",
            "扶養（特定）",
            "扶養（老人）",
            "同居老親等",
            "16歳未満",
            "特別障害者",
            "同居特別障害者",
            "普通障害者",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![row("人数", values)],
    }
}

/// Why a dependant's 非課税証明書 shows no income: one line in place of the income part.
fn dependant_note_section() -> Section {
    Section {
        heading: "所得".into(),
        columns: vec![],
        rows: vec![row(DEPENDANT_NOTE, vec![String::new()])],
    }
}

/// 課税標準額: 総合 and 分離, and 分離 by kind where the data gives it.
fn base_section(a: &Assessment) -> Section {
    let t = &a.tax;
    let mut rows = vec![
        yen_row("総合課税分", &[t.taxable_base_yen]),
        yen_row("分離課税分", &[t.separate_taxable_base_yen]),
    ];
    for l in &a.separate_income_lines {
        if let Some(base) = l.taxable_base_yen {
            rows.push(yen_row(format!("うち{}", l.kind.label()), &[base]));
        }
    }
    Section {
        heading: "課税標準額（円）".into(),
        columns: vec![],
        rows,
    }
}

/// The credits a certificate always lists, in order; 定額減税 and その他 are added where the
/// year has them.
const CREDIT_ROWS: [TaxCreditKind; 4] = [
    TaxCreditKind::Adjustment,
    TaxCreditKind::Dividend,
    TaxCreditKind::HousingLoan,
    TaxCreditKind::Donation,
];

/// The levies, municipal and prefectural side by side with their sum: 所得割 before the
/// credits, each credit, 所得割 after them, 均等割, 森林環境税 (from 令和6年度) and 年税額. A
/// 非課税 year prints 非課税 in every levy.
fn tax_section(input: &CertificateInput<'_>) -> Section {
    let a = input.assessment;
    let t = &a.tax;
    let (municipal, prefectural) =
        inhabitant_tax_names(input.municipality.kind, &input.municipality.prefecture);
    // 森林環境税 exists from 令和6年度 (FY2024).
    let forest = a.fiscal_year >= 2024;
    let three = |m: i64, p: i64| vec![format_yen(m), format_yen(p), format_yen(m + p)];
    let mut rows = Vec::with_capacity(12);
    if !a.taxable {
        let not_taxed = || vec![NOT_TAXED.to_owned(); 3];
        rows.push(row("所得割額", not_taxed()));
        rows.push(row("均等割額", not_taxed()));
        if forest {
            rows.push(row(
                "森林環境税（国税）",
                vec![String::new(), String::new(), NOT_TAXED.into()],
            ));
        }
        rows.push(row("年税額", not_taxed()));
    } else {
        if let (Some(m), Some(p)) = (
            t.municipal_income_levy_before_credits_yen,
            t.prefectural_income_levy_before_credits_yen,
        ) {
            rows.push(row("所得割額（税額控除前）", three(m, p)));
        }
        let split_known = a
            .tax_credits
            .iter()
            .all(|c| c.municipal_amount_yen.is_some());
        let mut kinds = CREDIT_ROWS.to_vec();
        for extra in [
            TaxCreditKind::Other,
            TaxCreditKind::LowIncomeRelief,
            TaxCreditKind::FlatRateReduction,
        ] {
            let present = a.tax_credits.iter().any(|c| c.kind == extra);
            if present || (extra == TaxCreditKind::FlatRateReduction && a.fiscal_year == 2024) {
                kinds.push(extra);
            }
        }
        for kind in kinds {
            let credit = a.tax_credits.iter().find(|c| c.kind == kind);
            let values = match (credit.map(|c| (c.amount_yen, c.shares_yen())), split_known) {
                (Some((_, Some((m, p)))), _) => three(m, p),
                (Some((amount, None)), _) => {
                    vec![UNKNOWN.into(), UNKNOWN.into(), format_yen(amount)]
                }
                (None, true) => three(0, 0),
                (None, false) => vec![UNKNOWN.into(), UNKNOWN.into(), format_yen(0)],
            };
            rows.push(row(kind.label(), values));
        }
        rows.push(row(
            "所得割額",
            three(t.municipal_income_levy_yen, t.prefectural_income_levy_yen),
        ));
        rows.push(row(
            "均等割額",
            three(
                t.municipal_per_capita_levy_yen,
                t.prefectural_per_capita_levy_yen,
            ),
        ));
        if forest {
            rows.push(row(
                "森林環境税（国税）",
                vec![
                    String::new(),
                    String::new(),
                    format_yen(t.forest_env_tax_yen),
                ],
            ));
        }
        rows.push(row(
            "年税額",
            vec![
                format_yen(t.municipal_income_levy_yen + t.municipal_per_capita_levy_yen),
                format_yen(t.prefectural_income_levy_yen + t.prefectural_per_capita_levy_yen),
                format_yen(t.total_yen),
            ],
        ));
    }
    Section {
        heading: "税額（円）".into(),
        columns: vec![municipal.into(), prefectural.into(), "計".into()],
        rows,
    }
}

/// A 納税証明書's summary of the year, as Shinjuku's prints it: the income and the bases.
fn summary_section(a: &Assessment) -> Section {
    Section {
        heading: "所得・課税標準額（円）".into(),
        columns: vec![],
        rows: vec![
            yen_row("合計所得金額", &[a.total_income_yen]),
            yen_row("総所得金額等", &[a.aggregate_income_yen]),
            yen_row("所得控除合計", &[a.total_deductions_yen()]),
            yen_row("課税標準額（総合）", &[a.tax.taxable_base_yen]),
            yen_row("課税標準額（分離）", &[a.tax.separate_taxable_base_yen]),
        ],
    }
}

/// A 納税証明書's summary of the year's levies, adding up to 年税額.
fn levy_summary_section(input: &CertificateInput<'_>) -> Section {
    let t = &input.assessment.tax;
    let (municipal, prefectural) =
        inhabitant_tax_names(input.municipality.kind, &input.municipality.prefecture);
    let mut rows = vec![
        yen_row(
            format!("{municipal} 所得割額"),
            &[t.municipal_income_levy_yen],
        ),
        yen_row(
            format!("{municipal} 均等割額"),
            &[t.municipal_per_capita_levy_yen],
        ),
        yen_row(
            format!("{prefectural} 所得割額"),
            &[t.prefectural_income_levy_yen],
        ),
        yen_row(
            format!("{prefectural} 均等割額"),
            &[t.prefectural_per_capita_levy_yen],
        ),
    ];
    if input.assessment.fiscal_year >= 2024 {
        rows.push(yen_row("森林環境税（国税）", &[t.forest_env_tax_yen]));
    }
    rows.push(yen_row("年税額", &[t.total_yen]));
    Section {
        heading: "年税額の内訳（円）".into(),
        columns: vec![],
        rows,
    }
}

/// What is still owed of a year's tax whose due date has not come on the day of issue (due
/// that day or later); the rest of 未納額 is overdue, as eligibility judges arrears. An older
/// file without instalments knows one due date, 最終納期限, for the whole year.
fn not_yet_due(p: &Payment, today: NaiveDate) -> i64 {
    if p.instalments.is_empty() {
        return if p.last_due_date.is_none_or(|due| due >= today) {
            p.unpaid_yen
        } else {
            0
        };
    }
    p.instalments
        .iter()
        .filter(|i| i.due_date >= today)
        .map(|i| i.unpaid_yen())
        .sum()
}

/// The 納税証明書's tables: per tax item the year's tax, what is paid, what is owed and how much
/// of that is not yet due (the rest is overdue), then each item's instalments with their due
/// dates.
fn payment_sections(input: &CertificateInput<'_>, taxes: &str, fiscal_year: &str) -> Vec<Section> {
    let item_name = |p: &Payment| match p.tax_item.as_str() {
        "inhabitant_tax" => taxes.to_owned(),
        other => other.to_owned(),
    };
    let rows = input
        .payments
        .iter()
        .map(|p| {
            let not_yet_due = not_yet_due(p, input.issued_on);
            yen_row(
                format!("{}（{fiscal_year}）", item_name(p)),
                &[p.assessed_yen, p.paid_yen, p.unpaid_yen, not_yet_due],
            )
        })
        .collect();
    let mut sections = vec![Section {
        heading: "納税の状況（円）".into(),
        columns: vec![
            "税額".into(),
            "納付済額".into(),
            "未納額".into(),
            "うち納期未到来".into(),
        ],
        rows,
    }];
    for p in input.payments.iter().filter(|p| !p.instalments.is_empty()) {
        let mut rows: Vec<Row> = p
            .instalments
            .iter()
            .map(|i| {
                row(
                    format!("第{}期", i.number),
                    vec![
                        date(i.due_date, input),
                        format_yen(i.amount_yen),
                        format_yen(i.paid_yen),
                        format_yen(i.unpaid_yen()),
                    ],
                )
            })
            .collect();
        let sum = |f: fn(&crate::domain::assessment::Instalment) -> i64| {
            format_yen(p.instalments.iter().map(f).sum())
        };
        rows.push(row(
            "計",
            vec![
                String::new(),
                sum(|i| i.amount_yen),
                sum(|i| i.paid_yen),
                sum(|i| i.unpaid_yen()),
            ],
        ));
        sections.push(Section {
            heading: format!("期別の状況（{}）（円）", item_name(p)),
            columns: vec![
                "納期限".into(),
                "税額".into(),
                "納付済額".into(),
                "未納額".into(),
            ],
            rows,
        });
    }
    sections
}

/// The line a certificate number prints as, e.g. "証明書番号　R7-0000123".
pub fn certificate_number_line(certificate_number: &str) -> String {
    format!("証明書番号　{certificate_number}")
}
