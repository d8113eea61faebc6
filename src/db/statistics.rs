//! The planner's statistics for the synced tables. Autovacuum analyzes the partitions it sees
//! change, but never a partitioned table itself: without the parents' statistics the card lookup
//! is estimated through them at millions (a seq-scan-shaped cost past PostgreSQL's JIT
//! thresholds). Every published batch therefore analyzes what it changed, and start-up analyzes a
//! parent that has never been analyzed (a crash between a batch's commit and its ANALYZE).

use super::DbError;

/// The synced tables, partitioned by municipality, in the order readers lock them.
pub const SYNCED_TABLES: [&str; 4] = ["card_link", "resident", "assessment", "payment"];

/// Analyzes the synced parents; on PostgreSQL before 18 this also re-samples every partition
/// (`ANALYZE ONLY` is 18's), about 30,000 rows a table.
pub async fn analyze_synced(client: &tokio_postgres::Client) -> Result<(), DbError> {
    client
        .batch_execute(&format!("ANALYZE {}", SYNCED_TABLES.join(", ")))
        .await?;
    Ok(())
}

/// The synced parents that have no statistics of their own yet.
pub async fn never_analyzed(client: &tokio_postgres::Client) -> Result<Vec<String>, DbError> {
    let rows = client
        .query(
            "SELECT t FROM unnest($1::text[]) AS t
             WHERE NOT EXISTS (SELECT 1 FROM pg_stats s
                               WHERE s.schemaname = current_schema() AND s.tablename = t
                                 AND s.inherited)",
            &[&SYNCED_TABLES.as_slice()],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Analyzes the synced tables when any parent lacks statistics and holds rows; returns whether
/// it did.
pub async fn analyze_if_missing(client: &tokio_postgres::Client) -> Result<bool, DbError> {
    if never_analyzed(client).await?.is_empty() {
        return Ok(false);
    }
    let any_rows: bool = client
        .query_one("SELECT EXISTS (SELECT 1 FROM card_link)", &[])
        .await?
        .get(0);
    if any_rows {
        analyze_synced(client).await?;
    }
    Ok(any_rows)
}
