//! Issuing a certificate: resolve the card, apply the rules, number, render and record it.
//! This is the one place that combines the database, the domain rules and the renderer; the
//! gRPC handler only converts to and from the wire.

use crate::clock::Clock;
use crate::config::{MunicipalitySettings, Settings};
use crate::db::audit::{Appended, AuditEntry};
use crate::db::issuance::IssuanceRecord;
use crate::db::printability::PrintRefusal;
use crate::db::residents::PersonYear;
use crate::db::{self, DbError};
use crate::domain::caller::Caller;
use crate::domain::certificate::{
    self, AvailabilityRequest, CertificateKind, CertificateState, IssueRequest, PrintReport,
    RequestError, VerificationRequest,
};
use crate::domain::eligibility;
use crate::domain::lg_code::LgCode;
use crate::domain::printability::{PrintField, PrintProblem};
use crate::domain::refusal::RefusalReason;
use crate::pdf::{LaidOut, RenderError};
use crate::service::audit::{Audit, Unrecorded};
use crate::service::numbering::Numbering;
use crate::service::printability;
use crate::service::printer::{Printer, RenderAborted};
use chrono::{DateTime, FixedOffset, SubsecRound};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A certificate handed to the relay. The PDF lives only in this value; kofu keeps its SHA-256.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// The number printed on the certificate, e.g. "R7-0000123": era and year of the fiscal year of
    /// issue, then the running number.
    pub certificate_number: String,
    /// The PDF itself; never stored.
    pub pdf: Vec<u8>,
    /// SHA-256 of the PDF, 64 lowercase hex digits; the issuance record keeps it for verification.
    pub pdf_sha256: String,
    /// The fee for all copies, yen (fee per copy × copies).
    pub fee_yen: u32,
    /// Copies the kiosk is to print.
    pub copies: u32,
    /// When it was issued, Japan time, whole seconds; printed as the date of issue.
    pub issued_at: DateTime<FixedOffset>,
    /// Whether the call's audit entry was committed with the issuance record (a first
    /// issuance); a retry's answer leaves its entry to the caller.
    pub entry_recorded: bool,
}

/// The answer to an issue request: a certificate or a refusal the resident is shown.
#[derive(Debug, Clone)]
pub enum IssueOutcome {
    /// The certificate was issued (or, for a retry, reproduced byte for byte).
    Issued(IssuedCertificate),
    /// The resident cannot get this certificate at a kiosk; the reason stays in the municipality.
    Refused(RefusalReason),
}

/// Why a request could not be answered with a certificate or a refusal; mapped to a gRPC status.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The request is malformed, or asks for more copies than the municipality allows.
    #[error(transparent)]
    Invalid(#[from] RequestError),
    /// The municipality code is valid but not configured on this server.
    #[error("municipality {0} is not served by this kofu server")]
    UnknownMunicipality(LgCode),
    /// The request_id was used before with different fields.
    #[error(
        "request_id was already used for a different request; send a new request_id for a new request"
    )]
    RequestIdReused,
    /// A retry cannot be answered with the same bytes: the tax data changed since the first answer.
    #[error(
        "the certificate for this request_id cannot be reproduced because the tax data changed after it was issued; send a new request_id"
    )]
    NotReproducible,
    /// No certificate with this number was issued by this municipality.
    #[error("no certificate {0} was issued by this municipality")]
    UnknownCertificate(String),
    /// A print report contradicts the certificate's final state (printed vs. voided).
    #[error(
        "certificate {number} was already reported {state}; a final state is not changed: ask the operator to investigate"
    )]
    FinalState {
        /// The certificate number reported.
        number: String,
        /// The state it already has: "printed" or "voided".
        state: &'static str,
    },
    /// The database failed or holds something unexpected.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The PDF could not be rendered for a fault of kofu's (font subsetting); what cannot print
    /// (a character without a glyph, a text or page that does not fit) is a refusal instead.
    #[error("rendering failed: {0}")]
    Render(RenderError),
    /// A rendering job ended without an answer.
    #[error(transparent)]
    RenderAborted(#[from] RenderAborted),
    /// The certificate and its audit entry could not be committed: nothing was recorded.
    #[error(transparent)]
    Unrecorded(#[from] Unrecorded),
}

/// What a resident may obtain now: per kind, fiscal years (newest first) and fee per copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Which certificate.
    pub kind: CertificateKind,
    /// The fiscal years (Gregorian start year) it can be issued for, newest first.
    pub fiscal_years: Vec<i32>,
    /// Fee per copy, yen.
    pub fee_yen: u32,
}

