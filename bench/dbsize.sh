#!/usr/bin/env bash
# dbsize.sh: issue 13's two database goals, measured.
#
#   1. `fnguard db update` when nothing changed: <= 0.1 s and <= 50 MiB.
#   2. Peak RSS must not grow with the database when scan time does not:
#      a 1,000-entry package-lock.json scanned against the shared database
#      and against one about 6x its size whose extra records match nothing;
#      RSS ratio (large / shared) <= 1.15.
#
# Both databases are built the way users build theirs: `fnguard db update
# --source URL` from a local HTTP server in osv.dev's bucket layout
# (bench/internal/dbbench serve: <Eco>/all.zip, a modified_id.csv generated
# from the zip, <Eco>/<ID>.json, ETag/Last-Modified and 304s). The large one
# holds the shared records plus FACTOR-1 renamed copies of each (IDs and
# package names suffixed "-dbbenchK": they sort between the real ones in
# every bucket but match no real package); FACTOR=8 gives a file 6x the
# shared database's, because copies compress slightly better.
#
# Two lockfiles of the same 1,000 real npm names and versions
# (bench/internal/lockgen): as generated, where nearly every package has
# advisories (most are MAL- names), and with every name suffixed, where none
# has, as for most packages of a real project (scans are then index seeks
# that find nothing).
#
#   bash bench/dbsize.sh                   # fnguard built from source
#   FNGUARD=bin/fnguard bash bench/dbsize.sh
#
# Knobs: FNGUARD (a built fnguard; default: go build ./cmd/fnguard into the
# temporary folder), RUNS (5: timed runs per cell, after one untimed warm-up),
# N (1000 lockfile entries), FACTOR (8 records per shared record), SHARED.
# Needs go, bash 5, GNU time (/usr/bin/time; Debian: apt-get install -y time).
# No network: the server listens on 127.0.0.1. Building the large database
# (about 60-90 s and 1 GB of RSS, a full read) is not timed.
set -euo pipefail
name=dbsize
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x /usr/bin/time ]] || die "GNU time not found at /usr/bin/time (apt-get install -y time)"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 needed (EPOCHREALTIME)"
command -v go >/dev/null || die "go not found"
find_shared
RUNS=${RUNS:-5}
N=${N:-1000}
FACTOR=${FACTOR:-8}
if [[ -n ${FNGUARD:-} ]]; then
	FNGUARD=$(cd "$(dirname "$FNGUARD")" && pwd)/$(basename "$FNGUARD")
	[[ -x $FNGUARD ]] || die "FNGUARD=$FNGUARD is not executable"
fi

