#!/usr/bin/env bash
# The database servers relq's tests run against: PostgreSQL 15 and MariaDB, each in a
# throw-away data directory, on 127.0.0.1 with a non-default port, fsync off.
#
#   scripts/servers.sh start    install what is missing, start both, wait until they answer
#   scripts/servers.sh env      print `export RELQ_POSTGRES_URL=...` / `RELQ_MYSQL_URL=...`
#   scripts/servers.sh status   exit 0 when both are running
#   scripts/servers.sh stop     stop both and remove their directories (safe to repeat)
#
# scripts/test.sh (and so .ci/run) calls start and stop itself. By hand:
#   scripts/servers.sh start && eval "$(scripts/servers.sh env)" && cargo test; scripts/servers.sh stop
#
# As root the servers run as the Debian service users `postgres` and `mysql` (both refuse
# root); as anyone else, as that user. A server that does not start is an error (exit 1,
# its log printed): tests never skip for a missing server.
#
# Settings (environment): RELQ_SERVERS_DIR (default /tmp/relq-servers), RELQ_PG_PORT
# (55432), RELQ_MYSQL_PORT (53306), RELQ_SERVERS_TIMEOUT (seconds to wait for each, 60).
set -euo pipefail

RUN_DIR="${RELQ_SERVERS_DIR:-/tmp/relq-servers}"
PG_PORT="${RELQ_PG_PORT:-55432}"
MY_PORT="${RELQ_MYSQL_PORT:-53306}"
TIMEOUT="${RELQ_SERVERS_TIMEOUT:-60}"
# The test database and the TCP user of both servers (loopback only, throw-away data);
# on MariaDB the user may also create and drop databases named relq_* (one per corpus case).
DB=relq
DB_USER=relq
DB_PASSWORD=relq

PG_DIR="$RUN_DIR/postgres"   # data/, server.log, the Unix socket
MY_DIR="$RUN_DIR/mariadb"    # data/, server.log, mariadbd.sock, mariadbd.pid

say() { echo "servers: $*" >&2; }
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

mariadbd_bin() {
    local name
    for name in mariadbd mysqld; do
        for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
            [ -x "$dir/$name" ] && { echo "$dir/$name"; return 0; }
        done
    done
    return 1
}

install_missing() {
    pg_bin_dir >/dev/null || apt_install postgresql
    mariadbd_bin >/dev/null || apt_install mariadb-server
    if [ "$(id -u)" = 0 ]; then
        getent passwd postgres >/dev/null || die "no user postgres (the postgresql package creates it)"
        getent passwd mysql >/dev/null || die "no user mysql (the mariadb-server package creates it)"
    fi
}

fail_start() {
    local what=$1 log=$2
    say "error: $what"
    if [ -f "$log" ]; then
        say "--- $log"
        cat "$log" >&2
        say "---"
    fi
    stop_all
    exit 1
}

start_postgres() {
    local bin
    bin=$(pg_bin_dir) || die "no PostgreSQL server binaries"
    local log="$PG_DIR/server.log"
    mkdir -p "$PG_DIR/data"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PG_DIR"
    chmod 700 "$PG_DIR/data"
    as_user postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
        fail_start "initdb failed" "$PG_DIR/initdb.log"
    as_user postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$log" -w -t "$TIMEOUT" start \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        >/dev/null 2>&1 || fail_start "PostgreSQL did not start on 127.0.0.1:$PG_PORT" "$log"
    wait_for "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" ||
        fail_start "PostgreSQL does not accept connections on 127.0.0.1:$PG_PORT" "$log"
    as_user postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres \
        -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'" \
        -c "CREATE DATABASE $DB OWNER $DB_USER" >>"$log" 2>&1 ||
        fail_start "could not create the PostgreSQL database $DB" "$log"
    say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

start_mariadb() {
    local bin
    bin=$(mariadbd_bin) || die "no mariadbd"
    local log="$MY_DIR/server.log" sock="$MY_DIR/mariadbd.sock"
    mkdir -p "$MY_DIR/data"
    [ "$(id -u)" = 0 ] && chown -R mysql: "$MY_DIR"
    # --no-defaults everywhere: nothing from /etc/mysql reaches this server.
    as_user mysql mariadb-install-db --no-defaults --datadir="$MY_DIR/data" \
        --auth-root-authentication-method=normal --skip-test-db >"$MY_DIR/install.log" 2>&1 ||
        fail_start "mariadb-install-db failed" "$MY_DIR/install.log"
    # Started in the background; its pid file is how stop finds it.
    as_user mysql "$bin" --no-defaults --datadir="$MY_DIR/data" --socket="$sock" \
        --pid-file="$MY_DIR/mariadbd.pid" --log-error="$log" \
        --bind-address=127.0.0.1 --port="$MY_PORT" --skip-name-resolve \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
        --innodb-flush-method=nosync --innodb-use-native-aio=0 \
        --innodb-buffer-pool-size=64M --group-concat-max-len=4294967295 \
        >>"$MY_DIR/stdout.log" 2>&1 </dev/null &
    wait_for mariadb-admin --no-defaults --socket="$sock" -uroot ping ||
        fail_start "MariaDB does not answer on $sock" "$log"
    wait_for mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -uroot ping ||
        fail_start "MariaDB does not accept connections on 127.0.0.1:$MY_PORT" "$log"
    mariadb --no-defaults --socket="$sock" -uroot -e "
        CREATE DATABASE $DB;
        CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
        GRANT ALL ON $DB.* TO '$DB_USER'@'%';
        GRANT ALL ON \`${DB}\\_%\`.* TO '$DB_USER'@'%';" >>"$log" 2>&1 ||
        fail_start "could not create the MariaDB database $DB" "$log"
    say "MariaDB $("$bin" --version | awk '{print $3}') on 127.0.0.1:$MY_PORT"
}

stop_all() {
    # PostgreSQL: SIGINT is the "fast" shutdown (ends sessions, no waiting for clients).
    stop_pid_file "$PG_DIR/data/postmaster.pid" INT
    stop_pid_file "$MY_DIR/mariadbd.pid" TERM
    rm -rf "$RUN_DIR"
}

status() {
    running "$PG_DIR/data/postmaster.pid" && running "$MY_DIR/mariadbd.pid"
}

start_all() {
    if [ -e "$RUN_DIR" ]; then
        status && die "already running (in $RUN_DIR); run scripts/servers.sh stop first"
        say "removing leftovers of an earlier run in $RUN_DIR"
        stop_all
    fi
    local port
    for port in "$PG_PORT" "$MY_PORT"; do
        port_taken "$port" && die "port 127.0.0.1:$port is taken by another program (set RELQ_PG_PORT / RELQ_MYSQL_PORT)"
    done
    install_missing
    mkdir -p "$RUN_DIR"
    chmod 755 "$RUN_DIR"
    start_postgres
    start_mariadb
}

print_env() {
    echo "export RELQ_POSTGRES_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB"
    echo "export RELQ_MYSQL_URL=mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$MY_PORT/$DB"
}

case "${1:-}" in
    start) start_all ;;
    stop) stop_all ;;
    env) print_env ;;
    status) status ;;
    *)
        echo "usage: scripts/servers.sh start|stop|env|status" >&2
        exit 2
        ;;
esac
