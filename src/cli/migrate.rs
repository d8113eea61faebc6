//! `kofu migrate`: applies the embedded migrations, idempotently.

use super::ConfigArg;
use anyhow::Context;

/// Applies what is missing and says what it did.
pub async fn run(args: ConfigArg) -> anyhow::Result<()> {
    let settings = args.load()?;
    let (mut client, connection) =
        tokio_postgres::connect(settings.database.url.expose(), tokio_postgres::NoTls)
            .await
            .context("connecting to the database")?;
    tokio::spawn(connection);
    let applied = crate::db::migrate::run(&mut client).await?;
    if applied.is_empty() {
        println!(
            "database already at schema version {}",
            crate::db::migrate::latest_version()
        );
    } else {
        println!("applied migrations {applied:?}");
    }
    Ok(())
}
