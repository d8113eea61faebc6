//! Configuration: one `Settings` struct, layered as built-in defaults, then a TOML file, then
//! environment variables `KOFU__SECTION__KEY` (e.g. `KOFU__DATABASE__URL`, `KOFU__CLOCK__FIXED_NOW`).
//!
//! Keys (see `ops/kofu.dev.toml` for a complete file):
//! - `server.grpc_addr`, `server.metrics_addr`: listen addresses; `server.shutdown_grace_seconds`;
//!   `server.max_in_flight` (relay calls answered at once; more are shed) and
//!   `server.shed_summary_seconds`.
//! - `tls.cert`, `tls.key`: the server's certificate chain and key (PEM); `tls.client_ca`: the CA that
//!   client certificates must chain to.
//! - `clients`: client certificate identity (CN or a SAN DNS name) → role (`relay`, `sync`, `ops`).
//! - `database.url` (secret), `database.pool_size`, `database.wait_timeout_ms`.
//! - `fonts.primary`, `fonts.fallback`: IPAex明朝 and IPAmj明朝 font files.
//! - `clock.fixed_now`: an RFC 3339 instant that replaces the system clock (rehearsals, tests).
//! - `municipalities`: each served municipality: `code`, names, mayor, seal text, `policy`.
//!
//! Policy keys under `[municipalities.policy]`, with their defaults (`domain::policy`):
//! - `kinds_offered` (all four), `fee_yen.<kind>` (300 each), `max_copies` (10), `min_age` (15).
//! - `years_offered.<kind>` (4 each, 1 to `retention.years_kept`): fiscal years offered, the
//!   newest open one included.
//! - `switchover.payroll_withholding` (5月15日), `switchover.pension_withholding` (6月1日),
//!   `switchover.direct_billing` (6月1日): when the new fiscal year opens; a person with several
//!   collection methods follows the latest of theirs. (`switchover.withholding`, the older name,
//!   means payroll withholding.)
//! - `opens` ("06:30"), `closes` ("23:00"), `closed_days` (12月29日–1月3日), `maintenance` (none).
//! - `arrears.refuse_with_arrears` (true): refuse a 納税証明書 while any instalment is unpaid
//!   after its own due date; `arrears.reflection_lag_days` (21): an instalment that fell due
//!   within this many days and shows unpaid is "not yet reflected" (ask at the counter).
//! - `allow_dependant_nontax` (false): a person with no declaration who is named as a dependant
//!   on another taxpayer's return gets a 非課税証明書 without income figures.
//! - `first_year` (`gannen`: 元年), `fy2019_label` (`reiwa`: 令和元年度).
//! - `retention.years_kept` (4, 1 to 10): fiscal years of tax data kept once the last switchover
//!   day has come. A year's assessments and payments are purged when no resident can be offered
//!   it any more: by the first applied batch on or after the last switchover day (or by
//!   `kofu purge`), not when the new year's data arrives; between the early (payroll) and the
//!   last switchover day one more year is held. No `years_offered.<kind>` may exceed it.
//! - `retention.issuance_records_years` (7, 1 to 30): whole fiscal years an issuance record is
//!   kept after the fiscal year it was issued in (Japan time); older ones are purged with the tax
//!   data. Certificate-number counters and the audit trail are not touched.

use crate::domain::lg_code::LgCode;
use crate::domain::municipality::MunicipalityKind;
use crate::domain::policy::Policy;
use crate::domain::retention::{MAX_ISSUANCE_RECORDS_YEARS, MAX_YEARS_KEPT};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything kofu reads at start-up; see the module docs for the keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Listen addresses and shutdown grace (`[server]`).
    pub server: ServerSettings,
    /// The server's certificate and the client CA (`[tls]`).
    pub tls: TlsSettings,
    /// Client certificate identity (CN or SAN DNS name) → role; identities not listed are refused.
    #[serde(default)]
    pub clients: BTreeMap<String, Role>,
    /// PostgreSQL connection and pool (`[database]`).
    pub database: DatabaseSettings,
    /// The certificate fonts (`[fonts]`).
    pub fonts: FontSettings,
    /// A fixed "now" for tests and rehearsals (`[clock]`).
    #[serde(default)]
    pub clock: ClockSettings,
    /// The municipalities this server issues for (`[[municipalities]]`); none by default.
    #[serde(default)]
    pub municipalities: Vec<MunicipalitySettings>,
}

