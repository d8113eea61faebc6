//! ListAvailable offers exactly what IssueCertificate issues: over a synthetic municipality of
//! 1,000 people, on three dates around the switchovers (before the early payroll switchover,
//! between it and the last, after the last), every offer issues and nothing outside the offers
//! does.
//!
//! The suite asks, for every person and date, one offer and one (kind, year) not offered, each
//! chosen in turn so that the 3,000 person-days cover every kind and year at the edges of what
//! is offered. `KOFU_OFFERS_EXHAUSTIVE=1` asks every offer and every (kind, year) not offered,
//! about 72,000 calls (about 15 minutes on a 2-core machine).

use crate::helpers::{
    SHINJUKU, TestApp, TestDb, issue_request, load_full_extracted, spawn_app_with,
    synthetic_extraction,
};
use futures_util::StreamExt;
use kofu::domain::lg_code::LgCode;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use kofu::tools::synthetic::{self, Municipality};
use std::collections::BTreeSet;

const PEOPLE: usize = 1_000;

/// 14 May (nothing new open), 20 May (payroll withholding has 令和7年度), 10 June (everyone has).
const DATES: [&str; 3] = [
    "2025-05-14T10:00:00+09:00",
    "2025-05-20T10:00:00+09:00",
    "2025-06-10T10:00:00+09:00",
];

const KINDS: [pb::CertificateKind; 4] = [
    pb::CertificateKind::Income,
    pb::CertificateKind::Taxation,
    pb::CertificateKind::IncomeAndTaxation,
    pb::CertificateKind::TaxPayment,
];

/// Every (kind, fiscal year) a person could ask for around `DATES`: the four years kept, one
/// older and one newer.
fn everything_askable() -> Vec<(pb::CertificateKind, i32)> {
    KINDS
        .iter()
        .flat_map(|&kind| (2021..=2026).map(move |year| (kind, year)))
        .collect()
}

async fn offers(app: &TestApp, card: &str) -> BTreeSet<(i32, i32)> {
    let response = app.list_available(card).await.unwrap();
    assert!(
        response.offers.is_empty() == response.refusal.is_some(),
        "{response:?}"
    );
    response
        .offers
        .iter()
        .flat_map(|o| o.fiscal_years.iter().map(move |&y| (o.kind, y)))
        .collect()
}

#[tokio::test]
async fn list_available_offers_exactly_what_issue_certificate_issues() {
    let municipality = Municipality {
        lg_code: LgCode::parse(SHINJUKU).unwrap(),
        prefecture_name: "東京都".into(),
        city_name: "新宿区".into(),
        kind: kofu::domain::municipality::MunicipalityKind::SpecialWard,
    };
    let people: Vec<_> = synthetic::people(20251123, &municipality, PEOPLE, 2025).collect();
    // Each person's newest card: a card not valid on a date is unknown to both calls alike.
    let cards: Vec<String> = people
        .iter()
        .filter_map(|p| p.card_links.last().map(|c| c.card_serial.clone()))
        .collect();
    let db = TestDb::migrated();
    load_full_extracted(
        &db,
        synthetic::records(20251123, &municipality, PEOPLE, 2025).collect(),
        &synthetic_extraction(2025),
    )
    .await;
    let url = db.url.clone();
    let mut apps = vec![];
    let mut keep_db = Some(db);
    for date in DATES {
        let now = chrono::DateTime::parse_from_rfc3339(date).unwrap();
        let db = keep_db
            .take()
            .unwrap_or_else(|| TestDb::existing(url.clone()));
        apps.push(spawn_app_with(db, |s| s.clock.fixed_now = Some(now)).await);
    }

    let exhaustive = std::env::var("KOFU_OFFERS_EXHAUSTIVE").is_ok_and(|v| v == "1");
    let mut totals = Vec::new();
    for (d, (app, date)) in apps.iter().zip(DATES).enumerate() {
        let relay = app.relay().await;
        let all_offers: Vec<BTreeSet<(i32, i32)>> = futures_util::stream::iter(&cards)
            .map(|card| offers(app, card))
            .buffered(8)
            .collect()
            .await;
        let offered_total = all_offers.iter().map(BTreeSet::len).sum::<usize>();
        let mut calls = Vec::new();
        for (i, (card, offered)) in cards.iter().zip(&all_offers).enumerate() {
            let (yes, no): (Vec<_>, Vec<_>) = everything_askable()
                .into_iter()
                .partition(|&(kind, year)| offered.contains(&(kind as i32, year)));
            let asked: Vec<(pb::CertificateKind, i32)> = if exhaustive {
                everything_askable()
            } else {
                // In turn, by person and date, so that every pair is asked somewhere.
                let turn = i * 7 + d * 3;
                [&yes, &no]
                    .into_iter()
                    .filter(|pairs| !pairs.is_empty())
                    .map(|pairs| pairs[turn % pairs.len()])
                    .collect()
            };
            for (kind, year) in asked {
                calls.push((
                    card.clone(),
                    kind,
                    year,
                    offered.contains(&(kind as i32, year)),
                ));
            }
        }
        let mismatches: Vec<String> = futures_util::stream::iter(calls)
            .map(|(card, kind, year, offered)| {
                let mut relay = relay.clone();
                async move {
                    let request = pb::IssueCertificateRequest {
                        kind: kind as i32,
                        fiscal_year: year,
                        ..issue_request(&format!("d{d}-{card}-{}-{year}", kind as i32), &card)
                    };
                    let outcome = relay
                        .issue_certificate(request)
                        .await
                        .unwrap()
                        .into_inner()
                        .outcome
                        .unwrap();
                    let issued = matches!(outcome, Outcome::Issued(_));
                    (issued != offered).then(|| {
                        format!("{date} {card} {kind:?} {year}: offered {offered}, {outcome:?}")
                    })
                }
            })
            .buffer_unordered(8)
            .filter_map(|m| async move { m })
            .collect()
            .await;
        assert!(mismatches.is_empty(), "{mismatches:#?}");
        totals.push(offered_total);
    }
    // The dates differ as the switchovers say: more is open in June than in mid-May.
    assert!(totals.iter().all(|&n| n > PEOPLE), "{totals:?}");
    assert!(
        totals[0] <= totals[1] && totals[1] <= totals[2],
        "{totals:?}"
    );
    for app in apps.into_iter().rev() {
        app.stop().await.unwrap();
    }
}
