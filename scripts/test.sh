#!/usr/bin/env bash
# relq's test command (the README's second command; .ci/run calls it).
# Checks formatting and lints, then runs every test of the workspace: unit tests,
# snapshot tests (never updated here), property tests with a bounded case count, the
# replay of the committed fuzz seeds, and the doc examples; then builds the Python
# package and runs its pytest suite. Starts PostgreSQL and
# MariaDB first (scripts/servers.sh), and the sharded and replicated engines
# (scripts/clusters.sh: MariaDB Spider, PostgreSQL over postgres_fdw, MariaDB Galera), and
# stops them on any exit; servers a developer started by hand are used as they are and
# left running.
set -euo pipefail
cd "$(dirname "$0")/.."

export INSTA_UPDATE=no          # snapshots are reviewed, never accepted by a test run
export PROPTEST_CASES="${PROPTEST_CASES:-256}"
export CARGO_TERM_COLOR=never

echo "== rustfmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tools"
say() { echo "test: $*" >&2; }
# shellcheck source=scripts/common.sh
. scripts/common.sh
# The CLI's progress test runs relq with stderr on a pseudo-terminal: util-linux's script(1)
# (Debian's essential bsdutils; installed here as root if a minimal image lacks it).
command -v script >/dev/null || apt_install bsdutils
# The Python suite's virtual environment: Debian's python3 makes one only with its
# python3-venv package (ensurepip); installed here as root if it is missing.
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
echo "== servers"
log=$(mktemp)
started_servers=no
started_clusters=no
cleanup() {
    rm -f "$log"
    if [ "$started_servers" = yes ]; then
        bash scripts/servers.sh stop || true
    fi
    if [ "$started_clusters" = yes ]; then
        bash scripts/clusters.sh stop || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if bash scripts/servers.sh status; then
    echo "servers: already running (started by hand); using them"
else
    started_servers=yes
    bash scripts/servers.sh start   # fails the run if a server does not start
fi
eval "$(bash scripts/servers.sh env)"
echo "== engines"
if bash scripts/clusters.sh status >/dev/null; then
    echo "clusters: already running (started by hand); using them"
else
    started_clusters=yes
    bash scripts/clusters.sh start   # fails the run if an engine does not start
fi
eval "$(bash scripts/clusters.sh env)"
echo "== tests"
status=0
cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
echo "== python"
# The Python package (bindings/python) built into a virtual environment of its own, with
# maturin, pytest and the drivers the embedding tests run relq's statements on (psycopg,
# PyMySQL, asyncpg) pinned from PyPI, then its pytest suite on the three databases
# against the `relq` binary the cargo tests built. A debug build, in the workspace's
# target directory: only pyo3 and the binding compile anew.
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
venv="$target_dir/python-venv"
pytest_status=0
{
    { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        maturin==1.16.0 pytest==9.2.0 "psycopg[binary]==3.3.9" pymysql==1.2.4 asyncpg==0.32.0 &&
    (cd bindings/python && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --locked --quiet) &&
    RELQ_BIN="$target_dir/debug/relq" "$venv/bin/python" -m pytest -p no:cacheprovider \
        bindings/python/tests -q
} 2>&1 | tee -a "$log" || pytest_status=$?
[ "$pytest_status" = 0 ] || status=$pytest_status
# One closing line for the whole run (cargo's own last line is a per-crate doctest count):
# cargo's test results plus pytest's.
awk '/^test result:/ { p += $4; f += $6 }
     /^[0-9]+ (passed|failed|errors?)(,| in )/ {
         for (i = 1; i < NF; i++) {
             if ($(i + 1) ~ /^passed/) p += $i
             if ($(i + 1) ~ /^(failed|errors?)/) f += $i
         }
     }
     END { print "summary: " p + 0 " passed, " f + 0 " failed" }' "$log"
exit "$status"
