#!/usr/bin/env bash
# Copy GOV.UK Frontend's compiled styles and script from the npm registry into the web package.
#
# The copied files are committed, so `make demo` works without npm; run this (or `make
# govuk-frontend`) only to change version. TeamAround is not on GOV.UK, so, as the Design
# System asks of such services, it drops the GDS Transport font faces and the crown images
# (the pages fall back to Arial and show no crest). See docs/decisions/0004-web-pages.md.
set -euo pipefail

VERSION="${GOVUK_FRONTEND_VERSION:-6.3.0}"  # the version govuk-frontend-jinja 4.1 is tested with
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$HERE/src/teamaround/web/static/govuk"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

npm install --silent --no-save --no-audit --no-fund --prefix "$WORK" "govuk-frontend@$VERSION"
DIST="$WORK/node_modules/govuk-frontend/dist/govuk"

mkdir -p "$DEST"
# Source maps are not copied, so their references go too.
sed -E -e 's/@font-face\{[^}]*\}//g' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
  "$DIST/govuk-frontend.min.css" > "$DEST/govuk-frontend.min.css"
sed -e 's#//\# sourceMappingURL=.*##' "$DIST/govuk-frontend.min.js" > "$DEST/govuk-frontend.min.js"
echo "$VERSION" > "$DEST/VERSION"
echo "govuk-frontend $VERSION copied to $DEST"
