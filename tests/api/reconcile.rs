//! Figures that reconcile: certificates issued to synthetic people through the relay's gRPC
//! call, read back with `pdftotext -raw`, and checked against each other and against the law,
//! written out here independently of kofu and its generator:
//!
//! - the income lines (losses negative) add up to 合計所得金額, less 繰越損失 to 総所得金額等;
//!   the deduction lines to 所得控除合計;
//! - 課税標準額: 総合 = 総所得 − 所得控除合計 and each separate kind its income less what the
//!   deductions left over reach of it (in the statutory order), each floored to ¥1,000, their
//!   sum the 分離 base;
//! - 所得割 before credits = each base × its rate for the fiscal year and the municipality kind
//!   (政令指定都市 8% + 2% from 平成30年度), nothing at or below the non-taxable limit; just above
//!   it the levy after the 税額控除 is capped at its rate of 総所得金額等 above the limit
//!   (地方税法附則3条の3), the excess printed as 非課税限度額による減額, 定額減税 after it;
//!   after credits = before − the credits, floored at 0 and to ¥100 (地方税法20条の4の2);
//!   均等割 and 森林環境税 at the year's rates; 年税額 the levies' sum; a 非課税 year prints
//!   非課税 in every levy;
//! - 納税証明書: 税額 = 納付済額 + 未納額, the instalments add up to the year, the money not
//!   yet due is what falls due on or after the day of issue, and every 納期限 is a business day
//!   (地方税法20条の5: no weekend, public holiday or 12/29–1/3, checked against an independent list);
//! - every page ends its content with 以下余白, after the municipality's note where it has one.
//!
//! The suite asks 2,000 people, one (kind, fiscal year) each in rotation, in a special ward and in
//! a designated city. `ops/reconcile.sh` sweeps every person, kind and year of a 10,000-person
//! ward (`KOFU_RECONCILE_PEOPLE=10000 KOFU_RECONCILE_EVERY=1`). A failure names the synthetic
//! person's index.

use crate::helpers::{TestApp, TestDb, issue_request, load_full_into, shinjuku, spawn_app_with};
use chrono::{Datelike, NaiveDate, Weekday};
use futures_util::StreamExt;
use kofu::config::MunicipalitySettings;
use kofu::domain::lg_code::LgCode;
use kofu::domain::municipality::MunicipalityKind;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use kofu::tools::synthetic;
use std::collections::{BTreeMap, BTreeSet, HashSet};

const SEED: u64 = 20251104;
const LATEST_FY: i32 = 2025;
/// A Tuesday after the extraction day: 令和7年度's later instalments are not yet due.
const ISSUED_AT: &str = "2025-11-04T10:00:00+09:00";
const ISSUED_ON: (i32, u32, u32) = (2025, 11, 4);
const YEARS: [i32; 4] = [2022, 2023, 2024, 2025];
const KINDS: [pb::CertificateKind; 4] = [
    pb::CertificateKind::Income,
    pb::CertificateKind::Taxation,
    pb::CertificateKind::IncomeAndTaxation,
    pb::CertificateKind::TaxPayment,
];
const TAXATION_TITLE: &str = "課税（非課税）証明書";
const CITY_NOTE: &str = "この証明書には寄附金税額控除の内訳を記載していません。";

/// 新宿区 as Shinjuku prints it: one 課税（非課税）証明書, dependants' 非課税証明書 issued.
fn ward() -> MunicipalitySettings {
    let mut m = shinjuku();
    m.policy.allow_dependant_nontax = true;
    m.policy.titles.taxation = Some(TAXATION_TITLE.into());
    m
}

/// 横浜市, a 政令指定都市: 市民税 8% and 県民税 2%, with a note on every kind.
fn designated_city() -> MunicipalitySettings {
    let mut m = MunicipalitySettings {
        code: LgCode::parse("141003").unwrap(),
        prefecture: "神奈川県".into(),
        name: "横浜市".into(),
        kind: MunicipalityKind::DesignatedCity,
        mayor_title: "横浜市長".into(),
        mayor_name: "横浜　花子".into(),
        seal_text: "横浜市長之印".into(),
        ..shinjuku()
    };
    for kind in [
        &mut m.policy.notes.income,
        &mut m.policy.notes.taxation,
        &mut m.policy.notes.income_and_taxation,
        &mut m.policy.notes.tax_payment,
    ] {
        *kind = Some(CITY_NOTE.into());
    }
    m
}

fn issued_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(ISSUED_ON.0, ISSUED_ON.1, ISSUED_ON.2).unwrap()
}

/// One certificate asked for.
#[derive(Clone)]
struct Ask {
    /// Which municipality (0 the ward, 1 the city).
    place: usize,
    /// The synthetic person's index, as the generator numbers them.
    index: usize,
    card: String,
    kind: pb::CertificateKind,
    fiscal_year: i32,
}

