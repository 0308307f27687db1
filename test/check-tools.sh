#!/bin/sh
# Runs before `npm test`: the integration tests start real chronyd servers (some under faketime)
# and unprivileged runs under setpriv. Say what is missing in one line instead of 200 failures.
missing=""
for tool in chronyd faketime setpriv; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "npm test needs:$missing. On Debian: apt-get install chrony faketime util-linux (or run bash .ci/run, which installs them)" >&2
  exit 1
fi
