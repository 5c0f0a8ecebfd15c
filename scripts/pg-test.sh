#!/usr/bin/env bash
# A private PostgreSQL cluster for tests, from Debian's `postgresql` package:
#   scripts/pg-test.sh start DIR   initdb in DIR (as the postgres user when run as root), start it
#                                  on 127.0.0.1 on a free port with trust auth, print its URL
#                                  (postgres://postgres@127.0.0.1:PORT/postgres) on stdout
#   scripts/pg-test.sh stop DIR    stop it (fast shutdown); DIR is left for the caller to remove
#   scripts/pg-test.sh restart DIR start it again on the port it had (after stop)
# Nothing listens beyond the loopback; the socket directory is DIR itself.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }

pgbin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] ||
    { echo "pg-test: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }

as_pg() { # run as the postgres user when we are root (initdb refuses root)
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() { # a port nothing listens on now, from the kernel's ephemeral range
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}

pg_start() {
    local port=$1
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null
    echo "$port" >"$dir/port"
}

case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    # a port taken between the choice and the start: try another
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        if pg_start "$port" 2>/dev/null; then
            echo "postgres://postgres@127.0.0.1:$port/postgres"
            exit 0
        fi
    done
    echo "pg-test: the cluster did not start:" >&2
    cat "$dir/log" >&2 || true
    exit 1
    ;;
stop)
    [ -d "$dir/data" ] || exit 0
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
restart)
    pg_start "$(cat "$dir/port")"
    ;;
*)
    echo "usage: $0 start|stop|restart DIR" >&2
    exit 2
    ;;
esac