started=$(date -u +%FT%TZ)
workspace
servers=()
cleanup() {
	local pid
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
(cd "$repo" && go build -o "$tmp/dbbench" ./bench/internal/dbbench) || die "cannot build bench/internal/dbbench"
(cd "$repo" && go build -o "$tmp/lockgen" ./bench/internal/lockgen) || die "cannot build bench/internal/lockgen"
if [[ -z ${FNGUARD:-} ]]; then
	(cd "$repo" && CGO_ENABLED=0 go build -o "$tmp/fnguard" ./cmd/fnguard) || die "cannot build cmd/fnguard"
	FNGUARD=$tmp/fnguard
fi

# serve DIR: starts dbbench serve on DIR and sets url.
serve() {
	local uf=$tmp/url.$RANDOM i
	"$tmp/dbbench" serve -osv "$1" -url-file "$uf" 2>"$tmp/serve.err" &
	servers+=($!)
	for ((i = 0; i < 600; i++)); do
		[[ -s $uf ]] && break
		kill -0 "${servers[-1]}" 2>/dev/null || { cat "$tmp/serve.err" >&2; die "dbbench serve $1 failed"; }
		sleep 0.1
	done
	[[ -s $uf ]] || die "dbbench serve $1 did not start within 60 s"
	url=$(<"$uf")
}

# measure CMD...: prints "SECONDS KB CPU" (wall, peak RSS, user+system CPU
# seconds). Exit status 1 (findings block the release) is a normal end of a
# scan; anything else stops the script.
measure() {
	local st=0 t0 t1 kb u s
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$tmp/m.time" "$@" >"$tmp/m.out" 2>"$tmp/m.err" || st=$?
	t1=$EPOCHREALTIME
	if ((st > 1)); then
		head -c 600 "$tmp/m.err" >&2
		die "$* exited with status $st"
	fi
	read -r kb u s < <(tail -n 1 "$tmp/m.time")
	awk -v a="$t0" -v b="$t1" -v k="$kb" -v u="$u" -v s="$s" 'BEGIN{printf "%.3f %d %.2f\n", b-a, k, u+s}'
}

# runs NAME COUNT CMD...: COUNT timed runs; appends each run's figures to
# $tmp/NAME.{s,kb,cpu}. warm CMD...: one untimed run.
runs() {
	local nm=$1 count=$2 i s kb cpu
	shift 2
	for ((i = 0; i < count; i++)); do
		read -r s kb cpu < <(measure "$@")
		echo "$s" >>"$tmp/$nm.s"
		echo "$kb" >>"$tmp/$nm.kb"
		echo "$cpu" >>"$tmp/$nm.cpu"
	done
}
warm() { "$@" >/dev/null 2>&1 || true; }
med() { "$tool" median "$tmp/$1"; }
# show NAME -> "0.034 s (cpu 0.03 s), 33.1 MiB (max 33.4)": medians, and the
# highest peak RSS of the runs.
show() {
	local kbmax
	kbmax=$(sort -n "$tmp/$1.kb" | tail -n 1)
	awk -v s="$(med "$1.s")" -v c="$(med "$1.cpu")" -v k="$(med "$1.kb")" -v m="$kbmax" \
		'BEGIN{printf "%.3f s (cpu %.2f s), %.1f MiB (max %.1f)", s, c, k/1024, m/1024}'
}
# ratio A B -> median of B / median of A
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN{ if (a > 0) printf "%.2fx", b/a; else print "-" }'; }
# update_goal NAME -> "met" or what is missed, against 0.1 s and 50 MiB
update_goal() {
	awk -v s="$(med "$1.s")" -v k="$(med "$1.kb")" 'BEGIN{
		m = ""
		if (s > 0.1) m = m sprintf(" time %.3f s > 0.1 s", s)
		if (k / 1024 > 50) m = m sprintf(" RSS %.1f MiB > 50 MiB", k / 1024)
		print (m == "" ? "met" : "NOT met:" m) }'
}
# rss_goal A B -> "met" or "NOT met" for median RSS of B / A <= 1.15
rss_goal() {
	awk -v a="$(med "$1.kb")" -v b="$(med "$2.kb")" 'BEGIN{ print (b / a <= 1.15 ? "met" : "NOT met") }'
}

# unchanged: the last update's summary (stdout) must say "unchanged" for
# every ecosystem, or the row would time something else.
unchanged() {
	grep -q " unchanged " "$tmp/m.out" && ! grep -Eq " (full|incremental) " "$tmp/m.out" ||
		{ cat "$tmp/m.out" >&2; die "an update with nothing changed was not 'unchanged' in every ecosystem"; }
}

# The shared database, from HTTP. The first update is a full read of every
# all.zip; the full read keeps modified_id.csv's validators, so from the
# second update on each ecosystem costs one conditional request.
serve "$SHARED/osv"
url1=$url
db1=$tmp/db1/osv.db
read -r b1s b1k _ < <(measure "$FNGUARD" db update --source "$url1" --db "$db1")
warm "$FNGUARD" db update --source "$url1" --db "$db1"
runs upd1 "$RUNS" "$FNGUARD" db update --source "$url1" --db "$db1"
unchanged

# The large database: FACTOR x the records, same server, same command.
"$tmp/dbbench" grow -osv "$SHARED/osv" -factor "$FACTOR" -o "$tmp/grown" || die "dbbench grow failed"
serve "$tmp/grown"
url8=$url
db8=$tmp/db8/osv.db
read -r b8s b8k _ < <(measure "$FNGUARD" db update --source "$url8" --db "$db8")
warm "$FNGUARD" db update --source "$url8" --db "$db8"
runs upd8 "$RUNS" "$FNGUARD" db update --source "$url8" --db "$db8"
unchanged
size1=$(stat -c %s "$db1") size8=$(stat -c %s "$db8")

