#!/bin/sh
# npm run man: makes man/tsntpdate.8 from its one source, man/tsntpdate.8.md, with marked-man.
# Usage: build.sh [OUTPUT] (default: standard output). The output depends on nothing but the
# source, the version in package.json and the date of the newest cron/debian/changelog entry (the
# release), so a later run gives the same bytes; test/unit/man-page.test.ts checks that the page
# kept in the repository is this script's output.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(node -p "require('$repo/package.json').version")
date=$(sed -n 's/^ -- .*>  //p' "$repo/cron/debian/changelog" | head -n 1)
[ -n "$date" ] || { echo "build.sh: no dated entry in cron/debian/changelog" >&2; exit 1; }
build() {
  "$repo/node_modules/.bin/marked-man" --no-breaks --manual "System Manager's Manual" \
    --version "tsntpdate $version" --date "$date" "$repo/man/tsntpdate.8.md"
}
if [ $# -eq 0 ]; then
  build
else
  trap 'rm -f "$1.tmp"' EXIT
  build >"$1.tmp"
  mv "$1.tmp" "$1"
fi
