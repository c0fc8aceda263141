#!/usr/bin/env bash
# Instruction count of one relq-benches example under callgrind, repeatable run to run:
#   bash scripts/callgrind.sh compile_once six_tables postgres 1000
#   bash scripts/callgrind.sh rebuild_once records
#   bash scripts/callgrind.sh fetch_once school joined 10 1
# Only the `*measured*` functions are counted. Two things would move the count between
# runs of one binary and are fixed here: Rust's HashMap and ahash seed themselves from
# getrandom() (so allocation order, and glibc malloc's work, vary), which a preloaded
# getrandom() returning fixed bytes removes; and the stack layout follows the command's
# path and working directory, so the binary is always run as
# target/release/examples/NAME from the workspace root (under $CARGO_TARGET_DIR when it is
# set). Compare counts made this way only, with the same target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:?usage: scripts/callgrind.sh EXAMPLE [ARGS...]}
shift
shim=${TMPDIR:-/tmp}/relq_fixed_getrandom.so
if [ ! -f "$shim" ]; then
    gcc -shared -fPIC -O2 -x c -o "$shim" - <<'C'
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/types.h>
/* The same bytes on every call: HashMap and ahash seeds repeat from run to run. */
ssize_t getrandom(void *buf, size_t len, unsigned int flags) {
    (void)flags;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(0x5a ^ (i * 37));
    return (ssize_t)len;
}
C
fi
cargo build -q --release -p relq-benches --example "$example"
out=$(mktemp)
LD_PRELOAD="$shim" valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect='*measured*' "${CARGO_TARGET_DIR:-target}/release/examples/$example" "$@" 2>&1 >/dev/null |
    grep 'Collected' | sed 's/.*Collected : /instructions: /'
rm -f "$out"
