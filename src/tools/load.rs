//! The load generator behind `kofu load`: drives `IssuanceService` over mutual TLS with the
//! relay's certificate, either with a fixed number of callers (closed loop) or at a fixed arrival
//! rate (open loop), and summarises what came back: latency per RPC method from HDR histograms,
//! units per second, and every answer (issued, refused by reason, failed by gRPC code). Calls shed
//! with `RESOURCE_EXHAUSTED` are counted apart, with a latency histogram of their own, so that
//! "rejections come at once and admitted calls keep their p99" can be read off one run.
//!
//! It speaks only the public contract, so the same requests can go to kofu and to any other server
//! of it (the issuance floor under `../shared/peers/issuance-floor`). Every request gets a request
//! id of its own (a run tag and a counter): each IssueCertificate is a first issuance, never a
//! retry answered from the idempotency record.
//!
//! In open loop a unit's latency runs from its *scheduled* start, not from when it could be sent:
//! a server that falls behind delays every call queued behind it, and measuring from the send would
//! hide that delay (coordinated omission). Units that could not be sent on time (the cap of calls
//! in flight was reached, or the client itself fell behind) are counted as late.

use crate::grpc::pb;
use crate::grpc::pb::issuance_service_client::IssuanceServiceClient;
use crate::grpc::pb::issue_certificate_response::Outcome;
use crate::tools::client::Endpoint;
use crate::tools::relay_sim::reason_name;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tonic::transport::Channel;

/// A unit sent more than this after its scheduled start counts as late (tokio's timer alone may
/// wake a millisecond after the deadline).
pub const LATE_AFTER: Duration = Duration::from_millis(5);

/// Which calls make up one unit of load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// IssueCertificate alone, as the issuance floor's own load client sends it.
    Issue,
    /// A resident at a kiosk: ListAvailable, then (unless refused) IssueCertificate, then
    /// ReportPrintResult saying it printed.
    Relay,
}

impl Flow {
    /// "issue" or "relay", as the command line and the JSON line say it.
    pub fn name(self) -> &'static str {
        match self {
            Flow::Issue => "issue",
            Flow::Relay => "relay",
        }
    }
}

/// How units are paced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// A fixed number of callers, each starting its next unit when the previous one is answered.
    Closed {
        /// Callers; at least 1.
        concurrency: usize,
    },
    /// Units start on a fixed schedule, `rate` a second, whatever the answers.
    Open {
        /// Units per second; above zero.
        rate: f64,
        /// Units in flight at most; a unit due while this many are outstanding waits for one to
        /// finish (and counts as late).
        max_outstanding: usize,
    },
}

/// What to send, where, and how much.
pub struct LoadOptions {
    /// The server, and the relay's certificate (its identity must map to the `relay` role).
    pub endpoint: Endpoint,
    /// HTTP/2 connections to spread the calls over; at least 1.
    pub channels: usize,
    /// Card serials to ask for, taken in turn; must not be empty.
    pub serials: Vec<String>,
    /// The municipality asked for (地方公共団体コード).
    pub municipality_code: String,
    /// The certificate kind asked for.
    pub kind: pb::CertificateKind,
    /// The fiscal year asked for (Gregorian start year).
    pub fiscal_year: i32,
    /// Which calls make up a unit.
    pub flow: Flow,
    /// Closed or open loop.
    pub mode: Mode,
    /// Units to record; with `duration`, whichever ends first. Neither: run until stopped.
    pub requests: Option<u64>,
    /// How long to start units for.
    pub duration: Option<Duration>,
    /// Units sent first, in the same mode, and not recorded.
    pub warmup: u64,
    /// A name for the run, copied into the report.
    pub label: String,
    /// Print a progress line on stderr once a second.
    pub progress: bool,
}

/// Latency percentiles of one histogram, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Calls recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
    /// The slowest call.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl LatencySummary {
    /// The summary of a histogram of microseconds, rounded to the microsecond; zeros when empty.
    pub fn of(micros: &Histogram<u64>) -> Self {
        if micros.is_empty() {
            return Self::default();
        }
        let ms = |us: f64| (us).round() / 1000.0;
        let at = |q: f64| ms(micros.value_at_quantile(q) as f64);
        Self {
            count: micros.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p99_9: at(0.999),
            max: ms(micros.max() as f64),
            mean: ms(micros.mean()),
        }
    }
}

