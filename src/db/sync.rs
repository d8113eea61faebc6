//! Loading a sync batch into PostgreSQL: everything happens on one dedicated connection in one
//! transaction, so a rejected batch, a cut stream or a crash leaves nothing behind.
//!
//! FULL: rows stream by binary COPY into fresh tables shaped like the municipality's partitions;
//! they are validated set-wise, purged to the day's retention floor, indexed, and then swapped in
//! for the live partitions in a few milliseconds. DELTA: rows stream into temporary staging tables
//! and are validated, then deletions and upserts are applied to the live tables and purged.
//! Issuance keeps reading the previous data (MVCC) until the commit.

use super::DbError;
use super::retention::{self, PurgedRows};
use super::statistics;
use crate::domain::lg_code::LgCode;
use crate::domain::resident::ResidentStatus;
use crate::domain::retention::Floor;
use crate::domain::sync_record::{RecordType, SyncMode, SyncRecord};
use std::pin::Pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};

/// The most errors a report lists; the total is always counted.
pub const MAX_LISTED_ERRORS: i64 = 10_000;

/// A problem found by SQL across records: a duplicate key or a missing person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetProblem {
    /// 1-based position in the batch of the record at fault.
    pub position: i64,
    /// The type of that record.
    pub record_type: RecordType,
    /// The field at fault, e.g. "addressee_no".
    pub field: String,
    /// What is wrong, e.g. a duplicate key or no such resident; never the value.
    pub problem: String,
}

/// The live tables a batch fills, in the order every statement locks them.
const LIVE_TABLES: [&str; 4] = statistics::SYNCED_TABLES;

struct TableSpec {
    table: &'static str,
    key: &'static str,
    columns: &'static str,
    types: &'static [Type],
}

const RESIDENT: TableSpec = TableSpec {
    table: "resident",
    key: "addressee_no",
    columns: "lg_code, addressee_no, name, name_kana, birth_date, address, status, status_date, \
              moved_in_on, protection_measure, issuance_stopped",
    types: &[
        Type::BPCHAR,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::DATE,
        Type::TEXT,
        Type::TEXT,
        Type::DATE,
        Type::DATE,
        Type::BOOL,
        Type::BOOL,
    ],
};

const CARD_LINK: TableSpec = TableSpec {
    table: "card_link",
    key: "card_serial",
    columns: "lg_code, card_serial, addressee_no, valid_from, valid_until",
    types: &[Type::BPCHAR, Type::TEXT, Type::TEXT, Type::DATE, Type::DATE],
};

const ASSESSMENT: TableSpec = TableSpec {
    table: "assessment",
    key: "addressee_no, fiscal_year",
    columns: "lg_code, addressee_no, fiscal_year, address_on_assessment_date, declared, taxable, \
              collection_methods, income_lines, deduction_lines, dependants, total_income_yen, \
              aggregate_income_yen, taxable_base_yen, municipal_income_levy_yen, \
              municipal_per_capita_levy_yen, prefectural_income_levy_yen, \
              prefectural_per_capita_levy_yen, forest_env_tax_yen, total_tax_yen, tax_credits, \
              under_revision, separate_income_lines, carried_forward_loss_yen, \
              separate_taxable_base_yen, municipal_income_levy_before_credits_yen, \
              prefectural_income_levy_before_credits_yen, own_categories, declared_as_dependant, \
              income_adjustment_yen",
    types: &[
        Type::BPCHAR,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::BOOL,
        Type::BOOL,
        Type::TEXT_ARRAY,
        Type::JSONB,
        Type::JSONB,
        Type::JSONB,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::JSONB,
        Type::BOOL,
        Type::JSONB,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::TEXT_ARRAY,
        Type::BOOL,
        Type::INT8,
    ],
};

