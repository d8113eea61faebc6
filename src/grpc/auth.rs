//! Who may call what: the client certificate's identity (CN, then SAN DNS names) maps through the
//! configuration to a role, and each service admits only its roles. Deny by default.

use crate::config::Role;
use crate::issuance::Caller;
use std::collections::BTreeMap;
use std::sync::Arc;
use tonic::{Request, Status};

#[derive(Clone)]
pub struct Authorizer {
    clients: Arc<BTreeMap<String, Role>>,
}

impl Authorizer {
    pub fn new(clients: BTreeMap<String, Role>) -> Self {
        Self {
            clients: Arc::new(clients),
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
        move |mut request: Request<()>| {
            let identities = request
                .peer_certs()
                .and_then(|certs| certs.first().map(|c| crate::tls::certificate_identities(c)))
                .unwrap_or_default();
            let Some((identity, role)) = identities
                .iter()
                .find_map(|id| clients.get(id).map(|role| (id.clone(), *role)))
            else {
                return Err(Status::permission_denied(format!(
                    "client certificate identity {} has no role in kofu's configuration; \
                     ask the operator to add it under [clients]",
                    identities
                        .first()
                        .map_or("(none)".to_owned(), |id| format!("{id:?}"))
                )));
            };
            if !allowed.contains(&role) {
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
