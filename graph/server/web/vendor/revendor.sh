#!/usr/bin/env bash
# Vendors YASGUI (@zazuko/yasgui, MIT) into yasgui/: the query page serves it itself, so that it
# works offline and loads nothing from another host.
#
#   revendor.sh          fetch the pinned version with npm, copy its built bundle, write SHA256SUMS
#   revendor.sh --check  verify the vendored files against SHA256SUMS (no network)
#
# To move to another version, change VERSION and INTEGRITY (npm view @zazuko/yasgui@X dist.integrity),
# run this script, then the query page's tests (tests/test_server_ui.py).
# app.js (exactAnswers) sets YASR's results through an accessor and gives each answer's Parser
# its own getParserFromContentType and doLuckyGuess, which skip applyMustacheToLiterals: a new
# version must still assign yasr.results and call those two (test_braces_in_a_value_... checks).
#
# The npm package holds no LICENSE file; yasgui/LICENSE is the MIT licence from the upstream
# repository (github.com/rdfjs/Yasgui, LICENSE at the commit that released this version). This
# script keeps that file and checks that the package still declares MIT.
set -euo pipefail

PACKAGE="@zazuko/yasgui"
VERSION="4.6.2"
# npm's integrity of the package tarball: a re-published or tampered tarball is refused.
INTEGRITY="sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="
# The built bundle: the one UMD script (Yasgui with Yasqe, Yasr and their dependencies) and its CSS.
FILES=(yasgui.min.js yasgui.min.css)

here="$(cd "$(dirname "$0")" && pwd)"
target="$here/yasgui"
cd "$target"

if [ "${1:-}" = "--check" ]; then
    sha256sum --check --strict SHA256SUMS
    exit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --json "$PACKAGE@$VERSION" >pack.json)
got="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].integrity)' "$work/pack.json")"
if [ "$got" != "$INTEGRITY" ]; then
    echo "the tarball of $PACKAGE@$VERSION has integrity $got, not the pinned $INTEGRITY" >&2
    exit 1
fi
tar -xzf "$work"/*.tgz -C "$work"
licence="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).license)' "$work/package/package.json")"
if [ "$licence" != "MIT" ]; then
    echo "$PACKAGE@$VERSION declares the licence $licence, not MIT: check it before vendoring" >&2
    exit 1
fi
for name in "${FILES[@]}"; do
    cp "$work/package/build/$name" "$target/$name"
done
echo "$VERSION" >VERSION
sha256sum "${FILES[@]}" LICENSE VERSION >SHA256SUMS
echo "vendored $PACKAGE@$VERSION into $target"