impl Ask {
    fn name(&self) -> String {
        format!(
            "person #{} of {} ({:?}, FY{})",
            self.index,
            ["the ward", "the city"][self.place],
            self.kind,
            self.fiscal_year
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_figure_follows_from_the_others_and_from_the_law() {
    let people: usize = std::env::var("KOFU_RECONCILE_PEOPLE")
        .map(|v| v.parse().expect("KOFU_RECONCILE_PEOPLE is a number"))
        .unwrap_or(2_000);
    let every = std::env::var("KOFU_RECONCILE_EVERY").is_ok_and(|v| v == "1");
    // The suite: 1,200 in the ward and 800 in the city. The sweep: the whole ward and a fifth
    // as many in the city.
    let counts = if every {
        [people, people / 5]
    } else {
        [people * 3 / 5, people - people * 3 / 5]
    };
    let places = [ward(), designated_city()];
    let extracted_at = crate::helpers::synthetic_extraction(LATEST_FY);
    let db = TestDb::migrated();
    let mut asks = Vec::new();
    for (place, (m, &count)) in places.iter().zip(&counts).enumerate() {
        let generated = synthetic::Municipality::from(m);
        load_full_into(
            &db,
            m,
            synthetic::records(SEED, &generated, count, LATEST_FY).collect(),
            &extracted_at,
        )
        .await;
        for (index, person) in synthetic::people(SEED, &generated, count, LATEST_FY).enumerate() {
            let Some(card) = person.card_links.last().map(|c| c.card_serial.clone()) else {
                continue;
            };
            let pairs: Vec<(pb::CertificateKind, i32)> = if every {
                KINDS
                    .iter()
                    .flat_map(|&k| YEARS.iter().map(move |&y| (k, y)))
                    .collect()
            } else {
                vec![(KINDS[index % 4], YEARS[(index / 4 + place) % 4])]
            };
            for (kind, fiscal_year) in pairs {
                asks.push(Ask {
                    place,
                    index,
                    card: card.clone(),
                    kind,
                    fiscal_year,
                });
            }
        }
    }
    let app = spawn_app_with(db, |s| {
        s.municipalities = places.to_vec();
        s.clock.fixed_now = Some(chrono::DateTime::parse_from_rfc3339(ISSUED_AT).unwrap());
    })
    .await;
    let holidays = public_holidays();
    let started = std::time::Instant::now();
    let mut seen = Seen::default();
    let mut failures = Vec::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in asks.chunks(400) {
        let issued = issue_all(&app, &places, chunk, &mut refusals).await;
        let pages = extract_pages(
            &issued
                .iter()
                .map(|(_, pdf)| pdf.as_slice())
                .collect::<Vec<_>>(),
        );
        for ((ask, _), text) in issued.iter().zip(pages) {
            let context = Context {
                ask,
                municipality: &places[ask.place],
                holidays: &holidays,
            };
            if let Err(problem) = check_page(&context, &text, &mut seen) {
                failures.push(format!("{}: {problem}\n{text}", ask.name()));
            }
        }
    }
    eprintln!(
        "reconciled {} certificates of {} asked in {:.1} s; refused {refusals:?}; shapes {seen:?}",
        seen.pages,
        asks.len(),
        started.elapsed().as_secs_f64()
    );
    for failure in failures.iter().take(30) {
        eprintln!("{}", failure.lines().next().unwrap_or_default());
    }
    assert!(
        failures.is_empty(),
        "{} of {} pages do not reconcile; the first:\n{}",
        failures.len(),
        seen.pages,
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // Enough is issued to mean something, and every shape the data has is on some page.
    assert!(
        seen.pages * 2 > asks.len(),
        "{} of {}",
        seen.pages,
        asks.len()
    );
    for (shape, count) in seen.shapes() {
        assert!(count > 0, "no page showed {shape}: {seen:?}");
    }
    app.stop().await.unwrap();
}

/// Issues `asks`, four at a time; returns the certificates issued (one copy each) and counts
/// refusals by reason. Anything but an answer (an error status) fails the test.
async fn issue_all<'a>(
    app: &TestApp,
    places: &[MunicipalitySettings],
    asks: &'a [Ask],
    refusals: &mut BTreeMap<String, usize>,
) -> Vec<(&'a Ask, Vec<u8>)> {
    let relay = app.relay().await;
    let outcomes: Vec<(&Ask, Outcome)> = futures_util::stream::iter(asks)
        .map(|ask| {
            let mut relay = relay.clone();
            async move {
                let request = pb::IssueCertificateRequest {
                    municipality_code: places[ask.place].code.to_string(),
                    kind: ask.kind as i32,
                    fiscal_year: ask.fiscal_year,
                    ..issue_request(
                        &format!(
                            "r{}-{}-{}-{}",
                            ask.place, ask.index, ask.kind as i32, ask.fiscal_year
                        ),
                        &ask.card,
                    )
                };
                let outcome = relay
                    .issue_certificate(request)
                    .await
                    .unwrap_or_else(|status| panic!("{}: {status:?}", ask.name()))
                    .into_inner()
                    .outcome
                    .expect("an outcome");
                (ask, outcome)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let mut issued = Vec::new();
    for (ask, outcome) in outcomes {
        match outcome {
            Outcome::Issued(c) => issued.push((ask, c.pdf)),
            Outcome::Refusal(r) => {
                let reason = format!("{:?}", pb::RefusalReason::try_from(r.reason).unwrap());
                *refusals.entry(reason).or_default() += 1;
            }
        }
    }
    issued
}

/// The text of each PDF, by `pdftotext -raw` (content-stream order: a table row is one line),
/// read a few hundred pages at a time from one file `qpdf` merges them into.
fn extract_pages(pdfs: &[&[u8]]) -> Vec<String> {
    if pdfs.is_empty() {
        return Vec::new();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, pdf) in pdfs.iter().enumerate() {
        let path = dir.path().join(format!("{i}.pdf"));
        std::fs::write(&path, pdf).unwrap();
        files.push(path);
    }
    let merged = dir.path().join("all.pdf");
    let status = std::process::Command::new("qpdf")
        .arg("--empty")
        .arg("--pages")
        .args(&files)
        .arg("--")
        .arg(&merged)
        .status()
        .expect("qpdf is installed (ops/deps.sh)");
    assert!(status.success(), "qpdf could not merge the certificates");
    let output = std::process::Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&merged)
        .arg("-")
        .output()
        .expect("pdftotext is installed (ops/deps.sh)");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let pages: Vec<String> = text
        .split('\x0c')
        .take(pdfs.len())
        .map(str::to_owned)
        .collect();
    assert_eq!(pages.len(), pdfs.len(), "one page per certificate");
    pages
}

/// A value cell as printed.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Yen(i64),
    NotTaxed,
    Date(NaiveDate),
    Word(String),
}

impl Value {
    fn yen(&self) -> Result<i64, String> {
        match self {
            Value::Yen(y) => Ok(*y),
            other => Err(format!("{other:?} where an amount belongs")),
        }
    }
}

fn parse_yen(token: &str) -> Option<i64> {
    let (negative, digits) = match token.strip_prefix('△') {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let groups: Vec<&str> = digits.split(',').collect();
    let well_formed = !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return None;
    }
    let value: i64 = groups.concat().parse().ok()?;
    Some(if negative { -value } else { value })
}

/// 令和7年1月31日 / 平成31年4月30日 / 令和元年5月1日.
fn parse_date(token: &str) -> Option<NaiveDate> {
    let (offset, rest) = if let Some(r) = token.strip_prefix("令和") {
        (2018, r)
    } else if let Some(r) = token.strip_prefix("平成") {
        (1988, r)
    } else {
        return None;
    };
    let (year, rest) = rest.split_once('年')?;
    let year: i32 = if year == "元" { 1 } else { year.parse().ok()? };
    let (month, rest) = rest.split_once('月')?;
    let day = rest.strip_suffix('日')?;
    NaiveDate::from_ymd_opt(offset + year, month.parse().ok()?, day.parse().ok()?)
}

fn parse_value(token: &str) -> Option<Value> {
    if let Some(y) = parse_yen(token) {
        return Some(Value::Yen(y));
    }
    if token == "非課税" {
        return Some(Value::NotTaxed);
    }
    if let Some(d) = parse_date(token) {
        return Some(Value::Date(d));
    }
    matches!(token, "有" | "無" | "該当").then(|| Value::Word(token.to_owned()))
}

/// A table row: its label and its printed values (empty cells print nothing).
#[derive(Debug, Clone)]
struct Line {
    label: String,
    values: Vec<Value>,
}

/// The headings a certificate's tables have, and whether a line of column headers follows.
const HEADINGS: [(&str, bool); 10] = [
    ("所得の内訳（円）", true),
    ("所得控除（円）", false),
    ("本人該当区分", false),
    ("控除対象配偶者・扶養親族・障害者の数（人）", true),
    ("課税標準額（円）", false),
    ("税額（円）", true),
    ("所得", false),
    ("納税の状況（円）", true),
    ("所得・課税標準額（円）", false),
    ("年税額の内訳（円）", false),
];

/// A page split into its tables, by heading.
#[derive(Debug, Default)]
struct Page {
    title: String,
    tables: BTreeMap<String, Vec<Line>>,
    /// The content's last lines: the note if any, then the end mark.
    closing: Vec<String>,
}

fn parse_page(text: &str, note: Option<&str>) -> Result<Page, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut page = Page {
        title: lines.first().map(|l| l.to_string()).unwrap_or_default(),
        ..Page::default()
    };
    let start = lines
        .iter()
        .position(|l| l.starts_with("生年月日"))
        .ok_or("no 生年月日 line")?
        + 1;
    let end = lines
        .iter()
        .position(|l| *l == "上記のとおり証明します。")
        .ok_or("no certifying sentence")?;
    // The content closes with the note (when the municipality has one) and the end mark.
    let mut tables_end = end.saturating_sub(1).max(start);
    if note.is_some() && tables_end > start && Some(lines[tables_end - 1]) == note {
        tables_end -= 1;
    }
    page.closing = lines[tables_end..end]
        .iter()
        .map(|l| l.to_string())
        .collect();
    let mut current: Option<String> = None;
    let mut skip_header = false;
    for &line in &lines[start..tables_end] {
        let heading = HEADINGS
            .iter()
            .find(|(h, _)| *h == line)
            .map(|(h, header)| (h.to_string(), *header))
            .or_else(|| {
                (line.starts_with("期別の状況（") && line.ends_with("（円）"))
                    .then(|| ("期別の状況".to_owned(), true))
            });
        if let Some((heading, header)) = heading {
            page.tables.insert(heading.clone(), Vec::new());
            current = Some(heading);
            skip_header = header;
            continue;
        }
        if skip_header {
            skip_header = false;
            continue;
        }
        let table = current
            .as_ref()
            .ok_or_else(|| format!("{line:?} outside a table"))?;
        let mut tokens: Vec<&str> = line.split(' ').collect();
        let mut values = Vec::new();
        while tokens.len() > 1 {
            match parse_value(tokens[tokens.len() - 1]) {
                Some(v) => {
                    values.push(v);
                    tokens.pop();
                }
                None => break,
            }
        }
        values.reverse();
        page.tables.get_mut(table).unwrap().push(Line {
            label: tokens.join(" "),
            values,
        });
    }
    Ok(page)
}

impl Page {
    fn table(&self, heading: &str) -> Result<&[Line], String> {
        self.tables
            .get(heading)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("no table {heading}"))
    }

    fn row<'a>(&'a self, heading: &str, label: &str) -> Result<&'a [Value], String> {
        self.table(heading)?
            .iter()
            .find(|l| l.label == label)
            .map(|l| l.values.as_slice())
            .ok_or_else(|| format!("no row {label} in {heading}"))
    }

