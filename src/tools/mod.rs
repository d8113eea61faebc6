//! The tools around the server, not part of it: the simulated J-LIS relay, a load generator, the
//! tax system's side of the nightly sync, a deterministic synthetic municipality, and development
//! certificates.
//! They talk to kofu the way its real clients do (gRPC over mutual TLS) or write its input files;
//! the server core never imports them.

pub mod client;
pub mod dev_certs;
pub mod load;
pub mod relay_sim;
pub mod sync_client;
pub mod synthetic;
