//! Recording what happens in the audit trail. Fail closed: when an entry cannot be written the
//! call fails (the relay retries, and issuance is idempotent), so nothing happens unrecorded.

use crate::db::DbError;
use crate::db::audit::{self, AuditEntry};
use deadpool_postgres::Pool;

#[derive(Clone)]
pub struct Audit {
    pool: Pool,
}

impl Audit {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    pub async fn record(&self, entry: AuditEntry) -> Result<(), DbError> {
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        audit::append(&mut client, &entry).await?;
        Ok(())
    }
}

/// The status a call returns when its audit entry could not be written.
pub fn unrecorded(error: &DbError) -> tonic::Status {
    tracing::error!(error = %error, "audit entry not written");
    tonic::Status::unavailable(
        "the issuing server could not record this call in its audit trail; retry shortly",
    )
}
