#!/bin/bash
# container.sh: a Debian 12 (bookworm) root filesystem booted with a real systemd as PID 1
# (systemd-nspawn -b) on a host whose PID 1 is not systemd and that has no D-Bus, for tests.
#
#   container.sh build-cache [TARBALL]        debootstrap + Debian's nodejs 18 -> TARBALL (zstd)
#   container.sh boot NAME DIR [--private-network] [--apt-sources] [-- NSPAWN_ARGS...]
#                                             unpack the cache into DIR if DIR is empty/missing,
#                                             boot, wait for multi-user (bounded), print timings;
#                                             --apt-sources: the host's apt sources bound in
#                                             read-only (for apt-get update inside)
#   container.sh exec NAME CMD [ARGS...]      run CMD inside (stdin/stdout/exit code pass through)
#   container.sh stop NAME                    clean poweroff (bounded), then the cgroups go
#   container.sh pid NAME                     host PID of the container's systemd
#
# Environment: CT_CACHE (the tarball, default /var/cache/tsntpdate-test/...), CT_STATE (per
# container state, default /run/tsntpdate-ct), CT_BOOT_TIMEOUT, CT_STOP_TIMEOUT (seconds).
#
# Needs on the host (as root): systemd-container (pinned to the host's systemd version), debootstrap,
# zstd, util-linux (nsenter, setpriv). The host clock is safe: nspawn drops CAP_SYS_TIME and
# filters @clock for the container; `exec` enters with the container's own bounding set (so
# without CAP_SYS_TIME) instead of a bare `nsenter -a`, which would carry the host's in.
set -euo pipefail

CT_CACHE=${CT_CACHE:-/var/cache/tsntpdate-test/bookworm-systemd-node18.tar.zst}
CT_STATE=${CT_STATE:-/run/tsntpdate-ct}       # per container: nspawn.pid init.pid cgroup console.log
CT_BOOT_TIMEOUT=${CT_BOOT_TIMEOUT:-30}        # seconds
CT_STOP_TIMEOUT=${CT_STOP_TIMEOUT:-30}        # seconds
CT_SUITE=bookworm
CT_INCLUDE=systemd,systemd-sysv,dbus,libcap2-bin
CT_EXTRA_PACKAGES=${CT_EXTRA_PACKAGES:-nodejs}
CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "container.sh: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
[ "$(id -u)" = 0 ] || die "run as root"

# --- cgroups: nspawn --keep-unit uses the cgroup it is started in; give it a private one in both
# hierarchies that systemd looks at (name=systemd v1 and the unified v2), or it lands in the root
cg_make() { # cg_make NAME -> prints the cgroup name
  local cg="ct-$1-$$"
  mkdir /sys/fs/cgroup/systemd/"$cg" /sys/fs/cgroup/unified/"$cg"
  echo "$cg"
}
cg_remove() { # cg_remove CG: nspawn leaves payload/ and supervisor/ (and init.scope) below it
  local d
  for d in /sys/fs/cgroup/systemd/"$1" /sys/fs/cgroup/unified/"$1"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$d" ] && echo "container.sh: $d still busy" >&2
  done
  return 0
}
# run "$@" (an nspawn command) inside a fresh private cgroup, in the foreground
nspawn_in_cgroup() {
  local cg rc=0
  cg=$(cg_make "build")
  ( echo "$BASHPID" >/sys/fs/cgroup/systemd/"$cg"/cgroup.procs
    echo "$BASHPID" >/sys/fs/cgroup/unified/"$cg"/cgroup.procs
    exec "$@" ) || rc=$?
  cg_remove "$cg"
  return $rc
}

mirror_uri() { # the host's Debian mirror, read at run time (never written to a file)
  local uri
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || die "no Debian mirror found in the host's apt sources"
  echo "$uri"
}

