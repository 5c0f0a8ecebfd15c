#!/usr/bin/env bash
# Run a command with a private PostgreSQL cluster (scripts/pg-test.sh) for its tests:
#   scripts/with-pg.sh CMD [ARGS...]
# exports LATCH_TEST_PG_URL (postgres://postgres@127.0.0.1:PORT/postgres) for CMD and stops
# and removes the cluster when CMD ends, whatever its status (which is returned). With
# LATCH_TEST_PG_URL already set, CMD runs on that server and nothing is started.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${LATCH_TEST_PG_URL:-}" ]; then
    exec "$@"
fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/latch-pg.XXXXXX")"
cleanup() {
    "$here/pg-test.sh" stop "$dir" || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
LATCH_TEST_PG_URL="$("$here/pg-test.sh" start "$dir")"
export LATCH_TEST_PG_URL
echo "with-pg: PostgreSQL for the tests at $LATCH_TEST_PG_URL" >&2
set +e
"$@"
status=$?
exit $status
