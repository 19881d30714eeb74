#!/usr/bin/env bash
# bench/run.sh: retort's performance figures, each as a ratio against a lower
# bound measured in the same run.
#
#   bench/run.sh                 # from anywhere inside the repository
#   ROWS=100000 bench/run.sh     # smaller rebuild benchmark (default 1000000)
#   RUNS=9 bench/run.sh          # more wall-clock runs per median (default 5)
#
# 1. Wall clock of the built binary, as a user sees it: the median of RUNS
#    runs of `retort diff --from sqlite:db --to file://same.sql` (db created
#    from same.sql, so the diff must be empty) against the median of RUNS runs
#    of `sqlite3 db .schema`, for 200 and 1,000 generated tables. One untimed
#    warm-up run of each comes first, so both read the file from the page
#    cache.
# 2. The Go benchmarks (bench_test.go): BenchmarkInspectDiff (x-raw: the
#    library's diff over a raw SELECT sql FROM sqlite_schema; x-load: over
#    loading the script into an in-memory database; queries: the queries one
#    Inspect issues) and BenchmarkRebuild (x-raw: retort's plan+apply of a
#    changed ON DELETE over the hand-written 12-step rebuild).
#
# Other tools' figures are never typed in here: bench/anchors.sh installs
# Alembic and the Atlas engine and measures them in a run of its own.
#
# Needs Go and the sqlite3 CLI (Debian/Ubuntu package sqlite3; installed here
# when missing and running as root). Everything is built and written in a
# temporary directory that is removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/machine.sh
RUNS=${RUNS:-5}
ROWS=${ROWS:-1000000}
SIZES=(200 1000)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v sqlite3 >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "sqlite3 CLI missing: installing Debian's sqlite3 package" >&2
		apt-get update -qq >&2 && apt-get install -y -qq sqlite3 >&2
	else
		echo "sqlite3 CLI missing and not root: install it (sudo apt-get install -y sqlite3);" >&2
		echo "the .schema baseline is skipped (n/a) and the Go benchmarks still run." >&2
	fi
fi
if command -v sqlite3 >/dev/null 2>&1; then have_sqlite3=true; else have_sqlite3=false; fi

echo "building retort and genschema…" >&2
go build -o "$tmp/retort" ./cmd/retort
go build -o "$tmp/genschema" ./bench/cmd/genschema

# wall CMD… prints the wall time of one run of CMD in seconds (microsecond
# resolution from $EPOCHREALTIME: no fork around the timed command).
wall() {
	local start end
	start=$EPOCHREALTIME
	"$@" >/dev/null
	end=$EPOCHREALTIME
	echo "$start $end" | awk '{ printf "%.6f\n", $2 - $1 }'
}

# median_of CMD… runs CMD once untimed, then RUNS times, and prints the
# median wall time.
median_of() {
	"$@" >/dev/null
	local i
	for ((i = 0; i < RUNS; i++)); do
		wall "$@"
	done | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo
echo "## retort diff vs sqlite3 .schema (wall clock, median of $RUNS runs)"
echo
machine_line
echo
echo "| tables | retort diff (s) | sqlite3 .schema (s) | ratio | diff output |"
echo "|-------:|----------------:|--------------------:|------:|:------------|"
for n in "${SIZES[@]}"; do
	"$tmp/genschema" -tables "$n" -sql "$tmp/s$n.sql" -db "$tmp/s$n.db"
	out=$("$tmp/retort" diff --from "sqlite:$tmp/s$n.db" --to "file://$tmp/s$n.sql")
	if [[ -z $out ]]; then
		verdict="empty (in sync)"
	else
		verdict="SPURIOUS DIFF ($(wc -l <<<"$out") lines)"
	fi
	d=$(median_of "$tmp/retort" diff --from "sqlite:$tmp/s$n.db" --to "file://$tmp/s$n.sql")
	if $have_sqlite3; then
		s=$(median_of sqlite3 "$tmp/s$n.db" .schema)
		s=$(printf "%.4f" "$s")
		r=$(awk -v d="$d" -v s="$s" 'BEGIN { printf "%.1f×", d / s }')
	else
		s=n/a r=n/a
	fi
	printf "| %6d | %15.4f | %19s | %6s | %s |\n" "$n" "$d" "$s" "$r" "$verdict"
done
echo
echo "Other tools on the same task: bench/anchors.sh installs and measures them (Alembic, the Atlas engine)."

echo
echo "## go test -run '^\$' -bench 'InspectDiff|Rebuild' -benchtime 3x ./bench/ -rows $ROWS"
echo
go test -run '^$' -bench 'InspectDiff|Rebuild' -benchtime 3x ./bench/ -rows "$ROWS" | tee "$tmp/bench.txt"
echo
echo "## ratios"
echo
awk '/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	line = name ":"
	for (i = 3; i < NF; i += 2)
		if ($(i + 1) ~ /^x-/ || $(i + 1) == "queries")
			line = line sprintf(" %s %s", $(i + 1), $i)
	print line
}' "$tmp/bench.txt"
echo
echo "x-raw: over the raw catalog read (InspectDiff) or the hand-written rebuild (Rebuild; target <= 1.15);"
echo "x-load: over loading the same script into an in-memory database (the floor of a file:// source);"
echo "queries: queries issued by one Inspect."