    fn yen(&self, heading: &str, label: &str, column: usize) -> Result<i64, String> {
        self.row(heading, label)?
            .get(column)
            .ok_or_else(|| format!("{heading} {label} has no column {column}"))?
            .yen()
    }
}

/// What one page is checked against.
struct Context<'a> {
    ask: &'a Ask,
    municipality: &'a MunicipalitySettings,
    holidays: &'a HashSet<NaiveDate>,
}

/// How many pages showed each shape the synthetic data has.
#[derive(Debug, Default)]
struct Seen {
    pages: usize,
    loss: usize,
    separate: usize,
    carried_forward: usize,
    income_adjustment: usize,
    categories: usize,
    adjustment_credit: usize,
    dividend_credit: usize,
    flat_rate_reduction: usize,
    capped: usize,
    not_taxed: usize,
    dependant_nontax: usize,
    not_yet_due: usize,
    designated_city: usize,
    kinds: BTreeSet<String>,
}

impl Seen {
    fn shapes(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("a loss (△)", self.loss),
            ("separately taxed income", self.separate),
            ("a carried-forward loss", self.carried_forward),
            ("所得金額調整控除", self.income_adjustment),
            ("本人該当区分", self.categories),
            ("調整控除", self.adjustment_credit),
            ("配当控除", self.dividend_credit),
            ("定額減税", self.flat_rate_reduction),
            ("the 附則3条の3 cap", self.capped),
            ("a 非課税 year", self.not_taxed),
            ("a dependant's 非課税証明書", self.dependant_nontax),
            ("money not yet due", self.not_yet_due),
            ("a designated city's rates", self.designated_city),
            ("every kind", usize::from(self.kinds.len() == 4)),
        ]
    }
}

