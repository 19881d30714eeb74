#!/usr/bin/env bash
# bench/mysql/run.sh: retort's MySQL/MariaDB inspector figures, each as a
# ratio against mysqldump measured in the same run.
#
#   bench/mysql/run.sh                   # from anywhere in the repository
#   TABLES=200 bench/mysql/run.sh        # smaller schema (default 1000 tables, 2000 foreign keys)
#   RUNS=9 bench/mysql/run.sh            # more wall-clock runs per median (default 5)
#   ONLINE_ROWS=200000 bench/mysql/run.sh  # smaller online DDL table (default 2000000)
#
# The server is RETORT_TEST_MYSQL_URL (default: the local server,
# mysql://root@127.0.0.1:3306/test); the user must be allowed to create
# databases. Every database made here is dropped again.
#
# 1. Inspector (BenchmarkInspectDiff): TABLES generated tables with 2
#    foreign keys each (and TABLES/10); connect + Inspect + diff + Plan
#    against an equal schema (must be empty), versus mysqldump --no-data,
#    alternately. Reported: the ratio, and the number of queries one Inspect
#    sends (the same for both sizes: no per-table queries).
# 2. Wall clock of the built binary as a user runs it, median of RUNS:
#    `retort diff --from URL --to URL` (two inspections and a diff) and
#    `retort inspect --json`, against `mysqldump --no-data`; and, once,
#    `retort diff --from URL --to file://schema.sql`, whose floor is the
#    mysql client loading the same script into a new database.
set -euo pipefail

cd "$(dirname "$0")/../.."
source bench/machine.sh
RUNS=${RUNS:-5}
TABLES=${TABLES:-1000}
ONLINE_ROWS=${ONLINE_ROWS:-2000000}
export RETORT_TEST_MYSQL_URL=${RETORT_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}

for tool in mysql mysqldump python3; do
	command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: mariadb-client)" >&2; exit 2; }
done

# Client arguments for the server of the URL.
read -r -a client < <(python3 - "$RETORT_TEST_MYSQL_URL" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
args = ["-h", p.hostname or "127.0.0.1", "-P", str(p.port or 3306), "-u", u.unquote(p.username or "root")]
if p.password:
    args.append("-p" + u.unquote(p.password))
print(" ".join(args))
PY
)
tmp=$(mktemp -d)
db="retort_bench_$$"
url=$(python3 - "$RETORT_TEST_MYSQL_URL" "$db" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
PY
)
cleanup() {
	mysql "${client[@]}" -e "DROP DATABASE IF EXISTS \`$db\`; DROP DATABASE IF EXISTS \`${db}_load\`" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "server: $(mysql "${client[@]}" -N -e 'SELECT VERSION()'), $(nproc) CPUs, $(mysqldump --version)"
machine_line
echo "building retort and genschema…" >&2
go build -o "$tmp/retort" ./cmd/retort
go build -o "$tmp/genschema" ./bench/mysql/cmd/genschema

echo
echo "## go test -run '^\$' -bench . -skip Online -benchtime 5x ./bench/mysql/ -tables $TABLES"
echo
go test -run '^$' -bench . -skip Online -benchtime 5x ./bench/mysql/ -tables "$TABLES" | tee "$tmp/bench.txt"

# Online DDL (BenchmarkOnlineIndexAdd, BenchmarkOnlineForeignKeyAdd): a
# writer's longest stall while an index or a foreign key is added to a
# table of ONLINE_ROWS rows, retort's plan against the plain ALTER, once
# each (a table copy of 2,000,000 rows takes minutes on 2 cores).
echo
echo "## go test -run '^\$' -bench Online -benchtime 1x -timeout 60m ./bench/mysql/ -onlinerows $ONLINE_ROWS"
echo
go test -run '^$' -bench Online -benchtime 1x -timeout 60m ./bench/mysql/ -onlinerows "$ONLINE_ROWS" | tee -a "$tmp/bench.txt"

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
"$tmp/genschema" -tables "$TABLES" >"$tmp/schema.sql"
mysql "${client[@]}" -e "CREATE DATABASE \`$db\`"
mysql "${client[@]}" "$db" <"$tmp/schema.sql"
out=$("$tmp/retort" diff --from "$url" --to "$url")
[[ -z $out ]] || { echo "SPURIOUS DIFF:"; echo "$out" | head; exit 1; }
d=$(median_of "$tmp/retort" diff --from "$url" --to "$url")
i=$(median_of "$tmp/retort" inspect --json --url "$url")
p=$(median_of mysqldump "${client[@]}" --no-data --skip-lock-tables "$db")
echo "| command | seconds | ratio to mysqldump |"
echo "|:--|--:|--:|"
printf "| mysqldump --no-data | %.3f | 1.00 |\n" "$p"
printf "| retort inspect --json | %.3f | %.2f |\n" "$i" "$(awk -v a="$i" -v b="$p" 'BEGIN { print a / b }')"
printf "| retort diff --from URL --to URL (2 inspections) | %.3f | %.2f |\n" "$d" "$(awk -v a="$d" -v b="$p" 'BEGIN { print a / b }')"

# A file:// source is loaded into a scratch database first (the database is
# the parser): its floor is the mysql client running the same script into a
# new database. One run each; these take seconds.
out=$("$tmp/retort" diff --from "$url" --to "file://$tmp/schema.sql")
[[ -z $out ]] || { echo "SPURIOUS DIFF against the file:"; echo "$out" | head; exit 1; }
f=$(wall "$tmp/retort" diff --from "$url" --to "file://$tmp/schema.sql")
start=$EPOCHREALTIME
mysql "${client[@]}" -e "CREATE DATABASE \`${db}_load\`"
mysql "${client[@]}" "${db}_load" <"$tmp/schema.sql"
end=$EPOCHREALTIME
mysql "${client[@]}" -e "DROP DATABASE \`${db}_load\`"
l=$(echo "$start $end" | awk '{ printf "%.6f\n", $2 - $1 }')
printf "| retort diff --from URL --to file://schema.sql (1 run) | %.3f | %.2f (%.2f× mysql < schema.sql into a new database, %.3f s) |\n" \
	"$f" "$(awk -v a="$f" -v b="$p" 'BEGIN { print a / b }')" "$(awk -v a="$f" -v b="$l" 'BEGIN { print a / b }')" "$l"
