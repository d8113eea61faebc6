#!/usr/bin/env bash
# Sync speed: a FULL batch of $RESIDENTS (default 1,000,000) synthetic residents with four fiscal
# years of assessments and payments, pushed end to end with `kofu sync push` (file → gRPC over
# mTLS → checks → COPY → set checks → index → swap → commit), against a plain COPY of the same rows
# into UNLOGGED tables without keys on the same server in the same run.
#   RESIDENTS=100000 bash ops/bench-sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."

residents=${RESIDENTS:-1000000}
config=ops/kofu.dev.toml
kofu=target/release/kofu
work=out/bench-sync
mkdir -p "$work"

bash ops/deps.sh
bash ops/pg.sh start
url=$(bash ops/pg.sh url)
export KOFU__DATABASE__URL="$url"
cargo build --release --locked --quiet
[ -f dev-certs/ca.pem ] || "$kofu" dev-certs dev-certs
"$kofu" migrate --config "$config" >/dev/null

file="$work/full-$residents.jsonl"
if [ ! -f "$file" ]; then
  "$kofu" sync gen --config "$config" --residents "$residents" --out "$file"
fi
echo "batch file: $file ($(du -h "$file" | cut -f1), $(($(wc -l <"$file") - 1)) records)"
# A freshly written file's gigabytes are still being flushed to disk; let that finish before the
# timed run instead of competing with PostgreSQL's writes.
sync

"$kofu" serve --config "$config" 2>"$work/server.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
port=$(grep -E '^grpc_addr' "$config" | sed -E 's/.*:([0-9]+)".*/\1/')
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

start=$(date +%s.%N)
"$kofu" sync push --config "$config" --batch-id "bench-$(date +%s)" "$file" | tail -n 1
push_s=$(echo "$(date +%s.%N) - $start" | bc)
kill -TERM $server; wait $server 2>/dev/null || true
trap - EXIT

# The baseline: the same rows, exported from the tables kofu just filled, copied back in by a
# plain COPY into UNLOGGED tables that have neither keys nor checks.
psql_() { psql "$url" -qAtX -v ON_ERROR_STOP=1 "$@"; }
rows=0
for t in resident card_link assessment payment; do
  psql_ -c "\\copy (SELECT * FROM $t WHERE lg_code = '131041') TO '$work/$t.tsv'"
  psql_ -c "DROP TABLE IF EXISTS bench_$t; CREATE UNLOGGED TABLE bench_$t (LIKE $t)"
  rows=$((rows + $(wc -l <"$work/$t.tsv")))
done
start=$(date +%s.%N)
for t in resident card_link assessment payment; do
  psql_ -c "\\copy bench_$t FROM '$work/$t.tsv'"
done
copy_s=$(echo "$(date +%s.%N) - $start" | bc)
for t in resident card_link assessment payment; do psql_ -c "DROP TABLE bench_$t"; rm -f "$work/$t.tsv"; done

printf 'kofu sync push: %d rows in %.1f s = %.0f rows/s\n' "$rows" "$push_s" "$(echo "$rows / $push_s" | bc -l)"
printf 'plain COPY (unlogged, no keys): %d rows in %.1f s = %.0f rows/s\n' "$rows" "$copy_s" "$(echo "$rows / $copy_s" | bc -l)"
printf 'ratio: kofu takes %.2fx the time of a plain COPY\n' "$(echo "$push_s / $copy_s" | bc -l)"
