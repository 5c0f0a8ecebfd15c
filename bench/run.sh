#!/usr/bin/env bash
# bench/run.sh: load benchmarks of latch with wrk, side by side with the bare libmicrohttpd
# ceiling serving the same bytes.
#   bench/run.sh --smoke   a few seconds, latch and the ceiling only: part of `make test`,
#                          fails when a case errs or serves nothing
#   bench/run.sh           the same cases for 20 s each (BENCH_DURATION), figures for
#                          docs/BENCHMARKS.md
# Env: LATCH_BIN (default build/latch), BENCH_DURATION, BENCH_CONNECTIONS (64), BENCH_FLAGS (200).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
mode=full
[ "${1:-}" = "--smoke" ] && mode=smoke
latch="${LATCH_BIN:-$root/build/latch}"
node="$root/scripts/node.sh"
conns="${BENCH_CONNECTIONS:-64}"
flags="${BENCH_FLAGS:-200}"
if [ "$mode" = smoke ]; then dur="${BENCH_DURATION:-1s}"; else dur="${BENCH_DURATION:-20s}"; fi

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

wait_port() { # log-file -> port
    for _ in $(seq 1 200); do
        p=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$1" | head -1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.05
    done
    echo "bench: server did not start; log:" >&2; cat "$1" >&2; return 1
}

"$node" "$here/gen-state.mjs" "$flags" > "$work/state.json"
db="$work/latch.db"
"$latch" import "$work/state.json" --environment development --db "$db" >/dev/null 2>&1
client=$("$latch" token create --type client --environment development --db "$db")
frontend=$("$latch" token create --type frontend --environment development --db "$db")
"$latch" serve --port 0 --bind 127.0.0.1 --db "$db" --metrics-interval 5 2>"$work/serve.log" &
serve_pid=$!; pids+=("$serve_pid")
port=$(wait_port "$work/serve.log")
base="http://127.0.0.1:$port"

curl -sf -H "Authorization: $client" "$base/api/client/features" -o "$work/body.json"
curl -sf -H "Authorization: $client" -H "Accept-Encoding: gzip" "$base/api/client/features" \
    -o "$work/body.gz"
etag=$(curl -sfI -H "Authorization: $client" "$base/api/client/features" |
       sed -n 's/^ETag: *\(.*\)\r$/\1/Ip')

# the ceiling: same bytes, same library, nothing else
ceiling="$work/ceiling"
cc -O2 -o "$ceiling" "$here/ceiling.c" $(pkg-config --cflags --libs libmicrohttpd)
"$ceiling" "$work/body.json" 0 2>"$work/ceiling.log" & pids+=($!)
"$ceiling" "$work/body.gz" 0 gzip 2>"$work/ceiling-gz.log" & pids+=($!)
cport=$(wait_port "$work/ceiling.log")
gport=$(wait_port "$work/ceiling-gz.log")

failures=0
printf '%-34s %10s %9s %9s %8s %10s\n' "case" "req/s" "p50" "p99" "errors" "of ceiling"
row() { # name expect(ok|4xx) ceiling-rps wrk-args...
    local name=$1 expect=$2 ceil=$3; shift 3
    local out
    out=$(wrk -t2 -c"$conns" -d"$dur" --latency "$@" 2>&1) || true
    local rps p50 p99 total non2xx sockerr
    rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    total=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    non2xx=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    sockerr=$(echo "$out" | awk '/Socket errors:/{gsub(",", ""); print $4 + $6 + $8 + $10}')
    non2xx=${non2xx:-0}
    local errors=$non2xx
    [ "$expect" = 4xx ] && errors=$(( ${total:-0} - non2xx ))
    [ -n "$sockerr" ] && errors=$((errors + sockerr))
    local share="-"
    if [ -n "$ceil" ] && [ -n "$rps" ]; then
        share=$(awk -v a="$rps" -v b="$ceil" 'BEGIN{ if (b>0) printf "%.0f%%", 100*a/b; else print "-" }')
    fi
    printf '%-34s %10s %9s %9s %8s %10s\n' "$name" "${rps:-0}" "${p50:--}" "${p99:--}" "$errors" "$share"
    last_rps=${rps:-0}
    if [ -z "$rps" ] || [ "${total:-0}" -eq 0 ] || [ "$errors" -ne 0 ]; then
        failures=$((failures + 1))
        echo "$out" >&2
    fi
}

row "ceiling: same bytes (bare MHD)" ok "" "http://127.0.0.1:$cport/api/client/features"
ceil_plain=$last_rps
row "ceiling: same gzip bytes" ok "" "http://127.0.0.1:$gport/api/client/features"
ceil_gz=$last_rps
row "GET /api/client/features" ok "$ceil_plain" -H "Authorization: $client" "$base/api/client/features"
row "  with If-None-Match (304)" ok "" -H "Authorization: $client" -H "If-None-Match: $etag" \
    "$base/api/client/features"
row "  with gzip" ok "$ceil_gz" -H "Authorization: $client" -H "Accept-Encoding: gzip" \
    "$base/api/client/features"
row "GET /api/frontend (varying userId)" ok "" -H "Authorization: $frontend" \
    -s "$here/lua/frontend.lua" "$base"
row "POST /api/client/metrics" ok "" -H "Authorization: $client" -s "$here/lua/metrics.lua" \
    "$base/api/client/metrics"
row "invalid token (401)" 4xx "" -H "Authorization: *:development.nope" \
    "$base/api/client/features"

# latch offline and /proxy with a client key
"$latch" offline --bootstrap-file "$work/state.json" --port 0 --bind 127.0.0.1 \
    --client-keys bench-key 2>"$work/offline.log" &
off_pid=$!; pids+=("$off_pid")
oport=$(wait_port "$work/offline.log")
row "GET /proxy on latch offline" ok "" -H "Authorization: bench-key" -s "$here/lua/proxy.lua" \
    "http://127.0.0.1:$oport"

rss() { awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
echo "peak RSS: latch serve $(rss "$serve_pid"), latch offline $(rss "$off_pid")" \
     "($flags flags, body $(wc -c <"$work/body.json") bytes, gzip $(wc -c <"$work/body.gz") bytes," \
     "wrk -t2 -c$conns -d$dur, $(nproc) cores)"

if [ "$failures" -ne 0 ]; then
    echo "bench: $failures case(s) failed" >&2
    exit 1
fi
