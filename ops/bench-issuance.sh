#!/usr/bin/env bash
# Issuance speed against the floor: $RESIDENTS (default 100,000) synthetic residents pushed through
# the real sync (`kofu sync gen` + `kofu sync push` to a running `kofu serve`), then `kofu load
# --flow issue` against kofu and against the issuance floor (../shared/peers/issuance-floor: mTLS
# gRPC, one primary-key lookup, one audit INSERT, a constant ~60 KB blob) on the same database,
# alternately, at 1, 8 and 64 concurrent callers, $ROUNDS times; then an overload point of
# $OVERLOAD (1,024) callers against kofu alone, where admission control should shed at once and
# keep the admitted calls' p99. Prints calls/s, p50 and p99 of each server and their ratios, and
# the CPU each call cost the server and PostgreSQL (utime + stime from /proc of the server and of
# every process of the private cluster, before and after each run). Raw JSON lines, one a run,
# with the CPU seconds added, go to out/bench-issuance/.
#   RESIDENTS=100000 bash ops/bench-issuance.sh
#   bash ops/bench-issuance.sh --relay       # or FLOW=relay: ListAvailable → IssueCertificate →
#                                            # ReportPrintResult against kofu alone
# Knobs: ROUNDS (2), REQUESTS per point (3000; REQUESTS_C1 at one caller, default REQUESTS/5),
# WARMUP (200), OVERLOAD (1024) and OVERLOAD_REQUESTS (8192), CHANNELS (1), NOW (the fixed clock,
# 2025-07-01T10:00:00+09:00: inside service hours, 令和7年度 open), KOFU_PORT (50051),
# METRICS_PORT (9464), FLOOR_PORT (50061), FLOOR_DIR (../shared/peers/issuance-floor, from the
# project's root), KOFU_PG_PORT (ops/pg.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

flow=${FLOW:-issue}
for arg in "$@"; do
  case "$arg" in
    --relay) flow=relay ;;
    *) echo "usage: [RESIDENTS=N ROUNDS=N REQUESTS=N ...] bash ops/bench-issuance.sh [--relay]" >&2; exit 2 ;;
  esac
done
[ "$flow" = issue ] || [ "$flow" = relay ] || { echo "FLOW is issue or relay, not $flow" >&2; exit 2; }
residents=${RESIDENTS:-100000}
rounds=${ROUNDS:-2}
requests=${REQUESTS:-3000}
requests_c1=${REQUESTS_C1:-$((requests / 5))}
warmup=${WARMUP:-200}
overload=${OVERLOAD:-1024}
overload_requests=${OVERLOAD_REQUESTS:-8192}
channels=${CHANNELS:-1}
now=${NOW:-2025-07-01T10:00:00+09:00}
kofu_port=${KOFU_PORT:-50051}
floor_port=${FLOOR_PORT:-50061}
floor_dir=${FLOOR_DIR:-../shared/peers/issuance-floor}
config=ops/kofu.dev.toml
kofu=target/release/kofu
work=out/bench-issuance
mkdir -p "$work"
stamp=$(date +%Y%m%d-%H%M%S)
raw="$work/runs-$stamp-$flow.jsonl"
table="$work/table-$stamp-$flow.txt"

bash ops/deps.sh
command -v jq >/dev/null || {
  echo "installing jq (the table is computed with it)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >/dev/null
}
bash ops/pg.sh start
url=$(bash ops/pg.sh url)
pgdir=$(bash ops/pg.sh dir)
export KOFU__DATABASE__URL="$url"
export KOFU__CLOCK__FIXED_NOW="$now"
export KOFU__SERVER__GRPC_ADDR="127.0.0.1:$kofu_port"
export KOFU__SERVER__METRICS_ADDR="127.0.0.1:${METRICS_PORT:-9464}"
cargo build --release --locked --quiet
floor=""
if [ "$flow" = issue ]; then
  [ -f "$floor_dir/Cargo.toml" ] || {
    echo "the issuance floor is not at $floor_dir: set FLOOR_DIR to its folder" >&2
    exit 1
  }
  # The peers folder may be read-only: the floor builds into this checkout's target/.
  KOFU_PROTO_DIR="$PWD/proto" CARGO_TARGET_DIR="$PWD/target/issuance-floor" \
    cargo build --release --locked --quiet --manifest-path "$floor_dir/Cargo.toml"
  floor=target/issuance-floor/release