/// `[server]`: where kofu listens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// gRPC listener (mutual TLS), default 127.0.0.1:50051.
    pub grpc_addr: SocketAddr,
    /// Prometheus `/metrics` listener (plain HTTP), default 127.0.0.1:9464.
    pub metrics_addr: SocketAddr,
    /// Seconds to let calls in flight finish after a shutdown signal, default 20.
    pub shutdown_grace_seconds: u64,
    /// Relay calls (IssueCertificate, ListAvailable) answered at once; past it a call is shed
    /// with RESOURCE_EXHAUSTED. Default 64.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Seconds between the audit entries summarising shed calls, default 60.
    #[serde(default = "default_shed_summary_seconds")]
    pub shed_summary_seconds: u64,
}

fn default_max_in_flight() -> usize {
    64
}

fn default_shed_summary_seconds() -> u64 {
    60
}

/// `[tls]`: PEM files for mutual TLS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// The server's certificate chain (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// The CA every client certificate must chain to (PEM).
    pub client_ca: PathBuf,
}

/// What a client may do. Deny by default: an identity without a role is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The J-LIS certificate centre relay.
    Relay,
    /// The tax system's nightly sync job.
    Sync,
    /// Operators: verification, reports.
    Ops,
}

impl Role {
    /// The role as configured and as audited: "relay", "sync" or "ops".
    pub fn name(self) -> &'static str {
        match self {
            Role::Relay => "relay",
            Role::Sync => "sync",
            Role::Ops => "ops",
        }
    }
}

/// `[database]`: PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL, e.g. "postgres://kofu@localhost/kofu"; may hold a password, so kept secret.
    pub url: Secret,
    /// Most connections the pool opens (at least 1), default 16.
    pub pool_size: usize,
    /// Milliseconds a call waits for a free connection before failing, default 2000.
    pub wait_timeout_ms: u64,
}

/// `[fonts]`: the TrueType fonts certificates are set in, read once at start-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontSettings {
    /// IPAex明朝 (`ipaexm.ttf`): ordinary JIS X 0213 text.
    pub primary: PathBuf,
    /// IPAmj明朝 (`ipamjm.ttf`): MJ文字 and variation sequences that IPAex明朝 lacks.
    pub fallback: PathBuf,
}

/// `[clock]`: the clock override.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    /// Replaces the system clock when set, e.g. "2025-07-01T10:00:00+09:00".
    pub fixed_now: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// `[[municipalities]]`: one municipality kofu issues for, with what its certificates print.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalitySettings {
    /// 地方公共団体コード, e.g. "131041".
    pub code: LgCode,
    /// e.g. "東京都"
    pub prefecture: String,
    /// e.g. "新宿区"
    pub name: String,
    /// 特別区, 市, 町 or 村: decides the tax names printed (特別区民税 vs 市民税 …).
    pub kind: MunicipalityKind,
    /// e.g. "新宿区長"
    pub mayor_title: String,
    /// The head's name printed under the title, e.g. "新宿　太郎".
    pub mayor_name: String,
    /// Text of the official seal, e.g. "新宿区長之印", drawn as a red square seal when no
    /// `seal_image` is given.
    pub seal_text: String,
    /// The official seal as a PNG with transparency (公印の印影), stamped over the mayor's name.
    #[serde(default)]
    pub seal_image: Option<PathBuf>,
    /// The municipality's rules: kinds, fees, years offered, switchover dates, hours, arrears.
    #[serde(default)]
    pub policy: Policy,
}

