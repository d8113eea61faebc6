//! What certificates print for the hard cases: names with variation sequences and MJ-only
//! characters, a character no font has, era boundaries, the largest amounts.

use crate::fixtures;
use crate::helpers::{TestApp, TestDb, issue_request, load_full, pdf_tool, shinjuku, spawn_app_on};
use chrono::NaiveDate;
use kofu::domain::resident::{CardLink, Resident, ResidentStatus};
use kofu::domain::sync_record::SyncRecord;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A person with a card `card` and 山田's 令和7年度 assessment.
fn person(number: u32, name: &str, birth: NaiveDate) -> (String, Vec<SyncRecord>) {
    let addressee_no = format!("00000001{number:02}");
    let card = format!("TYPESET00000{number:04}");
    let mut assessment = fixtures::yamada_2025();
    assessment.addressee_no = addressee_no.clone();
    let records = vec![
        SyncRecord::Resident(Resident {
            addressee_no: addressee_no.clone(),
            name: name.into(),
            name_kana: "テスト　タロウ".into(),
            birth_date: birth,
            address: "東京都新宿区西新宿二丁目8番1号".into(),
            status: ResidentStatus::Resident,
            moved_in_on: None,
            protection_measure: false,
            issuance_stopped: false,
        }),
        SyncRecord::CardLink(CardLink {
            card_serial: card.clone(),
            addressee_no,
            valid_from: date(2024, 1, 1),
            valid_until: None,
        }),
        SyncRecord::Assessment(assessment),
    ];
    (card, records)
}

async fn app_with(extra: Vec<SyncRecord>) -> TestApp {
    let db = TestDb::migrated();
    let mut records = fixtures::records();
    records.extend(extra);
    load_full(&db, records).await;
    spawn_app_on(db).await
}

async fn issue(app: &TestApp, id: &str, card: &str) -> Outcome {
    app.issue_certificate(issue_request(id, card))
        .await
        .unwrap()
        .outcome
        .unwrap()
}

#[tokio::test]
async fn variant_and_mj_names_print_exactly_and_unprintable_ones_are_refused() {
    // 葛+U+E0100 is an Adobe-Japan1 sequence of IPAex明朝; 葛+U+E0102 a Moji_Joho one of IPAmj明朝;
    // 𠮷 exists only in IPAmj明朝; U+E000 is a private-use character no font has.
    let names = [
        "葛\u{E0100}西　花子",
        "葛\u{E0102}城　𠮷子",
        "山田　\u{E000}子",
    ];
    let mut extra = Vec::new();
    let mut cards = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (card, records) = person(i as u32, name, date(1980, 1, 1));
        cards.push(card);
        extra.extend(records);
    }
    let app = app_with(extra).await;

    for (i, name) in names[..2].iter().enumerate() {
        let Outcome::Issued(c) = issue(&app, &format!("ivs-{i}"), &cards[i]).await else {
            panic!("{name:?} was not issued");
        };
        let text = pdf_tool("pdftotext", &[], &c.pdf);
        assert!(
            text.contains(name),
            "{name:?} not extracted exactly from:\n{text}"
        );
        let fonts = pdf_tool("pdffonts", &[], &c.pdf);
        if i == 1 {
            assert!(fonts.contains("IPAmjMincho"), "{fonts}");
        }
        for row in fonts.lines().skip(2) {
            assert!(row.contains("yes yes yes"), "{row}");
        }
    }
    let Outcome::Refusal(refusal) = issue(&app, "unprintable", &cards[2]).await else {
        panic!("a name no font can print was issued");
    };
    assert_eq!(refusal.reason(), pb::RefusalReason::AskAtCounter);
    assert_eq!(
        app.audited_outcome("IssueCertificate", "unprintable").await,
        "refused:unprintable_character"
    );
    assert!(!refusal.message.contains('\u{E000}'));
    // The refusal spent no certificate number: the next certificate is the third.
    let Outcome::Issued(next) = issue(&app, "after", fixtures::YAMADA_CARD).await else {
        panic!("not issued");
    };
    assert_eq!(next.certificate_number, "R7-0000003");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn birth_dates_at_era_boundaries_print_in_their_own_era() {
    let births = [
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
    ];
    let mut extra = Vec::new();
    let mut cards = Vec::new();
    for (i, (birth, _)) in births.iter().enumerate() {
        let (card, records) = person(10 + i as u32, "和暦　確認", *birth);
        cards.push(card);
        extra.extend(records);
    }
    let app = app_with(extra).await;
    for (i, (_, printed)) in births.iter().enumerate() {
        let Outcome::Issued(c) = issue(&app, &format!("era-{i}"), &cards[i]).await else {
            panic!("not issued");
        };
        let text = pdf_tool("pdftotext", &[], &c.pdf);
        assert!(text.contains(printed), "{printed} missing from:\n{text}");
    }
    app.stop().await.unwrap();

    // Residents born in 2019 are too young for a kiosk; the renderer still prints both sides
    // of the 平成/令和 boundary, as a counter-issued certificate would.
    let renderer = kofu::pdf::Renderer::new(&kofu::pdf::FontPaths {
        primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
        fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
    })
    .unwrap();
    for (birth, printed) in [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
    ] {
        let mut resident = kofu::tools::synthetic::sample::resident();
        resident.birth_date = birth;
        let assessment = kofu::tools::synthetic::sample::assessment(2025, true);
        let document = kofu::compose::compose(&kofu::compose::CertificateInput {
            kind: kofu::domain::certificate::CertificateKind::Income,
            municipality: &shinjuku(),
            resident: &resident,
            assessment: &assessment,
            payments: &[],
            certificate_number: "R7-0000001",
            issued_on: date(2025, 7, 1),
            seal: &kofu::pdf::Seal::Text("新宿区長之印".into()),
        });
        let text = pdf_tool("pdftotext", &[], &renderer.render(&document).unwrap());
        assert!(text.contains(printed), "{printed} missing from:\n{text}");
    }
}

