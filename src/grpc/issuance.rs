//! `kofu.v1.IssuanceService` (relay) and `kofu.v1.CertificateVerificationService` (ops): convert
//! wire messages to domain requests and back. No SQL, no PDF.

use super::pb;
use crate::audit::{Audit, unrecorded};
use crate::db::audit::AuditEntry;
use crate::domain::certificate::{
    CardSerial, CertificateKind, CertificateState, IssueRequest, PrintResult, RawIssueRequest,
    RequestError,
};
use crate::domain::lg_code::LgCode;
use crate::issuance::{
    Availability, Caller, IssuanceService, IssueError, IssueOutcome, Verification,
};
use crate::metrics::Metrics;
use std::sync::Arc;
use std::time::Instant;
use tonic::{Request, Response, Status};

pub struct IssuanceApi {
    service: Arc<IssuanceService>,
    metrics: Metrics,
    audit: Audit,
}

impl IssuanceApi {
    pub fn new(service: Arc<IssuanceService>, metrics: Metrics, audit: Audit) -> Self {
        Self {
            service,
            metrics,
            audit,
        }
    }
}

fn caller_of<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Status::permission_denied("no authenticated caller"))
}

fn entry(
    caller: &Caller,
    action: &str,
    lg_code: &str,
    request: serde_json::Value,
    outcome: String,
) -> AuditEntry {
    AuditEntry {
        at: chrono::Utc::now(),
        client_identity: caller.identity.clone(),
        action: action.to_owned(),
        lg_code: lg_code.to_owned(),
        request,
        outcome,
        certificate_number: None,
        pdf_sha256: None,
    }
}

/// How a failed call is recorded: its status code, never its message (which may name a field
/// but is not needed to audit the call).
fn failed(status: &Status) -> String {
    format!("error:{:?}", status.code())
}

fn kind_from_wire(kind: i32) -> Option<CertificateKind> {
    match pb::CertificateKind::try_from(kind).ok()? {
        pb::CertificateKind::Unspecified => None,
        pb::CertificateKind::Income => Some(CertificateKind::Income),
        pb::CertificateKind::Taxation => Some(CertificateKind::Taxation),
        pb::CertificateKind::IncomeAndTaxation => Some(CertificateKind::IncomeAndTaxation),
        pb::CertificateKind::TaxPayment => Some(CertificateKind::TaxPayment),
    }
}

impl TryFrom<&pb::IssueCertificateRequest> for IssueRequest {
    type Error = RequestError;

    fn try_from(m: &pb::IssueCertificateRequest) -> Result<Self, Self::Error> {
        let kiosk = m.kiosk.clone().unwrap_or_default();
        IssueRequest::parse(RawIssueRequest {
            request_id: &m.request_id,
            municipality_code: &m.municipality_code,
            card_serial: m.applicant.as_ref().map_or("", |a| a.card_serial.as_str()),
            kind: kind_from_wire(m.kind),
            fiscal_year: m.fiscal_year,
            copies: m.copies,
            operator_code: &kiosk.operator_code,
            terminal_id: &kiosk.terminal_id,
        })
    }
}

fn refusal_to_wire(reason: crate::domain::refusal::RefusalReason) -> pb::Refusal {
    use crate::domain::refusal::RefusalReason as R;
    use pb::RefusalReason as W;
    let wire = match reason {
        R::UnknownCard => W::UnknownCard,
        R::MovedOut => W::MovedOut,
        R::Deceased => W::Deceased,
        R::SupportMeasure => W::SupportMeasure,
        R::IssuanceStopped => W::IssuanceStopped,
        R::UnderMinimumAge => W::UnderMinimumAge,
        R::NotResidentOnAssessmentDate => W::NotResidentOnAssessmentDate,
        R::NoDeclaration => W::NoDeclaration,
        R::YearNotAvailable => W::YearNotAvailable,
        R::KindNotOffered => W::KindNotOffered,
        R::NotTaxedYear => W::NotTaxedYear,
        R::Arrears => W::Arrears,
        R::PaymentNotYetReflected => W::PaymentNotYetReflected,
        R::UnderRevision => W::UnderRevision,
        R::OutsideServiceHours => W::OutsideServiceHours,
        R::UnprintableCharacter => W::UnprintableCharacter,
    };
    pb::Refusal {
        reason: wire as i32,
        message: reason.kiosk_message().to_owned(),
    }
}

