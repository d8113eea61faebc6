//! Integration tests through kofu's public surface: gRPC over mutual TLS against a server started
//! in-process on a fresh PostgreSQL database, PDFs checked with poppler and qpdf, and the CLI.

mod access;
mod audit;
mod cli;
mod fixtures;
mod helpers;
mod issue_certificate;
mod load;
mod offers;
mod operations;
mod printability;
mod reconcile;
mod relay_flow;
mod retention;
mod rules;
mod statistics;
mod sync;
mod tidy;
mod typesetting;