fn check_page(c: &Context<'_>, text: &str, seen: &mut Seen) -> Result<(), String> {
    let note = c.municipality.policy.notes.of(kind_of(c.ask.kind));
    let page = parse_page(text, note)?;
    seen.pages += 1;
    seen.kinds.insert(format!("{:?}", c.ask.kind));
    let expected_closing: Vec<String> = note
        .map(str::to_owned)
        .into_iter()
        .chain(["以下余白".to_owned()])
        .collect();
    if page.closing != expected_closing {
        return Err(format!(
            "the content ends with {:?}, not {expected_closing:?}",
            page.closing
        ));
    }
    if c.ask.kind == pb::CertificateKind::Taxation
        && c.municipality.policy.titles.taxation.is_some()
        && !page.title.ends_with(TAXATION_TITLE)
    {
        return Err(format!(
            "the title {:?} is not the municipality's",
            page.title
        ));
    }
    if c.municipality.kind == MunicipalityKind::DesignatedCity {
        seen.designated_city += 1;
    }
    match c.ask.kind {
        pb::CertificateKind::TaxPayment => check_payment(c, &page, seen),
        kind => {
            if page.tables.contains_key("所得") {
                // A dependant's 非課税証明書: one line of why, no income figure, no tax.
                let note = page.table("所得")?;
                if note.len() != 1 || note[0].label != "申告なし（他の方の扶養親族）"
                {
                    return Err(format!("the dependant's note is {note:?}"));
                }
                if page.tables.contains_key("所得の内訳（円）") {
                    return Err("a dependant's page shows income".into());
                }
                seen.dependant_nontax += 1;
                return check_not_taxed(&page, c.ask.fiscal_year, seen);
            }
            let income = check_income(&page, seen)?;
            if kind == pb::CertificateKind::Income {
                if page.tables.contains_key("税額（円）") {
                    return Err("a 所得証明書 shows taxes".into());
                }
                return Ok(());
            }
            check_tax(c, &page, &income, seen)
        }
    }
}

