#!/usr/bin/env bash
# bench/anchors.sh: retort against two other tools on the same task, each
# installed and measured here, in the same run, on the same machine:
# compare a SQLite database with the schema script it was made from (the
# answer must be "no difference"), for 200 and 1,000 generated tables
# (bench/cmd/genschema), and for the same schema with the parent column of
# every foreign key named (the generated one leaves it out in half of them,
# as SQLite allows; the Atlas engine cannot read such a key).
#
#   bench/anchors.sh               # from anywhere inside the repository
#   SIZES="200" bench/anchors.sh   # fewer sizes (default "200 1000")
#   RUNS=3 bench/anchors.sh        # runs per median (default 3)
#
# * retort: `retort diff --from sqlite:DB --to file://SCHEMA.sql`.
# * Alembic (Debian's python3-alembic, installed with apt-get when missing
#   and running as root): bench/anchors/alembic_diff.py, autogenerate's
#   compare_metadata of the database against SCHEMA.sql loaded into an
#   in-memory SQLite database and reflected (standing in for the models).
# * Atlas: bench/anchors/atlasdiff, the ariga.io/atlas engine (Go module
#   proxy; a module of its own) doing what `atlas schema diff --from
#   sqlite://DB --to file://SCHEMA.sql --dev-url sqlite://dev?mode=memory`
#   does: inspect, load the script into a dev database, inspect, diff.
#
# Each figure is the median wall time of RUNS runs of the process (one
# untimed run first), interleaved tool by tool within each run so that a
# burst of background load hits all three; ratios are the other tool's
# time over retort's. A tool that fails is reported with its error, not
# with a time; one that fails in some runs, with the median of the others
# and the count of failures. Everything is built and written in a temporary directory
# that is removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/machine.sh
RUNS=${RUNS:-3}
read -r -a SIZES <<<"${SIZES:-200 1000}"
PY=/usr/bin/python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$PY" -c 'import alembic' 2>/dev/null; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "Alembic missing: installing Debian's python3-alembic" >&2
		apt-get update -qq >&2 && apt-get install -y -qq python3-alembic >&2
	else
		echo "Alembic missing and not root: sudo apt-get install -y python3-alembic" >&2
		exit 2
	fi
fi

echo "building retort, genschema and atlasdiff…" >&2
go build -o "$tmp/retort" ./cmd/retort
go build -o "$tmp/genschema" ./bench/cmd/genschema
(cd bench/anchors/atlasdiff && go build -o "$tmp/atlasdiff" .)

# timed CMD… runs CMD once and prints "SECONDS OUTPUT" (the output's first
# line), or "ERR MESSAGE" when it fails (the last line of its output: the
# error of a Go program, the exception of a Python traceback).
timed() {
	local start end out
	start=$EPOCHREALTIME
	if ! out=$("$@" 2>&1); then
		echo "ERR $(grep -v '^[[:space:]]*$' <<<"$out" | tail -1)"
		return
	fi
	end=$EPOCHREALTIME
	echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }') $(head -1 <<<"$out")"
}

median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo
echo "## diff of a database against its own schema script (wall clock, median of $RUNS runs)"
echo
machine_line
echo "versions: $("$tmp/retort" --version 2>/dev/null || echo retort), Alembic $("$PY" -c 'import alembic; print(alembic.__version__)') (SQLAlchemy $("$PY" -c 'import sqlalchemy; print(sqlalchemy.__version__)')), ariga.io/atlas $(awk '$1 == "ariga.io/atlas" { print $2 }' bench/anchors/atlasdiff/go.mod)"
echo
# row LABEL DB SQL times the three tools on DB against SQL and prints a
# table row.
row() {
	local label=$1 db=$2 sql=$3 i r a t rs
	local retort=("$tmp/retort" diff --from "sqlite:$db" --to "file://$sql")
	local alembic=("$PY" bench/anchors/alembic_diff.py "$db" "$sql")
	local atlas=("$tmp/atlasdiff" "$db" "$sql")
	: >"$tmp/r" && : >"$tmp/a" && : >"$tmp/t"
	for ((i = 0; i <= RUNS; i++)); do # run 0 is the untimed warm-up
		r=$(timed "${retort[@]}") a=$(timed "${alembic[@]}") t=$(timed "${atlas[@]}")
		((i == 0)) && continue
		echo "$r" >>"$tmp/r" && echo "$a" >>"$tmp/a" && echo "$t" >>"$tmp/t"
	done
	# retort's output must be empty (in sync), the others' change count 0.
	if grep -q '^ERR' "$tmp/r" || awk 'NF > 1 { bad = 1 } END { exit !bad }' "$tmp/r"; then
		echo "retort failed or printed a spurious diff: $(head -1 "$tmp/r")" >&2
		exit 1
	fi
	rs=$(cut -d' ' -f1 "$tmp/r" | median)
	printf "| %s | %.3f | %s | %s |\n" "$label" "$rs" "$(cell "$tmp/a" "$rs")" "$(cell "$tmp/t" "$rs")"
}

# cell FILE RETORT_SECONDS prints "seconds | ratio" over the runs that
# succeeded, saying how many failed and why; or the failure when all did.
cell() {
	local s ok failed
	ok=$(grep -vc '^ERR' "$1" || true)
	failed=$(grep -c '^ERR' "$1" || true)
	if ((ok == 0)); then
		echo "fails: $(grep -m1 '^ERR' "$1" | cut -d' ' -f2- | cut -c1-150) | –"
	elif grep -v '^ERR' "$1" | awk '$2 != 0 { exit 1 }'; then
		s=$(grep -v '^ERR' "$1" | cut -d' ' -f1 | median)
		local note=""
		((failed > 0)) && note=" ($failed of $((ok + failed)) runs failed: $(grep -m1 '^ERR' "$1" | cut -d' ' -f2- | cut -c1-80))"
		echo "$(printf '%.3f' "$s")$note | $(awk -v a="$s" -v b="$2" 'BEGIN { printf "%.1f×", a / b }')"
	else
		echo "spurious diff ($(grep -v '^ERR' "$1" | awk '$2 != 0 { print $2; exit }') changes) | –"
	fi
}

echo "| tables | retort (s) | Alembic (s) | × retort | Atlas engine (s) | × retort |"
echo "|:-------|-----------:|------------:|---------:|-----------------:|---------:|"
for n in "${SIZES[@]}"; do
	"$tmp/genschema" -tables "$n" -sql "$tmp/s$n.sql" -db "$tmp/s$n.db"
	row "$n" "$tmp/s$n.db" "$tmp/s$n.sql"
	# The same schema with every REFERENCES naming the parent's column
	# (without one SQLite takes the parent's primary key; the Atlas engine
	# cannot read such a key): a variant all three tools read.
	sed -E 's/REFERENCES (t[0-9]+) ON/REFERENCES \1 (id) ON/' "$tmp/s$n.sql" >"$tmp/e$n.sql"
	"$PY" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' "$tmp/e$n.db" "$tmp/e$n.sql"
	row "$n, parent columns named" "$tmp/e$n.db" "$tmp/e$n.sql"
done
