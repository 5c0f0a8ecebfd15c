#!/usr/bin/env bash
# bench/micro.sh: the micro-benchmarks, after `make` (links build/liblatch.a, runs build/latch):
#   1. evaluation ns per flag by strategy kind, and over whole environments (bench/eval_bench.c)
#   2. token lookup time against the token count (bench/token_bench.c)
#   3. snapshot load + build time and memory at 1,000 and 10,000 flags with 10,000 tokens
#      (bench/snapshot_bench.c)
#   4. start-up of `latch serve` to its first 200 on /health (bench/startup_bench.c)
#   5. RSS of `latch serve` under wrk load at 1,000 flags and 10,000 tokens (target <= 20 MB)
# Env: LATCH_BIN (build/latch), LIBLATCH (build/liblatch.a), BENCH_DURATION (10s per load case),
#      BENCH_CONNECTIONS (64). Not part of `make test`; `make bench-micro` runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
latch_src="${LATCH_BIN:-$root/build/latch}"
lib="${LIBLATCH:-$root/build/liblatch.a}"
dur="${BENCH_DURATION:-10s}"
conns="${BENCH_CONNECTIONS:-64}"
node="$root/scripts/node.sh"
[ -x "$latch_src" ] && [ -f "$lib" ] || { echo "micro: run make first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "micro: wrk is missing (apt-get install wrk)" >&2; exit 1; }

work="$(mktemp -d /tmp/latch-micro.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cp "$latch_src" "$work/latch"
cp "$lib" "$work/liblatch.a"
latch="$work/latch"

cflags=(-std=c11 -O2 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags libcjson))
libs=($(pkg-config --libs libmicrohttpd libcjson sqlite3 libsodium libpcre2-8 zlib) -lm -pthread)
for b in eval_bench token_bench snapshot_bench; do
    cc "${cflags[@]}" -o "$work/$b" "$here/$b.c" "$work/liblatch.a" "${libs[@]}"
done
cc -std=c11 -O2 -D_GNU_SOURCE -o "$work/startup_bench" "$here/startup_bench.c"

for n in 200 1000 10000; do "$node" "$here/gen-state.mjs" "$n" >"$work/state-$n.json"; done

echo "== evaluation (bench/eval_bench.c)"
"$work/eval_bench" "$work/state-200.json"
echo
echo "== token lookup (bench/token_bench.c)"
"$work/token_bench"
echo
echo "== snapshot load + build (bench/snapshot_bench.c)"
for spec in "200 10" "1000 10000" "10000 10000"; do
    set -- $spec
    echo "-- $1 flags, $2 tokens"
    "$work/snapshot_bench" "$work/state-$1.json" "$2" "$work/db-$1.db" "$work/secrets-$1" |
        grep -v '^RESULT'
done
echo
echo "== start-up (bench/startup_bench.c)"
for n in 200 1000 10000; do
    tokens=10000; [ "$n" = 200 ] && tokens=10
    echo "-- $n flags, $tokens tokens"
    "$work/startup_bench" "$latch" "$work/db-$n.db" "$(sed -n 1p "$work/secrets-$n")" 5 |
        grep -v '^RESULT'
done
echo
echo "== RSS of latch serve under load: 1,000 flags, 10,000 tokens (wrk -t2 -c$conns -d$dur per case)"
client=$(sed -n 1p "$work/secrets-1000")
front=$(sed -n 2p "$work/secrets-1000")
"$latch" serve --port 0 --bind 127.0.0.1 --db "$work/db-1000.db" 2>"$work/serve.log" &
spid=$!; pids+=("$spid")
port=""
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$work/serve.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
base="http://127.0.0.1:$port"
kb() { awk -v k="$1:" '$1==k{print $2}' "/proc/$spid/status"; }
echo "idle after start: VmRSS $(( $(kb VmRSS) / 1024 )) MB"
etag=$(curl -sfI -H "Authorization: $client" "$base/api/client/features" | sed -n 's/^ETag: *\(.*\)\r$/\1/Ip')
printf '%-36s %10s %8s %8s %12s\n' case req/s p50 p99 "VmHWM MB"
load() {
    local name=$1; shift
    local out
    out=$(wrk -t2 -c"$conns" -d"$dur" --latency "$@" 2>&1)
    printf '%-36s %10s %8s %8s %12s\n' "$name" \
        "$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')" \
        "$(echo "$out" | awk '$1=="50%"{print $2}')" "$(echo "$out" | awk '$1=="99%"{print $2}')" \
        "$(awk -v k="$(kb VmHWM)" 'BEGIN{printf "%.1f", k/1024}')"
}
load "GET /api/client/features (full)" -H "Authorization: $client" "$base/api/client/features"
load "  If-None-Match (304)" -H "Authorization: $client" -H "If-None-Match: $etag" "$base/api/client/features"
load "  gzip" -H "Authorization: $client" -H "Accept-Encoding: gzip" "$base/api/client/features"
load "GET /api/frontend (varying userId)" -H "Authorization: $front" -s "$here/lua/frontend.lua" "$base"
load "POST /api/client/metrics" -H "Authorization: $client" -s "$here/lua/metrics.lua" "$base/api/client/metrics"
load "invalid token (401)" -H "Authorization: *:development.nope" "$base/api/client/features"
echo "peak RSS (VmHWM) over all cases: $(awk -v k="$(kb VmHWM)" 'BEGIN{printf "%.1f", k/1024}') MB (target <= 20 MB);" \
     "client body $(curl -sf -H "Authorization: $client" "$base/api/client/features" | wc -c) bytes"
