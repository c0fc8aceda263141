#!/usr/bin/env bash
# Issue 17 (streaming): `relq query --format ndjson` on the seeds' school query, as a whole
# process, beside its floor, on SQLite, PostgreSQL and MariaDB at scales 1, 10 and 100.
#
#   bash benches/stream/run.sh [LABEL]        LABEL names the results (default: the commit)
#
# What it does, from the worktree it lives in:
#   1. builds `relq` (relq-cli) and the examples floor_json, fetch_school and load_school
#      (relq-benches), release, into $CARGO_TARGET_DIR (default: target/);
#   2. creates the school sample at each scale: a SQLite file from `relq demo --scale N`
#      (blog.db and person.db removed), then `ANALYZE`; the same rows (seed 42) into a
#      PostgreSQL schema and a MariaDB database `relq_stream_sN` (load_school, which keeps
#      a namespace already holding them); the servers are scripts/servers.sh's, started
#      when RELQ_POSTGRES_URL / RELQ_MYSQL_URL are not set;
#   3. per database, scale and strategy (joined, split, auto, json), measures whole
#      processes: wall time, CPU time (user + system) and peak RSS (`/usr/bin/time -f
#      '%M %U %S'`), each the median of the runs, after one untimed run; the ways take
#      turns, run by run, so relq and its floor meet the same load; of
#        relq:   relq query --db URL --format ndjson --model schoolclasses
#                  --select-related teachers__category,students__category --strategy S
#        floor:  relq's own statements for S (`relq compile --compact --format json`; the
#                query has no parameters) written as JSON: on SQLite the sqlite3 shell
#                (`sqlite3 -json -readonly FILE ".read SQL"`), everywhere the bare driver
#                (floor_json: each row a JSON array line into a BufWriter on stdout);
#                where the shell's SQLite cannot run the SQL (json's aggregate ORDER BY
#                needs SQLite 3.44), the bare driver (rusqlite's bundled SQLite) is the
#                floor, marked † in the table;
#      every output goes to /dev/null; and the library's records path in process
#      (fetch_school: the median of the runs' `Database::fetch` alone, and the process's
#      peak RSS);
#   4. prints a markdown table, and keeps the raw figures in $STREAM_BENCH_DIR/LABEL.tsv
#      (the 1-minute load average before each step in LABEL.load: the machine is shared).
#
# A run before the measurements checks relq's output: its roots are counted and its
# records hashed (`jq -S -c`: keys sorted), a warning when a strategy's differ.
#
# Settings (environment): STREAM_BENCH_DIR (data, SQL and results; default
# /tmp/relq-stream-bench), SCALES ("1 10 100"), DATABASES ("sqlite postgres mariadb"),
# STRATEGIES ("joined split auto json"), RUNS (11, for scales below 100), RUNS_LARGE (5,
# for scale 100 and up), SKIP_BUILD=1 (use what $CARGO_TARGET_DIR holds).
# Needs: cargo, jq, sqlite3, /usr/bin/time (GNU), sha256sum.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
DIR="${STREAM_BENCH_DIR:-/tmp/relq-stream-bench}"
SCALES="${SCALES:-1 10 100}"
DATABASES="${DATABASES:-sqlite postgres mariadb}"
STRATEGIES="${STRATEGIES:-joined split auto json}"
RUNS="${RUNS:-11}"
RUNS_LARGE="${RUNS_LARGE:-5}"
LABEL="${1:-$(git rev-parse --short HEAD)}"
BIN="$TARGET/release"
RELQ="$BIN/relq"
QUERY=(--model schoolclasses --select-related teachers__category,students__category)

say() { echo "stream-bench: $*" >&2; }

for tool in jq sqlite3 /usr/bin/time sha256sum; do
    command -v "$tool" >/dev/null || { say "error: $tool is missing"; exit 1; }
done

if [ "${SKIP_BUILD:-}" != 1 ]; then
    say "building relq and the examples into $TARGET"
    cargo build --release --quiet -p relq-cli
    cargo build --release --quiet -p relq-benches \
        --example floor_json --example fetch_school --example load_school
fi

servers=false
for db in $DATABASES; do
    case $db in postgres | mariadb) servers=true ;; esac
done
if $servers && { [ -z "${RELQ_POSTGRES_URL:-}" ] || [ -z "${RELQ_MYSQL_URL:-}" ]; }; then
    bash scripts/servers.sh start
    eval "$(bash scripts/servers.sh env)"
