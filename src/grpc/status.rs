//! The one place where errors become gRPC statuses. Validation → INVALID_ARGUMENT, a municipality,
//! certificate or batch not known here → NOT_FOUND, a reused request_id → ALREADY_EXISTS, a final
//! state contradicted or a retry that cannot be reproduced → FAILED_PRECONDITION, database
//! unreachable or the audit trail unwritable → UNAVAILABLE, anything else → INTERNAL with a
//! generic message. The cause of an unavailable or internal error is logged here, once.

use crate::db::DbError;
use crate::service::audit::Unrecorded;
use crate::service::issuance::IssueError;
use crate::service::sync::SyncError;
use tonic::Status;

fn unavailable(error: &dyn std::error::Error) -> Status {
    tracing::warn!(error = %error, "database unavailable");
    Status::unavailable("the issuing server cannot reach its database; retry shortly")
}

fn is_unreachable(error: &DbError) -> bool {
    matches!(error, DbError::PoolTimeout | DbError::Connect(_))
}

impl From<IssueError> for Status {
    fn from(error: IssueError) -> Self {
        match &error {
            IssueError::Invalid(e) => Status::invalid_argument(e.to_string()),
            IssueError::UnknownMunicipality(_) | IssueError::UnknownCertificate(_) => {
                Status::not_found(error.to_string())
            }
            IssueError::FinalState { .. } | IssueError::NotReproducible => {
                Status::failed_precondition(error.to_string())
            }
            IssueError::RequestIdReused => Status::already_exists(error.to_string()),
            IssueError::Db(db) if is_unreachable(db) => unavailable(&error),
            IssueError::Unrecorded(e) => Status::from(e.clone()),
            IssueError::Db(_) | IssueError::Render(_) | IssueError::RenderAborted(_) => {
                tracing::error!(error = %error, "internal error");
                Status::internal(
                    "internal error in the issuing server; the operator has been logged the cause",
                )
            }
        }
    }
}

impl From<SyncError> for Status {
    fn from(error: SyncError) -> Self {
        match &error {
            SyncError::Protocol(_) => Status::invalid_argument(error.to_string()),
            SyncError::UnknownMunicipality(_) | SyncError::UnknownBatch(_) => {
                Status::not_found(error.to_string())
            }
            SyncError::Db(db) if is_unreachable(db) => unavailable(&error),
            SyncError::Db(_) => {
                tracing::error!(error = %error, "internal error in a sync batch");
                Status::internal(
                    "internal error in the issuing server; nothing of the batch was applied; the operator has been logged the cause",
                )
            }
        }
    }
}

impl From<Unrecorded> for Status {
    fn from(error: Unrecorded) -> Self {
        tracing::error!(error = %error, "audit entry not written");
        Status::unavailable(
            "the issuing server could not record this call in its audit trail; retry shortly",
        )
    }
}
