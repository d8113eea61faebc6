//! The gRPC surface: generated protobuf types (`pb`), client-certificate roles, one file per
//! service, and the single mapping of errors to `tonic::Status`. Only this module sees prost types.

pub mod auth;
pub mod issuance;
pub mod status;
pub mod sync;

/// Code generated from `proto/kofu/v1/` at build time.
pub mod pb {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("kofu.v1");

    /// The encoded file descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/kofu_descriptor.bin"));
}
