//! Recording what happens in the audit trail. Fail closed: when an entry cannot be written the
//! call fails (the relay retries, and issuance is idempotent), so nothing happens unrecorded.

use crate::db::DbError;
use crate::db::audit::{self, AuditEntry};
use deadpool_postgres::Pool;

/// Appends entries to the hash-chained audit trail.
#[derive(Clone)]
pub struct Audit {
    pool: Pool,
}

/// An entry that could not be written: the call it records must fail.
#[derive(Debug, thiserror::Error)]
#[error("audit entry not written: {0}")]
pub struct Unrecorded(#[from] pub DbError);

impl Audit {
    /// An audit trail in the database behind `pool`.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// Appends `entry` after the chain's head.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), Unrecorded> {
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        audit::append(&mut client, &entry).await?;
        Ok(())
    }
}
