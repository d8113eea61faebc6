//! `kofu.v1.CertificateVerificationService` (role `ops`): a counter clerk asks whether a
//! certificate number and PDF hash were issued here, and whether the certificate was voided.

use super::call::{Answer, Books};
use super::issuance::kind_to_wire;
use super::pb;
use crate::db::issuance::CertificateStatus;
use crate::domain::certificate::VerificationRequest;
use crate::service::issuance::{IssuanceService, Verification};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The CertificateVerificationService handlers.
pub struct VerificationApi {
    service: Arc<IssuanceService>,
    books: Books,
}

impl VerificationApi {
    /// Handlers over `service`, keeping their books in `books`.
    pub fn new(service: Arc<IssuanceService>, books: Books) -> Self {
        Self { service, books }
    }
}

fn described(
    verification: pb::Verification,
    s: &CertificateStatus,
) -> pb::VerifyCertificateResponse {
    pb::VerifyCertificateResponse {
        verification: verification as i32,
        kind: kind_to_wire(s.kind) as i32,
        fiscal_year: s.fiscal_year,
        issued_at: Some(prost_types::Timestamp {
            seconds: s.issued_at.timestamp(),
            nanos: 0,
        }),
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
        let (call, m) = self.books.begin("VerifyCertificate", request)?;
        let mut entry = call.entry(&m.municipality_code, serde_json::json!({}));
        entry.certificate_number = Some(m.certificate_number.clone());
        entry.pdf_sha256 = Some(m.pdf_sha256.clone());
        let result = match VerificationRequest::parse(
            &m.municipality_code,
            &m.certificate_number,
            &m.pdf_sha256,
        ) {
            Ok(parsed) => self.service.verify(&parsed).await,
            Err(e) => Err(e.into()),
        };
        let answer = result.map_err(Status::from).map(|verification| {
            let message = match verification {
                Verification::Valid(s) => described(pb::Verification::Valid, &s),
                Verification::Voided(s) => described(pb::Verification::Voided, &s),
                Verification::Unknown => pb::VerifyCertificateResponse {
                    verification: pb::Verification::Unknown as i32,
                    ..Default::default()
                },
            };
            let outcome = format!("verification:{}", message.verification);
            Answer::new(message, outcome)
        });
        call.finish(entry, answer).await
    }
}
