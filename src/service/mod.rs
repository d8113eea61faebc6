//! The server core's services: each combines the database, the domain rules and (for issuance)
//! the renderer to do one job. They take domain values and return domain values or their own
//! error type; `grpc/` converts to and from the wire and maps the errors to statuses.
//!
//! - [`issuance`]: issuing, listing what is available, print results, verification.
//! - [`sync`]: receiving a nightly batch and publishing it all or nothing.
//! - [`printability`]: what cannot print, checked before a number is spent and scanned for every
//!   resident after each applied batch.
//! - [`audit`]: appending to the hash-chained audit trail, fail closed.

pub mod audit;
pub mod issuance;
pub mod numbering;
pub mod printability;
pub mod printer;
pub mod sync;