const PAYMENT: TableSpec = TableSpec {
    table: "payment",
    key: "addressee_no, fiscal_year, tax_item",
    columns: "lg_code, addressee_no, fiscal_year, tax_item, assessed_yen, paid_yen, unpaid_yen, \
              last_due_date, last_paid_on, instalments",
    types: &[
        Type::BPCHAR,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::DATE,
        Type::DATE,
        Type::JSONB,
    ],
};

const DATA_SPECS: [&TableSpec; 4] = [&RESIDENT, &CARD_LINK, &ASSESSMENT, &PAYMENT];

fn spec(record_type: RecordType) -> (&'static TableSpec, bool) {
    match record_type {
        RecordType::Resident => (&RESIDENT, false),
        RecordType::CardLink => (&CARD_LINK, false),
        RecordType::Assessment => (&ASSESSMENT, false),
        RecordType::Payment => (&PAYMENT, false),
        RecordType::ResidentDeletion => (&RESIDENT, true),
        RecordType::CardLinkDeletion => (&CARD_LINK, true),
        RecordType::AssessmentDeletion => (&ASSESSMENT, true),
        RecordType::PaymentDeletion => (&PAYMENT, true),
    }
}

fn data_type(table: &str) -> RecordType {
    match table {
        "resident" => RecordType::Resident,
        "card_link" => RecordType::CardLink,
        "assessment" => RecordType::Assessment,
        _ => RecordType::Payment,
    }
}

fn deletion_type(table: &str) -> RecordType {
    match table {
        "resident" => RecordType::ResidentDeletion,
        "card_link" => RecordType::CardLinkDeletion,
        "assessment" => RecordType::AssessmentDeletion,
        _ => RecordType::PaymentDeletion,
    }
}

/// A batch being loaded. Dropping it without [`BatchLoad::publish`] closes its connection, which
/// rolls everything back.
pub struct BatchLoad {
    /// Taken out of the pool: dropping it closes the connection instead of returning a
    /// connection with an open transaction to the pool.
    client: deadpool_postgres::ClientWrapper,
    lg_code: LgCode,
    mode: SyncMode,
    /// Distinguishes this load's FULL tables, e.g. "131041_t123456".
    suffix: String,
    copy: Option<(RecordType, Pin<Box<BinaryCopyInWriter>>)>,
}

