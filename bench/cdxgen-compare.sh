#!/usr/bin/env bash
# cdxgen-compare.sh: inventory of the Lambda fixtures by cdxgen (and fnguard,
# when FNGUARD is set), each compared with the fixture's NAME.expected.json.
#
#   bash bench/cdxgen-compare.sh                       # cdxgen only
#   FNGUARD=bin/fnguard bash bench/cdxgen-compare.sh   # cdxgen and fnguard
#
# Environment:
#   FNGUARD      path to a built fnguard binary (optional)
#   FIXTURES     fixture folder (default $SHARED/fixtures/lambda, SHARED being
#                ../shared next to the repository)
#   RUNS         runs per tool per fixture (default 3); time is the median wall
#                time, memory the highest max-RSS of the runs; the comparison
#                uses the last run's SBOM
#   CDXGEN       cdxgen command (default: cdxgen on PATH)
#   CDXGEN_ARGS  cdxgen options (default: "-r --no-install-deps")
#   ONLY         run only fixtures whose name contains this string
#   KEEP         a folder to copy every SBOM into (optional)
#
# cdxgen runs on the zip unpacked into a temporary folder (it cannot read zips);
# the unpacking is not timed. fnguard reads the zip itself. Both run under
# /usr/bin/time -v: wall seconds cover the whole process tree; max RSS is
# ru_maxrss, the largest single process of the tree (not a sum over children).
# No network: cdxgen's registry lookups are switched off (see below).
set -euo pipefail

name=cdxgen-compare
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FIXTURES=${FIXTURES:-}
if [[ -z $FIXTURES ]]; then
	find_shared
	FIXTURES=$SHARED/fixtures/lambda
