#!/usr/bin/env bash
# The before/after tables of issue 17 from two result files of benches/stream/run.sh:
#
#   bash benches/stream/compare.sh BEFORE.tsv AFTER.tsv
#
# Prints two markdown tables. `relq query`: per database, scale and strategy, relq's wall
# time before and after beside the floor's (the after run's: the sqlite3 shell on SQLite,
# † where it cannot run the SQL and the bare driver stands in; the bare driver on the
# servers), CPU time, and peak RSS with its ratio to the same strategy's at the smallest
# scale and its excess over the floor's. The library: `Database::fetch` (fetch_school) in
# both runs.
set -euo pipefail
[ $# = 2 ] || { echo "usage: compare.sh BEFORE.tsv AFTER.tsv" >&2; exit 2; }

awk -F'\t' '
    function mib(k) { return sprintf("%.1f", k / 1024) }
    FNR == 1 { run++ }
    { key = $2 SUBSEP $3 SUBSEP $4; ms[run, key, $5] = $6; kib[run, key, $5] = $7
      cpu[run, key, $5] = $8; extra[run, key, $5] = $9
      if (run == 2 && !(key in seen)) { seen[key] = 1; order[++n] = key }
      if (run == 2 && !(($2 SUBSEP $4) in first)) first[$2, $4] = $3 }
    END {
      print "| db | scale | strategy | rows (statements) | relq ms before | relq ms after | floor ms | after ÷ floor | CPU ms before / after / floor | relq MiB before | relq MiB after | after ÷ smallest scale | floor MiB | after − floor MiB |"
      print "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        floor = ((2, k, "sqlite3") in ms && ms[2, k, "sqlite3"] != "-") ? "sqlite3" : "driver"
        mark = ((2, k, "sqlite3") in ms && floor == "driver") ? " †" : ""
        rows = extra[2, k, "driver"]; sub(/rows=/, "", rows); sub(/ statements=/, " (", rows)
        base = p[1] SUBSEP first[p[1], p[3]] SUBSEP p[3]
        printf "| %s | %s | %s | %s) | %s | %s | %s%s | %.2f× | %s / %s / %s | %s | %s | %.2f× | %s | %.1f |\n",
          p[1], p[2], p[3], rows, ms[1, k, "relq"], ms[2, k, "relq"], ms[2, k, floor], mark,
          ms[2, k, "relq"] / ms[2, k, floor], cpu[1, k, "relq"], cpu[2, k, "relq"], cpu[2, k, floor],
          mib(kib[1, k, "relq"]), mib(kib[2, k, "relq"]), kib[2, k, "relq"] / kib[2, base, "relq"],
          mib(kib[2, k, floor]), (kib[2, k, "relq"] - kib[2, k, floor]) / 1024
      }
      print ""
      print "| db | scale | strategy | records | fetch ms before | fetch ms after | fetch process MiB before | after |"
      print "|---|--:|---|--:|--:|--:|--:|--:|"
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, SUBSEP)
        records = extra[2, k, "fetch"]; sub(/records=/, "", records)
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], p[3], records,
          ms[1, k, "fetch"], ms[2, k, "fetch"], mib(kib[1, k, "fetch"]), mib(kib[2, k, "fetch"])
      }
    }' "$1" "$2"
