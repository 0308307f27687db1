#!/bin/sh
# Runs before `npm test`: the tests start real chronyd servers (some under faketime) and a real
# rsyslogd, run unprivileged under setpriv, lint the man page and the cron script, and install the
# packed tarball with its man page. Say what is missing in one line instead of many failures.
missing=""
need() { # need TOOL PACKAGE
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing="$missing $2"
}
need chronyd chrony
need faketime faketime
need setpriv util-linux
need rsyslogd rsyslog
need mandoc mandoc
need shellcheck shellcheck
need man man-db
need openssl openssl
need systemd-analyze systemd
need lintian lintian
need objdump binutils
need dpkg-deb dpkg
if [ -n "$missing" ]; then
  echo "npm test needs:$missing. On Debian: apt-get install$missing (or run bash .ci/run, which installs them)" >&2
  exit 1
fi
