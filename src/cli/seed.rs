//! `kofu seed`: replaces a municipality's data with a synthetic population, through the sync
//! pipeline (a FULL batch applied in-process), so seeded data passes every check real data does.

use super::{ConfigArg, Population, clock, extraction_time, migrated_pool};
use crate::domain::caller::Caller;
use crate::domain::sync_record::{RecordType as T, SyncMode};
use crate::metrics::Metrics;
use crate::pdf::{FontPaths, Renderer};
use crate::service::printability::PrintScan;
use crate::service::sync::{BatchHeader, BatchState, SyncService};
use anyhow::Context;
use std::sync::Arc;

/// The configuration and the population.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    population: Population,
}

/// Applies the batch and prints what it loaded.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let settings = args.config.load()?;
    let (m, year) = args.population.resolve(&settings)?;
    let m = m.clone();
    let clock = clock(&settings);
    let pool = migrated_pool(&settings, 2).await?;
    // Seeded data is scanned for printability as a pushed batch is.
    let renderer = Renderer::new(&FontPaths {
        primary: settings.fonts.primary.clone(),
        fallback: settings.fonts.fallback.clone(),
    })
    .context("loading fonts")?;
    let scan = PrintScan::new(pool.clone(), Arc::new(renderer), Metrics::new(), clock);
    let service = SyncService::new(pool, Arc::new(settings), clock).with_scan(scan);
    let started = std::time::Instant::now();
    let now = extraction_time(clock.now(), year).to_utc();
    let report = service
        .apply(
            BatchHeader {
                batch_id: format!("seed-{}", now.timestamp_micros()),
                lg_code: m.code,
                mode: SyncMode::Full,
                extracted_at: now,
            },
            &Caller::new("kofu seed"),
            args.population.records(&m, year),
        )
        .await?;
    anyhow::ensure!(
        report.state == BatchState::Applied,
        "the synthetic batch was rejected: {:?}",
        report.errors.first()
    );
    println!(
        "seeded {} ({}): {} residents, {} card links, {} assessments, {} payments for fiscal years {}..={} in {:.1?}",
        m.name,
        m.code,
        report.counts.get(T::Resident),
        report.counts.get(T::CardLink),
        report.counts.get(T::Assessment),
        report.counts.get(T::Payment),
        year - 3,
        year,
        started.elapsed()
    );
    Ok(())
}
