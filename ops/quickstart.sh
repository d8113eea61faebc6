#!/usr/bin/env bash
# The main job end to end on one machine: installs what is missing, starts a private PostgreSQL
# (unless $DATABASE_URL is set), builds kofu, migrates, writes a batch file of a synthetic
# municipality, starts the server, pushes the batch as the tax system's nightly sync would, plays
# the J-LIS relay against it over mutual TLS, writes the PDFs to out/pdf, and stops everything it
# started. Safe to re-run.
#   RESIDENTS=1000 REQUESTS=1000 bash ops/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

residents=${RESIDENTS:-1000}
requests=${REQUESTS:-1000}
config=ops/kofu.dev.toml
kofu=target/release/kofu

bash ops/deps.sh
started_pg=no
if [ -z "${DATABASE_URL:-}" ]; then
  bash ops/pg.sh start
  started_pg=yes
  DATABASE_URL=$(bash ops/pg.sh url)
fi
export KOFU__DATABASE__URL="$DATABASE_URL"

server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null; then
    wait "$server_pid" || true
  fi
  [ "$started_pg" = yes ] && bash ops/pg.sh stop
}
trap cleanup EXIT

mkdir -p out
echo "== building (release)"
cargo build --release --locked --quiet
[ -f dev-certs/ca.pem ] || "$kofu" dev-certs dev-certs

echo "== migrating"
"$kofu" migrate --config "$config"
"$kofu" sync gen --config "$config" --residents "$residents" --out out/batch.jsonl

echo "== starting the server"
"$kofu" serve --config "$config" 2>out/server.log &
server_pid=$!
port=$(grep -E '^grpc_addr' "$config" | sed -E 's/.*:([0-9]+)".*/\1/')
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat out/server.log >&2; exit 1; }
  sleep 0.1
done

echo "== the tax system's nightly sync: pushing out/batch.jsonl over mTLS"
"$kofu" sync push --config "$config" out/batch.jsonl

echo "== playing the relay: $requests IssueCertificate calls"
rm -rf out/pdf
"$kofu" relay-sim --config "$config" --residents "$residents" --requests "$requests" --out out/pdf

echo "== the operator's view: the audit trail and today's fees"
"$kofu" audit verify --config "$config"
today=$(TZ=Asia/Tokyo date +%F)
"$kofu" report fees --config "$config" --from "$today" --to "$today"

pdfs=(out/pdf/*.pdf)
first=${pdfs[0]}
echo "== one certificate, as pdftotext reads it ($first)"
pdftotext -layout "$first" - | sed -e '/^\s*$/d' | head -n 12
echo "..."
echo
echo "PDFs are in $(pwd)/out/pdf; server log in $(pwd)/out/server.log"
