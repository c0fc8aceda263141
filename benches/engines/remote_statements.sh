#!/usr/bin/env bash
# How many statements the shards receive when relq reads the school through a sharded
# engine (issue 18): the seeds' query (classes with teachers and students, each with its
# category) with each strategy, unfiltered and with a filter, read with `relq query` through
#   - MariaDB Spider's head: the data nodes' own counters, SHOW GLOBAL STATUS `Com_select`
#     and `Questions` (every statement a client sent), summed over both nodes, before and
#     after the run;
#   - PostgreSQL's coordinator over postgres_fdw: the shards' own logs with
#     `log_statement = 'all'` for the run (postgres_fdw reads a foreign table through a
#     cursor: `DECLARE ... CURSOR FOR SELECT` once per scan, then `FETCH 100` until it is
#     exhausted), lines counted over both shards.
# Needs the engines: `scripts/clusters.sh start` (as root, or as the user that started them,
# for the shards' settings); reads RELQ_SPIDER_URL, RELQ_SPIDER_NODES, RELQ_FDW_URL and
# RELQ_FDW_SHARDS from `scripts/clusters.sh env`. Builds the CLI (release) unless RELQ_BIN
# names one. Prints one Markdown table per engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { echo "remote_statements: $*" >&2; }
# shellcheck source=scripts/common.sh
. scripts/common.sh
eval "$(bash scripts/clusters.sh env)"
RUN_DIR="${RELQ_ENGINES_DIR:-/tmp/relq-engines}"
if [ -z "${RELQ_BIN:-}" ]; then
    cargo build --release --quiet -p relq-cli
    RELQ_BIN="$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/relq"
fi
STRATEGIES=(joined split auto json)
same=()
PATHS=teachers__category,students__category
FILTER='teachers__category__name=Chess'

# relq_school URL STRATEGY [FILTER]: the query, its records' digest on stdout (the same
# query on the engine's plain copy gives the digest it must equal).
relq_school() {
    local args=(query --db "$1" --schema schemas/school.toml --model SchoolClass
        --select-related "$PATHS" --strategy "$2")
    [ -n "${3:-}" ] && args+=(--filter "$3")
    "$RELQ_BIN" "${args[@]}" | md5sum | cut -c1-8
}

# my_status URL VARIABLE: a global status counter of a MariaDB node.
my_status() {
    local rest=${1#mysql://} user pass hostport
    user=${rest%%:*}; rest=${rest#*:}; pass=${rest%%@*}; rest=${rest#*@}; hostport=${rest%%/*}
    mariadb --no-defaults -h"${hostport%:*}" -P"${hostport#*:}" -u"$user" -p"$pass" -N \
        -e "SHOW GLOBAL STATUS LIKE '$2'" | awk '{print $2}'
}
spider_sum() { local n s=0; for n in $RELQ_SPIDER_NODES; do s=$((s + $(my_status "$n" "$1"))); done; echo $s; }

shard_logs() { ls "$RUN_DIR"/postgres-shard*/server.log; }
# fdw_log all|none: the shards' log_statement, set by their superuser on their sockets.
fdw_log() {
    local dir port sql
    for dir in "$RUN_DIR"/postgres-shard*; do
        port=$(basename "$(ls "$dir"/.s.PGSQL.* | grep -v lock)" | cut -d. -f4)
        for sql in "ALTER SYSTEM SET log_statement = '$1'" "SELECT pg_reload_conf()"; do
            as_user postgres psql -X -q -t -h "$dir" -p "$port" -U postgres -d postgres \
                -c "$sql" >/dev/null
        done
    done
    sleep 0.3
}

echo "### MariaDB Spider (head ${RELQ_SPIDER_URL##*@}; data nodes: Com_select / Questions summed)"
echo
echo "| strategy | school: SELECTs | school: all statements | filtered: SELECTs | filtered: all statements | answers as on the plain tables |"
echo "|---|---|---|---|---|---|"
for s in "${STRATEGIES[@]}"; do
    row="| $s"
    for f in "" "$FILTER"; do
        c0=$(spider_sum Com_select); q0=$(spider_sum Questions)
        digest=$(relq_school "$RELQ_SPIDER_URL" "$s" "$f")
        c1=$(spider_sum Com_select); q1=$(spider_sum Questions)
        row+=" | $((c1 - c0)) | $((q1 - q0))"
        same+=("$([ "$digest" = "$(relq_school "$RELQ_SPIDER_PLAIN_URL" "$s" "$f")" ] && echo yes || echo NO)")
    done
    echo "$row | ${same[*]} |"; same=()
done
echo
echo "### PostgreSQL over postgres_fdw (coordinator ${RELQ_FDW_URL##*@}; shards' logs)"
echo
echo "| strategy | school: cursors | school: FETCHes | filtered: cursors | filtered: FETCHes | answers as on the plain tables |"
echo "|---|---|---|---|---|---|"
trap 'fdw_log none' EXIT
for s in "${STRATEGIES[@]}"; do
    row="| $s"
    for f in "" "$FILTER"; do
        declare -A before=()
        for l in $(shard_logs); do before[$l]=$(wc -l <"$l"); done
        fdw_log all
        digest=$(relq_school "$RELQ_FDW_URL" "$s" "$f")
        fdw_log none
        lines=$(for l in $(shard_logs); do tail -n +"$((before[$l] + 1))" "$l"; done)
        row+=" | $(grep -c 'DECLARE c[0-9]* CURSOR' <<<"$lines" || true) | $(grep -c 'FETCH [0-9]* FROM' <<<"$lines" || true)"
        same+=("$([ "$digest" = "$(relq_school "$RELQ_FDW_PLAIN_URL" "$s" "$f")" ] && echo yes || echo NO)")
    done
    echo "$row | ${same[*]} |"; same=()
done
