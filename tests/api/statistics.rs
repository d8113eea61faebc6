//! The planner's view after a real sync: a FULL batch of a ward-sized load leaves statistics for
//! every synced table, and the card lookup, read with `EXPLAIN` through kofu's own connection
//! settings, uses its index and no JIT in both its custom and its generic (prepared) plan.

use crate::helpers::{SHINJUKU, TestDb, load_full_extracted};
use kofu::domain::lg_code::LgCode;
use kofu::tools::synthetic::{self, Municipality};
use serde_json::Value;

const PEOPLE: usize = 20_000;

/// Every node of a plan tree, depth first.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut all = vec![plan];
    for child in plan["Plans"].as_array().into_iter().flatten() {
        all.extend(nodes(child));
    }
    all
}

#[tokio::test]
async fn after_a_full_sync_the_card_lookup_uses_its_index_without_jit() {
    let municipality = Municipality {
        lg_code: LgCode::parse(SHINJUKU).unwrap(),
        prefecture_name: "東京都".into(),
        city_name: "新宿区".into(),
        kind: kofu::domain::municipality::MunicipalityKind::SpecialWard,
    };
    let extracted_on = synthetic::extraction_date(2025);
    let db = TestDb::migrated();
    load_full_extracted(
        &db,
        synthetic::records(7, &municipality, PEOPLE, 2025).collect(),
        &extracted_on
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_local_timezone(kofu::clock::japan())
            .unwrap()
            .to_rfc3339(),
    )
    .await;
    let card_serial = synthetic::people(7, &municipality, PEOPLE, 2025)
        .nth(PEOPLE / 2)
        .and_then(|p| p.card_links.last().map(|c| c.card_serial.clone()))
        .unwrap();

    // The same settings every kofu connection has.
    let pool = kofu::db::pool(&db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let client = pool.get().await.unwrap();
    let jit: String = client.query_one("SHOW jit", &[]).await.unwrap().get(0);
    assert_eq!(jit, "off");
    assert_eq!(
        kofu::db::statistics::never_analyzed(&client).await.unwrap(),
        Vec::<String>::new(),
        "a synced table was left without planner statistics"
    );

    client
        .batch_execute(&format!(
            // Untyped, as tokio-postgres prepares it: the parameters take the columns' types.
            "PREPARE card_lookup AS {}",
            kofu::db::residents::by_card_sql()
        ))
        .await
        .unwrap();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        client
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .await
            .unwrap();
        let explain: Value = client
            .query_one(
                &format!(
                    "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE card_lookup('{SHINJUKU}', '{card_serial}', 2025, '{extracted_on}')"
                ),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        let top = &explain[0];
        assert!(top.get("JIT").is_none(), "{mode}: JIT was used: {top}");
        let plan = &top["Plan"];
        assert_eq!(plan["Actual Rows"], 1, "{mode}: the person was not found");
        let cost = plan["Total Cost"].as_f64().unwrap();
        // Four primary-key probes cost a few dozen; a scan of a whole index costs thousands.
        assert!(cost < 100.0, "{mode}: estimated at {cost}: {plan}");
        let all = nodes(plan);
        let scans_of = |table: &str| {
            all.iter()
                .filter(|n| {
                    n["Relation Name"]
                        .as_str()
                        .is_some_and(|r| r.starts_with(table))
                })
                .map(|n| n["Node Type"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let card_probe = all.iter().find(|n| {
            n["Relation Name"]
                .as_str()
                .is_some_and(|r| r.starts_with("card_link"))
        });
        let condition = card_probe.map(|n| n["Index Cond"].to_string());
        assert!(
            condition
                .as_ref()
                .is_some_and(|c| c.contains("card_serial") && c.contains("lg_code")),
            "{mode}: the card link is not looked up by its key: {condition:?}"
        );
        for table in ["card_link", "resident", "assessment"] {
            let scans = scans_of(table);
            assert!(
                !scans.is_empty() && scans.iter().all(|s| s.starts_with("Index")),
                "{mode}: {table} read by {scans:?}: {plan}"
            );
        }
    }
}