#[tokio::test]
async fn the_largest_amounts_the_data_allows_fit_and_extract_exactly() {
    use kofu::domain::money::MAX_AMOUNT_YEN as MAX;
    let (card, mut records) = person(20, "最大　金額", date(1960, 6, 1));
    if let SyncRecord::Assessment(a) = &mut records[2] {
        a.income_lines = vec![kofu::domain::assessment::IncomeLine {
            kind: kofu::domain::assessment::IncomeKind::Salary,
            revenue_yen: MAX,
            income_yen: MAX,
        }];
        a.total_income_yen = MAX;
        a.aggregate_income_yen = MAX;
        a.tax.taxable_base_yen = MAX;
        a.tax.municipal_income_levy_yen = 599_999_999_999;
        a.tax.prefectural_income_levy_yen = 399_999_995_000;
        a.tax.total_yen = a.tax.sum_of_parts();
        assert_eq!(a.tax.total_yen, MAX);
    }
    let app = app_with(records).await;
    let Outcome::Issued(c) = issue(&app, "max", &card).await else {
        panic!("not issued");
    };
    let text = pdf_tool("pdftotext", &[], &c.pdf);
    for amount in ["999,999,999,999", "599,999,999,999", "399,999,995,000"] {
        assert!(text.contains(amount), "{amount} missing from:\n{text}");
    }
    pdf_tool("qpdf", &["--check"], &c.pdf);
    app.stop().await.unwrap();
}