/// What ListAvailable answers: the certificates on offer, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// At least one kind can be issued now.
    Offers(Vec<Offer>),
    /// Nothing can be issued; the first reason found.
    Refused(RefusalReason),
}

/// The answer to VerifyCertificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Issued here with these exact bytes, and not voided.
    Valid(db::issuance::CertificateStatus),
    /// Issued here with these bytes, but the kiosk failed to print it: void.
    Voided(db::issuance::CertificateStatus),
    /// No certificate with this number and hash was issued here.
    Unknown,
}

/// The issuing service: the rules, numbering, rendering and records behind IssuanceService and
/// CertificateVerificationService.
pub struct IssuanceService {
    pool: Pool,
    printer: Arc<Printer>,
    settings: Arc<Settings>,
    clock: Clock,
    numbering: Arc<Numbering>,
    audit: Audit,
}

impl IssuanceService {
    /// A service for the municipalities in `settings`, rendering with `printer` and recording
    /// issued certificates with their audit entries in `audit`.
    pub fn new(
        pool: Pool,
        printer: Arc<Printer>,
        settings: Arc<Settings>,
        clock: Clock,
        audit: Audit,
    ) -> Self {
        Self {
            pool,
            printer,
            settings,
            clock,
            numbering: Arc::default(),
            audit,
        }
    }

    fn municipality(&self, lg_code: LgCode) -> Result<&MunicipalitySettings, IssueError> {
        self.settings
            .municipality(lg_code)
            .ok_or(IssueError::UnknownMunicipality(lg_code))
    }

