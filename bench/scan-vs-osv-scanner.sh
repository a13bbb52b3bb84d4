#!/usr/bin/env bash
# scan-vs-osv-scanner.sh: speed and memory of `fnguard scan` against
# `osv-scanner scan source --offline` (v2.6.0) on the same inputs and the same
# offline OSV data (../shared/osv).
#
#   bash bench/scan-vs-osv-scanner.sh                       # osv-scanner only
#   FNGUARD=bin/fnguard bash bench/scan-vs-osv-scanner.sh   # both, with ratios
#
# Environment:
#   FNGUARD        path to a built fnguard binary (optional; without it only
#                  osv-scanner's figures are printed)
#   OSV_SCANNER    osv-scanner command (default: osv-scanner on PATH, else
#                  ~/go/bin/osv-scanner)
#   SHARED         the shared data folder (default ../shared next to the
#                  repository); uses $SHARED/osv, $SHARED/reference,
#                  $SHARED/fixtures/lambda
#   RUNS           timed runs per tool per input (default 5)
#   WARMUP         untimed runs per tool per input before timing (default 1)
#   OSV_PLUGINS    extra osv-scanner plugins for the unpacked fixtures, space
#                  separated (default "artifact javascript/packagejson"; set to
#                  "" for osv-scanner's defaults, which find no package in 8 of
#                  the 10 fixtures, see bench/README.md)
#   ONLY           run only inputs whose label contains this string
#   FN_UNPACKED    1: fnguard reads the unpacked fixture folders osv-scanner
#                  reads (like for like); default 0: fnguard reads the zips in
#                  place, inflating every member it needs, while osv-scanner's
#                  unpacking is done before timing
#
# Per run: /usr/bin/time -f '%e %M' gives the peak RSS (ru_maxrss, KB); the wall
# time is measured around it with bash's EPOCHREALTIME (microseconds; %e only
# has centiseconds, too coarse for fnguard). Runs of the two tools alternate.
# Exit status 1 is normal for both (findings). osv-scanner's 128 means "no
# package sources found"; any other status is a failure and is reported.
set -euo pipefail

name=scan-vs-osv-scanner
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_shared
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
OSV_PLUGINS=${OSV_PLUGINS-artifact javascript/packagejson}
ONLY=${ONLY:-}

find_osv_scanner
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: apt-get install -y time"
command -v unzip >/dev/null || die "unzip missing"
command -v go >/dev/null || die "go missing (needed for bench/internal/benchtool)"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 needed (EPOCHREALTIME)"
[[ $osv_version == 2.6.0 ]] || echo "warning: osv-scanner $osv_version, the target names v2.6.0" >&2
if [[ -n ${FNGUARD:-} ]]; then
	[[ -x $FNGUARD ]] || die "FNGUARD=$FNGUARD is not an executable"
	FNGUARD=$(cd "$(dirname "$FNGUARD")" && pwd)/$(basename "$FNGUARD")
fi

workspace

