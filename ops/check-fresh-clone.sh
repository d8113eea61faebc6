#!/usr/bin/env bash
# CI check that the quickstart's setup works from a clone whose parent folder others cannot enter
# (as a clone under /root, mode 0700, is): clones this checkout's committed HEAD into
# <tmp>/home/kofu with <tmp>/home mode 0700, and there runs what ops/quickstart.sh runs before
# building — ops/deps.sh, `ops/pg.sh start`, `ops/pg.sh url` — then connects through that URL as
# role kofu, stops the cluster, and removes the clone and the cluster's directory. Builds no Rust.
#   bash ops/check-fresh-clone.sh
set -euo pipefail
checkout=$(cd "$(dirname "$0")/.." && pwd -P)

if [ -n "$(git -C "$checkout" status --porcelain --untracked-files=no)" ]; then
  echo "note: checking the committed HEAD; uncommitted changes are not in the clone" >&2
fi

tmp=$(mktemp -d)
chmod 0700 "$tmp"
mkdir -m 0700 "$tmp/home"
clone="$tmp/home/kofu"
destroyed=no

cleanup() {
  local status=$?
  if [ "$destroyed" = no ] && [ -f "$clone/ops/pg.sh" ]; then
    if [ "$status" -ne 0 ] && [ -f "$(bash "$clone/ops/pg.sh" dir)/server.log" ]; then
      echo "== the end of the cluster's server.log" >&2
      tail -n 20 "$(bash "$clone/ops/pg.sh" dir)/server.log" >&2 || true
    fi
    bash "$clone/ops/pg.sh" destroy || status=1
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

git clone -q "$checkout" "$clone"
cd "$clone"
echo "== fresh clone in $clone (parent mode $(stat -c %a "$tmp/home"))"

bash ops/deps.sh
bash ops/pg.sh start
# Starting again is a no-op: the quickstart is safe to re-run.
bash ops/pg.sh start
url=$(bash ops/pg.sh url)
dir=$(bash ops/pg.sh dir)
echo "== cluster in $dir, $url"
case "$dir" in
  "$clone"/*)
    if [ "$(id -u)" -eq 0 ]; then
      echo "as root the cluster must not live in the checkout: $dir" >&2
      exit 1
    fi
    ;;
esac

got=$(psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "SELECT 1, current_user")
if [ "$got" != "1|kofu" ]; then
  echo "SELECT 1 through $url answered '$got', expected '1|kofu'" >&2
  exit 1
fi
echo "== SELECT 1 as role kofu through $url: ok"

bash ops/pg.sh stop
port=${url##*:}
port=${port%%/*}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port still answers after ops/pg.sh stop" >&2
  exit 1
fi
bash ops/pg.sh destroy
destroyed=yes
if [ -e "$dir" ]; then
  echo "ops/pg.sh destroy left $dir behind" >&2
  exit 1
fi
echo "== fresh-clone check passed"