/// How the units ended. Each recorded unit ends exactly one way: issued, refused, shed or failed
/// (`issued + Σ refused + shed + Σ errors = requests`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcomes {
    /// Certificates issued (in the relay flow: issued and their print reported).
    pub issued: u64,
    /// Print results reported as printed (relay flow).
    pub printed: u64,
    /// Refusals by reason name, e.g. "ASK_AT_COUNTER" (from ListAvailable or IssueCertificate).
    pub refused: BTreeMap<String, u64>,
    /// Units ended by a call answered RESOURCE_EXHAUSTED (shed by admission control).
    pub shed: u64,
    /// Units ended by any other failed call, by gRPC code, e.g. "Unavailable".
    pub errors: BTreeMap<String, u64>,
}

/// What a run saw; printed as one JSON line.
#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    /// The run's label.
    pub label: String,
    /// "issue" or "relay".
    pub flow: &'static str,
    /// "closed" or "open".
    pub mode: &'static str,
    /// Callers (closed loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// Units per second asked for (open loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Cap of units in flight (open loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_outstanding: Option<usize>,
    /// HTTP/2 connections.
    pub channels: usize,
    /// Units sent before recording.
    pub warmup: u64,
    /// Units recorded (issue flow: IssueCertificate calls; relay flow: residents served).
    pub requests: u64,
    /// RPCs recorded, every method.
    pub rpcs: u64,
    /// From the first recorded unit's start to the last one's answer.
    pub seconds: f64,
    /// `requests / seconds`.
    pub calls_per_s: f64,
    /// Per RPC method, calls not shed: in closed loop from the call's send, in open loop the
    /// first call of a unit from its scheduled start. The relay flow adds "flow", the whole unit.
    pub latency_ms: BTreeMap<&'static str, LatencySummary>,
    /// Calls answered RESOURCE_EXHAUSTED.
    pub shed: u64,
    /// Their latency, timed as above.
    pub shed_latency_ms: LatencySummary,
    /// How the units ended.
    pub outcomes: Outcomes,
    /// Units sent more than [`LATE_AFTER`] after their schedule (open loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late: Option<u64>,
    /// The longest such delay (open loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_send_delay_ms: Option<f64>,
    /// The first message seen for each error code, naming the method.
    pub error_messages: BTreeMap<String, String>,
}

impl LoadReport {
    /// Units that ended in a failure other than shedding or a refusal.
    pub fn failed(&self) -> u64 {
        self.outcomes.errors.values().sum()
    }
}

/// When unit `index` is due in open loop at `rate` units a second, from the start of the run.
/// Computed from the index, so that rounding never accumulates into drift.
pub fn scheduled_offset(index: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(index as f64 / rate)
}

/// Whether unit `index`, due `at` after the phase began, still belongs to a phase of at most
/// `requests` units started within `duration`.
pub fn within(index: u64, at: Duration, requests: Option<u64>, duration: Option<Duration>) -> bool {
    requests.is_none_or(|n| index < n) && duration.is_none_or(|d| at < d)
}

