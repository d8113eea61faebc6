//! `kofu render --sample`: previews a certificate from built-in synthetic data with the
//! municipality's profile (layout, tax names, mayor, seal), without a database. `--shape` picks,
//! instead of the sample person, the first synthetic person whose year shows a given shape (a
//! loss, separate taxation, several credits, a dependant's 非課税, money not yet due).

use super::{clock, open_year, pick_municipality};
use crate::compose::{CertificateInput, compose};
use crate::config::Settings;
use crate::domain::assessment::{Assessment, Payment};
use crate::domain::certificate::{CertificateKind, certificate_number};
use crate::domain::resident::Resident;
use crate::pdf::{FontPaths, Renderer, Seal};
use crate::tools::synthetic::{self, sample};
use anyhow::Context;
use chrono::NaiveDate;
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
    /// A synthetic person whose year shows this shape, instead of the sample person.
    #[arg(long, value_enum)]
    shape: Option<Shape>,
    #[arg(long)]
    out: PathBuf,
}

/// What a preview's person shows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Income with a loss (△).
    Loss,
    /// Separately taxed income.
    Separate,
    /// Three or more tax credits.
    Credits,
    /// An undeclared dependant's 非課税証明書.
    Dependant,
    /// Instalments not yet due on the day of issue.
    NotYetDue,
}

impl Shape {
    fn shown_by(self, a: &Assessment, payments: &[Payment], today: NaiveDate) -> bool {
        match self {
            Shape::Loss => a.income_lines.iter().any(|l| l.income_yen < 0),
            Shape::Separate => !a.separate_income_lines.is_empty(),
            Shape::Credits => a.tax_credits.len() >= 3,
            Shape::Dependant => !a.declared && a.declared_as_dependant,
            Shape::NotYetDue => {
                a.taxable
                    && payments.iter().any(|p| {
                        p.instalments.iter().any(|i| i.due_date >= today)
                            && p.instalments.iter().any(|i| i.paid_yen > 0)
                    })
            }
        }
    }
}

/// The first of 20,000 synthetic people whose `year` shows `shape`, with that year's payments.
fn synthetic_person(
    m: &crate::config::MunicipalitySettings,
    shape: Shape,
    year: i32,
    today: NaiveDate,
) -> anyhow::Result<(Resident, Assessment, Vec<Payment>)> {
    synthetic::people(1, &m.into(), 20_000, year)
        .find_map(|p| {
            let a = p
                .assessments
                .iter()
                .find(|a| a.fiscal_year == year)?
                .clone();
            let payments: Vec<Payment> = p
                .payments
                .into_iter()
                .filter(|x| x.fiscal_year == year)
                .collect();
            shape
                .shown_by(&a, &payments, today)
                .then_some((p.resident, a, payments))
        })
        .with_context(|| format!("no synthetic person shows {shape:?} in fiscal year {year}"))
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
    let today = clock(&settings).today();
    let (resident, assessment, payments) = match args.shape {
        Some(shape) => synthetic_person(m, shape, year, today)?,
        None => {
            let assessment = sample::assessment(year, !args.untaxed);
            let payments = sample::payments(&assessment);
            (sample::resident(), assessment, payments)
        }
    };
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