fn kind_of(kind: pb::CertificateKind) -> kofu::domain::certificate::CertificateKind {
    use kofu::domain::certificate::CertificateKind as K;
    match kind {
        pb::CertificateKind::Income => K::Income,
        pb::CertificateKind::Taxation => K::Taxation,
        pb::CertificateKind::IncomeAndTaxation => K::IncomeAndTaxation,
        _ => K::TaxPayment,
    }
}

/// The income part's figures a tax part is checked against.
struct Income {
    /// 総所得金額等.
    aggregate: i64,
    /// 所得控除合計.
    deductions: i64,
    /// Income taxed together after 損益通算 and the carried-forward loss.
    together: i64,
    /// Separately taxed income by kind label, in print order, after the same.
    separate: Vec<(String, i64)>,
    /// Spouse and dependants counted for the non-taxable limits.
    family: i64,
}

const INCOME: &str = "所得の内訳（円）";
const SEPARATE_SUFFIX: &str = "（分離）";

/// The separate kinds a loss may be offset against (所得税法69条, 施行令198条; 租税特別措置法
/// keeps shares, listed dividends and futures apart), in the order it reaches them.
const OFFSETTABLE: [&str; 4] = ["短期譲渡所得", "長期譲渡所得", "山林所得", "退職所得"];

/// Takes `loss` off the separate kinds it may reach, in order, as far as each goes.
fn offset(loss: &mut i64, separate: &mut [(String, i64)], kinds: &[&str]) {
    for kind in kinds {
        for (label, amount) in separate.iter_mut() {
            if label == kind && *amount > 0 {
                let taken = (*loss).min(*amount);
                *amount -= taken;
                *loss -= taken;
            }
        }
    }
}

/// 損益通算 and the carried-forward loss: a 山林 loss reaches the income taxed together first,
/// then land gains, then 退職; a net loss of the income taxed together reaches land gains, 山林
/// and 退職; what is carried forward is taken off in the same order. Returns the income taxed
/// together and the separate kinds as what is left of each.
fn net_income(
    together_lines: i64,
    separate: &[(String, i64)],
    carried: i64,
) -> (i64, Vec<(String, i64)>) {
    let mut together = together_lines;
    let mut separate = separate.to_vec();
    let mut forest_loss = 0;
    for (label, amount) in separate.iter_mut() {
        if label == "山林所得" && *amount < 0 {
            forest_loss = -*amount;
            *amount = 0;
        }
    }
    let taken = forest_loss.min(together.max(0));
    together -= taken;
    forest_loss -= taken;
    offset(
        &mut forest_loss,
        &mut separate,
        &["短期譲渡所得", "長期譲渡所得", "退職所得"],
    );
    if together < 0 {
        let mut loss = -together;
        together = 0;
        offset(&mut loss, &mut separate, &OFFSETTABLE);
    }
    let mut carried = carried;
    let taken = carried.min(together);
    together -= taken;
    carried -= taken;
    offset(&mut carried, &mut separate, &OFFSETTABLE);
    (together, separate)
}

fn check_income(page: &Page, seen: &mut Seen) -> Result<Income, String> {
    let mut together_lines = 0i64;
    let mut separate = Vec::new();
    let mut has_salary = false;
    for line in page.table(INCOME)? {
        match line.label.as_str() {
            "合計所得金額" | "繰越損失控除額" | "総所得金額等" => continue,
            "所得金額調整控除（控除済）" => {
                if !has_salary {
                    return Err("所得金額調整控除 without 給与所得 above it".into());
                }
                seen.income_adjustment += 1;
                continue;
            }
            _ => {}
        }
        let [revenue, income] = line.values.as_slice() else {
            return Err(format!("{} has {} values", line.label, line.values.len()));
        };
        let (revenue, income) = (revenue.yen()?, income.yen()?);
        if income > revenue {
            return Err(format!("{}: income above revenue", line.label));
        }
        if income < 0 {
            seen.loss += 1;
        }
        has_salary |= line.label == "給与所得";
        if let Some(kind) = line.label.strip_suffix(SEPARATE_SUFFIX) {
            separate.push((kind.to_owned(), income));
            seen.separate += 1;
        } else {
            together_lines += income;
        }
    }
    // 損益通算: 合計所得金額 is what the lines leave once each loss has reached what the law
    // lets it reach; a loss nothing can absorb is 0 here (carried forward by the tax system).
    let (netted_together, netted_separate) = net_income(together_lines, &separate, 0);
    let netted = netted_together
        + netted_separate
            .iter()
            .map(|(_, y)| (*y).max(0))
            .sum::<i64>();
    let total = page.yen(INCOME, "合計所得金額", 0)?;
    if total != netted {
        return Err(format!(
            "合計所得金額 {total} is not the lines after 損益通算 ({netted})"
        ));
    }
    let carried = match page.row(INCOME, "繰越損失控除額") {
        Ok(v) => {
            seen.carried_forward += 1;
            v[0].yen()?
        }
        Err(_) => 0,
    };
    let (together, separate) = net_income(together_lines, &separate, carried);
    let aggregate = page.yen(INCOME, "総所得金額等", 0)?;
    if aggregate != total - carried {
        return Err(format!(
            "総所得金額等 {aggregate} is not 合計所得金額 {total} less 繰越損失 {carried}"
        ));
    }
    let lines = page.table("所得控除（円）")?;
    let (total_line, deduction_lines) = lines.split_last().ok_or("no deductions")?;
    if total_line.label != "所得控除合計" {
        return Err(format!("the deductions end with {}", total_line.label));
    }
    let deductions = total_line.values[0].yen()?;
    let listed: i64 = deduction_lines
        .iter()
        .map(|l| l.values[0].yen())
        .sum::<Result<_, _>>()?;
    if deductions != listed {
        return Err(format!(
            "所得控除合計 {deductions} is not the lines' sum {listed}"
        ));
    }
    let categories = page.table("本人該当区分")?;
    if categories.iter().any(|l| l.label != "該当なし") {
        seen.categories += 1;
    }
    let counts = page.row("控除対象配偶者・扶養親族・障害者の数（人）", "人数")?;
    if counts.len() != 9 {
        return Err(format!("the counts row has {} values", counts.len()));
    }
    let spouse = i64::from(counts[0] == Value::Word("有".into()));
    // 一般, 特定, 老人, 同居老親等, 16歳未満: the people the non-taxable limits count.
    let dependants: i64 = counts[1..6].iter().map(Value::yen).sum::<Result<_, _>>()?;
    Ok(Income {
        aggregate,
        deductions,
        together,
        separate,
        family: spouse + dependants,
    })
}