/// Runs the warm-up, then the recorded phase, and reports the recorded one. Fails only if it cannot
/// connect; failed calls are counted, not returned.
pub async fn run(options: LoadOptions) -> anyhow::Result<LoadReport> {
    anyhow::ensure!(!options.serials.is_empty(), "no card serials to ask for");
    let mut channels = Vec::new();
    for _ in 0..options.channels.max(1) {
        channels.push(options.endpoint.connect().await?);
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    let calls = Arc::new(Calls {
        channels,
        serials: options.serials.clone(),
        municipality_code: options.municipality_code.clone(),
        kind: options.kind,
        fiscal_year: options.fiscal_year,
        flow: options.flow,
    });
    if options.warmup > 0 {
        // The other half of the serials, so that the warm-up does not warm exactly the rows the
        // recorded phase reads.
        let warmup = Phase {
            tag: format!("ld{stamp:x}w"),
            serial_offset: options.serials.len() / 2,
            requests: Some(options.warmup),
            duration: None,
            progress: None,
        };
        let (recorder, _) = warmup.run(&calls, options.mode).await;
        if !recorder.errors.is_empty() {
            eprintln!("warm-up errors: {:?}", recorder.error_messages);
        }
    }
    let measured = Phase {
        tag: format!("ld{stamp:x}"),
        serial_offset: 0,
        requests: options.requests,
        duration: options.duration,
        progress: options.progress.then(|| options.label.clone()),
    };
    let (recorder, seconds) = measured.run(&calls, options.mode).await;
    Ok(recorder.report(&options, seconds))
}

/// What every unit of a run shares: the connections and what to ask for.
struct Calls {
    channels: Vec<Channel>,
    serials: Vec<String>,
    municipality_code: String,
    kind: pb::CertificateKind,
    fiscal_year: i32,
    flow: Flow,
}

/// One RPC method's name as the report keys it.
type Method = &'static str;
const LIST: Method = "ListAvailable";
const ISSUE: Method = "IssueCertificate";
const PRINT: Method = "ReportPrintResult";
const FLOW: Method = "flow";

/// How one unit ended.
enum Answer {
    Issued { printed: bool },
    Refused(String),
    Shed,
    Failed { code: String, message: String },
}

/// One unit's calls (method, latency, shed) and how it ended.
struct UnitResult {
    calls: Vec<(Method, Duration, bool)>,
    answer: Answer,
    /// From the scheduled start to the last answer.
    total: Duration,
}

impl Calls {
    fn client(&self, n: u64) -> IssuanceServiceClient<Channel> {
        IssuanceServiceClient::new(self.channels[n as usize % self.channels.len()].clone())
    }

    /// Runs unit `index` of a phase, due at `scheduled`; the first call's latency runs from
    /// `scheduled`, each later one's from its own send.
    async fn unit(
        &self,
        client: &mut IssuanceServiceClient<Channel>,
        id: String,
        serial: String,
        terminal: u64,
        scheduled: Instant,
    ) -> UnitResult {
        let mut calls = Vec::new();
        let mut start = scheduled;
        let mut time = |method: Method, shed: bool, start: &mut Instant| {
            calls.push((method, start.elapsed(), shed));
            *start = Instant::now();
        };
        let failed = |method: Method, status: &tonic::Status| {
            if status.code() == tonic::Code::ResourceExhausted {
                Answer::Shed
            } else {
                Answer::Failed {
                    code: format!("{:?}", status.code()),
                    message: format!("{method}: {}", status.message()),
                }
            }
        };
        let applicant = Some(pb::Applicant {
            card_serial: serial,
        });
        let answer = 'unit: {
            if self.flow == Flow::Relay {
                let listed = client
                    .list_available(pb::ListAvailableRequest {
                        request_id: format!("{id}-list"),
                        municipality_code: self.municipality_code.clone(),
                        applicant: applicant.clone(),
                    })
                    .await;
                time(LIST, is_shed(&listed), &mut start);
                match listed {
                    Err(status) => break 'unit failed(LIST, &status),
                    Ok(r) => {
                        if let Some(refusal) = r.into_inner().refusal {
                            break 'unit Answer::Refused(reason_name(refusal.reason));
                        }
                    }
                }
            }
            let issued = client
                .issue_certificate(pb::IssueCertificateRequest {
                    request_id: id.clone(),
                    municipality_code: self.municipality_code.clone(),
                    applicant,
                    kind: self.kind as i32,
                    fiscal_year: self.fiscal_year,
                    copies: 1,
                    kiosk: Some(pb::Kiosk {
                        operator_code: "LOAD".into(),
                        terminal_id: format!("T{:04}", terminal % 10_000),
                    }),
                })
                .await;
            time(ISSUE, is_shed(&issued), &mut start);
            let certificate = match issued.map(|r| r.into_inner().outcome) {
                Ok(Some(Outcome::Issued(c))) => c,
                Ok(Some(Outcome::Refusal(r))) => {
                    break 'unit Answer::Refused(reason_name(r.reason));
                }
                Ok(None) => {
                    break 'unit Answer::Failed {
                        code: "EmptyResponse".into(),
                        message: format!("{ISSUE}: neither a certificate nor a refusal"),
                    };
                }
                Err(status) => break 'unit failed(ISSUE, &status),
            };
            if self.flow == Flow::Issue {
                break 'unit Answer::Issued { printed: false };
            }
            let reported = client
                .report_print_result(pb::ReportPrintResultRequest {
                    request_id: format!("{id}-print"),
                    municipality_code: self.municipality_code.clone(),
                    certificate_number: certificate.certificate_number,
                    result: pb::PrintResult::Printed as i32,
                })
                .await;
            time(PRINT, is_shed(&reported), &mut start);
            match reported {
                Ok(_) => Answer::Issued { printed: true },
                Err(status) => failed(PRINT, &status),
            }
        };
        UnitResult {
            calls,
            answer,
            total: scheduled.elapsed(),
        }
    }
}

