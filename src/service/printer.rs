//! Composing and rendering certificates off the async workers. Laying out and rendering a page
//! is CPU work of a millisecond or so: run on tokio's workers it would stall every other call on
//! that thread, so each job goes to the blocking pool, at most as many at once as there are cores
//! (more would only queue inside the CPU). No database connection is held meanwhile.

use crate::compose::{self, CertificateInput};
use crate::config::MunicipalitySettings;
use crate::db::residents::PersonYear;
use crate::domain::assessment::Assessment;
use crate::domain::certificate::{self, CertificateKind};
use crate::domain::lg_code::LgCode;
use crate::domain::printability::{self as printable, PrintField, PrintProblem};
use crate::metrics::Metrics;
use crate::pdf::{Document, LaidOut, RenderError, Renderer, Seal};
use crate::service::printability;
use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A rendering job ended without an answer (it panicked): a fault of kofu's.
#[derive(Debug, thiserror::Error)]
#[error("a rendering job stopped without finishing")]
pub struct RenderAborted;

/// The sequence whose certificate number prints widest (the series is zero-padded to 7 digits):
/// the page is laid out with it before a real number is drawn.
const WIDEST_SEQUENCE: i64 = 9_999_999;

/// The renderer, each municipality's seal, and the slots jobs take.
pub struct Printer {
    renderer: Arc<Renderer>,
    seals: HashMap<LgCode, Seal>,
    slots: Semaphore,
    metrics: Metrics,
}

impl Printer {
    /// A printer running at most `slots` jobs at once (at least one).
    pub fn new(
        renderer: Arc<Renderer>,
        seals: HashMap<LgCode, Seal>,
        slots: usize,
        metrics: Metrics,
    ) -> Self {
        Self {
            renderer,
            seals,
            slots: Semaphore::new(slots.max(1)),
            metrics,
        }
    }

    /// The number of slots that fits this machine: one per core.
    pub fn slots_for_this_machine() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    /// Runs `job` on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        job: impl FnOnce(&Printer) -> T + Send + 'static,
    ) -> Result<T, RenderAborted> {
        self.metrics.render_waiting.inc();
        let slot = self.slots.acquire().await;
        self.metrics.render_waiting.dec();
        let _slot = slot.map_err(|_| RenderAborted)?;
        let printer = self.clone();
        tokio::task::spawn_blocking(move || job(&printer))
            .await
            .map_err(|_| RenderAborted)
    }

    /// Whether the certificate prints in full: the person's texts where the person block prints
    /// them (the field that cannot print is named), then the whole page laid out with the widest
    /// certificate number. A printable page comes back laid out, to be finished with its real
    /// number ([`Printer::finish`]); should laying out fail for a reason that is not about the
    /// text (a fault of kofu's), that error comes back in its place.
    pub fn check_printable(
        &self,
        kind: CertificateKind,
        municipality: &MunicipalitySettings,
        person: &PersonYear,
        assessment: &Assessment,
        now: DateTime<FixedOffset>,
    ) -> Result<Result<LaidOut, RenderError>, (PrintField, PrintProblem)> {
        printability::check_texts(
            &self.renderer,
            printable::resident_texts(&person.resident)
                .into_iter()
                .chain([printable::assessment_text(assessment)]),
        )?;
        let widest = certificate::certificate_number(now.date_naive(), WIDEST_SEQUENCE);
        let document = self.document(kind, municipality, person, assessment, &widest, now);
        match self.renderer.lay_out(&document) {
            Err(error) => match printability::problem(&error) {
                Some(problem) => Err((PrintField::Page, problem)),
                None => Ok(Err(error)),
            },
            Ok(page) => Ok(Ok(page)),
        }
    }

    /// The PDF of a page [`Printer::check_printable`] laid out, with its real number.
    pub fn finish(&self, page: LaidOut, certificate_number: &str) -> Result<Vec<u8>, RenderError> {
        self.renderer
            .finish(page, &compose::certificate_number_line(certificate_number))
    }

    /// The certificate's PDF.
    pub fn render(
        &self,
        kind: CertificateKind,
        municipality: &MunicipalitySettings,
        person: &PersonYear,
        assessment: &Assessment,
        certificate_number: &str,
        issued_at: DateTime<FixedOffset>,
    ) -> Result<Vec<u8>, RenderError> {
        let document = self.document(
            kind,
            municipality,
            person,
            assessment,
            certificate_number,
            issued_at,
        );
        self.renderer.render(&document)
    }

    fn document(
        &self,
        kind: CertificateKind,
        municipality: &MunicipalitySettings,
        person: &PersonYear,
        assessment: &Assessment,
        certificate_number: &str,
        issued_at: DateTime<FixedOffset>,
    ) -> Document {
        compose::compose(&CertificateInput {
            kind,
            municipality,
            resident: &person.resident,
            assessment,
            payments: &person.payments,
            certificate_number,
            issued_on: issued_at.with_timezone(&crate::clock::japan()).date_naive(),
            seal: &self.seals[&municipality.code],
        })
    }
}
