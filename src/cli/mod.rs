//! The work of each `kofu` command, one file per command; `main.rs` only parses the command line
//! and dispatches here. Commands print for a person and fail with a sentence saying what to do.
//!
//! - [`serve`], [`migrate`]: run the server, apply migrations.
//! - [`seed`], [`sync`]: the synthetic municipality, in-process or as a batch file pushed over mTLS.
//! - [`relay_sim`]: play the J-LIS relay; [`load`]: drive issuance at a concurrency or a rate;
//!   [`render`]: preview a certificate.
//! - [`audit`], [`report`]: the operator's and the accounts' view.
//! - [`purge`]: the retention purge run now, for a municipality whose sync is late.
//! - [`dev_certs`]: development certificates.

pub mod audit;
pub mod dev_certs;
pub mod load;
pub mod migrate;
pub mod purge;
pub mod relay_sim;
pub mod render;
pub mod report;
pub mod seed;
pub mod serve;
pub mod sync;

use crate::clock::Clock;
use crate::config::{MunicipalitySettings, Settings};
use crate::domain::lg_code::LgCode;
use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use std::path::PathBuf;
use std::time::Duration;

/// `--config FILE` (or `KOFU_CONFIG`), shared by every command that reads the configuration.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArg {
    /// The configuration file (TOML; ops/kofu.dev.toml is an example).
    #[arg(long, env = "KOFU_CONFIG")]
    pub config: PathBuf,
}

impl ConfigArg {
    /// The settings: defaults, then the file, then `KOFU__…` variables.
    pub fn load(&self) -> anyhow::Result<Settings> {
        Ok(Settings::load(Some(&self.config))?)
    }
}

/// A synthetic municipality: how many residents, from which seed, for which configured
/// municipality. Whoever asks for its residents later (`relay-sim`, `load`) regenerates it from
/// the same three.
#[derive(clap::Args, Debug, Clone)]
pub struct Synthetic {
    /// Number of residents.
    #[arg(long, default_value_t = 1000)]
    pub residents: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Municipality code; defaults to the first configured.
    #[arg(long)]
    pub municipality: Option<String>,
}

/// Which synthetic population to generate (`seed` and `sync gen`).
#[derive(clap::Args, Debug, Clone)]
pub struct Population {
    /// Residents, seed and municipality.
    #[command(flatten)]
    pub synthetic: Synthetic,
    /// Newest fiscal year to generate; defaults to the newest open today under the policy.
    #[arg(long)]
    pub latest_fiscal_year: Option<i32>,
}

impl Population {
    /// The configured municipality and the newest fiscal year to generate.
    pub fn resolve<'s>(
        &self,
        settings: &'s Settings,
    ) -> anyhow::Result<(&'s MunicipalitySettings, i32)> {
        let code = self.synthetic.municipality.as_deref();
        municipality_and_year(settings, code, self.latest_fiscal_year)
    }

    /// The population's records, as a sync batch carries them.
    pub fn records(
        &self,
        m: &MunicipalitySettings,
        year: i32,
    ) -> impl Iterator<Item = crate::domain::sync_record::SyncRecord> + use<> {
        let Synthetic {
            seed, residents, ..
        } = self.synthetic;
        crate::tools::synthetic::records(seed, &m.into(), residents, year)
    }
}

/// Which synthetic residents a relay-side command (`relay-sim`, `load`) asks for, and for which
/// fiscal year: the residents, seed and municipality that `kofu seed` or `kofu sync gen` used.
#[derive(clap::Args, Debug, Clone)]
pub struct Residents {
    /// Residents, seed and municipality, as the data was generated.
    #[command(flatten)]
    pub synthetic: Synthetic,
    /// Fiscal year to ask for; defaults to the newest open today.
    #[arg(long)]
    pub fiscal_year: Option<i32>,
}

impl Residents {
    /// The configured municipality and the fiscal year to ask for.
    pub fn resolve<'s>(
        &self,
        settings: &'s Settings,
    ) -> anyhow::Result<(&'s MunicipalitySettings, i32)> {
        let code = self.synthetic.municipality.as_deref();
        municipality_and_year(settings, code, self.fiscal_year)
    }
}