cmd_build_cache() {
  local out=${1:-$CT_CACHE} t0 t1 r
  command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
  command -v systemd-nspawn >/dev/null || die "systemd-nspawn missing (apt-get install systemd-container=\$(dpkg-query -W -f='\${Version}' systemd))"
  work=$(mktemp -d /var/tmp/ct-build.XXXXXX)   # global: the EXIT trap reads it
  r=$work/rootfs
  # a failed debootstrap can leave proc/sys/dev mounted in it: unmount before removing, and never
  # cross into another file system
  trap '{ grep -o " $work/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l; } || true; rm -rf --one-file-system "$work"' EXIT
  t0=$(now_ms)
  debootstrap --variant=minbase --include="$CT_INCLUDE" "$CT_SUITE" "$r" "$(mirror_uri)" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  t1=$(now_ms); echo "debootstrap: $(( t1 - t0 )) ms"
  # debootstrap wrote the mirror into sources.list; the host's own sources (with -security and
  # -updates) are bind-mounted read-only for the next step instead, so no mirror name is kept
  rm -f "$r/etc/apt/sources.list"
  local srcargs=()
  apt_sources_args
  t0=$(now_ms)
  nspawn_in_cgroup systemd-nspawn -q -D "$r" --register=no --keep-unit --resolv-conf=bind-host --timezone=off \
    "${srcargs[@]}" --setenv=DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -q && apt-get -y -q full-upgrade && apt-get install -y -q --no-install-recommends $CT_EXTRA_PACKAGES && apt-get clean" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; die "apt in the root filesystem failed"; }
  t1=$(now_ms); echo "apt-get update + full-upgrade + install $CT_EXTRA_PACKAGES: $(( t1 - t0 )) ms"
  # no clock daemon and no periodic jobs that would wake up during a test
  local u
  for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer apt-daily.service \
    apt-daily-upgrade.service fstrim.timer e2scrub_all.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
    rm -f "$r/etc/systemd/system/timers.target.wants/$u"
  done
  echo tsntpdate-test >"$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\ttsntpdate-test\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
  # nothing that names the mirror or the host (the lists' file names carry the mirror's name)
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r/var/log/bootstrap.log" "$r/etc/resolv.conf"
  mkdir -p "$(dirname "$out")"
  t0=$(now_ms)
  tar --numeric-owner --xattrs --acls -C "$r" -cf - . | zstd -q -T2 -10 -f -o "$out.tmp"
  mv "$out.tmp" "$out"
  t1=$(now_ms); echo "tarball: $(( t1 - t0 )) ms, $(du -sh "$r" | cut -f1) unpacked, $(du -h "$out" | cut -f1) packed: $out"
}