/// 所得割 rates in per-mille, (municipal, prefectural): 6% + 4%, or 8% + 2% in a 政令指定都市
/// from 平成30年度 (FY2018), when it took over the prefecture's school-teacher costs.
fn levy_rates(kind: MunicipalityKind, fiscal_year: i32) -> (i64, i64) {
    if kind == MunicipalityKind::DesignatedCity && fiscal_year >= 2018 {
        (80, 20)
    } else {
        (60, 40)
    }
}

/// The rates of a separately taxed kind, per-mille (租税特別措置法 and 地方税法附則 33条の…):
/// short-term land 5.4% + 3.6% (7.2% + 1.8%), long-term land, shares, listed dividends and
/// futures 3% + 2% (4% + 1%); 山林 and 退職 at the ordinary rates.
fn separate_rates(
    label: &str,
    kind: MunicipalityKind,
    fiscal_year: i32,
) -> Result<(i64, i64), String> {
    let designated = kind == MunicipalityKind::DesignatedCity && fiscal_year >= 2018;
    Ok(match label {
        "短期譲渡所得" if designated => (72, 18),
        "短期譲渡所得" => (54, 36),
        "長期譲渡所得"
        | "株式等の譲渡所得等"
        | "上場株式等の配当所得等"
        | "先物取引に係る雑所得等"
            if designated =>
        {
            (40, 10)
        }
        "長期譲渡所得"
        | "株式等の譲渡所得等"
        | "上場株式等の配当所得等"
        | "先物取引に係る雑所得等" => (30, 20),
        "山林所得" | "退職所得" => levy_rates(kind, fiscal_year),
        other => return Err(format!("no rate for {other}")),
    })
}

/// 均等割 (municipal, prefectural) and 森林環境税 of a fiscal year: ¥3,500 + ¥1,500 in
/// FY2014–2023 (the disaster-prevention surcharge), ¥3,000 + ¥1,000 + ¥1,000 from FY2024.
fn per_capita(fiscal_year: i32) -> (i64, i64, i64) {
    if fiscal_year >= 2024 {
        (3_000, 1_000, 1_000)
    } else {
        (3_500, 1_500, 0)
    }
}

/// The 1級地 non-taxable limits (per-capita, income levy) for a taxpayer with `family` spouse
/// and dependants: 35万 × (1 + family) + 10万 (+ 21万 / + 32万 with family); 45万 single.
fn limits(family: i64) -> (i64, i64) {
    if family == 0 {
        (450_000, 450_000)
    } else {
        let base = 350_000 * (family + 1) + 100_000;
        (base + 210_000, base + 320_000)
    }
}

const TAX: &str = "税額（円）";
const BASE: &str = "課税標準額（円）";
/// The credits in the order they are taken off; 附則3条の3's relief after the 税額控除 of
/// 37条・314条の6 onward, 定額減税 last.
const CREDITS: [&str; 7] = [
    "調整控除",
    "配当控除",
    "住宅借入金等特別税額控除",
    "寄附金税額控除",
    "その他の税額控除",
    RELIEF,
    "定額減税",
];
const RELIEF: &str = "非課税限度額による減額";

fn check_not_taxed(page: &Page, fiscal_year: i32, seen: &mut Seen) -> Result<(), String> {
    let mut expected = vec!["所得割額", "均等割額", "年税額"];
    if fiscal_year >= 2024 {
        expected.push("森林環境税（国税）");
    }
    for label in expected {
        let values = page.row(TAX, label)?;
        if values.is_empty() || values.iter().any(|v| *v != Value::NotTaxed) {
            return Err(format!("{label} of a 非課税 year prints {values:?}"));
        }
    }
    seen.not_taxed += 1;
    Ok(())
}

fn floor_to(amount: i64, unit: i64) -> i64 {
    amount.max(0) / unit * unit
}

