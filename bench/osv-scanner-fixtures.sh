#!/usr/bin/env bash
# osv-scanner-fixtures.sh: osv-scanner v2.6.0's advisory IDs per package for
# every input it can read: the reference lockfiles and the Lambda fixture zips
# unpacked, on the shared offline OSV data. Writes, into OUT (default
# bench/results/osv-scanner-fixtures):
#
#   <name>.json           osv-scanner scan source --offline --all-packages --format json
#                         (-L <lockfile> | -r <unpacked dir>), default plugins
#   <name>.tsv            ecosystem, package, version, sorted advisory IDs ("-": none)
#   <name>.artifact.json  the same with --experimental-plugins artifact
#   <name>.artifact.tsv     --experimental-plugins javascript/packagejson (fixtures only):
#                         installed packages (jars, Go build info, *-info dirs,
#                         node_modules/*/package.json), which the defaults skip
#   <name>.err            osv-scanner's stderr when it exits other than 0/1
#                         (128 = "No package sources found")
#   summary.txt           exit status and package/advisory counts per input
#
# Environment: OSV_SCANNER, SHARED, OUT (see scan-vs-osv-scanner.sh).
# Paths inside the JSON are rewritten relative to the unpacked fixture (or the
# shared folder) so the files do not name a temporary folder.
set -euo pipefail

name=osv-scanner-fixtures
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_shared
OUT=${OUT:-$here/results/osv-scanner-fixtures}
find_osv_scanner
command -v unzip >/dev/null || die "unzip missing"
command -v go >/dev/null || die "go missing (needed for bench/internal/benchtool)"
[[ $osv_version == 2.6.0 ]] || echo "warning: osv-scanner $osv_version, not v2.6.0" >&2

workspace
mkdir -p "$OUT"

summary="$OUT/summary.txt"
{
	echo "# osv-scanner $osv_version, scan source --offline --all-packages --format json, OSV data $SHARED/osv, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '%-34s %-9s %5s %9s %9s  %s\n' name plugins exit packages with_adv advisory_ids
} >"$summary"

# scan NAME VARIANT STRIP ARGS...: one osv-scanner run into $OUT/NAME[.VARIANT].*
scan() {
	local name=$1 variant=$2 strip=$3; shift 3
	local base=$OUT/$name${variant:+.$variant} st=0
	rm -f "$base.json" "$base.tsv" "$base.err"
	"$OSV_SCANNER" scan source --offline --all-packages --format json "$@" >"$tmp/out.json" 2>"$tmp/err" || st=$?
	if ((st == 0 || st == 1)); then
		sed "s#$strip##g" "$tmp/out.json" >"$base.json"
		"$tool" osvtsv "$base.json" >"$base.tsv"
	else
		sed "s#$strip##g" "$tmp/err" | grep -v '^Loaded .* local db' >"$base.err" || true
		echo -e "ecosystem\tpackage\tversion\tadvisory_ids" >"$base.tsv"
	fi
	awk -F'\t' -v n="$name" -v v="${variant:-default}" -v s="$st" 'NR>1{p++; if($4!="-"){a++; k=split($4,x,","); for(i=1;i<=k;i++) ids[x[i]]=1}} END{for(i in ids) u++; printf "%-34s %-9s %5s %9d %9d  %d\n", n, v, s, p, a, u}' "$base.tsv" >>"$summary"
}

# The reference lockfiles (the shared folder has osv-scanner.json for these already).
scan ref-npm-a "" "$SHARED/" -L "$SHARED/reference/npm-a/package-lock.json"
scan ref-gems-maven "" "$SHARED/" -L "$SHARED/reference/gems-maven/Gemfile.lock" -L "$SHARED/reference/gems-maven/pom.xml"

for zipf in "$SHARED"/fixtures/lambda/*.zip; do
	n=$(basename "$zipf" .zip)
	d=$tmp/fx/$n
	mkdir -p "$d"
	unzip -q "$zipf" -d "$d"
	scan "$n" "" "$tmp/fx/" -r "$d"
	scan "$n" artifact "$tmp/fx/" --experimental-plugins artifact --experimental-plugins javascript/packagejson -r "$d"
	rm -rf "$d"
done
cat "$summary"
