#!/usr/bin/env bash
# A private PostgreSQL cluster for this checkout, run as an unprivileged OS user (PostgreSQL refuses
# to run as root).
#
# Where: as root, under /var/lib/kofu-pg/<hash>/ (owned by the OS user kofu-pg, mode 0700), because
# kofu-pg may not be able to reach the checkout (a clone under /root, mode 0700); otherwise under
# .pg/ in the checkout. <hash> is a short hash of the checkout's absolute path, so two clones never
# share a cluster.
# Port: $KOFU_PG_PORT, or by default 54330 + the same hash mod 500 (54330–54829), so two clones do
# not collide either; `url` prints the matching URL.
#   ops/pg.sh start     initialise if needed, start (idempotent), create role and database `kofu`
#   ops/pg.sh stop
#   ops/pg.sh url       print the connection URL of database `kofu`
#   ops/pg.sh dir       print the cluster's directory (data/, server.log, run/)
#   ops/pg.sh destroy   stop and remove the cluster's directory
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
hash=$(printf '%s' "$root" | sha256sum | cut -c1-12)
os_user=kofu-pg
if [ "$(id -u)" -eq 0 ]; then
  base=/var/lib/kofu-pg
  dir="$base/$hash"
else
  dir="$root/.pg"
fi
port=${KOFU_PG_PORT:-$((54330 + 16#${hash:0:8} % 500))}
bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the cluster's owner, from / (kofu-pg may not be able to enter the current
# directory; every path given is absolute).
as_owner() {
  if is_root; then
    (cd / && runuser -u "$os_user" -- "$@")
  else
    "$@"
  fi
}

url() { echo "postgres://kofu@127.0.0.1:$port/kofu"; }

running() { as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

need_bindir() {
  [ -n "$bindir" ] || { echo "PostgreSQL server binaries not found: run ops/deps.sh" >&2; exit 1; }
}

start() {
  need_bindir
  if is_root; then
    id "$os_user" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$os_user"
    mkdir -p "$base" "$dir"
    chmod 0755 "$base"
    chown "$os_user": "$dir"
    chmod 0700 "$dir"
    if [ -f "$root/.pg/data/PG_VERSION" ]; then
      echo "note: $root/.pg holds a cluster of the old layout, no longer used when running as root;" \
        "stop it with \`runuser -u $os_user -- $bindir/pg_ctl -D $root/.pg/data stop\` and remove it" >&2
    fi
  else
    mkdir -p "$dir"
    chmod 0700 "$dir"
  fi
  if ! as_owner test -x "$dir"; then
    echo "the PostgreSQL user $os_user cannot reach $dir: make its parent folders traversable (chmod o+x)" >&2
    exit 1
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner mkdir -p "$dir/run"
    # `port` here is what a bare `pg_ctl start` uses; start() below always passes -p $port.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 200
# A FULL sync writes gigabytes in one transaction: room for it between checkpoints.
max_wal_size = 8GB
checkpoint_timeout = 15min
fsync = on
CONF
  fi
  if running; then
    local actual
    actual=$(sed -n 4p "$dir/data/postmaster.pid")
    if [ "$actual" != "$port" ]; then
      echo "PostgreSQL in $dir is running on port $actual, not $port: stop it (bash ops/pg.sh stop)" \
        "and start again, or set KOFU_PG_PORT=$actual" >&2
      exit 1
    fi
  else
    if port_taken; then
      echo "port $port is taken by another program (another checkout's cluster?): set KOFU_PG_PORT" \
        "to a free port" >&2
      exit 1
    fi
    # A quarter of the machine's memory for PostgreSQL's own cache (its documented starting
    # point, 128 MB to 8 GB), set at every start: the card lookup reads a resident's assessment
    # and payments (~7 KB a person), which at a ward's size outgrow a fixed 256 MB.
    local memory_kb buffers_mb
    memory_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    buffers_mb=$((memory_kb / 4 / 1024))
    [ "$buffers_mb" -ge 128 ] || buffers_mb=128
    [ "$buffers_mb" -le 8192 ] || buffers_mb=8192
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
      -o "-p $port -c shared_buffers=${buffers_mb}MB" -w -t 60 start >/dev/null; then
      echo "PostgreSQL did not start; the end of $dir/server.log:" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
  fi
  local psql=("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'kofu'")" != 1 ]; then
    "${psql[@]}" -c "CREATE ROLE kofu LOGIN CREATEDB"
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'kofu'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE kofu OWNER kofu"
  fi
  echo "PostgreSQL running on 127.0.0.1:$port (cluster in $dir, log in $dir/server.log)" >&2
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    need_bindir
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
}

destroy() {
  stop
  if [ -f "$dir/data/postmaster.pid" ] && running; then
    echo "PostgreSQL in $dir is still running: not removing it" >&2
    exit 1
  fi
  rm -rf "$dir"
  echo "removed $dir" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  dir) echo "$dir" ;;
  destroy) destroy ;;
  *) echo "usage: ops/pg.sh start|stop|url|dir|destroy" >&2; exit 2 ;;
esac
