//! `kofu.v1.IssuanceService`: converts wire messages to domain requests and back. No SQL, no PDF.

use super::pb;
use crate::domain::certificate::{CertificateKind, IssueRequest, RawIssueRequest, RequestError};
use crate::issuance::{Caller, IssuanceService, IssueError, IssueOutcome};
use crate::metrics::Metrics;
use std::sync::Arc;
use std::time::Instant;
use tonic::{Request, Response, Status};

pub struct IssuanceApi {
    service: Arc<IssuanceService>,
    metrics: Metrics,
}

impl IssuanceApi {
    pub fn new(service: Arc<IssuanceService>, metrics: Metrics) -> Self {
        Self { service, metrics }
    }
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
        let caller = request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Status::permission_denied("no authenticated caller"))?;
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
}