fi
[ -f dev-certs/ca.pem ] || "$kofu" dev-certs dev-certs
"$kofu" migrate --config "$config" >/dev/null

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  for _ in $(seq 1 150); do port_open "$1" && return 0; sleep 0.2; done
  echo "nothing listens on port $1: see $work/*.log" >&2
  exit 1
}
for port in "$kofu_port" "$floor_port"; do
  if port_open "$port"; then
    echo "port $port is taken: set KOFU_PORT / FLOOR_PORT to free ones" >&2
    exit 1
  fi
done

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

"$kofu" serve --config "$config" 2>"$work/kofu-$stamp.log" &
kofu_pid=$!
pids+=("$kofu_pid")
wait_for "$kofu_port"

batch="$work/full-$residents.jsonl"
[ -f "$batch" ] || "$kofu" sync gen --config "$config" --residents "$residents" --out "$batch"
"$kofu" sync push --config "$config" --batch-id "bench-issuance-$stamp" "$batch" | tail -n 1

# Cards valid on the day of the fixed clock, in a fixed order; kofu and the floor get the same.
serials="$work/serials.txt"
day=${now:0:10}
psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "SELECT card_serial FROM card_link
  WHERE valid_from <= DATE '$day' AND (valid_until IS NULL OR valid_until >= DATE '$day')
  ORDER BY md5(card_serial)" >"$serials"
echo "$(wc -l <"$serials") card serials valid on $day in $serials"

if [ "$flow" = issue ]; then
  "$floor/floor-server" --listen "127.0.0.1:$floor_port" --db "$url" --certs dev-certs --pool 16 \
    2>"$work/floor-$stamp.log" &
  floor_pid=$!
  pids+=("$floor_pid")
  wait_for "$floor_port"
fi

