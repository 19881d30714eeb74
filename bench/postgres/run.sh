#!/usr/bin/env bash
# bench/postgres/run.sh: retort's PostgreSQL figures, each as a ratio against
# a baseline measured in the same run.
#
#   bench/postgres/run.sh                     # from anywhere in the repository
#   ROWS=500000 bench/postgres/run.sh         # smaller lock test (default 2000000)
#   TABLES=200 bench/postgres/run.sh          # smaller inspector test (default 1000)
#   RUNS=9 bench/postgres/run.sh              # more wall-clock runs per median (default 5)
#
# The server is RETORT_TEST_POSTGRES_URL (default: the local trust server,
# postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); the user must
# be allowed to create databases. Every database made here is dropped again.
#
# 1. Lock test (BenchmarkFKStall): a child table of ROWS rows whose foreign
#    key is recreated (ON DELETE NO ACTION <-> CASCADE) while one writer
#    inserts into the child and another into the parent; retort's plan
#    (orphan check, DROP + ADD ... NOT VALID, commit, VALIDATE) against the
#    plain validated DROP CONSTRAINT; ADD CONSTRAINT, alternately in the same
#    run. Reported: the longest insert stall of each (median over runs).
#    Target: retort < 100 ms and >= 10x shorter.
# 2. Inspector (BenchmarkInspectDiff): TABLES generated tables with 2 foreign
#    keys each; connect + Inspect + diff against an equal schema, versus
#    pg_dump --schema-only, alternately. Target: ratio <= 1.5; queries constant.
# 3. Wall clock of the built binary as a user runs it, median of RUNS:
#    `retort diff --from URL --to URL` (two inspections and a diff) and
#    `retort inspect --json`, against `pg_dump --schema-only`.
set -euo pipefail

cd "$(dirname "$0")/../.."
source bench/machine.sh
RUNS=${RUNS:-5}
ROWS=${ROWS:-2000000}
TABLES=${TABLES:-1000}
export RETORT_TEST_POSTGRES_URL=${RETORT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}

for tool in psql pg_dump; do
	command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: postgresql-client)" >&2; exit 2; }
done

tmp=$(mktemp -d)
db="retort_bench_$$"
url=$(python3 - "$RETORT_TEST_POSTGRES_URL" "$db" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
PY
)
cleanup() {
	psql "$RETORT_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
	psql "$RETORT_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS \"${db}_load\" WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "server: $(psql "$RETORT_TEST_POSTGRES_URL" -Atc 'SHOW server_version'), $(nproc) CPUs, $(pg_dump --version)"
machine_line
echo "building retort and genschema…" >&2
go build -o "$tmp/retort" ./cmd/retort
go build -o "$tmp/genschema" ./bench/postgres/cmd/genschema

echo
echo "## go test -run '^\$' -bench . -benchtime 5x ./bench/postgres/ -rows $ROWS -tables $TABLES"
echo
go test -run '^$' -bench . -benchtime 5x ./bench/postgres/ -rows "$ROWS" -tables "$TABLES" | tee "$tmp/bench.txt"

wall() {
	local start end
	start=$EPOCHREALTIME
	"$@" >/dev/null
	end=$EPOCHREALTIME
	echo "$start $end" | awk '{ printf "%.6f\n", $2 - $1 }'
}
median_of() {
	"$@" >/dev/null
	local i
	for ((i = 0; i < RUNS; i++)); do
		wall "$@"
	done | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo
echo "## wall clock, $TABLES tables, median of $RUNS runs"
echo
psql "$RETORT_TEST_POSTGRES_URL" -qc "CREATE DATABASE \"$db\"" >/dev/null
"$tmp/genschema" -tables "$TABLES" >"$tmp/schema.sql"
psql "$url" -q -v ON_ERROR_STOP=1 -1 -f "$tmp/schema.sql" >/dev/null
psql "$url" -qc ANALYZE >/dev/null
out=$("$tmp/retort" diff --from "$url" --to "$url")
[[ -z $out ]] || { echo "SPURIOUS DIFF:"; echo "$out" | head; exit 1; }
d=$(median_of "$tmp/retort" diff --from "$url" --to "$url")
i=$(median_of "$tmp/retort" inspect --json --url "$url")
p=$(median_of pg_dump --schema-only --dbname "$url")
echo "| command | seconds | ratio to pg_dump |"
echo "|:--|--:|--:|"
printf "| pg_dump --schema-only | %.3f | 1.00 |\n" "$p"
printf "| retort inspect --json | %.3f | %.2f |\n" "$i" "$(awk -v a="$i" -v b="$p" 'BEGIN { print a / b }')"
printf "| retort diff --from URL --to URL (2 inspections) | %.3f | %.2f |\n" "$d" "$(awk -v a="$d" -v b="$p" 'BEGIN { print a / b }')"

# A file:// source is loaded into a scratch database first (the database is
# the parser): its floor is psql running the same script into an empty
# database. One run each; these take seconds.
url_load=$(python3 - "$url" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path=p.path + "_load")))
PY
)
f=$(wall "$tmp/retort" diff --from "$url" --to "file://$tmp/schema.sql")
start=$EPOCHREALTIME
psql "$RETORT_TEST_POSTGRES_URL" -qc "CREATE DATABASE \"${db}_load\"" >/dev/null
psql "$url_load" -q -v ON_ERROR_STOP=1 -f "$tmp/schema.sql" >/dev/null
end=$EPOCHREALTIME
psql "$RETORT_TEST_POSTGRES_URL" -qc "DROP DATABASE \"${db}_load\" WITH (FORCE)" >/dev/null
l=$(echo "$start $end" | awk '{ printf "%.6f\n", $2 - $1 }')
printf "| retort diff --from URL --to file://schema.sql (1 run) | %.3f | %.2f (%.2f× psql -f into a new database, %.3f s) |\n" \
	"$f" "$(awk -v a="$f" -v b="$p" 'BEGIN { print a / b }')" "$(awk -v a="$f" -v b="$l" 'BEGIN { print a / b }')" "$l"