#[tonic::async_trait]
impl pb::issuance_service_server::IssuanceService for IssuanceApi {
    #[tracing::instrument(skip_all, fields(request.id, certificate.kind, outcome))]
    async fn issue_certificate(
        &self,
        request: Request<pb::IssueCertificateRequest>,
    ) -> Result<Response<pb::IssueCertificateResponse>, Status> {
        let started = Instant::now();
        let caller = caller_of(&request)?;
        let message = request.into_inner();
        let span = tracing::Span::current();
        span.record("request.id", message.request_id.as_str());
        let kind_label = kind_from_wire(message.kind).map_or("unspecified", |k| k.code());
        span.record("certificate.kind", kind_label);

        let result = match IssueRequest::try_from(&message) {
            Ok(parsed) => self.service.issue(&parsed, &caller).await,
            Err(e) => Err(IssueError::Invalid(e)),
        };
        let outcome = match &result {
            Ok(IssueOutcome::Issued(_)) => "issued",
            Ok(IssueOutcome::Refused(reason)) => {
                self.metrics
                    .refusals_total
                    .with_label_values(&[reason.code()])
                    .inc();
                "refused"
            }
            Err(
                IssueError::Invalid(_)
                | IssueError::RequestIdReused
                | IssueError::UnknownMunicipality(_),
            ) => "invalid",
            Err(_) => "error",
        };
        span.record("outcome", outcome);
        self.metrics
            .issuance_seconds
            .with_label_values(&[kind_label, outcome])
            .observe(started.elapsed().as_secs_f64());

        let asked = serde_json::json!({
            "request_id": message.request_id,
            "kind": kind_label,
            "fiscal_year": message.fiscal_year,
            "copies": message.copies,
            "kiosk": message.kiosk.as_ref().map(|k| [&k.operator_code, &k.terminal_id]),
        });
        let mut record = entry(
            &caller,
            "IssueCertificate",
            &message.municipality_code,
            asked,
            String::new(),
        );
        record.outcome = match &result {
            Ok(IssueOutcome::Issued(c)) => {
                record.certificate_number = Some(c.certificate_number.clone());
                record.pdf_sha256 = Some(c.pdf_sha256.clone());
                "issued".into()
            }
            Ok(IssueOutcome::Refused(reason)) => format!("refused:{}", reason.code()),
            Err(e) => format!("error:{:?}", super::status::code_of(e)),
        };
        self.audit
            .record(record)
            .await
            .map_err(|e| unrecorded(&e))?;

        let response = match result? {
            IssueOutcome::Issued(c) => {
                tracing::info!(certificate.number = %c.certificate_number, "issued");
                pb::issue_certificate_response::Outcome::Issued(pb::IssuedCertificate {
                    certificate_number: c.certificate_number,
                    pdf: c.pdf,
                    pdf_sha256: c.pdf_sha256,
                    fee_yen: c.fee_yen as i32,
                    copies: c.copies as i32,
                    issued_at: Some(prost_types::Timestamp {
                        seconds: c.issued_at.timestamp(),
                        nanos: 0,
                    }),
                })
            }
            IssueOutcome::Refused(reason) => {
                tracing::info!(refusal.reason = reason.code(), "refused");
                pb::issue_certificate_response::Outcome::Refusal(refusal_to_wire(reason))
            }
        };
        Ok(Response::new(pb::IssueCertificateResponse {
            outcome: Some(response),
        }))
    }

    async fn list_available(
        &self,
        request: Request<pb::ListAvailableRequest>,
    ) -> Result<Response<pb::ListAvailableResponse>, Status> {
        let caller = caller_of(&request)?;
        let m = request.into_inner();
        let result = self.list_available_inner(&m).await;
        let outcome = match &result {
            Ok(r) if r.refusal.is_some() => {
                format!("refused:{}", r.refusal.as_ref().map_or(0, |x| x.reason))
            }
            Ok(r) => format!("offers:{}", r.offers.len()),
            Err(status) => failed(status),
        };
        let asked = serde_json::json!({ "request_id": m.request_id });
        self.audit
            .record(entry(
                &caller,
                "ListAvailable",
                &m.municipality_code,
                asked,
                outcome,
            ))
            .await
            .map_err(|e| unrecorded(&e))?;
        result.map(Response::new)
    }

    async fn report_print_result(
        &self,
        request: Request<pb::ReportPrintResultRequest>,
    ) -> Result<Response<pb::ReportPrintResultResponse>, Status> {
        let caller = caller_of(&request)?;
        let m = request.into_inner();
        let result = self.report_print_result_inner(&m).await;
        let mut record = entry(
            &caller,
            "ReportPrintResult",
            &m.municipality_code,
            serde_json::json!({ "request_id": m.request_id, "result": m.result }),
            match &result {
                Ok(r) => format!("state:{}", r.state),
                Err(status) => failed(status),
            },
        );
        record.certificate_number = Some(m.certificate_number.clone());
        self.audit
            .record(record)
            .await
            .map_err(|e| unrecorded(&e))?;
        result.map(Response::new)
    }
}

impl IssuanceApi {
    async fn list_available_inner(
        &self,
        m: &pb::ListAvailableRequest,
    ) -> Result<pb::ListAvailableResponse, Status> {
        let lg_code = LgCode::parse(&m.municipality_code)
            .map_err(|e| Status::invalid_argument(format!("municipality_code: {e}")))?;
        let card = CardSerial::parse(m.applicant.as_ref().map_or("", |a| a.card_serial.as_str()))
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let response = match self.service.list_available(lg_code, &card).await? {
            Availability::Offers(offers) => pb::ListAvailableResponse {
                offers: offers
                    .into_iter()
                    .map(|o| pb::Offer {
                        kind: kind_to_wire(o.kind) as i32,
                        fiscal_years: o.fiscal_years,
                        fee_yen: o.fee_yen as i32,
                    })
                    .collect(),
                refusal: None,
            },
            Availability::Refused(reason) => {
                self.metrics
                    .refusals_total
                    .with_label_values(&[reason.code()])
                    .inc();
                pb::ListAvailableResponse {
                    offers: vec![],
                    refusal: Some(refusal_to_wire(reason)),
                }
            }
        };
        Ok(response)
    }