clk=$(getconf CLK_TCK)
# Clock ticks of user + system time a process has used, with those of its children it reaped.
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 + $14 + $15 }'; }
# The same over the private cluster: the postmaster and every live backend and worker.
pg_ticks() {
  local postmaster total child
  postmaster=$(head -n 1 "$pgdir/data/postmaster.pid")
  total=$(ticks "$postmaster")
  for child in $(pgrep -P "$postmaster"); do
    total=$((total + $(ticks "$child" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# One `kofu load` run against SERVER (kofu or floor); its JSON line, with the server's and
# PostgreSQL's CPU seconds over the run (warm-up included) added, goes to $raw and stdout.
run() {
  local server=$1 label=$2 port pid s0 p0 s1 p1 line status=0
  shift 2
  if [ "$server" = kofu ]; then port=$kofu_port pid=$kofu_pid; else port=$floor_port pid=$floor_pid; fi
  s0=$(ticks "$pid") p0=$(pg_ticks)
  line=$("$kofu" load --config "$config" --server "https://localhost:$port" --serials "$serials" \
    --flow "$flow" --channels "$channels" --quiet --label "$label" "$@") || status=$?
  s1=$(ticks "$pid") p1=$(pg_ticks)
  if [ -z "$line" ]; then
    echo "$label: kofu load printed nothing (exit $status)" >&2
    exit 1
  fi
  [ "$status" -eq 0 ] || echo "$label: some calls failed (exit $status), see $raw" >&2
  jq -c --arg server "$server" --argjson exit "$status" --argjson clk "$clk" \
    --argjson server_ticks "$((s1 - s0))" --argjson pg_ticks "$((p1 - p0))" \
    '. + {server: $server, exit: $exit, server_cpu_s: ($server_ticks / $clk),
          pg_cpu_s: ($pg_ticks / $clk)}' \
    <<<"$line" | tee -a "$raw"
}

points=(1 8 64)
servers=(kofu)
[ "$flow" = issue ] && servers=(kofu floor)
# The latency the table reads: IssueCertificate's, or in the relay flow the whole resident's.
main=IssueCertificate
[ "$flow" = relay ] && main=flow
unit=call
[ "$flow" = relay ] && unit=resident
summary=".label + \": \(.calls_per_s) ${unit}s/s, $main p99 \(.latency_ms.$main.p99 // \"-\") ms, shed \(.shed), errors \(.outcomes.errors)\""
echo "flow $flow, $residents residents, $rounds rounds of ${points[*]} callers against ${servers[*]}"
for round in $(seq 1 "$rounds"); do
  for c in "${points[@]}"; do
    n=$requests
    [ "$c" -eq 1 ] && n=$requests_c1
    # Alternate which server goes first, so that a drift of the machine falls on both.
    order=("${servers[@]}")
    if [ "${#servers[@]}" -eq 2 ] && [ $((round % 2)) -eq 0 ]; then order=(floor kofu); fi
    for server in "${order[@]}"; do
      run "$server" "$server-c$c-r$round" --concurrency "$c" --requests "$n" --warmup "$warmup" |
        jq -r "$summary"
    done
  done
done
run kofu "kofu-overload-c$overload" --concurrency "$overload" --requests "$overload_requests" \
  --warmup 0 | jq -r "$summary"

# The table, from the raw lines: per point and server, the means over the rounds.
jq -rs --arg main "$main" --arg unit "$unit" '
  def pad(n): tostring | (" " * ([n - length, 0] | max)) + .;
  def r(d): if type == "number" then . * pow(10; d) | round / pow(10; d) else "-" end;
  def mean(f): map(f) | if length > 0 and all(type == "number") then add / length else null end;
  def cpu_ms(f): f / (.requests + .warmup) * 1000;
  def ratio(a; b): if (a | type) == "number" and (b | type) == "number" and b > 0
    then a / b | r(2) else "-" end;
  def row: map(pad(9)) | join(" ");
  (map(select(.label | test("overload") | not))
   | group_by(.concurrency)
   | map({c: .[0].concurrency,
          s: (group_by(.server) | map({key: .[0].server, value: {
                rps: mean(.calls_per_s),
                p50: mean(.latency_ms[$main].p50),
                p99: mean(.latency_ms[$main].p99),
                issue99: mean(.latency_ms.IssueCertificate.p99),
                cpu: mean(cpu_ms(.server_cpu_s)),
                pg: mean(cpu_ms(.pg_cpu_s)),
                errors: (map(.outcomes.errors | add // 0) | add)}}) | from_entries)})) as $points
  | "\($main) latency in ms; CPU in ms a \($unit) (warm-up included); means over the rounds",
    if any($points[]; .s.floor) then
      ([ "callers", "kofu/s", "floor/s", "ratio", "kofu p50", "floor p50", "ratio", "kofu p99",
         "floor p99", "ratio", "kofu cpu", "pg(kofu)", "floor cpu", "pg(floor)", "errors" ] | row),
      ($points[] | .s.kofu as $k | (.s.floor // {}) as $f |
        [ .c, ($k.rps | r(0)), ($f.rps | r(0)), ratio($k.rps; $f.rps),
          ($k.p50 | r(2)), ($f.p50 | r(2)), ratio($k.p50; $f.p50),
          ($k.p99 | r(2)), ($f.p99 | r(2)), ratio($k.p99; $f.p99),
          ($k.cpu | r(3)), ($k.pg | r(3)), ($f.cpu | r(3)), ($f.pg | r(3)),
          ($k.errors + ($f.errors // 0)) ] | row)
    else
      ([ "callers", "\($unit)s/s", "p50", "p99", "issue p99", "kofu cpu", "pg cpu", "errors" ]
       | row),
      ($points[] | .s.kofu as $k |
        [ .c, ($k.rps | r(1)), ($k.p50 | r(2)), ($k.p99 | r(2)), ($k.issue99 | r(2)),
          ($k.cpu | r(3)), ($k.pg | r(3)), $k.errors ] | row)
    end,
    (map(select(.label | test("overload")))[] |
      "overload, \(.concurrency) callers against kofu: \(.calls_per_s) \($unit)s/s;" +
      " admitted \(.latency_ms[$main].count // 0): p50 \(.latency_ms[$main].p50 // "-") ms," +
      " p99 \(.latency_ms[$main].p99 // "-") ms; shed \(.shed): p50 \(.shed_latency_ms.p50) ms," +
      " p99 \(.shed_latency_ms.p99) ms, max \(.shed_latency_ms.max) ms;" +
      " errors \(.outcomes.errors); CPU a \($unit): kofu \(cpu_ms(.server_cpu_s) | r(3)) ms," +
      " PostgreSQL \(cpu_ms(.pg_cpu_s) | r(3)) ms")
' "$raw" | tee "$table"
echo "raw JSON lines: $raw; table: $table"