fn is_shed<T>(result: &Result<T, tonic::Status>) -> bool {
    result
        .as_ref()
        .is_err_and(|s| s.code() == tonic::Code::ResourceExhausted)
}

/// One phase of a run: the warm-up or the recorded units.
struct Phase {
    /// Request ids are `<tag>-<index>`.
    tag: String,
    /// Unit `i` asks for serial `serial_offset + i` (modulo their number).
    serial_offset: usize,
    requests: Option<u64>,
    duration: Option<Duration>,
    /// The label to print progress lines under, if any.
    progress: Option<String>,
}

impl Phase {
    /// Runs the phase to its end; returns what was recorded and how long it took.
    async fn run(&self, calls: &Arc<Calls>, mode: Mode) -> (Recorder, Duration) {
        let recorder = Arc::new(Mutex::new(Recorder::new(calls.flow)));
        let started = Instant::now();
        let progress = self
            .progress
            .clone()
            .map(|label| tokio::spawn(report_progress(label, recorder.clone(), started)));
        // Unit `index`, due at `scheduled`, from terminal `terminal`: a future that records it.
        let unit = {
            let (calls, recorder) = (calls.clone(), recorder.clone());
            let (tag, offset) = (self.tag.clone(), self.serial_offset);
            move |index: u64, scheduled: Instant, terminal: u64| {
                let (calls, recorder) = (calls.clone(), recorder.clone());
                let id = format!("{tag}-{index:07}");
                let serial = calls.serials[(offset + index as usize) % calls.serials.len()].clone();
                async move {
                    let mut client = calls.client(index);
                    let result = calls
                        .unit(&mut client, id, serial, terminal, scheduled)
                        .await;
                    lock(&recorder).record(&result);
                }
            }
        };
        match mode {
            Mode::Closed { concurrency } => {
                let next = Arc::new(AtomicU64::new(0));
                let mut callers = Vec::new();
                for caller in 0..concurrency.max(1) as u64 {
                    let next = next.clone();
                    let (requests, duration) = (self.requests, self.duration);
                    let unit = unit.clone();
                    callers.push(tokio::spawn(async move {
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let now = Instant::now();
                            if !within(index, now - started, requests, duration) {
                                break;
                            }
                            unit(index, now, caller).await;
                        }
                    }));
                }
                for caller in callers {
                    caller.await.expect("a caller panicked");
                }
            }
            Mode::Open {
                rate,
                max_outstanding,
            } => {
                let slots = Arc::new(tokio::sync::Semaphore::new(max_outstanding.max(1)));
                let mut index = 0;
                loop {
                    let offset = scheduled_offset(index, rate);
                    if !within(index, offset, self.requests, self.duration) {
                        break;
                    }
                    let due = started + offset;
                    tokio::time::sleep_until(due).await;
                    let slot = slots.clone().acquire_owned().await.expect("never closed");
                    lock(&recorder).sent(Instant::now().saturating_duration_since(due));
                    let unit = unit(index, due, index);
                    tokio::spawn(async move {
                        unit.await;
                        drop(slot);
                    });
                    index += 1;
                }
                let all = max_outstanding.max(1) as u32;
                let _ = slots.acquire_many(all).await.expect("never closed");
            }
        }
        let elapsed = started.elapsed();
        if let Some(progress) = progress {
            progress.abort();
        }
        let recorded = std::mem::replace(&mut *lock(&recorder), Recorder::new(calls.flow));
        (recorded, elapsed)
    }
}

fn lock(recorder: &Mutex<Recorder>) -> std::sync::MutexGuard<'_, Recorder> {
    recorder.lock().expect("a unit panicked while recording")
}

