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
