//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`). Log fields follow
//! `entity.attr` names and never carry personal data: no names, addresses, card serials or
//! person numbers — certificate numbers, kinds, outcomes and request ids only.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber once per process; colours only when stderr is a terminal, so a log
/// file (the quickstart's out/server.log, a journal) holds plain text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
