#!/usr/bin/env bash
# scale.sh: does a scan's cost grow linearly with the number of packages?
#
# Generates package-lock.json v3 files of 1k, 10k, 50k and 200k entries from
# the real npm names and versions of the shared OSV data
# (bench/internal/lockgen), scans each with fnguard and osv-scanner v2.6.0
# (same data, offline) and prints wall time, peak RSS and the per-package
# time relative to the 10k run; then 100k entries of every other lockfile
# format fnguard reads (fnguard only), relative to 10k of the same format.
#
#   bash bench/scale.sh                    # fnguard from source (bench/internal/scanbench)
#   FNGUARD=bin/fnguard bash bench/scale.sh
#
# Knobs: FNGUARD (a built fnguard; default: bench/internal/scanbench, which
# runs the same inventory and matching without the CLI and reports), SIZES
# ("1000 10000 50000 200000"), OTHER_N (100000; 0 skips the other formats),
# FORMATS (space-separated file names), TIMEOUT (300 s per run: a run killed
# there prints "killed"), OSV=0 (skip osv-scanner), SHARED, OSV_SCANNER.
# Needs GNU time (/usr/bin/time; Debian: apt-get install -y time), timeout,
# go, bash 5. The database import and file generation are not timed.
set -euo pipefail
name=scale
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x /usr/bin/time ]] || die "GNU time not found at /usr/bin/time (apt-get install -y time)"
command -v timeout >/dev/null || die "timeout (coreutils) not found"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 needed (EPOCHREALTIME)"
find_shared
OSV=${OSV:-1}
if [[ $OSV == 1 ]]; then find_osv_scanner; fi
SIZES=${SIZES-"1000 10000 50000 200000"}
OTHER_N=${OTHER_N:-100000}
TIMEOUT=${TIMEOUT:-300}
FORMATS=${FORMATS:-"yarn.lock pnpm-lock.yaml requirements.txt poetry.lock Pipfile.lock uv.lock pdm.lock pom.xml gradle.lockfile go.mod Gemfile.lock packages.lock.json composer.lock Cargo.lock"}
if [[ -n ${FNGUARD:-} ]]; then
	FNGUARD=$(cd "$(dirname "$FNGUARD")" && pwd)/$(basename "$FNGUARD")
fi

workspace
(cd "$repo" && go build -o "$tmp/lockgen" ./bench/internal/lockgen) || die "cannot build bench/internal/lockgen"
if [[ -z ${FNGUARD:-} ]]; then
	(cd "$repo" && go build -o "$tmp/scanbench" ./bench/internal/scanbench) || die "cannot build bench/internal/scanbench"
fi

db=$tmp/osv.db
if [[ -n ${FNGUARD:-} ]]; then
	"$FNGUARD" db import "$SHARED/osv" --db "$db" >"$tmp/import.log" 2>&1 || { tail -n 5 "$tmp/import.log"; die "db import failed"; }
else
	"$tmp/scanbench" -db "$db" -import "$SHARED/osv" >"$tmp/import.log" 2>&1 || { tail -n 5 "$tmp/import.log"; die "db import failed"; }
fi

# measure CMD...: prints "SECONDS KB CPU" (wall, peak RSS, user+system
# CPU seconds) or "killed KB 0" after TIMEOUT. CPU time is the steadier
# figure on a shared machine: wall time includes waiting for a core.
# Exit status 1 (findings block the release) is a normal end of a scan.
measure() {
	local st=0 t0 t1 kb cpu
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$tmp/m.time" timeout -s KILL "$TIMEOUT" "$@" >"$tmp/m.out" 2>"$tmp/m.err" || st=$?
	t1=$EPOCHREALTIME
	read -r kb u s < <(tail -n 1 "$tmp/m.time") || true
	[[ $kb =~ ^[0-9]+$ ]] || kb=0
	cpu=$(awk -v u="${u:-0}" -v s="${s:-0}" 'BEGIN{printf "%.2f", u+s}')
	if ((st == 137)) || grep -q "Command terminated by signal 9" "$tmp/m.time"; then
		echo "killed $kb 0"
	elif ((st > 1)); then
		echo "failed(status_$st) $kb 0"
		head -c 300 "$tmp/m.err" >&2
	else
		awk -v a="$t0" -v b="$t1" -v k="$kb" -v c="$cpu" 'BEGIN{printf "%.2f %d %s\n", b-a, k, c}'
	fi
}