hit=$tmp/hit/package-lock.json miss=$tmp/miss/package-lock.json
"$tmp/lockgen" -osv "$SHARED/osv" -format package-lock.json -n "$N" -o "$hit"
"$tmp/dbbench" nomatch -i "$hit" -o "$miss"
scan=("$FNGUARD" scan --offline --format json -o "$tmp/scan.json" --db)
# Findings counts, to show what each lockfile makes the scan read.
findings() {
	"${scan[@]}" "$1" "$2" >/dev/null 2>&1 || true
	grep -Eo '"findings": *[0-9]+' "$tmp/scan.json" | head -n 1 | grep -Eo '[0-9]+$' || echo "?"
}
fh=$(findings "$db1" "$hit") fh8=$(findings "$db8" "$hit") fm=$(findings "$db1" "$miss")
[[ $fh == "$fh8" ]] || die "the large database changed the findings ($fh vs $fh8): its copies match real packages"
# Alternate the two databases so that load changes hit both alike.
for c in "hit1 $db1 $hit" "hit8 $db8 $hit" "miss1 $db1 $miss" "miss8 $db8 $miss"; do
	read -r _ d f <<<"$c"
	warm "${scan[@]}" "$d" "$f"
done
for ((r = 0; r < RUNS; r++)); do
	runs hit1 1 "${scan[@]}" "$db1" "$hit"
	runs hit8 1 "${scan[@]}" "$db8" "$hit"
	runs miss1 1 "${scan[@]}" "$db1" "$miss"
	runs miss8 1 "${scan[@]}" "$db8" "$miss"
done

fnv=$("$FNGUARD" version 2>/dev/null | head -n 1 || true)
mib() { awk -v b="$1" 'BEGIN{printf "%.0f MiB", b/1048576}'; }
echo "# dbsize.sh $started, $(nproc) cores, load at the end $(cut -d' ' -f1-3 /proc/loadavg); fnguard: $fnv"
echo "# databases built by 'fnguard db update --source http://127.0.0.1/...': shared data $(mib "$size1") ($b1s s, $((b1k / 1024)) MiB peak);"
echo "# ${FACTOR}x its records $(mib "$size8") = $(awk -v a="$size1" -v b="$size8" 'BEGIN{printf "%.1fx", b/a}') the file ($b8s s, $((b8k / 1024)) MiB peak)"
echo "# cells: median of $RUNS runs after a warm-up: wall (user+system CPU), peak RSS (the highest run in brackets)"
echo
echo "| measurement | shared database | large: ${FACTOR}x records, $(awk -v a="$size1" -v b="$size8" 'BEGIN{printf "%.1fx", b/a}') the file | large / shared | goal |"
echo "|---|---|---|---|---|"
printf '| db update, nothing changed | %s | %s | time %s, RSS %s | <= 0.1 s, <= 50 MiB: shared %s; large %s |\n' \
	"$(show upd1)" "$(show upd8)" "$(ratio upd1.s upd8.s)" "$(ratio upd1.kb upd8.kb)" "$(update_goal upd1)" "$(update_goal upd8)"
printf '| scan, %s-entry package-lock.json (lockgen; %s findings) | %s | %s | time %s, RSS %s | RSS <= 1.15x: %s |\n' \
	"$N" "$fh" "$(show hit1)" "$(show hit8)" "$(ratio hit1.s hit8.s)" "$(ratio hit1.kb hit8.kb)" "$(rss_goal hit1 hit8)"
printf '| scan, the same with every name suffixed (%s findings) | %s | %s | time %s, RSS %s | RSS <= 1.15x: %s |\n' \
	"$fm" "$(show miss1)" "$(show miss8)" "$(ratio miss1.s miss8.s)" "$(ratio miss1.kb miss8.kb)" "$(rss_goal miss1 miss8)"
