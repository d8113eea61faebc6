//! The retention purge: deletes a municipality's tax data below the retention floor and its
//! issuance records past their retention, and records each purge that deleted anything in
//! `retention_purge`. A batch's publication runs it in the batch's transaction
//! (`db::sync::BatchLoad::publish`); `kofu purge` runs it in one of its own ([`purge`]).

use super::DbError;
use crate::domain::lg_code::LgCode;
use crate::domain::retention::Floor;
use chrono::{DateTime, FixedOffset, NaiveDate};
use tokio_postgres::GenericClient;
use tokio_postgres::types::Json;

/// Rows deleted by the retention rule, per table and fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PurgedRows {
    /// The table purged: "assessment" and "payment" (tax data), or "issuance".
    pub table: &'static str,
    /// The fiscal year (Gregorian start year) whose rows were deleted; for "issuance" the fiscal
    /// year the records were issued in (Japan time).
    pub fiscal_year: i32,
    /// Rows deleted.
    pub rows: i64,
}

impl PurgedRows {
    /// Whether these rows were tax data (assessments, payments) rather than issuance records.
    pub fn is_tax_data(&self) -> bool {
        TAX_TABLES.contains(&self.table)
    }
}

/// The tables of tax data, purged by fiscal year.
pub const TAX_TABLES: [&str; 2] = ["assessment", "payment"];

/// The fiscal years of tax data deleted, oldest first, each once: what a batch report and the
/// audit trail call the purged fiscal years.
pub fn tax_years(purged: &[PurgedRows]) -> Vec<i32> {
    let mut years: Vec<i32> = purged
        .iter()
        .filter(|p| p.is_tax_data())
        .map(|p| p.fiscal_year)
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The instant `day` begins in Japan.
fn start_in_japan(day: NaiveDate) -> DateTime<FixedOffset> {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(crate::clock::japan())
        .single()
        .expect("Japan has no DST")
}

/// Deletes the municipality's tax data of fiscal years before `oldest_kept`; `table_of` names the
/// table that holds each tax table's rows (the live one, or a FULL batch's load table).
pub(crate) async fn delete_tax_data(
    client: &impl GenericClient,
    lg: &str,
    oldest_kept: i32,
    table_of: impl Fn(&'static str) -> String,
) -> Result<Vec<PurgedRows>, DbError> {
    let mut purged = Vec::new();
    for table in TAX_TABLES {
        let rows = client
            .query(
                &format!(
                    "WITH gone AS (DELETE FROM {} WHERE lg_code = $1 AND fiscal_year < $2
                                   RETURNING fiscal_year)
                     SELECT fiscal_year, count(*) FROM gone GROUP BY 1 ORDER BY 1",
                    table_of(table)
                ),
                &[&lg, &oldest_kept],
            )
            .await?;
        purged.extend(rows.iter().map(|r| PurgedRows {
            table,
            fiscal_year: r.get(0),
            rows: r.get(1),
        }));
    }
    Ok(purged)
}

/// Counts the municipality's live tax data of fiscal years before `oldest_kept`: what a FULL
/// swap drops with the old partitions.
pub(crate) async fn count_tax_data(
    client: &impl GenericClient,
    lg: &str,
    oldest_kept: i32,
) -> Result<Vec<PurgedRows>, DbError> {
    let mut found = Vec::new();
    for table in TAX_TABLES {
        let rows = client
            .query(
                &format!(
                    "SELECT fiscal_year, count(*) FROM {table}
                     WHERE lg_code = $1 AND fiscal_year < $2 GROUP BY 1 ORDER BY 1"
                ),
                &[&lg, &oldest_kept],
            )
            .await?;
        found.extend(rows.iter().map(|r| PurgedRows {
            table,
            fiscal_year: r.get(0),
            rows: r.get(1),
        }));
    }
    Ok(found)
}

/// Deletes the municipality's issuance records issued before `issued_before` began in Japan,
/// counted per fiscal year of issue. Certificate-number counters are separate and stay, so a
/// number is never handed out again; the audit trail is separate too.
pub(crate) async fn delete_issuance(
    client: &impl GenericClient,
    lg: &str,
    issued_before: NaiveDate,
) -> Result<Vec<PurgedRows>, DbError> {
    let rows = client
        .query(
            "WITH gone AS (DELETE FROM issuance WHERE lg_code = $1 AND issued_at < $2
                           RETURNING issued_at)
             SELECT extract(year FROM (issued_at AT TIME ZONE 'Asia/Tokyo') - interval '3 months')::int,
                    count(*)
             FROM gone GROUP BY 1 ORDER BY 1",
            &[&lg, &start_in_japan(issued_before)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| PurgedRows {
            table: "issuance",
            fiscal_year: r.get(0),
            rows: r.get(1),
        })
        .collect())
}

/// Records a purge that deleted something in `retention_purge`: the floor it applied, the fiscal
/// years of tax data kept after it, what was deleted, and the batch that ran it (`None`: `kofu
/// purge`). Nothing is recorded when nothing was deleted.
pub(crate) async fn record(
    client: &impl GenericClient,
    lg: &str,
    batch_id: Option<&str>,
    floor: &Floor,
    purged: &[PurgedRows],
) -> Result<(), DbError> {
    if purged.is_empty() {
        return Ok(());
    }
    let kept: Vec<i32> = client
        .query(
            "SELECT DISTINCT fiscal_year FROM assessment WHERE lg_code = $1 ORDER BY 1 DESC",
            &[&lg],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    client
        .execute(
            "INSERT INTO retention_purge (lg_code, batch_id, purged_at, kept_years, deleted,
                 oldest_fiscal_year_kept, issued_before)
             VALUES ($1, $2, now(), $3, $4, $5, $6)",
            &[
                &lg,
                &batch_id,
                &kept,
                &Json(purged),
                &floor.oldest_fiscal_year,
                &start_in_japan(floor.issued_before),
            ],
        )
        .await?;
    Ok(())
}

/// Runs the purge now, outside a batch (`kofu purge`, for a municipality whose sync is late): in
/// one transaction under the municipality's sync lock (so it waits for a batch being loaded),
/// deletes what lies below `floor` and records it. Returns what was deleted (empty: nothing was).
pub async fn purge(
    client: &mut deadpool_postgres::Object,
    lg_code: LgCode,
    floor: &Floor,
) -> Result<Vec<PurgedRows>, DbError> {
    let lg = lg_code.to_string();
    let tx = client.transaction().await?;
    // The lock `BatchLoad::begin` takes: batches and purges of one municipality run one at a time.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kofu.sync.' || $1::text))",
        &[&lg],
    )
    .await?;
    let mut purged = delete_tax_data(&*tx, &lg, floor.oldest_fiscal_year, str::to_owned).await?;
    purged.extend(delete_issuance(&*tx, &lg, floor.issued_before).await?);
    record(&*tx, &lg, None, floor, &purged).await?;
    tx.commit().await?;
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// retention_purge.deleted is read back by field name (GetBatch's purged fiscal years).
    #[test]
    fn purged_rows_keep_their_stored_shape() {
        let purged = [
            PurgedRows {
                table: "assessment",
                fiscal_year: 2021,
                rows: 3,
            },
            PurgedRows {
                table: "issuance",
                fiscal_year: 2017,
                rows: 2,
            },
        ];
        assert_eq!(
            serde_json::to_value(&purged).unwrap(),
            serde_json::json!([
                {"table": "assessment", "fiscal_year": 2021, "rows": 3},
                {"table": "issuance", "fiscal_year": 2017, "rows": 2}
            ])
        );
        assert_eq!(tax_years(&purged), vec![2021]);
    }
}