fn check_tax(c: &Context<'_>, page: &Page, income: &Income, seen: &mut Seen) -> Result<(), String> {
    let fy = c.ask.fiscal_year;
    let kind = c.municipality.kind;
    let (per_capita_limit, income_levy_limit) = limits(income.family);
    if page.row(TAX, "所得割額")?.first() == Some(&Value::NotTaxed) {
        // Nothing is due at or below the per-capita limit, or for a minor, disabled person,
        // widow or single parent up to ¥1,350,000 (地方税法 24条の5, 295条).
        if income.aggregate > per_capita_limit.max(1_350_000) {
            return Err(format!(
                "非課税 with 総所得金額等 {} above the limits",
                income.aggregate
            ));
        }
        return check_not_taxed(page, fy, seen);
    }
    // 課税標準額: 総合 first takes the deductions; what is left reaches the separate kinds in
    // the statutory order, which is the order they are printed in.
    let together = income.together;
    let base = page.yen(BASE, "総合課税分", 0)?;
    if base != floor_to(together - income.deductions, 1_000) {
        return Err(format!(
            "課税標準額（総合） {base} is not {together} − {} floored to ¥1,000",
            income.deductions
        ));
    }
    let mut left = (income.deductions - together).max(0);
    let mut separate_bases = Vec::new();
    for (label, amount) in &income.separate {
        let amount = (*amount).max(0);
        let taken = left.min(amount);
        left -= taken;
        let printed = page.yen(BASE, &format!("うち{label}"), 0)?;
        if printed != floor_to(amount - taken, 1_000) {
            return Err(format!(
                "課税標準額 of {label} {printed} is not {amount} − {taken} floored to ¥1,000"
            ));
        }
        separate_bases.push((label.as_str(), printed));
    }
    let separate_base = page.yen(BASE, "分離課税分", 0)?;
    if separate_base != separate_bases.iter().map(|(_, b)| b).sum::<i64>() {
        return Err(format!(
            "課税標準額（分離） {separate_base} is not its kinds' sum"
        ));
    }
    // 所得割 before the credits, per levy.
    let rates = levy_rates(kind, fy);
    let mut before = [base * rates.0 / 1_000, base * rates.1 / 1_000];
    for (label, b) in &separate_bases {
        let r = separate_rates(label, kind, fy)?;
        before[0] += b * r.0 / 1_000;
        before[1] += b * r.1 / 1_000;
    }
    // Nothing at or below the income-levy limit; just above it 附則3条の3 caps each levy, after
    // the credits before it, at its rate of 総所得金額等 above the limit.
    let over = income.aggregate - income_levy_limit;
    if over <= 0 {
        before = [0, 0];
    }
    let caps = [over.max(0) * rates.0 / 1_000, over.max(0) * rates.1 / 1_000];
    let printed_before = [
        page.yen(TAX, "所得割額（税額控除前）", 0)?,
        page.yen(TAX, "所得割額（税額控除前）", 1)?,
    ];
    if printed_before != before {
        return Err(format!(
            "所得割額（税額控除前） {printed_before:?} is not {before:?} (bases {base} and {separate_bases:?}, rates {rates:?}, limit {income_levy_limit})"
        ));
    }
    let mut credits = [0i64; 2];
    for label in CREDITS {
        let printed = match page.row(TAX, label) {
            Ok(values) => {
                let [m, p, sum] = values else {
                    return Err(format!("{label} has {} values", values.len()));
                };
                let (m, p, sum) = (m.yen()?, p.yen()?, sum.yen()?);
                if m + p != sum {
                    return Err(format!("{label}: {m} + {p} is not {sum}"));
                }
                [m, p]
            }
            Err(_) => [0, 0],
        };
        if label == RELIEF {
            let left = [before[0] - credits[0], before[1] - credits[1]];
            let expected = [(left[0] - caps[0]).max(0), (left[1] - caps[1]).max(0)];
            if printed != expected {
                return Err(format!(
                    "{RELIEF} {printed:?} is not what {left:?} (before {before:?} less credits) exceeds the cap {caps:?} ({over} over the limit {income_levy_limit})"
                ));
            }
            if expected != [0, 0] {
                seen.capped += 1;
            }
        }
        let [m, p] = printed;
        let sum = m + p;
        credits[0] += m;
        credits[1] += p;
        if sum > 0 {
            match label {
                "調整控除" => seen.adjustment_credit += 1,
                "配当控除" => seen.dividend_credit += 1,
                "定額減税" => seen.flat_rate_reduction += 1,
                _ => {}
            }
        }
    }
    let after = [
        floor_to(before[0] - credits[0], 100),
        floor_to(before[1] - credits[1], 100),
    ];
    let levy = |label: &str| -> Result<[i64; 3], String> {
        Ok([
            page.yen(TAX, label, 0)?,
            page.yen(TAX, label, 1)?,
            page.yen(TAX, label, 2)?,
        ])
    };
    let printed_after = levy("所得割額")?;
    if printed_after[..2] != after || printed_after[2] != after[0] + after[1] {
        return Err(format!(
            "所得割額 {printed_after:?} is not {before:?} less credits {credits:?}, floored to ¥100"
        ));
    }
    let (pc_m, pc_p, forest) = per_capita(fy);
    let printed_per_capita = levy("均等割額")?;
    if printed_per_capita != [pc_m, pc_p, pc_m + pc_p] {
        return Err(format!("均等割額 {printed_per_capita:?} is not FY{fy}'s"));
    }
    let printed_forest = match page.row(TAX, "森林環境税（国税）") {
        Ok(v) => v[0].yen()?,
        Err(_) if fy < 2024 => 0,
        Err(e) => return Err(e),
    };
    if printed_forest != forest {
        return Err(format!("森林環境税 {printed_forest} in FY{fy}"));
    }
    let total = levy("年税額")?;
    let expected = [
        after[0] + pc_m,
        after[1] + pc_p,
        after[0] + pc_m + after[1] + pc_p + forest,
    ];
    if total != expected {
        return Err(format!(
            "年税額 {total:?} is not the levies' sum {expected:?}"
        ));
    }
    Ok(())
}

