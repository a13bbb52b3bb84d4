#!/usr/bin/env bash
# Builds fnguard and runs its main job on the bundled example function: the
# SBOM compliance exports, then the release gate against the bundled
# advisories (a real critical advisory in minimist 1.2.5 makes it fail);
# then on the bundled example application, a SAM template whose orders
# function ships that zip and runs with Action "*".
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
# CGO_ENABLED=0: a static binary, as README's install line builds it (no
# libc to load; about 2 MB less resident memory per run).
CGO_ENABLED=0 go build -o bin/fnguard ./cmd/fnguard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FNGUARD_DB="$work/osv.db"

echo "== fnguard db import examples/osv"
./bin/fnguard db import examples/osv

echo
echo "== fnguard sbom examples/orders-function.zip -o sbom.json"
./bin/fnguard sbom examples/orders-function.zip -o "$work/sbom.json"
echo "wrote a CycloneDX 1.6 SBOM with $(grep -c '"bom-ref": "pkg:' "$work/sbom.json") components"

echo
echo "== fnguard scan examples/orders-function.zip -o sarif=... -o cyclonedx-json=..."
status=0
./bin/fnguard scan --offline examples/orders-function.zip \
  -o sarif="$work/fnguard.sarif" -o cyclonedx-json="$work/vex.json" || status=$?
echo
echo "exit status $status (1: the gate blocks this release, as it should)"
# The example is built to fail the gate; anything else is a real error.
[ "$status" -eq 1 ]

echo
echo "== fnguard scan examples/orders-app -o sarif=... (a SAM application: functions, layers, roles)"
status=0
./bin/fnguard scan --offline examples/orders-app -o sarif="$work/app.sarif" || status=$?
echo
echo "exit status $status (1: blocked: minimist's critical advisory in a function that runs with Action \"*\")"
[ "$status" -eq 1 ]