/// Prints, once a second, the units done, units per second over that second and the p99 of the
/// units answered in it.
async fn report_progress(label: String, recorder: Arc<Mutex<Recorder>>, started: Instant) {
    let second = Duration::from_secs(1);
    let mut tick = tokio::time::interval_at(started + second, second);
    let mut before = 0;
    loop {
        tick.tick().await;
        let (done, p99, shed, failed) = {
            let mut r = lock(&recorder);
            let p99 = r.window.value_at_quantile(0.99) as f64 / 1000.0;
            r.window.reset();
            (r.units, p99, r.shed_units, r.errors.values().sum::<u64>())
        };
        eprintln!(
            "{label}: {:>4.0} s  {done} calls  {} calls/s  p99 {p99:.1} ms  shed {shed}  errors {failed}",
            started.elapsed().as_secs_f64(),
            done - before,
        );
        before = done;
    }
}

/// A histogram of microseconds from 1 µs to an hour, three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}

fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    histogram.saturating_record((latency.as_micros() as u64).max(1));
}

/// Everything a phase records, behind one lock.
struct Recorder {
    flow: Flow,
    latencies: BTreeMap<Method, Histogram<u64>>,
    shed: Histogram<u64>,
    /// The main latency (IssueCertificate, or the whole relay flow) since the last progress line.
    window: Histogram<u64>,
    units: u64,
    rpcs: u64,
    issued: u64,
    printed: u64,
    refused: BTreeMap<String, u64>,
    shed_units: u64,
    errors: BTreeMap<String, u64>,
    error_messages: BTreeMap<String, String>,
    late: u64,
    max_send_delay: Duration,
}

impl Recorder {
    fn new(flow: Flow) -> Self {
        Self {
            flow,
            latencies: BTreeMap::new(),
            shed: histogram(),
            window: histogram(),
            units: 0,
            rpcs: 0,
            issued: 0,
            printed: 0,
            refused: BTreeMap::new(),
            shed_units: 0,
            errors: BTreeMap::new(),
            error_messages: BTreeMap::new(),
            late: 0,
            max_send_delay: Duration::ZERO,
        }
    }

    /// An open-loop unit was sent `delay` after its schedule.
    fn sent(&mut self, delay: Duration) {
        if delay > LATE_AFTER {
            self.late += 1;
        }
        self.max_send_delay = self.max_send_delay.max(delay);
    }

    fn record(&mut self, unit: &UnitResult) {
        self.units += 1;
        for &(method, latency, shed) in &unit.calls {
            self.rpcs += 1;
            if shed {
                record(&mut self.shed, latency);
            } else {
                record(
                    self.latencies.entry(method).or_insert_with(histogram),
                    latency,
                );
                if method == ISSUE && self.flow == Flow::Issue {
                    record(&mut self.window, latency);
                }
            }
        }
        if self.flow == Flow::Relay && !matches!(unit.answer, Answer::Shed) {
            record(
                self.latencies.entry(FLOW).or_insert_with(histogram),
                unit.total,
            );
            record(&mut self.window, unit.total);
        }
        match &unit.answer {
            Answer::Issued { printed } => {
                self.issued += 1;
                self.printed += u64::from(*printed);
            }
            Answer::Refused(reason) => *self.refused.entry(reason.clone()).or_default() += 1,
            Answer::Shed => self.shed_units += 1,
            Answer::Failed { code, message } => {
                *self.errors.entry(code.clone()).or_default() += 1;
                self.error_messages
                    .entry(code.clone())
                    .or_insert_with(|| message.chars().take(200).collect());
            }
        }
    }

