#!/usr/bin/env bash
# relq's load-strategy benchmarks (benches/benches/strategies.rs) against SQLite and the
# servers scripts/test.sh uses: starts PostgreSQL and MariaDB (scripts/servers.sh) and
# stops them on any exit; servers already running are used as they are and left running.
# Then the peak heap of each (benches/benches/strategies_memory.rs, dhat; one line per
# measurement). Arguments go to criterion, e.g.
#   bash scripts/bench.sh --warm-up-time 1 --measurement-time 3
#   bash scripts/bench.sh 'strategies/sqlite/'
set -euo pipefail
cd "$(dirname "$0")/.."

if bash scripts/servers.sh status; then
    echo "servers: already running; using them and leaving them running"
else
    # Started here, so stopped on any exit (a failed start included).
    trap 'bash scripts/servers.sh stop || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    bash scripts/servers.sh start
fi
eval "$(bash scripts/servers.sh env)"
cargo bench --locked -p relq-benches --bench strategies -- "$@"
cargo bench --locked -p relq-benches --bench strategies_memory
