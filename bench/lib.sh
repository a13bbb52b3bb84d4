# Shared setup for the bench scripts: source it after setting `name`.
# Locates the shared data (SHARED, default ../shared beside the checkout)
# and osv-scanner (OSV_SCANNER, default on PATH or in ~/go/bin).

here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
repo=$(cd "$here/.." && pwd)
die() { echo "$name: $*" >&2; exit 1; }

find_shared() {
	SHARED=${SHARED:-}
	if [[ -z $SHARED && -d $repo/../shared/osv ]]; then
		SHARED=$(cd "$repo/../shared" && pwd)
	fi
	[[ -n $SHARED && -d $SHARED/osv ]] || die "shared data not found beside the checkout; set SHARED"
}

find_osv_scanner() {
	OSV_SCANNER=${OSV_SCANNER:-}
	if [[ -z $OSV_SCANNER ]]; then
		if command -v osv-scanner >/dev/null; then OSV_SCANNER=$(command -v osv-scanner)
		elif [[ -x $HOME/go/bin/osv-scanner ]]; then OSV_SCANNER=$HOME/go/bin/osv-scanner
		else die "osv-scanner not found: GOTOOLCHAIN=go1.27.4 go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.6.0"
		fi
	fi
	osv_version=$("$OSV_SCANNER" --version 2>/dev/null | sed -n 's/^osv-scanner version: //p')
	[[ -n $osv_version ]] || die "$OSV_SCANNER --version failed"
}

# workspace makes a temporary folder (removed on exit), builds the bench
# helper into it ($tool) and points osv-scanner's offline database at the
# shared zips: <dir>/osv-scalibr/<Ecosystem>/all.zip.
workspace() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tool="$tmp/benchtool"
	(cd "$repo" && go build -o "$tool" ./bench/internal/benchtool) || die "cannot build bench/internal/benchtool"
	for zipf in "$SHARED"/osv/*/all.zip; do
		eco=$(basename "$(dirname "$zipf")")
		mkdir -p "$tmp/osvdb/osv-scalibr/$eco"
		ln -s "$zipf" "$tmp/osvdb/osv-scalibr/$eco/all.zip"
	done
	export OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$tmp/osvdb
}
