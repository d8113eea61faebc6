//! Who may call what: the client certificate's identity (CN, then SAN DNS names) maps through the
//! configuration to a role, and each service admits only its roles. Deny by default.

use crate::audit::Audit;
use crate::config::Role;
use crate::db::audit::AuditEntry;
use crate::issuance::Caller;
use std::collections::BTreeMap;
use std::sync::Arc;
use tonic::{Request, Status};

#[derive(Clone)]
pub struct Authorizer {
    clients: Arc<BTreeMap<String, Role>>,
    audit: Option<Audit>,
}

impl Authorizer {
    /// Refused calls are recorded in `audit` (when given): they are security events.
    pub fn new(clients: BTreeMap<String, Role>, audit: Option<Audit>) -> Self {
        Self {
            clients: Arc::new(clients),
            audit,
        }
    }

    /// An interceptor that admits only callers whose role is in `allowed`, and records the caller
    /// in the request's extensions.
    pub fn require(
        &self,
        service: &'static str,
        allowed: &'static [Role],
    ) -> impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone + use<> {
        let clients = self.clients.clone();
        let audit = self.audit.clone();
        // The interceptor cannot wait: a refused call is written by a task of its own.
        let record = move |identity: String, outcome: &str| {
            if let Some(audit) = audit.clone() {
                let entry = AuditEntry {
                    at: chrono::Utc::now(),
                    client_identity: identity,
                    action: service.to_owned(),
                    lg_code: String::new(),
                    request: serde_json::json!({}),
                    outcome: outcome.to_owned(),
                    certificate_number: None,
                    pdf_sha256: None,
                };
                tokio::spawn(async move {
                    if let Err(e) = audit.record(entry).await {
                        tracing::error!(error = %e, "refused call not written to the audit trail");
                    }
                });
            }
        };
        move |mut request: Request<()>| {
            let identities = request
                .peer_certs()
                .and_then(|certs| certs.first().map(|c| crate::tls::certificate_identities(c)))
                .unwrap_or_default();
            let Some((identity, role)) = identities
                .iter()
                .find_map(|id| clients.get(id).map(|role| (id.clone(), *role)))
            else {
                record(
                    identities.first().cloned().unwrap_or_default(),
                    "denied:no_role",
                );
                return Err(Status::permission_denied(format!(
                    "client certificate identity {} has no role in kofu's configuration; \
                     ask the operator to add it under [clients]",
                    identities
                        .first()
                        .map_or("(none)".to_owned(), |id| format!("{id:?}"))
                )));
            };
            if !allowed.contains(&role) {
                record(identity.clone(), &format!("denied:role_{}", role.name()));
                return Err(Status::permission_denied(format!(
                    "role {} may not call {service}; it is for the {} role",
                    role.name(),
                    allowed
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                )));
            }
            request.extensions_mut().insert(Caller { identity });
            Ok(request)
        }
    }
}
