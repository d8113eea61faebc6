//! Development certificates for local use only: a CA, a server certificate for localhost and one
//! client certificate per role, written as PEM files. Never use these in production.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use std::path::Path;

/// Client identities the dev certificates carry, with the role the example configuration maps them to.
pub const DEV_CLIENTS: [(&str, &str); 3] = [
    ("relay", "jlis-relay"),
    ("sync", "tax-sync"),
    ("ops", "kofu-ops"),
];

/// Why development certificates could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DevCertError {
    /// rcgen could not generate a key or certificate.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A CA that can sign more certificates (tests make extra clients with it).
pub struct DevCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl DevCa {
    /// A new self-signed CA named `common_name`, allowed to sign certificates (development only).
    pub fn new(common_name: &str) -> Result<Self, DevCertError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        Ok(Self { issuer })
    }

    /// The CA certificate, PEM, for clients' and servers' trust stores.
    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf certificate: (certificate PEM, key PEM).
    fn leaf(
        &self,
        common_name: &str,
        dns_names: Vec<String>,
        purpose: ExtendedKeyUsagePurpose,
    ) -> Result<(String, String), DevCertError> {
        let mut params = CertificateParams::new(dns_names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![purpose];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// A server certificate for `localhost` and 127.0.0.1.
    pub fn server(&self) -> Result<(String, String), DevCertError> {
        self.leaf(
            "localhost",
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate whose CN is `identity`.
    pub fn client(&self, identity: &str) -> Result<(String, String), DevCertError> {
        self.leaf(identity, vec![], ExtendedKeyUsagePurpose::ClientAuth)
    }
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<(), DevCertError> {
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|source| DevCertError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Writes ca.pem, server.pem/.key and `<role>.pem`/`.key` for each role into `dir`.
pub fn write_dev_certs(dir: &Path) -> Result<(), DevCertError> {
    std::fs::create_dir_all(dir).map_err(|source| DevCertError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let ca = DevCa::new("kofu development CA (not for production)")?;
    write(dir, "ca.pem", &ca.cert_pem())?;
    let (cert, key) = ca.server()?;
    write(dir, "server.pem", &cert)?;
    write(dir, "server.key", &key)?;
    for (file, identity) in DEV_CLIENTS {
        let (cert, key) = ca.client(identity)?;
        write(dir, &format!("{file}.pem"), &cert)?;
        write(dir, &format!("{file}.key"), &key)?;
    }
    Ok(())
}
