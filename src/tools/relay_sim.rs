//! A stand-in for the J-LIS certificate centre relay: connects over mutual TLS and plays the kiosk
//! flow for residents of a synthetic municipality — every tenth resident first asks what can be
//! issued, each asks for a certificate, one in fifty retries the same request (and must get the
//! same bytes), and the kiosk reports the print, one in twenty-five failing. Writes some PDFs to a
//! folder and reports outcomes and client-side IssueCertificate latency.
//!
//! The relay knows residents only by their card serials; it learns them by regenerating the same
//! deterministic synthetic municipality that `kofu seed` wrote (same seed and count).

use crate::grpc::pb;
use crate::grpc::pb::issuance_service_client::IssuanceServiceClient;
use crate::tools::client::Endpoint;
use crate::tools::synthetic::{self, Municipality};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How to run the simulated relay: where to connect, as whom, and how much load to send.
pub struct RelaySimOptions {
    /// The server, and the relay's certificate (its identity must map to the `relay` role).
    pub endpoint: Endpoint,
    /// The synthetic municipality to ask for; must match what `kofu seed` loaded.
    pub municipality: Municipality,
    /// Generator seed; must match the one `kofu seed` used.
    pub seed: u64,
    /// Residents generated; must match the count `kofu seed` used.
    pub residents: usize,
    /// The fiscal year asked for (Gregorian start year).
    pub fiscal_year: i32,
    /// IssueCertificate calls to make in all.
    pub requests: usize,
    /// Calls in flight at once; must be at least 1.
    pub concurrency: usize,
    /// Folder the saved PDFs go to; created if missing.
    pub out_dir: PathBuf,
    /// How many issued PDFs to save there.
    pub save: usize,
}

/// What the simulation saw.
#[derive(Debug, Default)]
pub struct RelaySimReport {
    /// Certificates issued (first answers only, not retries).
    pub issued: usize,
    /// ListAvailable calls answered.
    pub listed: usize,
    /// Retries that returned the same certificate, byte for byte.
    pub retried_identical: usize,
    /// Print results reported as printed.
    pub printed: usize,
    /// Print results reported as failed (the certificate is voided).
    pub voided: usize,
    /// Calls other than IssueCertificate that failed, or retries that differed.
    pub flow_errors: usize,
    /// Refusals by reason name, e.g. "ARREARS".
    pub refused: BTreeMap<String, usize>,
    /// IssueCertificate failures by gRPC code and message.
    pub errors: BTreeMap<String, usize>,
    /// The PDFs written to `out_dir`.
    pub saved: Vec<PathBuf>,
    /// Client-side IssueCertificate latencies, one per call.
    pub latencies: Vec<Duration>,
}

impl RelaySimReport {
    /// The `p` quantile (0.0–1.0, e.g. 0.99) of the latencies, nearest rank; zero when none.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index]
    }
}

/// Each synthetic resident's card serials, oldest first (a renewed card leaves an expired one
/// behind; some residents have none): the cards a relay would see, learnt by regenerating the
/// municipality that `kofu seed` or `kofu sync gen` wrote with the same seed, count and year.
pub fn cards_by_resident(
    seed: u64,
    municipality: &Municipality,
    residents: usize,
    fiscal_year: i32,
) -> Vec<Vec<String>> {
    synthetic::people(seed, municipality, residents, fiscal_year)
        .map(|p| p.card_links.into_iter().map(|c| c.card_serial).collect())
        .collect()
}

/// A refusal reason's name as the README gives it, e.g. "ASK_AT_COUNTER" (the wire name without
/// its `REFUSAL_REASON_` prefix); the number if this build does not know it.
pub fn reason_name(reason: i32) -> String {
    pb::RefusalReason::try_from(reason).map_or_else(
        |_| reason.to_string(),
        |r| {
            let name = r.as_str_name();
            name.strip_prefix("REFUSAL_REASON_")
                .unwrap_or(name)
                .to_owned()
        },
    )
}

