#!/bin/bash
# Install the built .deb into a fresh Debian 12 root and start latch from it: a check run by
# hand (`make deb-check`), as root, with the Debian mirror reachable; not part of `make test`.
# The debootstrap base is made once and kept in $LATCH_DEBROOT (default /var/tmp/latch-debroot);
# each run copies it to a new root, so every run installs into a root that never saw latch.
#   packaging/test-deb.sh build/latch.deb      (KEEP=1 keeps the run's root for a look)
set -euo pipefail
deb=$(realpath "${1:-build/latch.deb}")
cache=${LATCH_DEBROOT:-/var/tmp/latch-debroot}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "test-deb: run as root (chroot, debootstrap)" >&2; exit 1; }
step() { printf '\n== test-deb: %s\n' "$*"; }
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }

if [ ! -d "$cache/base" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap; }
    step "debootstrap bookworm (minbase) into $cache/base"
    mkdir -p "$cache"
    rm -rf "$cache/base.tmp"
    debootstrap --variant=minbase bookworm "$cache/base.tmp" "$mirror" >"$cache/debootstrap.log"
    mv "$cache/base.tmp" "$cache/base"
fi

root=$(mktemp -d "$cache/run.XXXXXX")
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    umount "$root/proc" 2>/dev/null || true
    if [ -z "${KEEP:-}" ]; then rm -rf "$root"; else echo "test-deb: root kept in $root"; fi
}
trap cleanup EXIT
step "a fresh root: $root"
cp -a "$cache/base/." "$root/"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/latch.deb"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

step "apt-get install ./latch.deb (pulls the runtime libraries)"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    /tmp/latch.deb >/dev/null
in_root dpkg -s latch | grep -E '^(Status|Version|Depends):'

step "what the package installed"
in_root latch --version
in_root getent passwd latch || fail "no latch user"
mode=$(in_root stat -c '%a %U:%G' /var/lib/latch)
echo "/var/lib/latch $mode"
[ "$mode" = "700 latch:latch" ] || fail "/var/lib/latch is $mode"
for f in /usr/bin/latch /etc/latch/latch.conf /lib/systemd/system/latch.service \
         /usr/share/man/man1/latch.1.gz /usr/share/doc/latch/copyright; do
    in_root test -f "$f" || fail "$f missing"
done
in_root dpkg-query -W -f='${Conffiles}\n' latch | grep -q /etc/latch/latch.conf ||
    fail "latch.conf is not a conffile"
zcat "$root/usr/share/man/man1/latch.1.gz" | grep -q 'first\\-start\\-file' ||
    fail "the man page lacks --first-start-file"

step "latch serve as the latch user, with the unit's options, on a loopback port"
log=$root/tmp/serve.log
chroot --userspec=latch:latch "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/latch \
    /bin/sh -c 'cd /var/lib/latch && exec /usr/bin/latch serve --config /etc/latch/latch.conf \
    --first-start-file /var/lib/latch/first-start-credentials --bind 127.0.0.1 --port 0' \
    >"$log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/.*http: listening on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "latch serve exited"; }
    sleep 0.1
done
[ -n "$port" ] || { cat "$log"; fail "latch serve did not listen"; }
cat "$log"
body=$(curl -fsS "http://127.0.0.1:$port/health")
echo "GET /health: $body"
case $body in '{"health":"GOOD","version":'*) ;; *) fail "/health said $body" ;; esac
creds=$(in_root stat -c '%a %U' /var/lib/latch/first-start-credentials)
echo "first-start-credentials: $creds"
[ "$creds" = "600 latch" ] || fail "first-start-credentials is $creds"
in_root grep -q '^admin-token = ' /var/lib/latch/first-start-credentials || fail "no admin token"
in_root test -f /var/lib/latch/latch.db || fail "no store in /var/lib/latch"
kill "$pid"
wait "$pid" || fail "latch serve did not exit cleanly on SIGTERM"
pid=""

step "reinstall (the upgrade path: postinst again, conffile kept, store kept)"
echo "# local edit" >>"$root/etc/latch/latch.conf"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall \
    -o Dpkg::Options::=--force-confold /tmp/latch.deb >/dev/null
grep -q '^# local edit' "$root/etc/latch/latch.conf" || fail "the conffile edit was lost"
in_root test -f /var/lib/latch/latch.db || fail "the store went on reinstall"

step "remove and purge (store and user kept)"
in_root dpkg --purge latch >/dev/null
in_root test ! -e /usr/bin/latch || fail "/usr/bin/latch left after purge"
in_root test -f /var/lib/latch/latch.db || fail "purge removed the store"

step "OK"
