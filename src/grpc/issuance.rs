//! `kofu.v1.IssuanceService` (role `relay`): converts wire messages to domain requests, calls the
//! issuing service, converts the outcome back, and keeps the call's books. No SQL, no PDF.

use super::admission::Admission;
use super::call::{Answer, Books, Call};
use super::pb;
use crate::domain::certificate::{
    AvailabilityRequest, CertificateKind, CertificateState, IssueRequest, PrintReport, PrintResult,
    RawIssueRequest, RequestError,
};
use crate::domain::refusal::{Outward, RefusalReason};
use crate::service::issuance::{Availability, IssuanceService, IssueError, IssueOutcome};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The IssuanceService handlers.
pub struct IssuanceApi {
    service: Arc<IssuanceService>,
    books: Books,
    admission: Admission,
}

impl IssuanceApi {
    /// Handlers over `service`, keeping their books in `books`, shedding past `admission`'s limit.
    pub fn new(service: Arc<IssuanceService>, books: Books, admission: Admission) -> Self {
        Self {
            service,
            books,
            admission,
        }
    }
}

/// The issuance metrics' outcome label.
fn outcome_label(result: &Result<IssueOutcome, IssueError>) -> &'static str {
    match result {
        Ok(IssueOutcome::Issued(_)) => "issued",
        Ok(IssueOutcome::Refused(_)) => "refused",
        Err(
            IssueError::Invalid(_)
            | IssueError::RequestIdReused
            | IssueError::UnknownMunicipality(_),
        ) => "invalid",
        Err(_) => "error",
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

/// A refusal as the relay receives it: a reason about the person only as ASK_AT_COUNTER.
fn refusal_to_wire(reason: RefusalReason) -> pb::Refusal {
    use pb::RefusalReason as W;
    let wire = match reason.outward() {
        Outward::AskAtCounter => W::AskAtCounter,
        Outward::Own(RefusalReason::UnknownCard) => W::UnknownCard,
        Outward::Own(RefusalReason::UnderMinimumAge) => W::UnderMinimumAge,
        Outward::Own(RefusalReason::YearNotAvailable) => W::YearNotAvailable,
        Outward::Own(RefusalReason::KindNotOffered) => W::KindNotOffered,
        Outward::Own(RefusalReason::OutsideServiceHours) => W::OutsideServiceHours,
        // `outward` keeps only the reasons above as they are.
        Outward::Own(_) => W::AskAtCounter,
    };
    pb::Refusal {
        reason: wire as i32,
        message: reason.kiosk_message().to_owned(),
    }
}

pub(super) fn kind_to_wire(kind: CertificateKind) -> pb::CertificateKind {
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

#[tonic::async_trait]
impl pb::issuance_service_server::IssuanceService for IssuanceApi {
    #[tracing::instrument(skip_all, fields(request.id, certificate.kind, outcome))]
    async fn issue_certificate(
        &self,
        request: Request<pb::IssueCertificateRequest>,
    ) -> Result<Response<pb::IssueCertificateResponse>, Status> {
        let _admitted = self.admission.admit("IssueCertificate")?;
        let (call, m) = self.books.begin("IssueCertificate", request)?;
        let kind_label = kind_from_wire(m.kind).map_or("unspecified", CertificateKind::code);
        let span = tracing::Span::current();
        span.record("request.id", m.request_id.as_str());
        span.record("certificate.kind", kind_label);
        let mut entry = call.entry(
            &m.municipality_code,
            serde_json::json!({
                "request_id": m.request_id,
                "kind": kind_label,
                "fiscal_year": m.fiscal_year,
                "copies": m.copies,
                "kiosk": m.kiosk.as_ref().map(|k| [&k.operator_code, &k.terminal_id]),
            }),
        );

        let result = match IssueRequest::try_from(&m) {
            Ok(parsed) => {
                self.service
                    .issue(&parsed, &call.caller, entry.clone())
                    .await
            }
            Err(e) => Err(IssueError::Invalid(e)),
        };
        // A first issuance is in the audit trail already, committed with its record.
        let recorded = matches!(&result, Ok(IssueOutcome::Issued(c)) if c.entry_recorded);
        let outcome = outcome_label(&result);
        span.record("outcome", outcome);
        call.metrics()
            .observe_issuance(kind_label, outcome, call.elapsed());
        let answer = match result.map_err(Status::from) {
            Ok(IssueOutcome::Issued(c)) => {
                tracing::info!(certificate.number = %c.certificate_number, "issued");
                entry.certificate_number = Some(c.certificate_number.clone());
                entry.pdf_sha256 = Some(c.pdf_sha256.clone());
                let issued = pb::IssuedCertificate {
                    certificate_number: c.certificate_number,
                    pdf: c.pdf,
                    pdf_sha256: c.pdf_sha256,
                    fee_yen: c.fee_yen as i32,
                    copies: c.copies as i32,
                    issued_at: Some(prost_types::Timestamp {
                        seconds: c.issued_at.timestamp(),
                        nanos: 0,
                    }),
                };
                Ok(Answer::new(
                    pb::issue_certificate_response::Outcome::Issued(issued),
                    "issued",
                ))
            }
            Ok(IssueOutcome::Refused(reason)) => {
                tracing::info!(refusal.reason = reason.code(), "refused");
                Ok(Answer::new(
                    pb::issue_certificate_response::Outcome::Refusal(refused(&call, reason)),
                    format!("refused:{}", reason.code()),
                ))
            }
            Err(status) => Err(status),
        };
        let answer = answer.map(|a| Answer {
            message: pb::IssueCertificateResponse {
                outcome: Some(a.message),
            },
            outcome: a.outcome,
        });
        if recorded {
            call.finish_recorded(answer)
        } else {
            call.finish(entry, answer).await
        }
    }

    async fn list_available(
        &self,
        request: Request<pb::ListAvailableRequest>,
    ) -> Result<Response<pb::ListAvailableResponse>, Status> {
        let _admitted = self.admission.admit("ListAvailable")?;
        let (call, m) = self.books.begin("ListAvailable", request)?;
        let entry = call.entry(
            &m.municipality_code,
            serde_json::json!({ "request_id": m.request_id }),
        );
        let card_serial = m.applicant.as_ref().map_or("", |a| a.card_serial.as_str());
        let result = match AvailabilityRequest::parse(&m.municipality_code, card_serial) {
            Ok(parsed) => self.service.list_available(&parsed).await,
            Err(e) => Err(e.into()),
        };
        let answer = match result.map_err(Status::from) {
            Ok(Availability::Offers(offers)) => {
                let outcome = format!("offers:{}", offers.len());
                let offers = offers
                    .into_iter()
                    .map(|o| pb::Offer {
                        kind: kind_to_wire(o.kind) as i32,
                        fiscal_years: o.fiscal_years,
                        fee_yen: o.fee_yen as i32,
                    })
                    .collect();
                Ok(Answer::new(
                    pb::ListAvailableResponse {
                        offers,
                        refusal: None,
                    },
                    outcome,
                ))
            }
            Ok(Availability::Refused(reason)) => Ok(Answer::new(
                pb::ListAvailableResponse {
                    offers: vec![],
                    refusal: Some(refused(&call, reason)),
                },
                format!("refused:{}", reason.code()),
            )),
            Err(status) => Err(status),
        };
        call.finish(entry, answer).await
    }

    async fn report_print_result(
        &self,
        request: Request<pb::ReportPrintResultRequest>,
    ) -> Result<Response<pb::ReportPrintResultResponse>, Status> {
        let (call, m) = self.books.begin("ReportPrintResult", request)?;
        let mut entry = call.entry(
            &m.municipality_code,
            serde_json::json!({ "request_id": m.request_id, "result": m.result }),
        );
        entry.certificate_number = Some(m.certificate_number.clone());
        let result = match PrintReport::parse(
            &m.municipality_code,
            &m.certificate_number,
            print_result_from_wire(m.result),
        ) {
            Ok(report) => self.service.report_print(&report).await,
            Err(e) => Err(e.into()),
        };
        let answer = result.map_err(Status::from).map(|state| {
            tracing::info!(certificate.number = %m.certificate_number, certificate.state = state.code(), "print result");
            let state = state_to_wire(state) as i32;
            Answer::new(
                pb::ReportPrintResultResponse { state },
                format!("state:{state}"),
            )
        });
        call.finish(entry, answer).await
    }
}

/// A refusal as the relay sees it, counted by its specific reason.
fn refused(call: &Call, reason: RefusalReason) -> pb::Refusal {
    call.metrics().count_refusal(reason.code());
    refusal_to_wire(reason)
}

fn print_result_from_wire(result: i32) -> Option<PrintResult> {
    match pb::PrintResult::try_from(result) {
        Ok(pb::PrintResult::Printed) => Some(PrintResult::Printed),
        Ok(pb::PrintResult::Failed) => Some(PrintResult::Failed),
        _ => None,
    }
}