impl BatchLoad {
    /// Opens the transaction on a connection of its own, takes the municipality's sync lock
    /// (batches for one municipality run one at a time) and creates the load tables.
    pub async fn begin(
        client: deadpool_postgres::ClientWrapper,
        lg_code: LgCode,
        mode: SyncMode,
    ) -> Result<Self, DbError> {
        client
            .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            .await?;
        let lg = lg_code.to_string();
        client
            .execute(
                "SELECT pg_advisory_xact_lock(hashtext('kofu.sync.' || $1::text))",
                &[&lg],
            )
            .await?;
        let txid: i64 = client.query_one("SELECT txid_current()", &[]).await?.get(0);
        let suffix = format!("{lg}_t{txid}");
        let mut sql = String::new();
        for spec in DATA_SPECS {
            let t = spec.table;
            match mode {
                // The municipality check lets ATTACH skip its validation scan under the lock.
                SyncMode::Full => sql.push_str(&format!(
                    "CREATE TABLE {t}_{suffix} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                         seq bigint NOT NULL,
                         CONSTRAINT {t}_{suffix}_lg CHECK (lg_code = '{lg}'));"
                )),
                SyncMode::Delta => {
                    sql.push_str(&format!(
                        "CREATE TEMP TABLE stage_{t} (LIKE {t} INCLUDING DEFAULTS, seq bigint NOT NULL) ON COMMIT DROP;"
                    ));
                    sql.push_str(&format!(
                        "CREATE TEMP TABLE stage_{t}_deletion AS SELECT {key}, 0::bigint AS seq FROM {t} WITH NO DATA;",
                        key = spec.key
                    ));
                }
            }
        }
        client.batch_execute(&sql).await?;
        Ok(Self {
            client,
            lg_code,
            mode,
            suffix,
            copy: None,
        })
    }

    fn load_table(&self, record_type: RecordType) -> String {
        let (spec, deletion) = spec(record_type);
        match (self.mode, deletion) {
            (SyncMode::Full, _) => format!("{}_{}", spec.table, self.suffix),
            (SyncMode::Delta, false) => format!("stage_{}", spec.table),
            (SyncMode::Delta, true) => format!("stage_{}_deletion", spec.table),
        }
    }

    async fn finish_copy(&mut self) -> Result<(), DbError> {
        if let Some((_, mut writer)) = self.copy.take() {
            writer.as_mut().finish().await?;
        }
        Ok(())
    }

    /// Writes one valid record at stream position `seq`. Records of one type in a row share a COPY.
    pub async fn write(&mut self, seq: i64, record: &SyncRecord) -> Result<(), DbError> {
        let record_type = record.record_type();
        if self.copy.as_ref().map(|(t, _)| *t) != Some(record_type) {
            self.finish_copy().await?;
            let (spec, deletion) = spec(record_type);
            let table = self.load_table(record_type);
            let (columns, types): (String, Vec<Type>) = if deletion {
                let key_types = match record_type {
                    RecordType::AssessmentDeletion => vec![Type::TEXT, Type::INT4],
                    RecordType::PaymentDeletion => vec![Type::TEXT, Type::INT4, Type::TEXT],
                    _ => vec![Type::TEXT],
                };
                (spec.key.to_owned(), key_types)
            } else {
                (spec.columns.to_owned(), spec.types.to_vec())
            };
            let mut types = types;
            types.push(Type::INT8);
            let sink = self
                .client
                .copy_in(&format!("COPY {table} ({columns}, seq) FROM STDIN BINARY"))
                .await?;
            self.copy = Some((record_type, Box::pin(BinaryCopyInWriter::new(sink, &types))));
        }
        let writer = &mut self.copy.as_mut().expect("a COPY is open").1;
        let lg = self.lg_code.to_string();
        match record {
            SyncRecord::Resident(r) => {
                let status = r.status.code();
                let status_date = r.status.date();
                debug_assert!(
                    matches!(r.status, ResidentStatus::Resident) == status_date.is_none()
                );
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &r.addressee_no,
                        &r.name,
                        &r.name_kana,
                        &r.birth_date,
                        &r.address,
                        &status,
                        &status_date,
                        &r.moved_in_on,
                        &r.protection_measure,
                        &r.issuance_stopped,
                        &seq,
                    ])
                    .await?
            }
            SyncRecord::CardLink(c) => {
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &c.card_serial,
                        &c.addressee_no,
                        &c.valid_from,
                        &c.valid_until,
                        &seq,
                    ])
                    .await?
            }
            SyncRecord::Assessment(a) => {
                let t = &a.tax;
                let methods: Vec<&str> = a.collection_methods.iter().map(|m| m.code()).collect();
                let categories: Vec<&str> = a.own_categories.iter().map(|c| c.code()).collect();
                let values: [&(dyn ToSql + Sync); 30] = [
                    &lg,
                    &a.addressee_no,
                    &a.fiscal_year,
                    &a.address_on_assessment_date,
                    &a.declared,
                    &a.taxable,
                    &methods,
                    &Json(&a.income_lines),
                    &Json(&a.deduction_lines),
                    &Json(&a.dependants),
                    &a.total_income_yen,
                    &a.aggregate_income_yen,
                    &t.taxable_base_yen,
                    &t.municipal_income_levy_yen,
                    &t.municipal_per_capita_levy_yen,
                    &t.prefectural_income_levy_yen,
                    &t.prefectural_per_capita_levy_yen,
                    &t.forest_env_tax_yen,
                    &t.total_yen,
                    &Json(&a.tax_credits),
                    &a.under_revision,
                    &Json(&a.separate_income_lines),
                    &a.carried_forward_loss_yen,
                    &t.separate_taxable_base_yen,
                    &t.municipal_income_levy_before_credits_yen,
                    &t.prefectural_income_levy_before_credits_yen,
                    &categories,
                    &a.declared_as_dependant,
                    &a.income_adjustment_yen,
                    &seq,
                ];
                writer.as_mut().write(&values).await?
            }
            SyncRecord::Payment(p) => {
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &p.addressee_no,
                        &p.fiscal_year,
                        &p.tax_item,
                        &p.assessed_yen,
                        &p.paid_yen,
                        &p.unpaid_yen,
                        &p.last_due_date,
                        &p.last_paid_on,
                        &Json(&p.instalments),
                        &seq,
                    ])
                    .await?
            }
            SyncRecord::ResidentDeletion { addressee_no } => {
                writer.as_mut().write(&[addressee_no, &seq]).await?
            }
            SyncRecord::CardLinkDeletion { card_serial } => {
                writer.as_mut().write(&[card_serial, &seq]).await?
            }
            SyncRecord::AssessmentDeletion {
                addressee_no,
                fiscal_year,
            } => {
                writer
                    .as_mut()
                    .write(&[addressee_no, fiscal_year, &seq])
                    .await?
            }
            SyncRecord::PaymentDeletion {
                addressee_no,
                fiscal_year,
                tax_item,
            } => {
                writer
                    .as_mut()
                    .write(&[addressee_no, fiscal_year, tax_item, &seq])
                    .await?
            }
        }
        Ok(())
    }

    /// Problems only visible across records: duplicate keys, and records whose person is neither
    /// in the batch nor (for DELTA) already kept and not deleted by it.
    pub async fn check_set(&mut self) -> Result<Vec<SetProblem>, DbError> {
        self.finish_copy().await?;
        let mut problems = Vec::new();
        let lg = self.lg_code.to_string();
        let mut tables: Vec<(String, &str, RecordType)> = DATA_SPECS
            .iter()
            .map(|s| {
                (
                    self.load_table(data_type(s.table)),
                    s.key,
                    data_type(s.table),
                )
            })
            .collect();
        if self.mode == SyncMode::Delta {
            tables.extend(DATA_SPECS.iter().map(|s| {
                let t = deletion_type(s.table);
                (self.load_table(t), s.key, t)
            }));
        }
        for (table, key, record_type) in &tables {
            // FULL: building the primary key is the duplicate check (and is needed anyway);
            // only when it fails are the duplicates listed.
            if self.mode == SyncMode::Full && self.try_primary_key(table, key).await? {
                continue;
            }
            let rows = self
                .client
                .query(
                    &format!(
                        "SELECT t.seq, d.first FROM {table} t
                         JOIN (SELECT {key}, min(seq) AS first FROM {table}
                               GROUP BY {key} HAVING count(*) > 1) d USING ({key})
                         WHERE t.seq <> d.first ORDER BY t.seq LIMIT {MAX_LISTED_ERRORS}"
                    ),
                    &[],
                )
                .await?;
            problems.extend(rows.iter().map(|row| SetProblem {
                position: row.get(0),
                record_type: *record_type,
                field: key.to_string(),
                problem: format!(
                    "repeats the key of the record at position {}",
                    row.get::<_, i64>(1)
                ),
            }));
        }
        let residents = self.load_table(RecordType::Resident);
        for record_type in [
            RecordType::CardLink,
            RecordType::Assessment,
            RecordType::Payment,
        ] {
            let table = self.load_table(record_type);
            let kept = match self.mode {
                SyncMode::Full => String::new(),
                SyncMode::Delta => "AND NOT EXISTS (SELECT 1 FROM resident r WHERE r.lg_code = $1
                         AND r.addressee_no = t.addressee_no
                         AND NOT EXISTS (SELECT 1 FROM stage_resident_deletion d
                                         WHERE d.addressee_no = r.addressee_no))"
                    .to_owned(),
            };
            let params: Vec<&(dyn ToSql + Sync)> = match self.mode {
                SyncMode::Full => vec![],
                SyncMode::Delta => vec![&lg],
            };
            let rows = self
                .client
                .query(
                    &format!(
                        "SELECT t.seq FROM {table} t
                         WHERE NOT EXISTS (SELECT 1 FROM {residents} b WHERE b.addressee_no = t.addressee_no)
                         {kept}
                         ORDER BY t.seq LIMIT {MAX_LISTED_ERRORS}"
                    ),
                    &params,
                )
                .await?;
            problems.extend(rows.iter().map(|row| SetProblem {
                position: row.get(0),
                record_type,
                field: "addressee_no".into(),
                problem: match self.mode {
                    SyncMode::Full => "names no valid resident in this batch".into(),
                    SyncMode::Delta => {
                        "names no resident kept by kofu or sent valid in this batch".into()
                    }
                },
            }));
        }
        problems.sort_by_key(|p| p.position);
        Ok(problems)
    }

    /// Adds the table's primary key; false (and no key) when duplicate keys prevent it.
    async fn try_primary_key(&self, table: &str, key: &str) -> Result<bool, DbError> {
        self.client.batch_execute("SAVEPOINT primary_key").await?;
        let added = self
            .client
            .batch_execute(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (lg_code, {key})"
            ))
            .await;
        match added {
            Ok(()) => {
                self.client
                    .batch_execute("RELEASE SAVEPOINT primary_key")
                    .await?;
                Ok(true)
            }
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
                self.client
                    .batch_execute("ROLLBACK TO SAVEPOINT primary_key")
                    .await?;
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Publishes the batch: applies it, purges what lies below the day's retention `floor` (tax
    /// data and issuance records), records the purge and the batch, and commits. Returns what was
    /// purged; nothing is deleted until the floor moves past data kept.
    pub async fn publish(
        mut self,
        floor: &Floor,
        record_batch: impl FnOnce(&[PurgedRows]) -> BatchRow,
    ) -> Result<Vec<PurgedRows>, DbError> {
        self.finish_copy().await?;
        let lg = self.lg_code.to_string();
        let mut purged = match self.mode {
            SyncMode::Full => self.publish_full(&lg, floor.oldest_fiscal_year).await?,
            SyncMode::Delta => self.publish_delta(&lg, floor.oldest_fiscal_year).await?,
        };
        purged.extend(retention::delete_issuance(&*self.client, &lg, floor.issued_before).await?);
        let batch = record_batch(&purged);
        retention::record(&*self.client, &lg, Some(&batch.batch_id), floor, &purged).await?;
        insert_batch(&self.client, &batch).await?;
        self.client.batch_execute("COMMIT").await?;
        // The parents' statistics cannot be taken inside the swap without holding its locks
        // (readers would wait); right after the commit they can. A failure here loses nothing
        // the batch published, and start-up analyzes parents left without statistics.
        if let Err(error) = statistics::analyze_synced(&self.client).await {
            tracing::warn!(error = %error, "synced tables not analyzed after the batch");
        }
        Ok(purged)
    }

    async fn publish_full(
        &mut self,
        lg: &str,
        oldest_kept: i32,
    ) -> Result<Vec<PurgedRows>, DbError> {
        let suffix = self.suffix.clone();
        let mut purged =
            retention::delete_tax_data(&*self.client, lg, oldest_kept, |t| format!("{t}_{suffix}"))
                .await?;
        // What the old data set held below the retention floor is deleted by the swap; it is
        // part of the evidence too.
        for old in retention::count_tax_data(&*self.client, lg, oldest_kept).await? {
            match purged
                .iter_mut()
                .find(|p| p.table == old.table && p.fiscal_year == old.fiscal_year)
            {
                Some(p) => p.rows += old.rows,
                None => purged.push(old),
            }
        }

        // The keys were built by the set checks; the positions go before the tables join the
        // live ones (dropping a column only marks it dropped). The new partitions are analyzed
        // before they go live, outside the swap's locks, so the first reader plans with them.
        let mut sql = String::new();
        for spec in DATA_SPECS {
            sql.push_str(&format!(
                "ALTER TABLE {t}_{suffix} DROP COLUMN seq; ANALYZE {t}_{suffix};",
                t = spec.table
            ));
        }
        self.client.batch_execute(&sql).await?;

        // The swap: lock the parents in the order readers take them, so no reader can deadlock
        // with us, then replace each partition.
        self.client
            .batch_execute(&format!(
                "SET LOCAL lock_timeout = '10s';
                 LOCK TABLE {} IN ACCESS EXCLUSIVE MODE;",
                LIVE_TABLES.join(", ")
            ))
            .await?;
        let mut swap = String::new();
        for t in LIVE_TABLES {
            if let Some(old) = partition_of(&self.client, t, lg).await? {
                swap.push_str(&format!(
                    "ALTER TABLE {t} DETACH PARTITION {old}; DROP TABLE {old};"
                ));
            }
            swap.push_str(&format!(
                "ALTER TABLE {t} ATTACH PARTITION {t}_{suffix} FOR VALUES IN ('{lg}');"
            ));
        }
        self.client.batch_execute(&swap).await?;
        Ok(purged)
    }

    async fn publish_delta(
        &mut self,
        lg: &str,
        oldest_kept: i32,
    ) -> Result<Vec<PurgedRows>, DbError> {
        let mut sql = String::new();
        for t in LIVE_TABLES {
            if partition_of(&self.client, t, lg).await?.is_none() {
                sql.push_str(&format!(
                    "CREATE TABLE {t}_{lg}_t0 PARTITION OF {t} FOR VALUES IN ('{lg}');"
                ));
            }
        }
        // Deleting a person deletes everything kept about them.
        for t in ["card_link", "assessment", "payment", "resident"] {
            sql.push_str(&format!(
                "DELETE FROM {t} x USING stage_resident_deletion d
                 WHERE x.lg_code = '{lg}' AND x.addressee_no = d.addressee_no;"
            ));
        }
        for spec in [&CARD_LINK, &ASSESSMENT, &PAYMENT] {
            let t = spec.table;
            let matches = spec
                .key
                .split(", ")
                .map(|k| format!("x.{k} = d.{k}"))
                .collect::<Vec<_>>()
                .join(" AND ");
            sql.push_str(&format!(
                "DELETE FROM {t} x USING stage_{t}_deletion d WHERE x.lg_code = '{lg}' AND {matches};"
            ));
        }
        for spec in DATA_SPECS {
            let t = spec.table;
            let updates = spec
                .columns
                .split(',')
                .map(str::trim)
                .filter(|c| *c != "lg_code" && !spec.key.split(", ").any(|k| k == *c))
                .map(|c| format!("{c} = EXCLUDED.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            sql.push_str(&format!(
                "INSERT INTO {t} ({cols}) SELECT {cols} FROM stage_{t} ORDER BY seq
                 ON CONFLICT (lg_code, {key}) DO UPDATE SET {updates};",
                cols = spec.columns,
                key = spec.key
            ));
        }
        self.client.batch_execute(&sql).await?;
        retention::delete_tax_data(&*self.client, lg, oldest_kept, str::to_owned).await
    }
}