# the host's apt sources as nspawn arguments, bound read-only (in the global srcargs)
apt_sources_args() {
  [ -f /etc/apt/sources.list.d/debian.sources ] && srcargs+=(--bind-ro=/etc/apt/sources.list.d/debian.sources)
  [ -s /etc/apt/sources.list ] && srcargs+=(--bind-ro=/etc/apt/sources.list)
  [ ${#srcargs[@]} -gt 0 ] || die "no apt sources on the host to bind in"
}

state() { echo "$CT_STATE/$1"; }
init_pid() { # the container's PID 1 as seen from the host
  local s; s=$(state "$1")
  [ -s "$s/init.pid" ] || die "container $1 is not running (no $s/init.pid)"
  local pid; pid=$(cat "$s/init.pid")
  [ -d /proc/"$pid" ] || die "container $1: its systemd ($pid) is gone"
  echo "$pid"
}

# the container's capability bounding set, as setpriv's list (+chown,+kill,...)
cap_names=(chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable
  net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio sys_chroot
  sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease
  audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read
  perfmon bpf checkpoint_restore)
bounding_of() {
  local hex i list=
  hex=$(awk '/^CapBnd:/{print $2}' /proc/"$1"/status)
  for i in "${!cap_names[@]}"; do
    if (( (16#$hex >> i) & 1 )); then list+=",+${cap_names[$i]}"; fi
  done
  (( (16#$hex >> 25) & 1 )) && die "the container's bounding set has CAP_SYS_TIME: refusing"
  echo "${list#,}"
}

ct_exec() { # ct_exec PID CMD...: enter all its namespaces with its bounding set, a clean environment
  local pid=$1; shift
  setpriv --inh-caps=-all --bounding-set=-all,"$(bounding_of "$pid")" -- \
    nsenter -t "$pid" -a -- env -i PATH="$CT_PATH" LANG=C.UTF-8 TERM=dumb HOME=/root "$@"
}

cmd_boot() {
  local name=${1:?boot NAME DIR}; local dir=${2:?boot NAME DIR}; shift 2
  local args=()
  while [ $# -gt 0 ]; do
    case $1 in
      --private-network) args+=(--private-network) ;;
      --apt-sources) local srcargs=(); apt_sources_args; args+=("${srcargs[@]}") ;;
      --) shift; args+=("$@"); break ;;
      *) die "boot: unknown option $1" ;;
    esac
    shift
  done
  local s; s=$(state "$name")
  [ -e "$s/nspawn.pid" ] && kill -0 "$(cat "$s/nspawn.pid")" 2>/dev/null && die "container $name already runs"
  mkdir -p "$s" "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -z "$(ls -A "$dir")" ]; then
    [ -f "$CT_CACHE" ] || die "no cache $CT_CACHE: run build-cache first"
    local t0; t0=$(now_ms)
    zstd -dc "$CT_CACHE" | tar --numeric-owner --xattrs --acls -xpf - -C "$dir"
    echo "unpack: $(( $(now_ms) - t0 )) ms"
  fi
  local cg; cg=$(cg_make "$name"); echo "$cg" >"$s/cgroup"
  local t0; t0=$(now_ms)
  # setsid: its own session, so the caller's terminal signals do not reach it; no stdin
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"/sys/fs/cgroup/systemd/$1/cgroup.procs"; echo $$ >"/sys/fs/cgroup/unified/$1/cgroup.procs"; shift; exec "$@"' \
    _ "$cg" systemd-nspawn -D "$dir" -M "$name" -b --register=no --keep-unit --link-journal=no \
    --console=read-only "${args[@]}" </dev/null >"$s/console.log" 2>&1 &
  local nspid=$!; echo "$nspid" >"$s/nspawn.pid"
  # the container's systemd is nspawn's child
  local pid='' c deadline=$(( $(now_ms) + CT_BOOT_TIMEOUT * 1000 ))
  while [ -z "$pid" ]; do
    kill -0 "$nspid" 2>/dev/null || { tail -20 "$s/console.log" >&2; cg_remove "$cg"; die "nspawn exited"; }
    # shellcheck disable=SC2013 # the file is one line of space-separated PIDs
    for c in $(cat /proc/"$nspid"/task/*/children 2>/dev/null); do
      [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && pid=$c
    done
    [ -n "$pid" ] || { [ "$(now_ms)" -lt "$deadline" ] || die "no systemd after ${CT_BOOT_TIMEOUT}s"; sleep 0.02; }
  done
  echo "$pid" >"$s/init.pid"
  local st=''
  while :; do
    st=$(ct_exec "$pid" systemctl is-system-running 2>/dev/null || true)
    case $st in running | degraded) break ;; esac
    [ "$(now_ms)" -lt "$deadline" ] || { echo "container.sh: $name is '$st' after ${CT_BOOT_TIMEOUT}s" >&2; return 1; }
    sleep 0.05
  done
  echo "$name: $st after $(( $(now_ms) - t0 )) ms (systemd PID $pid on the host, nspawn $nspid)"
  ct_exec "$pid" systemd-analyze 2>/dev/null | head -1 || true
}

cmd_exec() {
  local name=${1:?exec NAME CMD...}; shift
  [ $# -gt 0 ] || die "exec: no command"
  local pid; pid=$(init_pid "$name")
  ct_exec "$pid" "$@"
}

cmd_stop() {
  local name=${1:?stop NAME}; local s; s=$(state "$name")
  [ -s "$s/nspawn.pid" ] || die "container $name: no state in $s"
  local nspid; nspid=$(cat "$s/nspawn.pid")
  local t0; t0=$(now_ms); local how=poweroff
  kill -0 "$nspid" 2>/dev/null || how='already stopped'
  if [ -s "$s/init.pid" ] && [ -d /proc/"$(cat "$s/init.pid")" ]; then
    ct_exec "$(cat "$s/init.pid")" systemctl poweroff --no-block 2>/dev/null || kill -TERM "$nspid" 2>/dev/null || true
  fi
  local deadline=$(( t0 + CT_STOP_TIMEOUT * 1000 ))
  while kill -0 "$nspid" 2>/dev/null; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      if [ "$how" = poweroff ]; then how=SIGTERM; kill -TERM "$nspid" 2>/dev/null || true; deadline=$(( $(now_ms) + 10000 ))
      else how=SIGKILL; kill -KILL "$nspid" 2>/dev/null || true; sleep 0.5; break; fi
    fi
    sleep 0.05
  done
  echo "$name: stopped ($how) in $(( $(now_ms) - t0 )) ms"
  [ -s "$s/cgroup" ] && cg_remove "$(cat "$s/cgroup")"
  rm -f "$s/nspawn.pid" "$s/init.pid" "$s/cgroup"   # console.log stays for a post-mortem
}

case ${1:-} in
  build-cache) shift; cmd_build_cache "$@" ;;
  boot) shift; cmd_boot "$@" ;;
  exec) shift; cmd_exec "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  pid) shift; init_pid "${1:?pid NAME}" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