    /// Issues a certificate, or refuses it with a reason for the resident. A retry with the same
    /// request_id returns the first certificate again; fails on bad input, reuse of a request_id,
    /// database or rendering errors.
    ///
    /// `entry` is the call's audit entry: a first issuance is recorded with it, outcome
    /// "issued", in the same commit as its issuance record (the answer says so); every other
    /// answer leaves the entry to the caller.
    pub async fn issue(
        &self,
        request: &IssueRequest,
        caller: &Caller,
        entry: AuditEntry,
    ) -> Result<IssueOutcome, IssueError> {
        let municipality = self.municipality(request.lg_code)?;
        let policy = &municipality.policy;
        if request.copies > policy.max_copies {
            return Err(RequestError::Copies {
                max: policy.max_copies,
            }
            .into());
        }
        let fingerprint = fingerprint(request);
        let now = self.clock.now().trunc_subsecs(0);
        let today = now.date_naive();

        // The retry lookup and the person in one round trip (pipelined on one connection),
        // which goes back to the pool before anything is rendered.
        let (previous, person) = {
            let client = self.pool.get().await.map_err(DbError::from)?;
            tokio::try_join!(
                db::issuance::find_by_request(&client, request.lg_code, &request.request_id),
                db::residents::by_card(
                    &client,
                    request.lg_code,
                    request.card_serial.as_str(),
                    request.fiscal_year,
                    today,
                ),
            )?
        };
        if let Some(record) = previous {
            return self.reproduce(&record, &fingerprint).await;
        }
        // After the retry lookup: a certificate issued a second before closing is still returned.
        if let Err(reason) = eligibility::check_service_hours(now.naive_local(), policy) {
            return Ok(IssueOutcome::Refused(reason));
        }
        let Some(person) = person else {
            return Ok(IssueOutcome::Refused(RefusalReason::UnknownCard));
        };
        let checks = eligibility::check_person(&person.resident, request.kind, policy, today)
            .and_then(|()| {
                eligibility::check_year(
                    request.kind,
                    request.fiscal_year,
                    person.assessment.as_ref(),
                    &person.payments,
                    policy,
                    today,
                )
            });
        if let Err(reason) = checks {
            return Ok(IssueOutcome::Refused(reason));
        }
        // check_year has refused a year without an assessment; this keeps a panic out of reach.
        if person.assessment.is_none() {
            return Ok(IssueOutcome::Refused(
                RefusalReason::NotResidentOnAssessmentDate,
            ));
        }
        let person = Arc::new(person);
        let print_refusal = |field, problem| PrintRefusal {
            lg_code: request.lg_code,
            refused_at: now.to_utc(),
            action: "IssueCertificate",
            request_id: Some(request.request_id.clone()),
            addressee_no: person.resident.addressee_no.clone(),
            kind: Some(request.kind),
            fiscal_year: Some(request.fiscal_year),
            field,
            problem,
        };
        // What cannot print is refused before a number is spent on it. The page is laid out
        // once, with the widest number; when the current block has a number left, the same job
        // takes it and finishes the page, otherwise a block is reserved and a second job does.
        let series = (
            request.lg_code,
            crate::domain::fiscal_year::containing(today),
        );
        let drawn = {
            let (settings, person, numbering, kind) = (
                self.settings.clone(),
                person.clone(),
                self.numbering.clone(),
                request.kind,
            );
            self.printer
                .run(move |printer| {
                    let municipality = settings.municipality(series.0)?;
                    let assessment = person.assessment.as_ref()?;
                    let checked =
                        printer.check_printable(kind, municipality, &person, assessment, now);
                    Some(match checked {
                        Err((field, problem)) => Drawn::Unprintable(field, problem),
                        Ok(page) => match numbering.next_reserved(series.0, series.1) {
                            Some(sequence) => {
                                Drawn::Finished(finish(printer, page, today, sequence))
                            }
                            None => Drawn::Printable(page),
                        },
                    })
                })
                .await?
                .ok_or(IssueError::NotReproducible)?
        };
        let (certificate_number, rendered) = match drawn {
            Drawn::Unprintable(field, problem) => {
                self.record_print_refusal(print_refusal(field, problem))
                    .await;
                return Ok(IssueOutcome::Refused(problem.refusal()));
            }
            Drawn::Finished(finished) => finished,
            Drawn::Printable(page) => {
                let sequence = self.numbering.next(&self.pool, series.0, series.1).await?;
                self.printer
                    .run(move |printer| finish(printer, page, today, sequence))
                    .await?
            }
        };
        let (pdf, pdf_sha256) = match rendered {
            Ok(finished) => finished,
            // The page was laid out with the widest number before; should the real one still not
            // print, it is refused all the same, and its number is a gap in the series.
            Err(error) => match printability::problem(&error) {
                Some(problem) => {
                    self.record_print_refusal(print_refusal(PrintField::Page, problem))
                        .await;
                    return Ok(IssueOutcome::Refused(problem.refusal()));
                }
                None => return Err(IssueError::Render(error)),
            },
        };
        let fee_yen = policy.fee_yen.per_copy(request.kind) * request.copies;
        let record = IssuanceRecord {
            lg_code: request.lg_code,
            certificate_number: certificate_number.clone(),
            request_id: request.request_id.clone(),
            request_fingerprint: fingerprint.clone(),
            addressee_no: person.resident.addressee_no.clone(),
            kind: request.kind,
            fiscal_year: request.fiscal_year,
            copies: request.copies as i32,
            fee_yen: fee_yen as i32,
            operator_code: request.kiosk.operator_code.clone(),
            terminal_id: request.kiosk.terminal_id.clone(),
            client_identity: caller.identity.clone(),
            pdf_sha256: pdf_sha256.clone(),
            issued_at: now,
        };
        let entry = AuditEntry {
            outcome: ISSUED.into(),
            certificate_number: Some(certificate_number.clone()),
            pdf_sha256: Some(pdf_sha256.clone()),
            ..entry
        };
        match self.audit.record_issuance(entry, record).await? {
            Appended::Recorded { .. } => Ok(IssueOutcome::Issued(IssuedCertificate {
                certificate_number,
                pdf,
                pdf_sha256,
                fee_yen,
                copies: request.copies,
                issued_at: now,
                entry_recorded: true,
            })),
            // A concurrent retry of the same request won the race: answer with its certificate.
            Appended::RequestIdTaken => {
                let client = self.pool.get().await.map_err(DbError::from)?;
                let record =
                    db::issuance::find_by_request(&client, request.lg_code, &request.request_id)
                        .await?
                        .ok_or_else(|| DbError::Corrupt("issuance record vanished".into()))?;
                drop(client);
                self.reproduce(&record, &fingerprint).await
            }
        }
    }