fn check_payment(c: &Context<'_>, page: &Page, seen: &mut Seen) -> Result<(), String> {
    let rows = page.table("納税の状況（円）")?;
    let [row] = rows else {
        return Err(format!("{} payment rows", rows.len()));
    };
    let [assessed, paid, unpaid, not_yet_due] = row.values.as_slice() else {
        return Err(format!("the payment row has {} values", row.values.len()));
    };
    let (assessed, paid, unpaid, not_yet_due) = (
        assessed.yen()?,
        paid.yen()?,
        unpaid.yen()?,
        not_yet_due.yen()?,
    );
    if assessed != paid + unpaid {
        return Err(format!(
            "税額 {assessed} is not 納付済額 {paid} + 未納額 {unpaid}"
        ));
    }
    if not_yet_due > unpaid {
        return Err(format!("納期未到来 {not_yet_due} is above 未納額 {unpaid}"));
    }
    if not_yet_due > 0 {
        seen.not_yet_due += 1;
    }
    let instalments = page.table("期別の状況")?;
    let (sum_line, rows) = instalments.split_last().ok_or("no instalments")?;
    let mut sums = [0i64; 3];
    let mut later = 0;
    let mut previous: Option<NaiveDate> = None;
    for line in rows {
        let [Value::Date(due), amount, paid, unpaid] = line.values.as_slice() else {
            return Err(format!(
                "instalment {} prints {:?}",
                line.label, line.values
            ));
        };
        let (amount, paid, unpaid) = (amount.yen()?, paid.yen()?, unpaid.yen()?);
        if unpaid != (amount - paid).max(0) {
            return Err(format!(
                "{}: 未納額 {unpaid} is not {amount} − {paid}",
                line.label
            ));
        }
        if !is_business_day(*due, c.holidays) {
            return Err(format!(
                "{}: 納期限 {due} is not a business day",
                line.label
            ));
        }
        if previous.is_some_and(|p| p > *due) {
            return Err(format!("{}: 納期限 out of order", line.label));
        }
        previous = Some(*due);
        if *due >= issued_on() {
            later += unpaid;
        }
        sums = [sums[0] + amount, sums[1] + paid, sums[2] + unpaid];
    }
    let printed: Vec<i64> = sum_line
        .values
        .iter()
        .map(Value::yen)
        .collect::<Result<_, _>>()?;
    if sum_line.label != "計" || printed != sums || sums != [assessed, paid, unpaid] {
        return Err(format!(
            "the instalments add up to {sums:?}, 計 prints {printed:?}, the year {:?}",
            [assessed, paid, unpaid]
        ));
    }
    if later != not_yet_due {
        return Err(format!(
            "納期未到来 {not_yet_due} is not what falls due on or after the day of issue ({later})"
        ));
    }
    // The year's summary: the levies add up to 年税額, which is the year's tax.
    let levies = page.table("年税額の内訳（円）")?;
    let (total_line, parts) = levies.split_last().ok_or("no levies")?;
    let parts: i64 = parts
        .iter()
        .map(|l| l.values[0].yen())
        .sum::<Result<_, _>>()?;
    let total = total_line.values[0].yen()?;
    if total_line.label != "年税額" || total != parts || total != assessed {
        return Err(format!(
            "the summary's 年税額 {total} is not its levies' sum {parts} and the year's tax {assessed}"
        ));
    }
    page.table("所得・課税標準額（円）")?;
    Ok(())
}

/// Not a Saturday, Sunday, public holiday or 12/29–1/3 (地方税法20条の5).
fn is_business_day(day: NaiveDate, holidays: &HashSet<NaiveDate>) -> bool {
    let new_year = (day.month() == 12 && day.day() >= 29) || (day.month() == 1 && day.day() <= 3);
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !new_year && !holidays.contains(&day)
}

/// Japan's public holidays 2000–2030 from the committed list (generated by
/// `ops/oracle/jp_holidays.py` from PyPI's `holidays` package, independently of kofu).
fn public_holidays() -> HashSet<NaiveDate> {
    include_str!("../data/jp-holidays-2000-2030.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let date = l.split('\t').next().unwrap();
            NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("ISO date")
        })
        .collect()
}