/// Runs the simulation to the end and reports; fails if it cannot connect, the municipality has
/// no card links, or a PDF cannot be written. Failed calls are counted, not returned.
pub async fn run(options: RelaySimOptions) -> anyhow::Result<RelaySimReport> {
    let channel = options.endpoint.connect().await?;
    let serials: Vec<String> = cards_by_resident(
        options.seed,
        &options.municipality,
        options.residents,
        options.fiscal_year,
    )
    .into_iter()
    .flatten()
    .collect();
    anyhow::ensure!(
        !serials.is_empty(),
        "the synthetic municipality has no card links"
    );
    std::fs::create_dir_all(&options.out_dir)
        .with_context(|| format!("creating {}", options.out_dir.display()))?;

    let code = options.municipality.lg_code.to_string();
    // Request ids unique to this run, so a rerun against the same database issues anew.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (tx, mut rx) = tokio::sync::mpsc::channel(options.concurrency * 2);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let flow = std::sync::Arc::new(FlowCounts::default());
    for worker in 0..options.concurrency.max(1) {
        let mut client = IssuanceServiceClient::new(channel.clone());
        let serials = serials.clone();
        let next = next.clone();
        let tx = tx.clone();
        let code = code.clone();
        let total = options.requests;
        let fiscal_year = options.fiscal_year;
        let flow = flow.clone();
        tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let request = pb::IssueCertificateRequest {
                    request_id: format!("sim-{run:x}-{i:06}"),
                    municipality_code: code.clone(),
                    applicant: Some(pb::Applicant {
                        card_serial: serials[i % serials.len()].clone(),
                    }),
                    kind: pb::CertificateKind::IncomeAndTaxation as i32,
                    fiscal_year,
                    copies: 1,
                    kiosk: Some(pb::Kiosk {
                        operator_code: "SIM".into(),
                        terminal_id: format!("T{worker:03}"),
                    }),
                };
                if i % 10 == 0 {
                    let listed = client
                        .list_available(pb::ListAvailableRequest {
                            request_id: format!("{}-list", request.request_id),
                            municipality_code: code.clone(),
                            applicant: request.applicant.clone(),
                        })
                        .await;
                    flow.count(if listed.is_ok() {
                        &flow.listed
                    } else {
                        &flow.errors
                    });
                }
                let sent = Instant::now();
                let result = client.issue_certificate(request.clone()).await;
                let latency = sent.elapsed();
                if let Ok(Some(pb::issue_certificate_response::Outcome::Issued(c))) =
                    result.as_ref().map(|r| r.get_ref().outcome.clone())
                {
                    if i % 50 == 0 {
                        let again = client.issue_certificate(request.clone()).await;
                        let same = matches!(
                            again.map(|r| r.into_inner().outcome),
                            Ok(Some(pb::issue_certificate_response::Outcome::Issued(d))) if d.pdf == c.pdf
                        );
                        flow.count(if same { &flow.retried } else { &flow.errors });
                    }
                    let failed = i % 25 == 0;
                    let reported = client
                        .report_print_result(pb::ReportPrintResultRequest {
                            request_id: format!("{}-print", request.request_id),
                            municipality_code: code.clone(),
                            certificate_number: c.certificate_number.clone(),
                            result: if failed {
                                pb::PrintResult::Failed
                            } else {
                                pb::PrintResult::Printed
                            } as i32,
                        })
                        .await;
                    flow.count(match (reported.is_ok(), failed) {
                        (true, false) => &flow.printed,
                        (true, true) => &flow.voided,
                        (false, _) => &flow.errors,
                    });
                }
                if tx.send((i, latency, result)).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    let mut report = RelaySimReport::default();
    let finish_flow = |report: &mut RelaySimReport| {
        use std::sync::atomic::Ordering::Relaxed;
        report.listed = flow.listed.load(Relaxed);
        report.retried_identical = flow.retried.load(Relaxed);
        report.printed = flow.printed.load(Relaxed);
        report.voided = flow.voided.load(Relaxed);
        report.flow_errors = flow.errors.load(Relaxed);
    };
    while let Some((i, latency, result)) = rx.recv().await {
        report.latencies.push(latency);
        match result.map(|r| r.into_inner().outcome) {
            Ok(Some(pb::issue_certificate_response::Outcome::Issued(c))) => {
                report.issued += 1;
                if report.saved.len() < options.save {
                    let path = options
                        .out_dir
                        .join(format!("{}-{i:06}.pdf", c.certificate_number));
                    std::fs::write(&path, &c.pdf)
                        .with_context(|| format!("writing {}", path.display()))?;
                    report.saved.push(path);
                }
            }
            Ok(Some(pb::issue_certificate_response::Outcome::Refusal(r))) => {
                *report.refused.entry(reason_name(r.reason)).or_default() += 1;
            }
            Ok(None) => *report.errors.entry("empty response".into()).or_default() += 1,
            Err(status) => {
                *report
                    .errors
                    .entry(format!("{:?}: {}", status.code(), status.message()))
                    .or_default() += 1
            }
        }
    }
    finish_flow(&mut report);
    Ok(report)
}

#[derive(Default)]
struct FlowCounts {
    listed: std::sync::atomic::AtomicUsize,
    retried: std::sync::atomic::AtomicUsize,
    printed: std::sync::atomic::AtomicUsize,
    voided: std::sync::atomic::AtomicUsize,
    errors: std::sync::atomic::AtomicUsize,
}

impl FlowCounts {
    fn count(&self, counter: &std::sync::atomic::AtomicUsize) {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}
