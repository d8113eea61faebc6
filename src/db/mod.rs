//! PostgreSQL: the connection pool, migrations and one file per aggregate, each with its SQL next to
//! the function that runs it. Knows nothing of gRPC or PDFs.

pub mod audit;
pub mod issuance;
pub mod migrate;
pub mod printability;
pub mod residents;
pub mod retention;
pub mod statistics;
pub mod sync;

#[cfg(test)]
mod stored_shapes;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The configured `database.url` is not a valid PostgreSQL URL.
    #[error("database URL: {0}")]
    Url(tokio_postgres::Error),
    /// The pool could not be built from the settings.
    #[error("database pool: {0}")]
    Build(#[from] deadpool_postgres::BuildError),
    /// No connection became free within `database.wait_timeout_ms`.
    #[error("no database connection became free in time")]
    PoolTimeout,
    /// A new connection could not be opened (server down, refused, authentication).
    #[error("cannot reach the database: {0}")]
    Connect(String),
    /// A statement failed.
    #[error("database: {0}")]
    Query(#[from] tokio_postgres::Error),
    /// A row holds something kofu never writes (e.g. an unknown code); needs an operator.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// An applied migration file has changed, or the schema version is not the one this build needs.
    #[error("{0}")]
    Migration(String),
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        use deadpool_postgres::PoolError;
        match error {
            PoolError::Timeout(_) => DbError::PoolTimeout,
            PoolError::Backend(e) => DbError::Query(e),
            other => DbError::Connect(other.to_string()),
        }
    }
}

/// The settings every kofu connection runs with, after whatever the URL's `options` set: no JIT.
/// kofu's statements are short lookups and small writes; JIT compiles for milliseconds to save
/// microseconds, and a plan estimated high once (missing statistics) would pay it on every call.
pub const SESSION_OPTIONS: &str = "-c jit=off";

/// The connection settings of `url` with [`SESSION_OPTIONS`] appended.
pub fn connection_config(url: &str) -> Result<tokio_postgres::Config, DbError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(DbError::Url)?;
    let options = match config.get_options() {
        Some(given) if !given.is_empty() => format!("{given} {SESSION_OPTIONS}"),
        _ => SESSION_OPTIONS.to_owned(),
    };
    config.options(&options);
    Ok(config)
}

/// A pool of `size` connections; a request waits at most `wait_timeout` for one.
pub fn pool(url: &str, size: usize, wait_timeout: Duration) -> Result<Pool, DbError> {
    let config = connection_config(url)?;
    let manager = Manager::from_config(
        config,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(Runtime::Tokio1)
        .build()?)
}