/// The municipality named by `code` (else the first configured) and `year`, else the newest
/// fiscal year open there today.
fn municipality_and_year<'s>(
    settings: &'s Settings,
    code: Option<&str>,
    year: Option<i32>,
) -> anyhow::Result<(&'s MunicipalitySettings, i32)> {
    let m = pick_municipality(settings, code)?;
    Ok((m, year.unwrap_or_else(|| open_year(settings, m))))
}

/// The municipality named by `code`, or the first configured.
pub fn pick_municipality<'a>(
    settings: &'a Settings,
    code: Option<&str>,
) -> anyhow::Result<&'a MunicipalitySettings> {
    match code {
        Some(code) => {
            let code = LgCode::parse(code)?;
            settings
                .municipality(code)
                .with_context(|| format!("municipality {code} is not in the configuration"))
        }
        None => settings
            .municipalities
            .first()
            .context("the configuration has no [[municipalities]]"),
    }
}

/// The newest fiscal year open to anyone today (payroll withholding opens first): what synthetic
/// data includes and what the relay simulator asks for.
pub fn open_year(settings: &Settings, m: &MunicipalitySettings) -> i32 {
    crate::domain::eligibility::newest_year_open_to_anyone(clock(settings).today(), &m.policy)
}

/// The one clock, as configured.
pub fn clock(settings: &Settings) -> Clock {
    Clock::from_setting(settings.clock.fixed_now)
}

/// A small pool on a database that is at the current schema.
pub async fn migrated_pool(
    settings: &Settings,
    size: usize,
) -> anyhow::Result<deadpool_postgres::Pool> {
    let pool = crate::db::pool(
        settings.database.url.expose(),
        size,
        Duration::from_secs(30),
    )?;
    let client = pool.get().await.map_err(crate::db::DbError::from)?;
    crate::db::migrate::ensure_current(&client).await?;
    Ok(pool)
}

/// How a client command reaches kofu: the server's URL and the folder of certificates.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerArg {
    /// Server URL; defaults to https://localhost:<server.grpc_addr port>.
    #[arg(long)]
    pub server: Option<String>,
    /// Folder with ca.pem and this command's client certificate and key, <role>.pem and
    /// <role>.key (from `kofu dev-certs`).
    #[arg(long, default_value = "dev-certs")]
    pub certs: PathBuf,
}

impl ServerArg {
    /// `--server`, else localhost at the configured gRPC port.
    pub fn url(&self, settings: &Settings) -> String {
        self.server
            .clone()
            .unwrap_or_else(|| format!("https://localhost:{}", settings.server.grpc_addr.port()))
    }

    /// The CA, client certificate and key files for `role` ("relay", "sync", "ops").
    pub fn files(&self, role: &str) -> (PathBuf, PathBuf, PathBuf) {
        (
            self.certs.join("ca.pem"),
            self.certs.join(format!("{role}.pem")),
            self.certs.join(format!("{role}.key")),
        )
    }

    /// kofu at `--server` as `role`, with that role's certificate from `--certs`.
    pub fn endpoint(&self, settings: &Settings, role: &str) -> crate::tools::client::Endpoint {
        let (ca, cert, key) = self.files(role);
        crate::tools::client::Endpoint {
            server: self.url(settings),
            server_name: "localhost".into(),
            ca,
            cert,
            key,
        }
    }

    /// A mutual-TLS channel to kofu as `role`.
    pub async fn connect(
        &self,
        settings: &Settings,
        role: &str,
    ) -> anyhow::Result<tonic::transport::Channel> {
        Ok(self.endpoint(settings, role).connect().await?)
    }
}

/// When a synthetic batch counts as extracted: now, or the day its data describes (payments up to
/// 1 November of the newest year) if that is later, so that no date in it lies after extraction.
pub fn extraction_time(
    now: DateTime<FixedOffset>,
    latest_fiscal_year: i32,
) -> DateTime<FixedOffset> {
    let data_day = crate::tools::synthetic::extraction_date(latest_fiscal_year)
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(crate::clock::japan())
        .single()
        .expect("Japan has no DST");
    now.max(data_day)
}
