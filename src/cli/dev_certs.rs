//! `kofu dev-certs DIR`: a development CA, a server certificate and one client per role.

use std::path::PathBuf;

/// Where to write them.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write ca.pem, server.pem/key and relay, sync, ops client pairs into.
    pub dir: PathBuf,
}

/// Writes the certificates (local use only).
pub fn run(args: Args) -> anyhow::Result<()> {
    crate::tools::dev_certs::write_dev_certs(&args.dir)?;
    println!(
        "wrote development certificates to {} (local use only)",
        args.dir.display()
    );
    Ok(())
}