/// The live partition holding municipality `lg` of `table`, if there is one.
async fn partition_of(
    client: &tokio_postgres::Client,
    table: &str,
    lg: &str,
) -> Result<Option<String>, DbError> {
    let row = client
        .query_opt(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = $1::text::regclass
               AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', $2::text)",
            &[&table, &lg],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// What kofu records about a batch.
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// The tax system's id for the batch.
    pub batch_id: String,
    /// 地方公共団体コード the batch was sent for.
    pub lg_code: LgCode,
    /// Full or delta.
    pub mode: SyncMode,
    /// When the tax system extracted the data.
    pub extracted_at: chrono::DateTime<chrono::Utc>,
    /// SHA-256 (hex) of the records' wire bytes, to tell a re-send from a reused batch id.
    pub content_sha256: String,
    /// Whether the batch was published; a rejected one may be sent again under the same id.
    pub applied: bool,
    /// Records per type and the error count (JSON).
    pub counts: serde_json::Value,
    /// The listed record errors (JSON).
    pub errors: serde_json::Value,
    /// The mTLS client identity (certificate CN or SAN) that sent it.
    pub client_identity: String,
    /// When the first message arrived.
    pub received_at: chrono::DateTime<chrono::Utc>,
}

/// Records a batch's outcome; a rejected batch id may be sent again, so its row is replaced.
pub async fn insert_batch(client: &tokio_postgres::Client, b: &BatchRow) -> Result<(), DbError> {
    client
        .execute(
            "INSERT INTO sync_batch (batch_id, lg_code, mode, extracted_at, content_sha256, state,
                 counts, errors, client_identity, received_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
             ON CONFLICT (batch_id) DO UPDATE SET lg_code = EXCLUDED.lg_code, mode = EXCLUDED.mode,
                 extracted_at = EXCLUDED.extracted_at, content_sha256 = EXCLUDED.content_sha256,
                 state = EXCLUDED.state, counts = EXCLUDED.counts, errors = EXCLUDED.errors,
                 client_identity = EXCLUDED.client_identity, received_at = EXCLUDED.received_at,
                 finished_at = now()
             WHERE sync_batch.state = 'rejected'",
            &[
                &b.batch_id,
                &b.lg_code.to_string(),
                &b.mode.code(),
                &b.extracted_at,
                &b.content_sha256,
                &if b.applied { "applied" } else { "rejected" },
                &b.counts,
                &b.errors,
                &b.client_identity,
                &b.received_at,
            ],
        )
        .await?;
    Ok(())
}

/// A batch as recorded.
#[derive(Debug, Clone)]
pub struct RecordedBatch {
    /// 地方公共団体コード the batch was sent for (text).
    pub lg_code: String,
    /// SHA-256 (hex) of the records' wire bytes.
    pub content_sha256: String,
    /// Whether the batch was published.
    pub applied: bool,
    /// Records per type and the error count (JSON).
    pub counts: serde_json::Value,
    /// The listed record errors (JSON).
    pub errors: serde_json::Value,
    /// When the batch was finished.
    pub finished_at: chrono::DateTime<chrono::Utc>,
}

/// The recorded batch with this id; `None` if it was never received.
pub async fn find_batch(
    client: &impl deadpool_postgres::GenericClient,
    batch_id: &str,
) -> Result<Option<RecordedBatch>, DbError> {
    let row = client
        .query_opt(
            "SELECT lg_code::text, content_sha256, state = 'applied', counts, errors, finished_at
             FROM sync_batch WHERE batch_id = $1",
            &[&batch_id],
        )
        .await?;
    Ok(row.map(|r| RecordedBatch {
        lg_code: r.get(0),
        content_sha256: r.get(1),
        applied: r.get(2),
        counts: r.get(3),
        errors: r.get(4),
        finished_at: r.get(5),
    }))
}

/// The fiscal years of tax data a batch's retention purge deleted (issuance records aside).
pub async fn purged_years(
    client: &impl deadpool_postgres::GenericClient,
    batch_id: &str,
) -> Result<Vec<i32>, DbError> {
    let rows = client
        .query(
            "SELECT DISTINCT (d->>'fiscal_year')::int FROM retention_purge p,
                    jsonb_array_elements(p.deleted) d
             WHERE p.batch_id = $1 AND d->>'table' IN ('assessment', 'payment') ORDER BY 1",
            &[&batch_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// When each municipality's last batch was applied.
pub async fn last_applied(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, DbError> {
    let rows = client
        .query(
            "SELECT lg_code::text, max(finished_at) FROM sync_batch WHERE state = 'applied' GROUP BY 1",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