    /// Every kind and fiscal year this resident could be issued now.
    pub async fn list_available(
        &self,
        request: &AvailabilityRequest,
    ) -> Result<Availability, IssueError> {
        let (lg_code, card_serial) = (request.lg_code, &request.card_serial);
        let municipality = self.municipality(lg_code)?;
        let policy = &municipality.policy;
        let now = self.clock.now();
        let today = now.date_naive();
        if let Err(reason) = eligibility::check_service_hours(now.naive_local(), policy) {
            return Ok(Availability::Refused(reason));
        }
        // Every year any kind could offer anyone (down to the retention floor: between the
        // switchovers a direct-billing resident still gets one year more): the rules then decide
        // per person. One lookup per year, pipelined on one connection.
        let newest = eligibility::newest_year_open_to_anyone(today, policy);
        let oldest = crate::domain::retention::oldest_fiscal_year_kept(today, policy);
        let found = {
            let client = self.pool.get().await.map_err(DbError::from)?;
            futures_util::future::try_join_all((oldest..=newest).rev().map(|fiscal_year| {
                let client = &client;
                async move {
                    db::residents::by_card(
                        client,
                        lg_code,
                        card_serial.as_str(),
                        fiscal_year,
                        today,
                    )
                    .await
                    .map(|person| person.map(|p| (fiscal_year, p)))
                }
            }))
            .await?
        };
        let Some(years) = found.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok(Availability::Refused(RefusalReason::UnknownCard));
        };
        // Start-up keeps the newest year at or above the retention floor; this keeps a panic
        // out of reach should that ever change.
        if years.is_empty() {
            return Ok(Availability::Refused(RefusalReason::YearNotAvailable));
        }
        let settings = self.settings.clone();
        let (offers, first_refusal, first_unprintable) = self
            .printer
            .run(move |printer| {
                let Some(municipality) = settings.municipality(lg_code) else {
                    return (Vec::new(), Some(RefusalReason::KindNotOffered), None);
                };
                offers(printer, municipality, &years, now)
            })
            .await?;
        if let Some(unprintable) = first_unprintable {
            self.record_print_refusal(PrintRefusal {
                lg_code,
                refused_at: now.to_utc(),
                action: "ListAvailable",
                request_id: None,
                ..unprintable
            })
            .await;
        }
        Ok(match (offers.is_empty(), first_refusal) {
            (false, _) => Availability::Offers(offers),
            (true, Some(reason)) => Availability::Refused(reason),
            (true, None) => Availability::Refused(RefusalReason::KindNotOffered),
        })
    }

    /// Records the kiosk's print result; returns the certificate's state after it.
    pub async fn report_print(&self, report: &PrintReport) -> Result<CertificateState, IssueError> {
        let (lg_code, number) = (report.lg_code, report.certificate_number.as_str());
        self.municipality(lg_code)?;
        let client = self.pool.get().await.map_err(DbError::from)?;
        let unknown = || IssueError::UnknownCertificate(number.to_owned());
        // Two reports may race: re-read and re-decide until one change sticks or none is needed.
        loop {
            let current = db::issuance::find_by_number(&client, lg_code, number)
                .await?
                .ok_or_else(unknown)?
                .state;
            let next =
                certificate::after_print_report(current, report.result).map_err(|state| {
                    IssueError::FinalState {
                        number: number.to_owned(),
                        state: state.code(),
                    }
                })?;
            if next == current
                || db::issuance::change_state(&client, lg_code, number, current, next).await?
            {
                return Ok(next);
            }
        }
    }

    /// Whether a certificate with this number and these bytes was issued here, and is void.
    pub async fn verify(&self, request: &VerificationRequest) -> Result<Verification, IssueError> {
        self.municipality(request.lg_code)?;
        let client = self.pool.get().await.map_err(DbError::from)?;
        let status =
            db::issuance::find_by_number(&client, request.lg_code, &request.certificate_number)
                .await?;
        Ok(match status {
            Some(s) if s.pdf_sha256.eq_ignore_ascii_case(&request.pdf_sha256) => {
                if s.state == CertificateState::Voided {
                    Verification::Voided(s)
                } else {
                    Verification::Valid(s)
                }
            }
            _ => Verification::Unknown,
        })
    }

    /// Answers a retry with the certificate first issued: same number, same bytes.
    async fn reproduce(
        &self,
        record: &IssuanceRecord,
        fingerprint: &str,
    ) -> Result<IssueOutcome, IssueError> {
        if record.request_fingerprint != fingerprint {
            return Err(IssueError::RequestIdReused);
        }
        let person = {
            let client = self.pool.get().await.map_err(DbError::from)?;
            db::residents::by_addressee(
                &client,
                record.lg_code,
                &record.addressee_no,
                record.fiscal_year,
            )
            .await?
            .ok_or(IssueError::NotReproducible)?
        };
        let pdf = self
            .render(
                record.kind,
                record.lg_code,
                Arc::new(person),
                record.certificate_number.clone(),
                record.issued_at,
            )
            .await?
            .map_err(|e| match e {
                // The data changed so that the page no longer prints or fits as it did.
                RenderError::UnprintableCharacter { .. } | RenderError::DoesNotFit => {
                    IssueError::NotReproducible
                }
                other => IssueError::Render(other),
            })?;
        let pdf_sha256 = hex::encode(Sha256::digest(&pdf));
        if pdf_sha256 != record.pdf_sha256 {
            return Err(IssueError::NotReproducible);
        }
        Ok(IssueOutcome::Issued(IssuedCertificate {
            certificate_number: record.certificate_number.clone(),
            pdf,
            pdf_sha256,
            fee_yen: record.fee_yen as u32,
            copies: record.copies as u32,
            issued_at: record.issued_at,
            entry_recorded: false,
        }))
    }

    /// Renders on the printer's pool; `NotReproducible` when the person has no assessment for
    /// the year any more (only a retry can meet that).
    async fn render(
        &self,
        kind: CertificateKind,
        lg_code: LgCode,
        person: Arc<PersonYear>,
        certificate_number: String,
        issued_at: DateTime<FixedOffset>,
    ) -> Result<Result<Vec<u8>, RenderError>, IssueError> {
        let settings = self.settings.clone();
        let rendered = self
            .printer
            .run(move |printer| {
                let municipality = settings.municipality(lg_code)?;
                let assessment = person.assessment.as_ref()?;
                Some(printer.render(
                    kind,
                    municipality,
                    &person,
                    assessment,
                    &certificate_number,
                    issued_at,
                ))
            })
            .await?;
        rendered.ok_or(IssueError::NotReproducible)
    }

    /// Records a kiosk request turned away because its certificate could not print, for
    /// `kofu report unprintable`. The refusal stands whether or not this is written (the audit
    /// trail has it in any case).
    async fn record_print_refusal(&self, refusal: PrintRefusal) {
        let written = match self.pool.get().await {
            Ok(client) => db::printability::record_refusal(&client, &refusal).await,
            Err(error) => Err(DbError::from(error)),
        };
        if let Err(error) = written {
            tracing::warn!(error = %error, "print refusal not recorded for the report");
        }
    }
}

