//! kofu (交付): the municipal issuing server behind convenience-store kiosk certificates.
//!
//! The J-LIS relay asks over gRPC with mutual TLS; kofu resolves the card to a resident, applies
//! the municipality's rules, renders the certificate to PDF and records its SHA-256.
//!
//! The server core:
//! - [`domain`]: pure rules, identifiers, dates and tax data (no I/O).
//! - [`compose`]: a person's data → the text of a certificate page; [`pdf`]: that text → PDF bytes.
//! - [`db`]: PostgreSQL pool, migrations and queries, one file per aggregate.
//! - [`service`]: the issuing, sync and audit services that combine the above.
//! - [`grpc`]: wire types, roles, per-call bookkeeping, handlers and the error → status mapping.
//! - [`startup`]: building and running the server; [`config`], [`tls`], [`metrics`], [`clock`],
//!   [`telemetry`].
//!
//! Around it:
//! - [`cli`]: the work of each `kofu` command (the binary only parses and dispatches).
//! - [`tools`]: the simulated relay, the tax system's sync client, the synthetic municipality,
//!   development certificates.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod clock;
pub mod compose;
pub mod config;
pub mod db;
pub mod domain;
pub mod grpc;
pub mod metrics;
pub mod pdf;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod tools;
