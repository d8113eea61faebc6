//! Pure domain logic: identifiers, dates, tax data and the rules that decide issuance.
//!
//! Nothing here does I/O or knows about gRPC, PostgreSQL or PDF; every function is a
//! synchronous function over plain data, table-tested in place.

pub mod assessment;
pub mod caller;
pub mod certificate;
pub mod due_date;
pub mod eligibility;
pub mod era;
pub mod fiscal_year;
pub mod lg_code;
pub mod money;
pub mod municipality;
pub mod my_number;
pub mod policy;
pub mod printability;
pub mod refusal;
pub mod resident;
pub mod retention;
pub mod sync_record;
