#!/usr/bin/env bash
# A private PostgreSQL cluster under .pg/ in the checkout, on port $KOFU_PG_PORT (default 54329),
# run as an unprivileged OS user (PostgreSQL refuses to run as root).
#   ops/pg.sh start   initialise if needed, start, create role and database `kofu`
#   ops/pg.sh stop
#   ops/pg.sh url     print the connection URL of database `kofu`
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.pg"
port=${KOFU_PG_PORT:-54329}
os_user=kofu-pg
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$os_user" -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgres://kofu@127.0.0.1:$port/kofu"; }

start() {
  [ -n "$bindir" ] || { echo "PostgreSQL server binaries not found: run ops/deps.sh" >&2; exit 1; }
  if [ "$(id -u)" -eq 0 ] && ! id "$os_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$os_user"
  fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$os_user" "$dir"
  if ! as_owner test -x "$dir"; then
    echo "the PostgreSQL user $os_user cannot reach $dir: make the checkout's parent folders traversable (chmod o+x)" >&2
    exit 1
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    mkdir -p "$dir/run" && [ "$(id -u)" -eq 0 ] && chown "$os_user" "$dir/run"
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 200
shared_buffers = 256MB
# A FULL sync writes gigabytes in one transaction: room for it between checkpoints.
max_wal_size = 8GB
checkpoint_timeout = 15min
fsync = on
CONF
  fi
  if as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    :
  else
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  fi
  local psql=("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'kofu'")" != 1 ]; then
    "${psql[@]}" -c "CREATE ROLE kofu LOGIN CREATEDB"
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'kofu'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE kofu OWNER kofu"
  fi
  echo "PostgreSQL running on 127.0.0.1:$port (data in $dir/data)" >&2
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: ops/pg.sh start|stop|url" >&2; exit 2 ;;
esac
