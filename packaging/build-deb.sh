#!/bin/sh
# Build the Debian package of latch from a built tree, with dpkg-deb alone (no network, no
# debhelper): packaging/build-deb.sh BUILD_DIR writes BUILD_DIR/latch_<version>_<arch>.deb and
# a copy named BUILD_DIR/latch.deb. BUILD_DIR holds latch and latch.1 (`make deb` builds both).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$build/latch
[ -x "$bin" ] && [ -f "$build/latch.1" ] || { echo "build-deb: run make first" >&2; exit 1; }

version=$("$bin" --version | sed -n 's/^latch //p')
arch=$(dpkg --print-architecture)
root=$build/deb/root
rm -rf "$build/deb"
mkdir -p "$root/DEBIAN"

# as `make install PREFIX=/usr` lays them out
install -D -m 0755 "$bin" "$root/usr/bin/latch"
install -D -m 0644 "$build/latch.1" "$root/usr/share/man/man1/latch.1"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/latch"
gzip -9n "$root/usr/share/man/man1/latch.1"
install -D -m 0644 packaging/debian/latch.conf "$root/etc/latch/latch.conf"
install -D -m 0644 packaging/debian/latch.service "$root/lib/systemd/system/latch.service"
install -D -m 0644 LICENSE "$root/usr/share/doc/latch/copyright"
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
for f in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$f" "$root/DEBIAN/$f"
done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    packaging/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
    xargs -0 md5sum > DEBIAN/md5sums)

deb=$build/latch_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
cp "$deb" "$build/latch.deb"
echo "build-deb: $deb"
