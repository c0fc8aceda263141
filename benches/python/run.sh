#!/usr/bin/env bash
# relq's Python package beside Django, SQLAlchemy and ormar, and beside the floor
# (Python's sqlite3 running relq's own statements), on the school and person samples at
# scale 10 (SQLite). Not in CI. Makes, when missing:
#   benches/python/.venv   a virtual environment (CPython >= 3.12: Django 6 needs it) with
#                          requirements.txt, and relq from bindings/python when it exists
#                          (reinstalled when bindings/python changes in git)
#   benches/python/data/   school.db and person.db from `relq demo --scale 10`
# then runs bench.py; its arguments pass through, e.g.
#   bash benches/python/run.sh --runs 7 --warmups 2
#   bash benches/python/run.sh --only floor,django
# PYTHON=/path/to/python3.13 picks the interpreter; CARGO_TARGET_DIR is honoured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$here/.venv
data=$here/data
target=${CARGO_TARGET_DIR:-$root/target}

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }

if [ ! -x "$venv/bin/python" ]; then
    python=${PYTHON:-}
    if [ -z "$python" ]; then
        for candidate in python3.13 python3.12 python3 \
            "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3 \
            "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3; do
            if command -v "$candidate" >/dev/null && new_enough "$candidate"; then
                python=$candidate
                break
            fi
        done
    fi
    if [ -z "$python" ] || ! new_enough "$python"; then
        echo "run.sh: no CPython >= 3.12 found (Django 6 needs it); set PYTHON" >&2
        exit 1
    fi
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
fi
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"

# relq's package, once it exists: installed again when its tree in git changes.
if [ -f "$root/bindings/python/pyproject.toml" ]; then
    stamp=$(git -C "$root" rev-parse HEAD:bindings/python 2>/dev/null || echo unknown)
    if [ ! -f "$venv/relq.stamp" ] || [ "$(cat "$venv/relq.stamp")" != "$stamp" ] \
        || [ "$stamp" = unknown ]; then
        CARGO_TARGET_DIR=$target "$venv/bin/pip" install --quiet --force-reinstall \
            "$root/bindings/python"
        echo "$stamp" > "$venv/relq.stamp"
    fi
fi

# The sample databases, made once by the CLI (seed 42, so the same files every time).
(cd "$root" && CARGO_TARGET_DIR=$target cargo build --quiet --release --locked -p relq-cli)
relq=$target/release/relq
if [ ! -f "$data/school.db" ] || [ ! -f "$data/person.db" ]; then
    mkdir -p "$data"
    "$relq" demo --scale 10 --dir "$data" > "$data/demo.txt"
fi

exec "$venv/bin/python" "$here/bench.py" --data "$data" --relq "$relq" "$@"
