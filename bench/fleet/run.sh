#!/usr/bin/env bash
# bench/fleet/run.sh: a fleet rollout against a shell loop of single
# `retort upgrade` runs, on the same databases, in the same run.
#
#   bench/fleet/run.sh                        # from anywhere in the repository
#   N_SQLITE=200 N_PG=50 N_MYSQL=10 bench/fleet/run.sh   # smaller fleets
#   PARALLEL=4 bench/fleet/run.sh             # the fleet's --parallel (default 8)
#   ENGINES="postgres mysql" bench/fleet/run.sh  # some engines only
#
# For each engine, two equal sets of empty tenants are made: SQLite files,
# PostgreSQL schemas of one database, MySQL/MariaDB databases. Every tenant
# receives the same two migrations. One set is migrated by one fleet command
# (`retort upgrade --targets 'sqlite:dir/*.db'`, `--schema-pattern`,
# `--database-pattern`), the other by a loop running `retort upgrade --url
# TENANT` once per tenant. Both runs are checked afterwards: every tenant at
# head. Reported: both wall times, their ratio (target >= 5), the wall time
# per tenant, and the fleet's per-tenant overhead: a tenant's time in the
# fleet (open, read the version table, lock, migrate) minus the time its
# two migrations took, averaged (from the fleet's --json report).
#
# PostgreSQL runs when RETORT_TEST_POSTGRES_URL is set, MySQL when
# RETORT_TEST_MYSQL_URL is; their databases are named ${PREFIX}_… (default
# PREFIX retort_fleetbench) and dropped on exit.
set -euo pipefail

cd "$(dirname "$0")/../.."
N_SQLITE=${N_SQLITE:-1000}
N_PG=${N_PG:-200}
N_MYSQL=${N_MYSQL:-50}
PARALLEL=${PARALLEL:-8}
ENGINES=" ${ENGINES:-sqlite postgres mysql} "
PREFIX=${PREFIX:-retort_fleetbench}_$$

command -v jq >/dev/null || { echo "jq is needed (Debian: jq)" >&2; exit 2; }
tmp=$(mktemp -d)
cleanup() {
	if [[ -n ${PG_ADMIN:-} ]]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS \"${PREFIX}\" WITH (FORCE)" >/dev/null 2>&1 || true; fi
	if [[ -n ${MY_ARGS:-} ]]; then
		for d in $(mysql "${MY_ARGS[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX}\\_%'" 2>/dev/null); do
			mysql "${MY_ARGS[@]}" -e "DROP DATABASE \`$d\`" || true
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building retort…" >&2
go build -o "$tmp/retort" ./cmd/retort
R=$tmp/retort
mkdir "$tmp/migrations"
cat >"$tmp/migrations/20260101000000_notes.sql" <<'SQL'
-- migrate:up
CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(200) NOT NULL);
-- migrate:down
DROP TABLE notes;
SQL
cat >"$tmp/migrations/20260102000000_tags.sql" <<'SQL'
-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER, name VARCHAR(50) NOT NULL,
  CONSTRAINT tags_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id));
CREATE INDEX tags_name_idx ON tags (name);
-- migrate:down
DROP TABLE tags;
SQL
export RETORT_DATABASE_URL= DATABASE_URL=

# now prints $EPOCHREALTIME; secs A B prints B-A in seconds.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# report ENGINE N FLEET_JSON FLEET_S LOOP_S
rows=()
report() {
	local overhead
	overhead=$(jq '[.results[] | .duration_ms - ([.migrations[]?.duration_ms] | add // 0)] | add / length' "$3")
	rows+=("$(awk -v e="$1" -v n="$2" -v f="$4" -v l="$5" -v o="$overhead" 'BEGIN {
		printf "| %s | %d | %.2f | %.2f | **%.1fx** | %.1f | %.1f | %.1f |", e, n, f, l, l / f, f * 1000 / n, l * 1000 / n, o }')")
}

# check_head JSON N: every tenant of the fleet report at head.
check_head() {
	local ok
	ok=$(jq '[.results[] | select(.to == ["20260102000000"])] | length' "$1")
	[[ $ok == "$2" ]] || { echo "only $ok of $2 tenants at head" >&2; exit 1; }
}

fleet() { # JSON_OUT ARGS… : one fleet upgrade, timed; prints the seconds
	local out=$1 s e; shift
	s=$EPOCHREALTIME
	"$R" upgrade --dir "$tmp/migrations" --parallel "$PARALLEL" --json "$@" >"$out" 2>"$tmp/fleet.err" || { cat "$tmp/fleet.err" >&2; exit 1; }
	e=$EPOCHREALTIME
	secs "$s" "$e"
}