/// A certificate number and its PDF with the PDF's SHA-256 (hex), or why the PDF failed.
type Finished = (String, Result<(Vec<u8>, String), RenderError>);

/// What the rendering job of an IssueCertificate call came back with.
enum Drawn {
    /// The certificate cannot print: no number was taken.
    Unprintable(PrintField, PrintProblem),
    /// It prints, but the current block had no number left: the page waits for one.
    Printable(Result<LaidOut, RenderError>),
    /// Numbered and rendered.
    Finished(Finished),
}

/// Finishes a laid-out page with number `sequence` of the series; on the printer's pool, as the
/// hash of the PDF is CPU work too.
fn finish(
    printer: &Printer,
    page: Result<LaidOut, RenderError>,
    today: chrono::NaiveDate,
    sequence: i64,
) -> Finished {
    let certificate_number = certificate::certificate_number(today, sequence);
    let pdf = page
        .and_then(|page| printer.finish(page, &certificate_number))
        .map(|pdf| {
            let sha256 = hex::encode(Sha256::digest(&pdf));
            (pdf, sha256)
        });
    (certificate_number, pdf)
}

/// What ListAvailable offers a person, from their years (newest first): the offers, the first
/// reason something was withheld, and the first kind and year withheld because it cannot print.
/// The checks are `issue`'s, in its order: the rules, then printability.
fn offers(
    printer: &Printer,
    municipality: &MunicipalitySettings,
    years: &[(i32, PersonYear)],
    now: DateTime<FixedOffset>,
) -> (Vec<Offer>, Option<RefusalReason>, Option<PrintRefusal>) {
    let policy = &municipality.policy;
    let today = now.date_naive();
    let resident = &years[0].1.resident;
    let mut offers = Vec::new();
    let mut first_refusal = None;
    let mut first_unprintable = None;
    for &kind in &policy.kinds_offered {
        if let Err(reason) = eligibility::check_person(resident, kind, policy, today) {
            first_refusal.get_or_insert(reason);
            continue;
        }
        let mut fiscal_years = Vec::new();
        for (fiscal_year, person) in years {
            let outcome = eligibility::check_year(
                kind,
                *fiscal_year,
                person.assessment.as_ref(),
                &person.payments,
                policy,
                today,
            )
            .and_then(|()| {
                let assessment = person
                    .assessment
                    .as_ref()
                    .ok_or(RefusalReason::NotResidentOnAssessmentDate)?;
                printer
                    .check_printable(kind, municipality, person, assessment, now)
                    .map(|_laid_out| ())
                    .map_err(|(field, problem)| {
                        first_unprintable.get_or_insert(PrintRefusal {
                            lg_code: municipality.code,
                            refused_at: now.to_utc(),
                            action: "ListAvailable",
                            request_id: None,
                            addressee_no: resident.addressee_no.clone(),
                            kind: Some(kind),
                            fiscal_year: Some(*fiscal_year),
                            field,
                            problem,
                        });
                        problem.refusal()
                    })
            });
            match outcome {
                Ok(()) => fiscal_years.push(*fiscal_year),
                Err(reason) => {
                    first_refusal.get_or_insert(reason);
                }
            }
        }
        if !fiscal_years.is_empty() {
            offers.push(Offer {
                kind,
                fiscal_years,
                fee_yen: policy.fee_yen.per_copy(kind),
            });
        }
    }
    (offers, first_refusal, first_unprintable)
}

/// The audit outcome of a certificate handed out.
const ISSUED: &str = "issued";

/// SHA-256 over the request's fields, telling a retry (same fields) from a reuse of its request_id.
fn fingerprint(request: &IssueRequest) -> String {
    let mut hasher = Sha256::new();
    for field in [
        request.lg_code.to_string().as_str(),
        request.card_serial.as_str(),
        request.kind.code(),
        &request.fiscal_year.to_string(),
        &request.copies.to_string(),
        &request.kiosk.operator_code,
        &request.kiosk.terminal_id,
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}
