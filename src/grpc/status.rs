//! The one place where errors become gRPC statuses. Validation → INVALID_ARGUMENT, a municipality
//! not served → NOT_FOUND, a reused request_id → ALREADY_EXISTS, database unreachable → UNAVAILABLE,
//! anything else → INTERNAL with a generic message (the cause is logged here, once).

use crate::db::DbError;
use crate::issuance::IssueError;
use crate::sync::SyncError;
use tonic::Status;

/// The gRPC code an error becomes, for the audit trail (which records codes, not messages).
pub fn code_of(error: &IssueError) -> tonic::Code {
    use tonic::Code;
    match error {
        IssueError::Invalid(_) => Code::InvalidArgument,
        IssueError::UnknownMunicipality(_) | IssueError::UnknownCertificate(_) => Code::NotFound,
        IssueError::FinalState { .. } | IssueError::NotReproducible => Code::FailedPrecondition,
        IssueError::RequestIdReused => Code::AlreadyExists,
        IssueError::Db(DbError::PoolTimeout | DbError::Connect(_)) => Code::Unavailable,
        IssueError::Db(_) | IssueError::Render(_) => Code::Internal,
    }
}

impl From<IssueError> for Status {
    fn from(error: IssueError) -> Self {
        match &error {
            IssueError::Invalid(e) => Status::invalid_argument(e.to_string()),
            IssueError::UnknownMunicipality(_) | IssueError::UnknownCertificate(_) => {
                Status::not_found(error.to_string())
            }
            IssueError::FinalState { .. } => Status::failed_precondition(error.to_string()),
            IssueError::RequestIdReused => Status::already_exists(error.to_string()),
            IssueError::NotReproducible => Status::failed_precondition(error.to_string()),
            IssueError::Db(DbError::PoolTimeout | DbError::Connect(_)) => {
                tracing::warn!(error = %error, "database unavailable");
                Status::unavailable("the issuing server cannot reach its database; retry shortly")
            }
            IssueError::Db(_) | IssueError::Render(_) => {
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
            SyncError::Db(DbError::PoolTimeout | DbError::Connect(_)) => {
                tracing::warn!(error = %error, "database unavailable");
                Status::unavailable("the issuing server cannot reach its database; retry shortly")
            }
            SyncError::Db(_) => {
                tracing::error!(error = %error, "internal error in a sync batch");
                Status::internal(
                    "internal error in the issuing server; nothing of the batch was applied; the operator has been logged the cause",
                )
            }
        }
    }
}