fn_scan() {
	if [[ -n ${FNGUARD:-} ]]; then
		measure "$FNGUARD" scan --offline --db "$db" --format json -o "$tmp/fn.json" "$1"
	else
		measure "$tmp/scanbench" -db "$db" "$1"
	fi
}
# fn_inventory FILE: the inventory alone (scanbench -inventory-only), or the
# whole scan with FNGUARD. Matching costs what a package's advisories cost
# (a PyPI name with hundreds of listed versions costs more than a name with
# none), so a reader's scaling is judged on the inventory.
fn_inventory() {
	if [[ -n ${FNGUARD:-} ]]; then
		fn_scan "$1"
	else
		measure "$tmp/scanbench" -db "$db" -inventory-only "$1"
	fi
}
osv_scan() { measure "$OSV_SCANNER" scan source --offline --format json -L "$1"; }

# cell SECONDS KB CPU N BASE_CPU_PER_PKG -> "12.34 s (cpu 15.2 s), 123 MiB, 1.05x"
# The ratio is CPU seconds per package relative to the 10,000-entry run.
cell() {
	local s=$1 kb=$2 cpu=$3 n=$4 base=$5
	if [[ $s == killed ]]; then printf 'killed after %s s' "$TIMEOUT"; return; fi
	if [[ $s == failed* ]]; then printf '%s' "$s"; return; fi
	awk -v s="$s" -v kb="$kb" -v c="$cpu" -v n="$n" -v base="$base" 'BEGIN{
		printf "%.2f s (cpu %.1f s), %.0f MiB", s, c, kb/1024
		if (base > 0) printf ", %.2fx", (c/n)/base }'
}
perpkg() { awk -v s="$1" -v n="$2" 'BEGIN{ if (s ~ /^[0-9.]+$/ && s > 0) printf "%.9f", s/n; else print 0 }'; }

fnv=$( { if [[ -n ${FNGUARD:-} ]]; then "$FNGUARD" version 2>/dev/null | head -n1; else echo "scanbench (inventory + matching, from source)"; fi; } || true)
echo "# scale.sh $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); fnguard: $fnv; osv-scanner: ${osv_version:-skipped}"
echo "# cells: wall time (user+system CPU), peak RSS, and CPU seconds per entry relative to the 10,000-entry run of the same tool and format"
echo
fn_base=0 osv_base=0
[[ -n $SIZES ]] && printf '| package-lock.json v3 entries | fnguard | osv-scanner |\n|---|---|---|\n'
for n in $SIZES; do
	f=$tmp/npm-$n/package-lock.json
	"$tmp/lockgen" -osv "$SHARED/osv" -format package-lock.json -n "$n" -o "$f"
	read -r fs fk fc < <(fn_scan "$f")
	if [[ $n == 10000 ]]; then fn_base=$(perpkg "$fc" "$n"); fi
	osv_cell="skipped"
	if [[ $OSV == 1 ]]; then
		read -r os ok oc < <(osv_scan "$f")
		if [[ $n == 10000 ]]; then osv_base=$(perpkg "$oc" "$n"); fi
		osv_cell=$(cell "$os" "$ok" "$oc" "$n" "$osv_base")
	fi
	printf '| %s (%s MB) | %s | %s |\n' "$n" "$(du -m "$f" | cut -f1)" "$(cell "$fs" "$fk" "$fc" "$n" "$fn_base")" "$osv_cell"
	rm -f "$f"
done

if ((OTHER_N > 0)); then
	echo
	what="inventory only (scanbench -inventory-only)"
	[[ -n ${FNGUARD:-} ]] && what="whole scan (fnguard scan)"
	echo "# $what; ratio: CPU seconds per entry at $OTHER_N relative to 10,000"
	echo "| format | fnguard 10,000 | fnguard $OTHER_N | per-package ratio |"
	echo "|---|---|---|---|"
	for fmt in $FORMATS; do
		small=$tmp/$fmt-10000/$fmt big=$tmp/$fmt-$OTHER_N/$fmt
		"$tmp/lockgen" -osv "$SHARED/osv" -format "$fmt" -n 10000 -o "$small"
		"$tmp/lockgen" -osv "$SHARED/osv" -format "$fmt" -n "$OTHER_N" -o "$big"
		read -r ss sk sc < <(fn_inventory "$small")
		read -r bs bk bc < <(fn_inventory "$big")
		ratio="-"
		if [[ $sc =~ ^[0-9.]+$ && $bc =~ ^[0-9.]+$ && $bs != killed ]]; then
			ratio=$(awk -v a="$sc" -v b="$bc" -v n="$OTHER_N" 'BEGIN{ if (a > 0) printf "%.2fx", (b/n)/(a/10000); else print "-" }')
		fi
		printf '| %s | %s | %s | %s |\n' "$fmt" "$(cell "$ss" "$sk" "$sc" 10000 0)" "$(cell "$bs" "$bk" "$bc" "$OTHER_N" 0)" "$ratio"
		rm -f "$small" "$big"
	done
fi
