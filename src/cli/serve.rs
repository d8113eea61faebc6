//! `kofu serve`: gRPC over mutual TLS and Prometheus metrics, until SIGTERM or SIGINT.

use super::ConfigArg;
use crate::startup::{App, shutdown_signal};

/// Builds the server and serves until a shutdown signal, draining in-flight calls.
pub async fn run(args: ConfigArg) -> anyhow::Result<()> {
    let app = App::build(args.load()?).await?;
    tracing::info!(grpc.addr = %app.grpc_addr(), metrics.addr = %app.metrics_addr(), "serving");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