    fn report(self, options: &LoadOptions, elapsed: Duration) -> LoadReport {
        let seconds = elapsed.as_secs_f64();
        let (mode, concurrency, rate, max_outstanding) = match options.mode {
            Mode::Closed { concurrency } => ("closed", Some(concurrency), None, None),
            Mode::Open {
                rate,
                max_outstanding,
            } => ("open", None, Some(rate), Some(max_outstanding)),
        };
        let open = rate.is_some();
        LoadReport {
            label: options.label.clone(),
            flow: options.flow.name(),
            mode,
            concurrency,
            rate,
            max_outstanding,
            channels: options.channels.max(1),
            warmup: options.warmup,
            requests: self.units,
            rpcs: self.rpcs,
            seconds: (seconds * 1000.0).round() / 1000.0,
            calls_per_s: if seconds > 0.0 {
                (self.units as f64 / seconds * 10.0).round() / 10.0
            } else {
                0.0
            },
            latency_ms: self
                .latencies
                .iter()
                .map(|(method, h)| (*method, LatencySummary::of(h)))
                .collect(),
            shed: self.shed.len(),
            shed_latency_ms: LatencySummary::of(&self.shed),
            outcomes: Outcomes {
                issued: self.issued,
                printed: self.printed,
                refused: self.refused,
                shed: self.shed_units,
                errors: self.errors,
            },
            late: open.then_some(self.late),
            max_send_delay_ms: open
                .then(|| (self.max_send_delay.as_secs_f64() * 1e6).round() / 1000.0),
            error_messages: self.error_messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(millis: impl IntoIterator<Item = u64>) -> LatencySummary {
        let mut h = histogram();
        for ms in millis {
            record(&mut h, Duration::from_millis(ms));
        }
        LatencySummary::of(&h)
    }

    /// Within HDR's three significant digits.
    fn close(got: f64, expected: f64) -> bool {
        (got - expected).abs() <= expected * 0.001 + 0.001
    }

    #[test]
    fn percentiles_of_one_to_a_thousand_milliseconds() {
        let s = summary(1..=1000);
        assert_eq!(s.count, 1000);
        for (got, expected) in [
            (s.p50, 500.0),
            (s.p90, 900.0),
            (s.p99, 990.0),
            (s.p99_9, 999.0),
            (s.max, 1000.0),
            (s.mean, 500.5),
        ] {
            assert!(close(got, expected), "{got} vs {expected}: {s:?}");
        }
    }

    #[test]
    fn percentiles_are_ordered_and_a_tail_shows() {
        // 990 fast calls and 10 slow ones: p99 is still fast, p99.9 and max are slow.
        let s = summary((0..990).map(|_| 2).chain((0..10).map(|_| 300)));
        assert!(close(s.p50, 2.0) && close(s.p99, 2.0), "{s:?}");
        assert!(close(s.p99_9, 300.0) && close(s.max, 300.0), "{s:?}");
        assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p99_9 && s.p99_9 <= s.max);
    }

    #[test]
    fn an_empty_histogram_summarises_to_zeros() {
        assert_eq!(summary([]), LatencySummary::default());
    }

    #[test]
    fn sub_microsecond_and_huge_latencies_are_kept() {
        let mut h = histogram();
        record(&mut h, Duration::from_nanos(10));
        record(&mut h, Duration::from_secs(7200));
        let s = LatencySummary::of(&h);
        assert_eq!(s.count, 2);
        assert_eq!(s.p50, 0.001);
        assert!(close(s.max, 3_600_000.0), "{s:?}");
    }

    #[test]
    fn the_schedule_follows_the_rate_without_drift() {
        let check = |index, rate, expected: Duration| {
            let got = scheduled_offset(index, rate);
            let diff = got.abs_diff(expected);
            assert!(
                diff < Duration::from_nanos(10),
                "{index} at {rate}/s: {got:?}"
            );
        };
        check(0, 4.0, Duration::ZERO);
        check(1, 4.0, Duration::from_millis(250));
        check(3, 4.0, Duration::from_millis(750));
        check(1000, 1000.0, Duration::from_secs(1));
        check(3, 3000.0, Duration::from_millis(1));
        // A million units at 3,000/s: exactly 333.333… s, not a sum of rounded intervals.
        check(1_000_000, 3000.0, Duration::from_nanos(333_333_333_333));
    }

    #[test]
    fn a_phase_ends_at_its_count_or_its_duration() {
        let s = Duration::from_secs;
        assert!(within(0, s(0), Some(1), None));
        assert!(!within(1, s(0), Some(1), None));
        assert!(within(10, s(9), None, Some(s(10))));
        assert!(!within(10, s(10), None, Some(s(10))));
        assert!(!within(5, s(10), Some(100), Some(s(10))), "duration first");
        assert!(!within(100, s(1), Some(100), Some(s(10))), "count first");
        assert!(
            within(u64::MAX - 1, s(1_000_000), None, None),
            "neither: no end"
        );
        assert!(!within(0, s(0), Some(0), None), "zero units");
    }
}