loop() { # URL… : one retort upgrade per URL, timed; prints the seconds
	local s e u
	s=$EPOCHREALTIME
	for u in "$@"; do "$R" upgrade -q --dir "$tmp/migrations" --url "$u" >/dev/null || exit 1; done
	e=$EPOCHREALTIME
	secs "$s" "$e"
}

# compare ENGINE N TAG: migrates the fleet (FLEET_ARGS) and, by the loop,
# the tenants of loop_urls; checks that both sets are at head (the loop's
# read back with CHECK_ARGS); adds the row.
compare() {
	local f l
	f=$(fleet "$tmp/$3.json" "${FLEET_ARGS[@]}")
	l=$(loop "${loop_urls[@]}")
	check_head "$tmp/$3.json" "$2"
	"$R" current --dir "$tmp/migrations" "${CHECK_ARGS[@]}" --json >"$tmp/$3-loop.json" 2>/dev/null
	check_head "$tmp/$3-loop.json" "$2"
	report "$1" "$2" "$tmp/$3.json" "$f" "$l"
}

# SQLite: one file per tenant.
if [[ $ENGINES == *" sqlite "* ]]; then
	echo "SQLite: $N_SQLITE + $N_SQLITE files…" >&2
	mkdir -p "$tmp/sqlite/fleet" "$tmp/sqlite/loop"
	loop_urls=()
	for i in $(seq -f %05g 1 "$N_SQLITE"); do
		: >"$tmp/sqlite/fleet/t$i.db"
		: >"$tmp/sqlite/loop/t$i.db"
		loop_urls+=("sqlite:$tmp/sqlite/loop/t$i.db")
	done
	FLEET_ARGS=(--targets "sqlite:$tmp/sqlite/fleet/*.db")
	CHECK_ARGS=(--targets "sqlite:$tmp/sqlite/loop/*.db")
	compare SQLite "$N_SQLITE" sqlite
fi

if [[ -n ${RETORT_TEST_POSTGRES_URL:-} && $ENGINES == *" postgres "* ]]; then
	echo "PostgreSQL: $N_PG + $N_PG schemas…" >&2
	PG_ADMIN=$RETORT_TEST_POSTGRES_URL
	base=${PG_ADMIN%%\?*}
	query=${PG_ADMIN#"$base"}
	db_url="${base%/*}/${PREFIX}${query:-?sslmode=disable}"
	psql -q "$PG_ADMIN" -c "CREATE DATABASE \"${PREFIX}\""
	for i in $(seq -f %04g 1 "$N_PG"); do echo "CREATE SCHEMA f_$i; CREATE SCHEMA l_$i;"; done | psql -q "$db_url"
	loop_urls=()
	for i in $(seq -f %04g 1 "$N_PG"); do loop_urls+=("$db_url&schema=l_$i"); done
	FLEET_ARGS=(--url "$db_url" --schema-pattern 'f\_%')
	CHECK_ARGS=(--url "$db_url" --schema-pattern 'l\_%')
	compare PostgreSQL "$N_PG" pg
fi

if [[ -n ${RETORT_TEST_MYSQL_URL:-} && $ENGINES == *" mysql "* ]]; then
	echo "MySQL: $N_MYSQL + $N_MYSQL databases…" >&2
	hostport=${RETORT_TEST_MYSQL_URL#*://}
	user=${hostport%%@*}
	hostport=${hostport#*@}
	hostport=${hostport%%/*}
	MY_ARGS=(-h "${hostport%%:*}" -P "${hostport##*:}" -u "${user%%:*}")
	[[ $user == *:* ]] && MY_ARGS+=("-p${user#*:}")
	my_base=${RETORT_TEST_MYSQL_URL%%\?*}
	my_base=${my_base%/*}
	for i in $(seq -f %04g 1 "$N_MYSQL"); do
		echo "CREATE DATABASE ${PREFIX}_f_$i; CREATE DATABASE ${PREFIX}_l_$i;"
	done | mysql "${MY_ARGS[@]}"
	loop_urls=()
	for i in $(seq -f %04g 1 "$N_MYSQL"); do loop_urls+=("$my_base/${PREFIX}_l_$i"); done
	FLEET_ARGS=(--url "$my_base/mysql" --database-pattern "${PREFIX//_/\\_}\\_f\\_%")
	CHECK_ARGS=(--url "$my_base/mysql" --database-pattern "${PREFIX//_/\\_}\\_l\\_%")
	compare MySQL "$N_MYSQL" my
fi

echo
echo "fleet: --parallel $PARALLEL; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| engine | tenants | fleet s | loop s | loop/fleet | fleet ms/tenant | loop ms/tenant | fleet overhead ms/tenant |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