/// A value kept out of logs and `Debug` output.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value so that `Debug` prints `Secret(..)`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value itself, for the one place that needs it (e.g. connecting to the database).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The configuration could not be loaded or is not usable; the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable could not be read or parsed (unknown key, wrong type).
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    /// A value is out of range or inconsistent, e.g. a municipality configured twice.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, then `file` (when given), then `KOFU__…` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        let settings: Settings = figment
            .merge(Env::prefixed("KOFU__").split("__"))
            .extract()
            .map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that parse but are out of range or inconsistent; [`Settings::load`] and
    /// `App::build` call it, so a bad value stops start-up with a message naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if self.server.max_in_flight == 0 || self.server.shed_summary_seconds == 0 {
            return invalid(
                "server.max_in_flight and server.shed_summary_seconds must be at least 1".into(),
            );
        }
        if self.database.pool_size == 0 {
            return invalid("database.pool_size must be at least 1".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &self.municipalities {
            if !seen.insert(m.code) {
                return invalid(format!("municipality {} is configured twice", m.code));
            }
            let p = &m.policy;
            let retention = p.retention;
            if !(1..=MAX_YEARS_KEPT).contains(&retention.years_kept) {
                return invalid(format!(
                    "municipality {}: policy.retention.years_kept must be 1 to {MAX_YEARS_KEPT}",
                    m.code
                ));
            }
            if !(1..=MAX_ISSUANCE_RECORDS_YEARS).contains(&retention.issuance_records_years) {
                return invalid(format!(
                    "municipality {}: policy.retention.issuance_records_years must be 1 to \
                     {MAX_ISSUANCE_RECORDS_YEARS}",
                    m.code
                ));
            }
            for kind in crate::domain::certificate::CertificateKind::ALL {
                let offered = p.years_offered.of(kind);
                if !(1..=retention.years_kept).contains(&offered) {
                    return invalid(format!(
                        "municipality {}: policy.years_offered.{} is {offered} but must be 1 to \
                         policy.retention.years_kept ({}): a year offered must not be purged",
                        m.code,
                        kind.code().replace('-', "_"),
                        retention.years_kept
                    ));
                }
            }
            for (name, day) in [
                ("payroll_withholding", p.switchover.payroll_withholding),
                ("pension_withholding", p.switchover.pension_withholding),
                ("direct_billing", p.switchover.direct_billing),
            ] {
                if !(4..=12).contains(&day.month)
                    || chrono::NaiveDate::from_ymd_opt(2024, day.month, day.day).is_none()
                {
                    return invalid(format!(
                        "municipality {}: policy.switchover.{name} must be a day from April to December",
                        m.code
                    ));
                }
            }
            for (name, closed) in p.closed_days.iter().enumerate() {
                for day in [closed.from, closed.to] {
                    if chrono::NaiveDate::from_ymd_opt(2024, day.month, day.day).is_none() {
                        return invalid(format!(
                            "municipality {}: policy.closed_days[{name}] has no such day",
                            m.code
                        ));
                    }
                }
            }
            if p.opens >= p.closes {
                return invalid(format!(
                    "municipality {}: policy.opens must be before policy.closes",
                    m.code
                ));
            }
            for kind in crate::domain::certificate::CertificateKind::ALL {
                let key = kind.code().replace('-', "_");
                for (setting, text, max) in [
                    (
                        "titles",
                        p.titles.of(kind),
                        crate::domain::policy::MAX_TITLE_CHARS,
                    ),
                    (
                        "notes",
                        p.notes.of(kind),
                        crate::domain::policy::MAX_NOTE_CHARS,
                    ),
                ] {
                    let Some(text) = text else { continue };
                    let chars = text.chars().count();
                    if chars == 0 || chars > max || text.chars().any(char::is_control) {
                        return invalid(format!(
                            "municipality {}: policy.{setting}.{key} must be 1 to {max} \
                             characters on one line",
                            m.code
                        ));
                    }
                }
            }
            if !(1..=crate::domain::certificate::MAX_COPIES_ON_WIRE).contains(&p.max_copies) {
                return invalid(format!(
                    "municipality {}: policy.max_copies must be 1 to 99",
                    m.code
                ));
            }
        }
        Ok(())
    }

    /// The settings of the municipality with this code; `None` when it is not served here.
    pub fn municipality(&self, code: LgCode) -> Option<&MunicipalitySettings> {
        self.municipalities.iter().find(|m| m.code == code)
    }
}

/// Built-in defaults: everything but the municipalities and the client map has one.
#[derive(Serialize)]
struct Defaults {
    server: ServerSettings,
    tls: TlsSettings,
    database: DatabaseSettings,
    fonts: FontSettings,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                grpc_addr: "127.0.0.1:50051".parse().expect("valid address"),
                metrics_addr: "127.0.0.1:9464".parse().expect("valid address"),
                shutdown_grace_seconds: 20,
                max_in_flight: default_max_in_flight(),
                shed_summary_seconds: default_shed_summary_seconds(),
            },
            tls: TlsSettings {
                cert: "dev-certs/server.pem".into(),
                key: "dev-certs/server.key".into(),
                client_ca: "dev-certs/ca.pem".into(),
            },
            database: DatabaseSettings {
                url: Secret::new("postgres://kofu@localhost/kofu"),
                pool_size: 16,
                wait_timeout_ms: 2_000,
            },
            fonts: FontSettings {
                primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
                fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = Secret::new("postgres://kofu:hunter2@db/kofu");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