/// A word `pdftotext -bbox` found: its text and box in points from the top-left.
struct Word {
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

fn words(pdf: &[u8]) -> Vec<Word> {
    let xhtml = pdf_tool("pdftotext", &["-bbox"], pdf);
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    xhtml
        .split("<word ")
        .skip(1)
        .map(|chunk| {
            let (tag, rest) = chunk.split_once('>').unwrap();
            let text = rest.split_once("</word>").unwrap().0.to_owned();
            Word {
                text,
                x_min: attribute(tag, "xMin"),
                y_min: attribute(tag, "yMin"),
                x_max: attribute(tag, "xMax"),
                y_max: attribute(tag, "yMax"),
            }
        })
        .collect()
}

/// How many rows a person's fullest taxation page has: what decides whether it fits.
fn rows(a: &kofu::domain::assessment::Assessment) -> usize {
    a.income_lines.len()
        + 2 * a.separate_income_lines.len()
        + a.deduction_lines.len()
        + a.own_categories.len()
        + a.tax_credits.len()
        + usize::from(a.income_adjustment_yen > 0)
        + usize::from(a.carried_forward_loss_yen > 0)
}

#[tokio::test]
async fn the_fullest_synthetic_pages_fit_one_page_with_nothing_clipped_or_overlapping() {
    use kofu::tools::synthetic;
    // The fullest assessment and the longest instalment list among 10,000 people, and the
    // person each belongs to.
    let ward = shinjuku();
    let generated = synthetic::Municipality::from(&ward);
    let people: Vec<_> = synthetic::people(7, &generated, 10_000, 2025).collect();
    let fullest = |score: &dyn Fn(&synthetic::SyntheticPerson) -> Option<(usize, i32)>| {
        people
            .iter()
            .filter(|p| {
                !p.card_links.is_empty()
                    && p.resident.status == ResidentStatus::Resident
                    && !p.resident.protection_measure
                    && !p.resident.issuance_stopped
            })
            .filter_map(|p| score(p).map(|s| (s, p)))
            .max_by_key(|((n, _), _)| *n)
            .unwrap()
    };
    let ((most_rows, tax_year), taxed) = fullest(&|p| {
        p.assessments
            .iter()
            .filter(|a| a.taxable && a.declared)
            .map(|a| (rows(a), a.fiscal_year))
            .max()
    });
    let ((most_instalments, payment_year), payer) = fullest(&|p| {
        p.payments
            .iter()
            .map(|x| (x.instalments.len(), x.fiscal_year))
            .max()
    });
    let mut records = Vec::new();
    for p in [taxed, payer] {
        records.push(SyncRecord::Resident(p.resident.clone()));
        records.extend(p.card_links.iter().cloned().map(SyncRecord::CardLink));
        records.extend(p.assessments.iter().cloned().map(SyncRecord::Assessment));
        records.extend(p.payments.iter().cloned().map(SyncRecord::Payment));
    }
    let db = TestDb::migrated();
    crate::helpers::load_full_into(&db, &ward, records, "2025-11-01T02:00:00+09:00").await;
    // Whatever else might refuse them (age, arrears) is off: only the page is on trial.
    let app = crate::helpers::spawn_app_with(db, |s| {
        let policy = &mut s.municipalities[0].policy;
        policy.min_age = 0;
        policy.arrears.refuse_with_arrears = false;
        policy.arrears.reflection_lag_days = 0;
        s.clock.fixed_now =
            Some(chrono::DateTime::parse_from_rfc3339("2025-11-04T10:00:00+09:00").unwrap());
    })
    .await;
    let cases = [
        (taxed, pb::CertificateKind::IncomeAndTaxation, tax_year),
        (taxed, pb::CertificateKind::Taxation, tax_year),
        (payer, pb::CertificateKind::TaxPayment, payment_year),
    ];
    for (i, (person, kind, fiscal_year)) in cases.into_iter().enumerate() {
        let card = &person.card_links.last().unwrap().card_serial;
        let request = pb::IssueCertificateRequest {
            kind: kind as i32,
            fiscal_year,
            ..issue_request(&format!("fullest-{i}"), card)
        };
        let outcome = app
            .issue_certificate(request)
            .await
            .unwrap()
            .outcome
            .unwrap();
        let Outcome::Issued(c) = outcome else {
            let why = app
                .audited_outcome("IssueCertificate", &format!("fullest-{i}"))
                .await;
            panic!(
                "{kind:?} FY{fiscal_year} ({most_rows} rows, {most_instalments} instalments) was not issued: {why}"
            );
        };
        let words = words(&c.pdf);
        let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert!(
            text.contains(&"以下余白"),
            "{kind:?}: no 以下余白 in {text:?}"
        );
        // Inside the printable area: kiosk printers cut about 10 mm (28.3 pt) of each edge.
        let (page_w, page_h, cut) = (595.276, 841.89, 28.35);
        for w in &words {
            assert!(
                w.x_min >= cut
                    && w.y_min >= cut
                    && w.x_max <= page_w - cut
                    && w.y_max <= page_h - cut,
                "{kind:?}: {:?} is outside the printable area",
                w.text
            );
        }
        // No two words of the content overlap (the seal is stamped over the issuer's name by
        // design, below the certifying sentence).
        let certify_top = words
            .iter()
            .find(|w| w.text.starts_with("上記のとおり"))
            .unwrap()
            .y_min;
        let content: Vec<&Word> = words.iter().filter(|w| w.y_max <= certify_top).collect();
        for (a, first) in content.iter().enumerate() {
            for second in &content[a + 1..] {
                let overlap_x = first.x_max.min(second.x_max) - first.x_min.max(second.x_min);
                let overlap_y = first.y_max.min(second.y_max) - first.y_min.max(second.y_min);
                assert!(
                    overlap_x <= 0.5 || overlap_y <= 0.5,
                    "{kind:?}: {:?} and {:?} overlap",
                    first.text,
                    second.text
                );
            }
        }
        pdf_tool("qpdf", &["--check"], &c.pdf);
    }
    app.stop().await.unwrap();
}
