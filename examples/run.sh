#!/usr/bin/env bash
# Builds fnguard and runs it on the bundled example function: the SBOM
# compliance exports, then the release gate against the bundled advisories.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/fnguard ./cmd/fnguard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== fnguard sbom examples/orders-function.zip  (CycloneDX 1.6, first lines)"
./bin/fnguard sbom examples/orders-function.zip -o "$work/sbom.json"
head -n 20 "$work/sbom.json"
