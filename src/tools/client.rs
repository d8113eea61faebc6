//! How the tools reach kofu as its clients do: the server's URL and name, the CA to trust and the
//! client certificate that says which role calls. One place makes the mutual-TLS channel for the
//! relay simulator, the load generator and the sync client.

use std::path::PathBuf;
use tonic::transport::Channel;

/// A server to call and the certificates to call it with.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// Server URL, e.g. "https://localhost:50051".
    pub server: String,
    /// The name the server's certificate must carry (TLS server name).
    pub server_name: String,
    /// The CA the server's certificate chains to (PEM).
    pub ca: PathBuf,
    /// The client certificate (PEM); its identity must map to the role the calls need.
    pub cert: PathBuf,
    /// The client's private key (PEM).
    pub key: PathBuf,
}

impl Endpoint {
    /// One HTTP/2 connection over mutual TLS (see [`crate::tls::connect`]); each call makes a new
    /// one, so a caller wanting several connections calls it several times.
    pub async fn connect(&self) -> Result<Channel, crate::tls::TlsError> {
        crate::tls::connect(
            &self.server,
            &self.server_name,
            &self.ca,
            &self.cert,
            &self.key,
        )
        .await
    }
}
