//! `kofu render --sample`: previews a certificate from built-in synthetic data with the
//! municipality's profile (layout, tax names, mayor, seal), without a database.

use super::{clock, open_year, pick_municipality};
use crate::compose::{CertificateInput, compose};
use crate::config::Settings;
use crate::domain::certificate::{CertificateKind, certificate_number};
use crate::pdf::{FontPaths, Renderer, Seal};
use crate::tools::synthetic::sample;
use anyhow::Context;
use std::path::PathBuf;

/// What to preview and where to write it.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Municipality profile; without it a built-in 新宿区 profile is used.
    #[arg(long, env = "KOFU_CONFIG")]
    config: Option<PathBuf>,
    /// income, taxation, income-and-taxation or tax-payment.
    #[arg(long)]
    kind: String,
    /// Use the built-in synthetic person (the only source for now).
    #[arg(long)]
    sample: bool,
    /// Render the sample's non-taxed year (非課税).
    #[arg(long)]
    untaxed: bool,
    #[arg(long)]
    municipality: Option<String>,
    /// Fiscal year to print; defaults to the newest open today.
    #[arg(long)]
    fiscal_year: Option<i32>,
    #[arg(long)]
    out: PathBuf,
}

/// Renders the preview and says where it went.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.sample,
        "only --sample is supported: previews use built-in synthetic data"
    );
    let kind = CertificateKind::from_code(&args.kind).with_context(|| {
        format!(
            "unknown kind {:?}: use income, taxation, income-and-taxation or tax-payment",
            args.kind
        )
    })?;
    let settings = match &args.config {
        Some(path) => Settings::load(Some(path))?,
        None => Settings::load(Some(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ops/kofu.dev.toml"
        ))))?,
    };
    let m = pick_municipality(&settings, args.municipality.as_deref())?;
    let year = args.fiscal_year.unwrap_or_else(|| open_year(&settings, m));
    let renderer = Renderer::new(&FontPaths {
        primary: settings.fonts.primary.clone(),
        fallback: settings.fonts.fallback.clone(),
    })?;
    let resident = sample::resident();
    let assessment = sample::assessment(year, !args.untaxed);
    let payments = sample::payments(&assessment);
    let today = clock(&settings).today();
    let document = compose(&CertificateInput {
        kind,
        municipality: m,
        resident: &resident,
        assessment: &assessment,
        payments: &payments,
        certificate_number: &certificate_number(today, 123),
        issued_on: today,
        seal: &Seal::load(m.seal_image.as_deref(), &m.seal_text)?,
    });
    let pdf = renderer.render(&document)?;
    std::fs::write(&args.out, &pdf).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} ({} bytes): {}",
        args.out.display(),
        pdf.len(),
        document.title
    );
    Ok(())
}