# Inputs: label, fnguard's input, osv-scanner's arguments (after the common ones).
labels=() fn_in=() osv_in=()
add() { [[ -z $ONLY || $1 == *"$ONLY"* ]] || return 0; labels+=("$1"); fn_in+=("$2"); osv_in+=("$3"); }
ref=$SHARED/reference
add npm-a/package-lock.json "$ref/npm-a/package-lock.json" "-L $ref/npm-a/package-lock.json"
add gems-maven/Gemfile.lock "$ref/gems-maven/Gemfile.lock" "-L $ref/gems-maven/Gemfile.lock"
add gems-maven/pom.xml "$ref/gems-maven/pom.xml" "-L $ref/gems-maven/pom.xml"
plug=""
for p in $OSV_PLUGINS; do plug+=" --experimental-plugins $p"; done
for zipf in "$SHARED"/fixtures/lambda/*.zip; do
	n=$(basename "$zipf" .zip)
	[[ -z $ONLY || $n == *"$ONLY"* ]] || continue
	mkdir -p "$tmp/fx/$n"
	unzip -q "$zipf" -d "$tmp/fx/$n"
	fn_src=$zipf
	[[ ${FN_UNPACKED:-0} == 1 ]] && fn_src=$tmp/fx/$n
	add "$n" "$fn_src" "$plug -r $tmp/fx/$n"
done
((${#labels[@]} > 0)) || die "no input matched ONLY=$ONLY"

echo "# scan-vs-osv-scanner $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo)"
echo "# load average at start: $(cut -d" " -f1-3 /proc/loadavg) (other work on this machine adds noise; compare medians)"
echo "# osv-scanner $osv_version: scan source --offline --format json <-L file | -r dir>; fixtures unpacked (not timed), extra plugins: ${OSV_PLUGINS:-none}"
echo "# OSV data: $SHARED/osv (linked as \$OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY/osv-scalibr/<Eco>/all.zip)"
echo "# runs: $RUNS timed (+$WARMUP warm-up) per tool per input; wall = median, RSS = peak of the timed runs"

fn_db=$tmp/fnguard.db
if [[ -n ${FNGUARD:-} ]]; then
	fnv=$( { "$FNGUARD" version 2>/dev/null || "$FNGUARD" --version 2>/dev/null || echo "version unknown"; } | head -n1)
	# A cgo build loads libc and costs about 2 MB more RSS per run than the
	# static one README installs, so the header says which was measured.
	fncgo=$(go version -m "$FNGUARD" 2>/dev/null | awk '$2 ~ /^CGO_ENABLED=/ {print $2}')
	echo "# fnguard: $FNGUARD ($fnv, ${fncgo:-CGO_ENABLED unknown}): scan --offline --db <db> --format json <input>; fixtures read $([[ ${FN_UNPACKED:-0} == 1 ]] && echo "unpacked, as osv-scanner reads them" || echo "as zips, in place")"
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -f '%e %M' -o "$tmp/import.time" "$FNGUARD" db import "$SHARED/osv" --db "$fn_db" >"$tmp/import.log" 2>&1; then
		echo "fnguard db import FAILED:"; tail -n 5 "$tmp/import.log"; exit 1
	fi
	t1=$EPOCHREALTIME
	read -r _ imp_kb <"$tmp/import.time" || true
	awk -v a="$t0" -v b="$t1" -v k="${imp_kb:-0}" -v s="$(du -k "$fn_db" 2>/dev/null | awk '{s+=$1} END{print s+0}')" \
		'BEGIN{printf "# fnguard db import (not timed in the comparison): %.2f s, peak RSS %.1f MB, db %.1f MB\n", b-a, k/1024, s/1024}'
else
	echo "# fnguard: not given (set FNGUARD=path/to/fnguard for the comparison)"
fi
echo

# run TOOL I OUTPREFIX: one run; appends "wall_s rss_kb status" to OUTPREFIX.runs
run() {
	local t=$1 i=$2 out=$3 st=0 t0 t1
	local -a cmd
	if [[ $t == osv ]]; then
		# shellcheck disable=SC2206 # osv_in holds flags and paths without spaces
		cmd=("$OSV_SCANNER" scan source --offline --format json ${osv_in[$i]})
	else
		cmd=("$FNGUARD" scan --offline --db "$fn_db" --format json "${fn_in[$i]}")
	fi
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%e %M' -o "$out.time" "${cmd[@]}" >"$out.json" 2>"$out.err" || st=$?
	t1=$EPOCHREALTIME
	local kb
	kb=$(tail -n 1 "$out.time" | awk '{print $2}')
	awk -v a="$t0" -v b="$t1" -v k="$kb" -v s="$st" 'BEGIN{printf "%.4f %s %s\n", b-a, k, s}' >>"$out.runs"
}

tools=(osv)
[[ -n ${FNGUARD:-} ]] && tools+=(fn)

hdr=$(printf '%-24s %10s %10s %8s %10s %10s %8s  %s' input osv_s fnguard_s speedup osv_MB fnguard_MB mem_frac notes)
rows=()
sum_osv=0 sum_fn=0 peak_osv=0 peak_fn=0 logsum=0 nratio=0 failures=0 worst_sp="" worst_mf=""
for i in "${!labels[@]}"; do
	l=${labels[$i]}
	for t in "${tools[@]}"; do
		p=$tmp/r.$i.$t
		: >"$p.runs"
		for ((w = 0; w < WARMUP; w++)); do run "$t" "$i" "$p.warm"; done
	done
	for ((r = 0; r < RUNS; r++)); do
		for t in "${tools[@]}"; do run "$t" "$i" "$tmp/r.$i.$t"; done
	done
	notes="" failed_here=0
	declare -A med=() peak=()
	for t in "${tools[@]}"; do
		p=$tmp/r.$i.$t
		med[$t]=$(awk '{print $1}' "$p.runs" | "$tool" median)
		peak[$t]=$(awk 'BEGIN{m=0} $2>m{m=$2} END{print m}' "$p.runs")
		codes=$(awk '{print $3}' "$p.runs" | sort -u | paste -sd, -)
		name=$([[ $t == osv ]] && echo osv-scanner || echo fnguard)
		bad=$(awk -v t="$t" '{ if (t=="osv" ? !($3==0||$3==1||$3==128) : !($3==0||$3==1)) print $3 }' "$p.runs" | sort -u | paste -sd, -)
		if [[ -n $bad ]]; then
			failures=$((failures + 1))
			failed_here=1
			notes+="$name FAILED exit $bad ($(tail -n 1 "$p.err" | cut -c1-100)); "
		elif [[ $codes == *128* ]]; then
			notes+="$name: no package sources found (128); "
		else
			notes+="$name exit $codes; "
		fi
		echo "  $l $name runs (wall_s rss_KB exit): $(paste -sd'|' "$p.runs")"
	done
	osv_s=${med[osv]} osv_mb=$(awk -v k="${peak[osv]}" 'BEGIN{printf "%.1f", k/1024}')
	if ((!failed_here)); then
		sum_osv=$(awk -v a="$sum_osv" -v b="$osv_s" 'BEGIN{print a+b}')
		((peak[osv] > peak_osv)) && peak_osv=${peak[osv]}
	fi
	if [[ -n ${FNGUARD:-} ]] && ((failed_here)); then
		fn_s=${med[fn]} fn_mb=$(awk -v k="${peak[fn]}" 'BEGIN{printf "%.1f", k/1024}') sp=FAILED mf=FAILED
	elif [[ -n ${FNGUARD:-} ]]; then
		fn_s=${med[fn]} fn_mb=$(awk -v k="${peak[fn]}" 'BEGIN{printf "%.1f", k/1024}')
		sp=$(awk -v a="$osv_s" -v b="$fn_s" 'BEGIN{ if (b>0) printf "%.1fx", a/b; else print "inf" }')
		mf=$(awk -v a="${peak[osv]}" -v b="${peak[fn]}" 'BEGIN{ if (a>0) printf "%.3f", b/a; else print "-" }')
		sum_fn=$(awk -v a="$sum_fn" -v b="$fn_s" 'BEGIN{print a+b}')
		worst_sp=$(awk -v w="$worst_sp" -v a="$osv_s" -v b="$fn_s" -v l="$l" 'BEGIN{ r = (b>0) ? a/b : 1e9; split(w, f, " "); if (w=="" || r < f[1]) printf "%.1f %s", r, l; else print w }')
		worst_mf=$(awk -v w="$worst_mf" -v a="${peak[osv]}" -v b="${peak[fn]}" -v l="$l" 'BEGIN{ r = (a>0) ? b/a : 1e9; split(w, f, " "); if (w=="" || r > f[1]) printf "%.3f %s", r, l; else print w }')
		((peak[fn] > peak_fn)) && peak_fn=${peak[fn]}
		if awk -v b="$fn_s" 'BEGIN{exit !(b>0)}'; then
			logsum=$(awk -v s="$logsum" -v a="$osv_s" -v b="$fn_s" 'BEGIN{print s+log(a/b)}')
			nratio=$((nratio + 1))
		fi
	else
		fn_s=- fn_mb=- sp=- mf=-
	fi
	rows+=("$(printf '%-24s %10s %10s %8s %10s %10s %8s  %s' "$l" "$osv_s" "$fn_s" "$sp" "$osv_mb" "$fn_mb" "$mf" "${notes%; }")")
	unset med peak
done

echo
echo "## per input (wall = median seconds; MB = peak RSS over runs; speedup = osv/fnguard; mem_frac = fnguard/osv)"
echo "$hdr"
printf '%s\n' "${rows[@]}"
echo
echo "## overall"
awk -v s="$sum_osv" -v p="$peak_osv" 'BEGIN{printf "osv-scanner: sum of medians %.3f s, peak RSS %.1f MB\n", s, p/1024}'
if [[ -n ${FNGUARD:-} ]]; then
	awk -v s="$sum_fn" -v p="$peak_fn" 'BEGIN{printf "fnguard:     sum of medians %.3f s, peak RSS %.1f MB\n", s, p/1024}'
	awk -v so="$sum_osv" -v sf="$sum_fn" -v po="$peak_osv" -v pf="$peak_fn" -v ls="$logsum" -v n="$nratio" 'BEGIN{
		sp = (sf>0) ? so/sf : 0; gm = (n>0) ? exp(ls/n) : 0; mf = (po>0) ? pf/po : 0
		printf "speedup (sum of medians): %.1fx; geometric mean of per-input speedups: %.1fx  [target >= 20x: %s]\n", sp, gm, (sp>=20 && gm>=20) ? "met" : "NOT met"
		printf "memory (peak fnguard / peak osv-scanner): %.3f  [target <= 0.25: %s]\n", mf, (mf<=0.25) ? "met" : "NOT met"
	}'
	echo "worst input: speedup ${worst_sp%% *}x (${worst_sp#* }); memory fraction ${worst_mf%% *} (${worst_mf#* })"
	# Issue 13's bars: the 226-package lockfile's memory, the Go and Java zips' speed.
	for r in "${rows[@]}"; do
		set -- $r
		case $1 in
		npm-a/package-lock.json) awk -v m="$7" 'BEGIN{printf "226-package lockfile: memory fraction %s  [target <= 0.2: %s]\n", m, (m+0<=0.2) ? "met" : "NOT met"}' ;;
		go-function | go-function-stripped | java-function | fat-jar-function)
			awk -v l="$1" -v s="$4" 'BEGIN{printf "%s: speedup %s  [target >= 4x: %s]\n", l, s, (s+0>=4) ? "met" : "NOT met"}' ;;
		esac
	done
fi
((failures == 0)) || { echo "failures: $failures input(s) with a failed run (see notes); they are left out of the overall figures"; exit 1; }