fi

mkdir -p "$DIR/sql"
RESULTS="$DIR/$LABEL.tsv"
: >"$RESULTS"
: >"$DIR/$LABEL.load"

# The URL of the school sample at scale $2 on database $1, loading it when needed.
url_of() {
    local db=$1 scale=$2
    case $db in
    sqlite)
        local dir="$DIR/sqlite-s$scale"
        if [ ! -f "$dir/complete" ]; then
            say "relq demo --scale $scale"
            "$RELQ" demo --scale "$scale" --dir "$dir" >/dev/null
            rm -f "$dir/blog.db" "$dir/person.db"
            sqlite3 "$dir/school.db" "ANALYZE"
            touch "$dir/complete"
        fi
        echo "sqlite:$dir/school.db"
        ;;
    postgres) "$BIN/examples/load_school" "$RELQ_POSTGRES_URL" "$scale" "relq_stream_s$scale" ;;
    mariadb) "$BIN/examples/load_school" "$RELQ_MYSQL_URL" "$scale" "relq_stream_s$scale" ;;
    esac
}

# The commands of one step, by way: relq, driver (floor_json), sqlite3 (the shell).
declare -a way_relq way_driver way_sqlite3

# measure RUNS WAY...: one untimed run of each way, then RUNS rounds running each way
# once in turn (so every way meets the same load), output to /dev/null; prints per way
# "WAY MEDIAN_MS MEDIAN_RSS_KIB MEDIAN_CPU_MS" (CPU: user + system of the process).
measure() {
    local runs=$1 way start end line
    shift
    local file
    file=$(mktemp)
    for way in "$@"; do
        local -n cmd="way_$way"
        if ! "${cmd[@]}" >/dev/null 2>"$file"; then
            say "error: ${cmd[*]} failed: $(head -c 2000 "$file")"
            exit 1
        fi
    done
    declare -A times rss cpu
    for _ in $(seq "$runs"); do
        for way in "$@"; do
            local -n cmd="way_$way"
            start=$(date +%s%N)
            /usr/bin/time -f '%M %U %S' -o "$file" "${cmd[@]}" >/dev/null 2>&1
            end=$(date +%s%N)
            line=$(tail -1 "$file")
            times[$way]+="$(((end - start) / 1000)) "
            rss[$way]+="${line%% *} "
            cpu[$way]+="$(awk '{ print ($2 + $3) * 1000 }' <<<"$line") "
        done
    done
    rm -f "$file"
    median() { tr ' ' '\n' | grep . | sort -n | sed -n "$(((runs + 1) / 2))p"; }
    for way in "$@"; do
        printf '%s %s %s %s\n' "$way" \
            "$(median <<<"${times[$way]}" | awk '{ printf "%.1f", $1 / 1000 }')" \
            "$(median <<<"${rss[$way]}")" "$(median <<<"${cpu[$way]}")"
    done
}

# record DB SCALE STRATEGY WAY MS RSS_KIB CPU_MS EXTRA
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$LABEL" "$@" >>"$RESULTS"; }