    async fn report_print_result_inner(
        &self,
        m: &pb::ReportPrintResultRequest,
    ) -> Result<pb::ReportPrintResultResponse, Status> {
        let lg_code = LgCode::parse(&m.municipality_code)
            .map_err(|e| Status::invalid_argument(format!("municipality_code: {e}")))?;
        if m.certificate_number.is_empty() || m.certificate_number.len() > 32 {
            return Err(Status::invalid_argument(
                "certificate_number must be the number IssueCertificate returned, e.g. R7-0000123",
            ));
        }
        let result = match pb::PrintResult::try_from(m.result) {
            Ok(pb::PrintResult::Printed) => PrintResult::Printed,
            Ok(pb::PrintResult::Failed) => PrintResult::Failed,
            _ => return Err(Status::invalid_argument("result must be PRINTED or FAILED")),
        };
        let state = self
            .service
            .report_print(lg_code, &m.certificate_number, result)
            .await?;
        tracing::info!(certificate.number = %m.certificate_number, certificate.state = state.code(), "print result");
        Ok(pb::ReportPrintResultResponse {
            state: state_to_wire(state) as i32,
        })
    }
}

fn kind_to_wire(kind: CertificateKind) -> pb::CertificateKind {
    match kind {
        CertificateKind::Income => pb::CertificateKind::Income,
        CertificateKind::Taxation => pb::CertificateKind::Taxation,
        CertificateKind::IncomeAndTaxation => pb::CertificateKind::IncomeAndTaxation,
        CertificateKind::TaxPayment => pb::CertificateKind::TaxPayment,
    }
}

fn state_to_wire(state: CertificateState) -> pb::CertificateState {
    match state {
        CertificateState::Issued => pb::CertificateState::Issued,
        CertificateState::Printed => pb::CertificateState::Printed,
        CertificateState::Voided => pb::CertificateState::Voided,
    }
}

/// `kofu.v1.CertificateVerificationService`, for counter clerks (role `ops`).
pub struct VerificationApi {
    service: Arc<IssuanceService>,
    audit: Audit,
}

impl VerificationApi {
    pub fn new(service: Arc<IssuanceService>, audit: Audit) -> Self {
        Self { service, audit }
    }
}

#[tonic::async_trait]
impl pb::certificate_verification_service_server::CertificateVerificationService
    for VerificationApi
{
    async fn verify_certificate(
        &self,
        request: Request<pb::VerifyCertificateRequest>,
    ) -> Result<Response<pb::VerifyCertificateResponse>, Status> {
        let caller = caller_of(&request)?;
        let m = request.into_inner();
        let result = self.verify_inner(&m).await;
        let mut record = entry(
            &caller,
            "VerifyCertificate",
            &m.municipality_code,
            serde_json::json!({}),
            match &result {
                Ok(r) => format!("verification:{}", r.verification),
                Err(status) => failed(status),
            },
        );
        record.certificate_number = Some(m.certificate_number.clone());
        record.pdf_sha256 = Some(m.pdf_sha256.clone());
        self.audit
            .record(record)
            .await
            .map_err(|e| unrecorded(&e))?;
        result.map(Response::new)
    }
}

impl VerificationApi {
    async fn verify_inner(
        &self,
        m: &pb::VerifyCertificateRequest,
    ) -> Result<pb::VerifyCertificateResponse, Status> {
        let lg_code = LgCode::parse(&m.municipality_code)
            .map_err(|e| Status::invalid_argument(format!("municipality_code: {e}")))?;
        if m.pdf_sha256.len() != 64 || !m.pdf_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Status::invalid_argument(
                "pdf_sha256 must be the 64 hex digits of the PDF's SHA-256",
            ));
        }
        let verification = self
            .service
            .verify(lg_code, &m.certificate_number, &m.pdf_sha256)
            .await?;
        let described = |v: pb::Verification, s: &crate::db::issuance::CertificateStatus| {
            pb::VerifyCertificateResponse {
                verification: v as i32,
                kind: CertificateKind::from_code(&s.kind).map_or(0, |k| kind_to_wire(k) as i32),
                fiscal_year: s.fiscal_year,
                issued_at: Some(prost_types::Timestamp {
                    seconds: s.issued_at.timestamp(),
                    nanos: 0,
                }),
            }
        };
        Ok(match verification {
            Verification::Valid(s) => described(pb::Verification::Valid, &s),
            Verification::Voided(s) => described(pb::Verification::Voided, &s),
            Verification::Unknown => pb::VerifyCertificateResponse {
                verification: pb::Verification::Unknown as i32,
                ..Default::default()
            },
        })
    }
}
