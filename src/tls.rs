//! Mutual TLS: the server's identity and client-CA from PEM files, the client side (a channel to
//! kofu presenting a client certificate, for the tools and tests), and reading a client's
//! identity (CN or SAN DNS names) off its certificate.

use std::path::Path;
use std::time::Duration;
use tonic::transport::{
    Certificate, Channel, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig,
};

/// Why a TLS configuration or connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The server could not be reached or the handshake failed.
    #[error("connecting to {server}: {source}")]
    Connect {
        /// The URL asked for.
        server: String,
        /// What tonic said.
        source: tonic::transport::Error,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Server side: present `cert`/`key`, require every client to present a certificate chaining to `client_ca`.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: &Path,
) -> Result<ServerTlsConfig, TlsError> {
    Ok(ServerTlsConfig::new()
        .identity(Identity::from_pem(read(cert)?, read(key)?))
        .client_ca_root(Certificate::from_pem(read(client_ca)?))
        .client_auth_optional(false))
}

/// Client side: trust `server_ca` for a server named `server_name`, present `cert`/`key`.
pub fn client_config(
    server_ca: &Path,
    cert: &Path,
    key: &Path,
    server_name: &str,
) -> Result<ClientTlsConfig, TlsError> {
    Ok(ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(server_ca)?))
        .identity(Identity::from_pem(read(cert)?, read(key)?))
        .domain_name(server_name))
}

/// A channel to `server` (e.g. `https://localhost:50051`) over mutual TLS: trusts `ca` for a server
/// named `server_name` and presents `cert`/`key`. `TCP_NODELAY` is set: without it a small request
/// waits on the peer's delayed ACK.
pub async fn connect(
    server: &str,
    server_name: &str,
    ca: &Path,
    cert: &Path,
    key: &Path,
) -> Result<Channel, TlsError> {
    let failed = |source| TlsError::Connect {
        server: server.to_owned(),
        source,
    };
    Endpoint::from_shared(server.to_owned())
        .map_err(failed)?
        .tls_config(client_config(ca, cert, key, server_name)?)
        .map_err(failed)?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(failed)
}

/// The names a client certificate can be known by: its subject CN, then its SAN DNS names.
/// Empty when the certificate cannot be parsed.
pub fn certificate_identities(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::DNSName(dns) = name {
                names.push((*dns).to_owned());
            }
        }
    }
    names
}
