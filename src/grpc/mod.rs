//! The gRPC surface: generated protobuf types (`pb`), client-certificate roles, per-call
//! bookkeeping, one file per service, and the single mapping of errors to `tonic::Status`.
//!
//! Architecture Invariant: of the server, only this module sees prost types (the client tools in
//! `tools/` use them too, as clients). Handlers are thin: wire → domain request, one service
//! call, domain → wire, and the call's books through [`call`]; no SQL and no PDF here.

pub mod admission;
pub mod auth;
pub mod call;
pub mod issuance;
pub mod status;
pub mod sync;
pub mod sync_records;
pub mod verification;

/// Code generated from `proto/kofu/v1/` at build time.
pub mod pb {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("kofu.v1");

    /// The encoded file descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/kofu_descriptor.bin"));
}