for scale in $SCALES; do
    runs=$RUNS
    [ "$scale" -ge 100 ] && runs=$RUNS_LARGE
    for db in $DATABASES; do
        url=$(url_of "$db" "$scale")
        reference=""
        for strategy in $STRATEGIES; do
            say "$db, scale $scale, $strategy ($runs runs), load average $(cut -d' ' -f1 /proc/loadavg)"
            cut -d' ' -f1 /proc/loadavg >>"$DIR/$LABEL.load"
            base="$DIR/sql/$LABEL-$db-s$scale-$strategy"
            "$RELQ" compile --db "$url" --compact --format json "${QUERY[@]}" \
                --strategy "$strategy" >"$base.json"
            if ! jq -e 'all(.statements[]; .params == [] and (has("keys") | not))' \
                "$base.json" >/dev/null; then
                say "error: a statement of $base.json takes parameters; the floors run none"
                exit 1
            fi
            jq -r '.statements[].sql' "$base.json" >"$base.sql"
            jq -r '.statements[].sql + ";"' "$base.json" >"$base.sqlite3.sql"
            statements=$(wc -l <"$base.sql")

            # The output, checked once: its roots, and its records (keys sorted) hashed,
            # which should be the same for every strategy.
            "$RELQ" query --db "$url" --format ndjson "${QUERY[@]}" --strategy "$strategy" \
                >"$DIR/output.ndjson"
            roots=$(wc -l <"$DIR/output.ndjson")
            sha=$(jq -S -c . <"$DIR/output.ndjson" | sha256sum | cut -c1-16)
            rm -f "$DIR/output.ndjson"
            reference=${reference:-$sha}
            if [ "$sha" != "$reference" ]; then
                say "warning: $strategy's records differ from ${STRATEGIES%% *}'s ($sha, $reference)"
            fi
            rows=$("$BIN/examples/floor_json" "$url" "$base.sql" 2>&1 >/dev/null | awk '{ print $2 }')

            way_relq=("$RELQ" query --db "$url" --format ndjson "${QUERY[@]}" --strategy "$strategy")
            way_driver=("$BIN/examples/floor_json" "$url" "$base.sql")
            way_sqlite3=(sqlite3 -json -readonly "${url#sqlite:}" ".read $base.sqlite3.sql")
            ways=(relq driver)
            if [ "$db" = sqlite ]; then
                if "${way_sqlite3[@]}" 2>"$base.err" >/dev/null; then
                    ways+=(sqlite3)
                else
                    record "$db" "$scale" "$strategy" sqlite3 - - - \
                        "unsupported: $(head -1 "$base.err")"
                fi
            fi
            # A failed way ends the script (inherit_errexit), not just a subshell.
            measured=$(measure "$runs" "${ways[@]}")
            while read -r way ms kib cpu; do
                case $way in
                relq) extra="roots=$roots records_sha=$sha" ;;
                *) extra="rows=$rows statements=$statements" ;;
                esac
                record "$db" "$scale" "$strategy" "$way" "$ms" "$kib" "$cpu" "$extra"
            done <<<"$measured"
            fetched=$(/usr/bin/time -f '%M %U %S' -o "$base.rss" \
                "$BIN/examples/fetch_school" "$url" "$strategy" "$runs")
            record "$db" "$scale" "$strategy" fetch "$(awk '{ print $6 }' <<<"$fetched")" \
                "$(tail -1 "$base.rss" | cut -d' ' -f1)" - \
                "$(awk '{ print "records=" $4 }' <<<"$fetched")"
        done
    done
done

# The table: per database, scale and strategy, relq beside its floor (the sqlite3 shell on
# SQLite, the bare driver on the servers) in wall time, CPU time and peak RSS; relq's RSS
# above the floor's, and beside its own at the smallest scale; the library's fetch.
awk -F'\t' '
    function mib(k) { return sprintf("%.1f", k / 1024) }
    { key = $2 SUBSEP $3 SUBSEP $4; ms[key, $5] = $6; kib[key, $5] = $7; cpu[key, $5] = $8
      extra[key, $5] = $9
      if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      if (!(($2 SUBSEP $4) in first)) first[$2, $4] = $3 }
    END {
      print "| db | scale | strategy | rows (statements) | relq ms | floor ms | relq ÷ floor | relq CPU ms | floor CPU ms | driver ms | relq MiB | floor MiB | relq − floor MiB | relq MiB ÷ smallest scale'"'"'s | fetch ms | fetch MiB |"
      print "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        floor = ((k, "sqlite3") in ms && ms[k, "sqlite3"] != "-") ? "sqlite3" : "driver"
        mark = ((k, "sqlite3") in ms && floor == "driver") ? " †" : ""
        rows = extra[k, "driver"]; sub(/rows=/, "", rows); sub(/ statements=/, " (", rows)
        base = p[1] SUBSEP first[p[1], p[3]] SUBSEP p[3]
        printf "| %s | %s | %s | %s) | %s | %s%s | %.2f× | %s | %s | %s | %s | %s | %.1f | %.2f× | %s | %s |\n",
          p[1], p[2], p[3], rows, ms[k, "relq"], ms[k, floor], mark, ms[k, "relq"] / ms[k, floor],
          cpu[k, "relq"], cpu[k, floor], ms[k, "driver"], mib(kib[k, "relq"]), mib(kib[k, floor]),
          (kib[k, "relq"] - kib[k, floor]) / 1024, kib[k, "relq"] / kib[base, "relq"],
          ms[k, "fetch"], mib(kib[k, "fetch"])
      }
    }' "$RESULTS"
say "raw figures: $RESULTS; 1-minute load average at each step: $(sort -n "$DIR/$LABEL.load" |
    sed -n '1p;$p' | paste -sd' ' | sed 's/ / to /')"
