//! Who may call what: the client certificate's identity (CN, then SAN DNS names) maps through the
//! configuration to a role, and each service admits only its roles. Deny by default.

use super::call::Books;
use crate::config::Role;
use crate::domain::caller::Caller;
use std::collections::BTreeMap;
use std::sync::Arc;
use tonic::{Request, Status};

/// Builds the interceptor each service is mounted behind.
#[derive(Clone)]
pub struct Authorizer {
    clients: Arc<BTreeMap<String, Role>>,
    books: Option<Books>,
}

impl Authorizer {
    /// `clients` maps certificate identities to roles. Refused calls are recorded through
    /// `books` (when given): they are security events.
    pub fn new(clients: BTreeMap<String, Role>, books: Option<Books>) -> Self {
        Self {
            clients: Arc::new(clients),
            books,
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
        let books = self.books.clone();
        let record = move |identity: String, outcome: String| {
            if let Some(books) = &books {
                books.record_denied(identity, service, outcome);
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
                    "denied:no_role".to_owned(),
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
                record(identity.clone(), format!("denied:role_{}", role.name()));
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
            request.extensions_mut().insert(Caller::new(identity));
            Ok(request)
        }
    }
}
