//! kofu (交付): the municipal issuing server behind convenience-store kiosk certificates.
//!
//! The J-LIS relay asks over gRPC with mutual TLS; kofu resolves the card to a resident, applies
//! the municipality's rules, renders the certificate to PDF and records its SHA-256.
//!
//! - [`domain`]: pure rules, identifiers, dates and tax data (no I/O).
//! - [`compose`]: a person's data → the text of a certificate page; [`pdf`]: that text → PDF bytes.
//! - [`db`]: PostgreSQL pool, migrations and queries; [`issuance`]: the issuing service.
//! - [`grpc`]: wire types, roles, handlers and the error → status mapping.
//! - [`startup`]: building and running the server; [`config`], [`tls`], [`metrics`], [`clock`].
//! - [`synthetic`]: a deterministic synthetic municipality; [`relay_sim`]: a simulated relay;
//!   [`dev_certs`]: local certificates.

#![forbid(unsafe_code)]

pub mod audit;
pub mod clock;
pub mod compose;
pub mod config;
pub mod db;
pub mod dev_certs;
pub mod domain;
pub mod grpc;
pub mod issuance;
pub mod metrics;
pub mod pdf;
pub mod relay_sim;
pub mod startup;
pub mod sync;
pub mod sync_client;
pub mod synthetic;
pub mod telemetry;
pub mod tls;

impl From<&config::MunicipalitySettings> for synthetic::Municipality {
    fn from(m: &config::MunicipalitySettings) -> Self {
        synthetic::Municipality {
            lg_code: m.code,
            prefecture_name: m.prefecture.clone(),
            city_name: m.name.clone(),
        }
    }
}
