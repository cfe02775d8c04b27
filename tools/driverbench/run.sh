#!/usr/bin/env bash
# Builds the SQLite driver benchmark, runs each driver in its own process and
# prints a comparison table (markdown). Usage:
#
#   ./run.sh                 # 1,000,000 rows
#   ROWS=500000 ./run.sh     # smaller run
#   CACHE_MIB=64 ./run.sh    # also set PRAGMA cache_size to 64 MiB
#
# Everything (binaries, databases, JSON) goes to a temp dir that is removed on
# exit; nothing is written inside the repository.
set -euo pipefail
cd "$(dirname "$0")"

ROWS=${ROWS:-1000000}
LOOKUPS=${LOOKUPS:-20000}
RANGES=${RANGES:-20000}
CACHE_MIB=${CACHE_MIB:-0} # 0 = SQLite default page cache (~2 MiB)

W=$(mktemp -d "${TMPDIR:-/tmp}/driverbench.XXXXXX")
trap 'rm -rf "$W"' EXIT

size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

echo "== building (first mattn build compiles the SQLite amalgamation with gcc; takes a while)" >&2
go build -o "$W/driverbench" . # both drivers, cgo on: used for the runs
CGO_ENABLED=0 go build -tags nomattn -o "$W/only-modernc" .
CGO_ENABLED=1 go build -tags nomodernc -o "$W/only-mattn" .
CGO_ENABLED=0 go build -tags nomattn -ldflags='-s -w' -o "$W/only-modernc-stripped" .
CGO_ENABLED=1 go build -tags nomodernc -ldflags='-s -w' -o "$W/only-mattn-stripped" .

echo "== windows cross-compile checks" >&2
check() { # label, then command
	local label=$1
	shift
	if out=$("$@" 2>&1); then
		echo "| $label | ok |"
	else
		echo "| $label | FAILED: $(echo "$out" | grep -v '^#' | head -n 1 | cut -c1-120) |"
	fi
}
WIN=$(
	echo "| build | result |"
	echo "|---|---|"
	check "modernc, GOOS=windows GOARCH=amd64 CGO_ENABLED=0" \
		env GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$W/modernc.exe" ./wincheck/modernc
	check "mattn, GOOS=windows GOARCH=amd64 CGO_ENABLED=1 (host gcc, no mingw)" \
		env GOOS=windows GOARCH=amd64 CGO_ENABLED=1 go build -o "$W/mattn.exe" ./wincheck/mattn
	check "mattn, GOOS=windows GOARCH=amd64 CGO_ENABLED=0 (compiles a stub)" \
		env GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$W/mattn-nocgo.exe" ./wincheck/mattn
	CGO_ENABLED=0 go build -o "$W/mattn-nocgo" ./wincheck/mattn
	check "mattn CGO_ENABLED=0 linux build, *running* it" "$W/mattn-nocgo"
	check "modernc CGO_ENABLED=0 linux build, *running* it" \
		env CGO_ENABLED=0 go run ./wincheck/modernc
)
[ -f "$W/modernc.exe" ] && WIN="$WIN

modernc.exe: $(file -b "$W/modernc.exe" 2>/dev/null || true), $(mib "$(size "$W/modernc.exe")")"

for d in modernc mattn; do
	echo "== running -driver=$d (rows=$ROWS)" >&2
	"$W/driverbench" -driver="$d" -rows="$ROWS" -lookups="$LOOKUPS" -ranges="$RANGES" -cache-mib="$CACHE_MIB" -json="$W/$d.json"
done

echo
echo "## Results ($ROWS rows, cache_mib=$CACHE_MIB, $(go env GOVERSION), $(uname -sm), $(nproc) CPUs)"
echo
"$W/driverbench" -report "$W/modernc.json" "$W/mattn.json"
echo
echo "## Binary sizes (linux/amd64)"
echo
echo "| build | size | stripped (-s -w) |"
echo "|---|---:|---:|"
echo "| modernc only (CGO_ENABLED=0, -tags nomattn) | $(mib "$(size "$W/only-modernc")") | $(mib "$(size "$W/only-modernc-stripped")") |"
echo "| mattn only (cgo, -tags nomodernc) | $(mib "$(size "$W/only-mattn")") | $(mib "$(size "$W/only-mattn-stripped")") |"
echo "| both (benchmark binary) | $(mib "$(size "$W/driverbench")") | |"
echo
echo "## Windows cross-compilation (no C cross toolchain installed)"
echo
echo "$WIN"
