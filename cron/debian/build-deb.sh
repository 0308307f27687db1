#!/bin/sh
# npm run deb: builds tsntpdate_VERSION_ARCH.deb with dpkg-deb from this checkout (after npm ci
# and npm run build; no network). Layout (Debian policy, tsntpdate(8) FILES):
#   /usr/lib/tsntpdate/     the launcher, the bundle and the production node_modules it loads
#                           (koffi and its prebuilt module for this architecture, syslog-client),
#                           and tsntpdate-dhcp (the DHCP hooks' validating writer)
#   /usr/sbin/tsntpdate, /usr/sbin/tsntpdate-hourly
#   /etc/default/tsntpdate, /etc/cron.hourly/tsntpdate, the if-up.d hook and the dhclient exit
#                           hook /etc/dhcp/dhclient-exit-hooks.d/tsntpdate (conffiles: all of /etc)
#   /usr/lib/NetworkManager/dispatcher.d/50-tsntpdate  the dispatcher hook (vendor path)
#   /usr/lib/systemd/system/ the units, ExecStart=/usr/sbin/tsntpdate-hourly (the timer, -boot and -resume enabled)
#   /usr/lib/systemd/ntp-units.d/70-tsntpdate.list  the timer, for timedatectl set-ntp
#   /usr/share/man/man8/, /usr/share/doc/tsntpdate/
# Usage: build-deb.sh [OUTPUT_DIR] (default: the checkout)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo}
version=$(node -p "require('$repo/package.json').version")
arch=$(dpkg --print-architecture)
case $arch in
  amd64) node_arch=x64 ;;
  arm64) node_arch=arm64 ;;
  armhf) node_arch=arm ;;
  i386) node_arch=ia32 ;;
  riscv64) node_arch=riscv64 ;;
  *) echo "build-deb.sh: no koffi prebuilt for $arch" >&2; exit 1 ;;
esac
[ -f "$repo/dist/tsntpdate.cjs" ] || { echo "build-deb.sh: dist/tsntpdate.cjs is missing: npm run build first" >&2; exit 1; }
prebuilt="$repo/node_modules/@koromix/koffi-linux-$node_arch"
[ -d "$prebuilt" ] || { echo "build-deb.sh: $prebuilt is missing: npm ci on this architecture first" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/tsntpdate"
umask 022
mkdir -p "$lib/bin" "$lib/dist" "$lib/node_modules/@koromix" "$root/usr/sbin" "$root/etc/default" "$root/etc/cron.hourly" \
  "$root/etc/network/if-up.d" "$root/etc/dhcp/dhclient-exit-hooks.d" "$root/usr/lib/NetworkManager/dispatcher.d" "$root/usr/lib/systemd/system" "$root/usr/lib/systemd/ntp-units.d" \
  "$root/usr/share/man/man8" "$root/usr/share/doc/tsntpdate" "$root/DEBIAN"

install -m 0755 "$repo/bin/tsntpdate" "$lib/bin/tsntpdate"
install -m 0644 "$repo/bin/package.json" "$lib/bin/package.json"
install -m 0644 "$repo/dist/tsntpdate.cjs" "$lib/dist/tsntpdate.cjs"
# the externals of the bundle, and nothing of theirs but what runs (no sources, docs, licences:
# the licences are in the copyright file)
copy_module() { # copy_module FROM TO: the package's JavaScript, JSON and native modules
  (cd "$1" && find . -type f \( -name '*.js' -o -name '*.cjs' -o -name '*.json' -o -name '*.node' \) \
    ! -path './src/*' ! -path './vendor/*' ! -path './doc/*' ! -path './test/*' ! -path './musl_*' ! -name 'cnoke.cjs' \
    ! -path './coverage/*' ! -path './example/*' ! -path './examples/*' ! -path './ref/*' -print) | while read -r file; do
    mkdir -p "$2/$(dirname "$file")"
    install -m 0644 "$1/$file" "$2/$file"
  done
}
copy_module "$repo/node_modules/koffi" "$lib/node_modules/koffi"
copy_module "$prebuilt" "$lib/node_modules/@koromix/koffi-linux-$node_arch"
copy_module "$repo/node_modules/syslog-client" "$lib/node_modules/syslog-client"
find "$lib" -name '*.node' -exec strip --strip-unneeded {} \; 2>/dev/null || true

install -m 0755 "$repo/cron/debian/tsntpdate" "$root/usr/sbin/tsntpdate"
install -m 0755 "$repo/cron/ntpdate-hourly" "$root/usr/sbin/tsntpdate-hourly"
install -m 0644 "$repo/cron/tsntpdate.default" "$root/etc/default/tsntpdate"
install -m 0755 "$repo/cron/cron.hourly/tsntpdate" "$root/etc/cron.hourly/tsntpdate"
install -m 0755 "$repo/cron/if-up.d/tsntpdate" "$root/etc/network/if-up.d/tsntpdate"
install -m 0755 "$repo/cron/NetworkManager/50-tsntpdate" "$root/usr/lib/NetworkManager/dispatcher.d/50-tsntpdate"
install -m 0755 "$repo/cron/dhcp/tsntpdate-dhcp" "$lib/tsntpdate-dhcp"
# sourced by dhclient-script: not executable, as the other packages' exit hooks
install -m 0644 "$repo/cron/dhcp/dhclient-exit-hook" "$root/etc/dhcp/dhclient-exit-hooks.d/tsntpdate"
for unit in tsntpdate.service tsntpdate.timer tsntpdate-boot.service tsntpdate-resume.service; do
  # the package's job has one place: ExecStart= names it by its absolute path
  sed 's|^ExecStart=tsntpdate-hourly$|ExecStart=/usr/sbin/tsntpdate-hourly|' "$repo/cron/$unit" >"$root/usr/lib/systemd/system/$unit"
  chmod 0644 "$root/usr/lib/systemd/system/$unit"
  # the hardening, written once, as each service's drop-in
  case $unit in
    *.service) install -D -m 0644 "$repo/cron/tsntpdate-hardening.conf" "$root/usr/lib/systemd/system/$unit.d/hardening.conf" ;;
  esac
done
install -m 0644 "$repo/cron/ntp-units.d/70-tsntpdate.list" "$root/usr/lib/systemd/ntp-units.d/70-tsntpdate.list"
gzip -9n -c "$repo/man/tsntpdate.8" >"$root/usr/share/man/man8/tsntpdate.8.gz"
printf '.so man8/tsntpdate.8\n' | gzip -9n -c >"$root/usr/share/man/man8/tsntpdate-hourly.8.gz"
install -m 0644 "$repo/cron/debian/copyright" "$root/usr/share/doc/tsntpdate/copyright"
gzip -9n -c "$repo/cron/debian/changelog" >"$root/usr/share/doc/tsntpdate/changelog.gz"

for script in postinst prerm postrm; do install -m 0755 "$repo/cron/debian/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$root/DEBIAN/conffiles"
mkdir -p "$root/usr/share/lintian/overrides"
install -m 0644 "$repo/cron/debian/lintian-overrides" "$root/usr/share/lintian/overrides/tsntpdate"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# the newest glibc symbol version koffi's module needs
libc=$(objdump -T "$lib/node_modules/@koromix/koffi-linux-$node_arch/linux_$node_arch/koffi.node" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@LIBC@/$libc/" "$repo/cron/debian/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

deb="$out/tsntpdate_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
