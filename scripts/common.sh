# Shell functions scripts/servers.sh and scripts/clusters.sh share; each sources this
# file after defining `say MESSAGE` (its own prefix on stderr) and, for wait_for, TIMEOUT
# (seconds); scripts/test.sh for apt_install.

die() { say "error: $*"; exit 1; }

# apt_install PACKAGE...: Debian's packages, installed as root (the package lists updated
# once if the first try fails); anyone else is told what to install.
apt_install() {
    [ "$(id -u)" = 0 ] || die "$* is not installed; install it (apt-get install $*) or run as root"
    say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "$@" >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$@" >/dev/null; } ||
        die "apt-get install $* failed"
}

# as_user USER COMMAND...: the command as a service user when root, as ourselves otherwise.
as_user() {
    local user=$1
    shift
    if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# The directory of PostgreSQL's server programs (15 first), or status 1.
pg_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ] &&
            { echo "$dir"; return 0; }
    done
    return 1
}

# running PID_FILE: the process the file names is alive.
running() {
    local file=$1 pid
    [ -f "$file" ] && pid=$(head -n 1 "$file") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# port_taken PORT: something answers on 127.0.0.1:PORT.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for COMMAND...: until the command succeeds, at most TIMEOUT seconds (status 1 then).
wait_for() {
    local deadline=$((SECONDS + TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# stop_pid_file FILE SIGNAL: signal the process named by FILE and wait until it is gone
# (SIGKILL after 30 s).
stop_pid_file() {
    local file=$1 signal=$2 pid
    [ -f "$file" ] || return 0
    pid=$(head -n 1 "$file")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "pid $pid ($file) still running after 30 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
    done
}