fi
[[ -d $FIXTURES ]] || die "fixture folder not found; set FIXTURES"
RUNS=${RUNS:-3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
CDXGEN=${CDXGEN:-cdxgen}
read -r -a cdx_args <<<"${CDXGEN_ARGS:--r --no-install-deps}"
ONLY=${ONLY:-}
KEEP=${KEEP:-}

[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: apt-get install -y time"
command -v unzip >/dev/null || die "unzip missing: apt-get install -y unzip"
command -v go >/dev/null || die "go missing (needed for bench/internal/benchtool)"
command -v "$CDXGEN" >/dev/null || die "cdxgen not found ($CDXGEN): npm install -g @cyclonedx/cdxgen"
if [[ -n ${FNGUARD:-} ]]; then
	[[ -x $FNGUARD ]] || die "FNGUARD=$FNGUARD is not an executable"
	FNGUARD=$(cd "$(dirname "$FNGUARD")" && pwd)/$(basename "$FNGUARD")
fi
[[ -z $KEEP ]] || mkdir -p "$KEEP"

# cdxgen without network: no license/metadata lookups, no search.maven.org
# hash lookups for jars without Maven metadata, no Go VCS lookups, and an
# allow-list of hosts that matches nothing as a backstop.
export FETCH_LICENSE=false CDXGEN_FETCH_PKG_METADATA=false SEARCH_MAVEN_ORG=false \
	GO_FETCH_VCS=false CDXGEN_ALLOWED_HOSTS=no-network.invalid

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cdxgen-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

tool="$tmp/benchtool"
(cd "$repo" && go build -o "$tool" ./bench/internal/benchtool) || die "cannot build bench/internal/benchtool"

# timed LABEL OUT.time CMD... : runs CMD under /usr/bin/time -v; stdout and
# stderr of CMD go to OUT.time.log. Prints nothing; returns CMD's status.
timed() {
	local tfile=$1; shift
	/usr/bin/time -v -o "$tfile" "$@" >"$tfile.log" 2>&1
}
wall_of() { # seconds from "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:06.88"
	awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"
}
rss_of() { awk -F': ' '/Maximum resident set size/{print $2}' "$1"; }

echo "# cdxgen-compare $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg)"
echo "# cdxgen: $("$CDXGEN" --version 2>/dev/null | sed -n 's/\x1b\[[0-9;]*m//g;1p') ($(node --version 2>/dev/null || echo node?)); args: ${cdx_args[*]} <unpacked dir>"
echo "# cdxgen env: FETCH_LICENSE=false CDXGEN_FETCH_PKG_METADATA=false SEARCH_MAVEN_ORG=false GO_FETCH_VCS=false CDXGEN_ALLOWED_HOSTS=no-network.invalid"
if [[ -n ${FNGUARD:-} ]]; then
	echo "# fnguard: $FNGUARD ($( { "$FNGUARD" version 2>/dev/null || "$FNGUARD" --version 2>/dev/null || echo "version unknown"; } | head -n1)); args: sbom <zip> -o <file>"
fi
echo "# fixtures: $FIXTURES; runs per tool: $RUNS (time = median wall s, RSS = max of runs)"
echo "# found/missing/extra are (ecosystem, name, version) from purls; PyPI names PEP 503-normalised, Go 'v' prefix ignored"
echo

summary=()
n_fix=0
for zip in "$FIXTURES"/*.zip; do
	name=$(basename "$zip" .zip)
	[[ -z $ONLY || $name == *"$ONLY"* ]] || continue
	exp="$FIXTURES/$name.expected.json"
	[[ -f $exp ]] || { echo "## $name: no $name.expected.json, skipped"; continue; }
	n_fix=$((n_fix + 1))
	echo "## $name"
	src="$tmp/src/$name"
	mkdir -p "$src"
	unzip -q "$zip" -d "$src"

	tools=(cdxgen)
	[[ -n ${FNGUARD:-} ]] && tools+=(fnguard)
	for t in "${tools[@]}"; do
		walls=() rss=0 status=0 bom="$tmp/$name.$t.cdx.json"
		for ((r = 1; r <= RUNS; r++)); do
			rm -f "$bom"
			tf="$tmp/$name.$t.$r.time"
			if [[ $t == cdxgen ]]; then
				# cdxgen writes into the scanned folder's parent only via -o
				(cd "$tmp" && timed "$tf" "$CDXGEN" "${cdx_args[@]}" -o "$bom" "$src") || status=$?
			else
				(cd "$tmp" && timed "$tf" "$FNGUARD" sbom "$zip" -o "$bom") || status=$?
			fi
			if ((status != 0)); then
				echo "  $t: FAILED (exit $status); last lines of its output:"
				tail -n 5 "$tf.log" | sed 's/^/    /'
				break
			fi
			walls+=("$(wall_of "$tf")")
			m=$(rss_of "$tf")
			((m > rss)) && rss=$m
		done
		if ((status != 0)) || [[ ! -s $bom ]]; then
			((status != 0)) || echo "  $t: no SBOM written"
			summary+=("$(printf '%-22s %-8s %5s %6s %8s %6s %9s %8s' "$name" "$t" - - - - FAILED -)")
			continue
		fi
		[[ -z $KEEP ]] || cp "$bom" "$KEEP/$name.$t.cdx.json"
		med=$(printf '%s\n' "${walls[@]}" | "$tool" median)
		rss_mb=$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')
		cmp=$("$tool" cdxcompare -label "$t" -expected "$exp" -bom "$bom")
		line=$(head -n1 <<<"$cmp")
		get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
		printf '  %-8s expected=%s found=%s missing=%s extra=%s  wall=%ss (runs: %s)  maxRSS=%sMB\n' \
			"$t" "$(get expected)" "$(get found)" "$(get missing)" "$(get extra)" "$med" "${walls[*]}" "$rss_mb"
		tail -n +2 <<<"$cmp" | sed 's/^  /    /'
		summary+=("$(printf '%-22s %-8s %5s %6s %8s %6s %9s %8s' "$name" "$t" "$(get expected)" "$(get found)" "$(get missing)" "$(get extra)" "$med" "$rss_mb")")
	done
	if [[ -s $tmp/$name.cdxgen.cdx.json && -s $tmp/$name.fnguard.cdx.json ]]; then
		echo "  cdxgen vs fnguard (all purls, not only expected ones):"
		"$tool" cdxdiff -la cdxgen -a "$tmp/$name.cdxgen.cdx.json" -lb fnguard -b "$tmp/$name.fnguard.cdx.json" | sed 's/^/    /'
	fi
	rm -rf "$src"
	echo
done
((n_fix > 0)) || die "no fixtures matched in $FIXTURES"

echo "## summary"
printf '%-22s %-8s %5s %6s %8s %6s %9s %8s\n' fixture tool exp found missing extra wall_s rss_MB
printf '%s\n' "${summary[@]}"
