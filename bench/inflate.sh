#!/usr/bin/env bash
# inflate.sh: fnguard's whole-member DEFLATE decoder (internal/inflate.Decode)
# against klauspost/compress's streaming reader, the one it replaced for zip
# members, on the largest member of three Lambda fixtures (a Go binary, a
# fat jar, a jar-heavy Java package); and the same decoder with the
# database's preset dictionary (DecodeDict) against the pooled reader it
# replaced for stored records, on 9,000 real OSV records ("records": Go,
# PyPI and npm, compressed as the database stores them).
#
#   bash bench/inflate.sh          # COUNT=5 runs of each benchmark
#
# Prints each decoder's median ns per member and the ratio Decode/klauspost
# (below 1: Decode is faster). Needs ../shared beside the checkout (or SHARED).
set -euo pipefail

name=inflate
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_shared
COUNT=${COUNT:-5}
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive integer"
[[ $SHARED == "$(cd "$repo/.." && pwd)/shared" ]] || die "the benchmark reads ../shared beside the checkout; SHARED elsewhere is not supported"

echo "# inflate $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cores; load average $(cut -d" " -f1-3 /proc/loadavg)"
(cd "$repo" && go test -run '^$' -bench 'DecodeFixtures' -benchtime 20x -count "$COUNT" ./internal/inflate ./vulndb) |
	awk '/^BenchmarkDecodeFixtures\// {
		split($1, p, "/"); in_ = p[2]; dec = p[3]; sub(/-[0-9]+$/, "", dec)
		v[in_ "," dec] = v[in_ "," dec] " " $3; seen[in_] = 1
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		printf "%-18s %12s %12s %8s\n", "input", "Decode ms", "klauspost ms", "ratio"
		for (i in seen) {
			d = median(v[i ",Decode"]); k = median(v[i ",klauspost"])
			printf "%-18s %12.1f %12.1f %8.2f\n", i, d / 1e6, k / 1e6, d / k
		}
	}'
