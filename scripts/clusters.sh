#!/usr/bin/env bash
# The sharded and replicated engines relq's engine tests run on (issue 18), on 127.0.0.1,
# each server in a throw-away data directory with fsync off, beside scripts/servers.sh:
#
#   MariaDB Spider   head 53340 (the Spider plugin, server entries d1 and d2),
#                    data nodes d1 53341 and d2 53342 (InnoDB)
#   postgres_fdw     coordinator 55460 (the postgres_fdw extension, foreign servers shard1
#                    and shard2 with user mappings for relq), shards 55461 and 55462
#   MariaDB Galera   g1 53350 bootstraps the cluster, g2 53351 joins it (rsync SST);
#                    gcomm / IST / SST ports 4667 / 4668 / 4544 and 4677 / 4678 / 4554
#
#   scripts/clusters.sh start    install what is missing (as root), start all eight, load
#                                the school
#   scripts/clusters.sh env      print the RELQ_SPIDER_* / RELQ_FDW_* / RELQ_GALERA_URLS exports
#   scripts/clusters.sh status   list the servers; exit 0 only when all eight run
#   scripts/clusters.sh stop     stop what start started, remove its directory (safe to repeat)
#
# Everywhere the user relq (password relq) has every privilege: it creates databases on
# every MariaDB node, Spider tables naming d1 and d2 on the head, schemas and foreign
# tables on the coordinator's servers (it owns the databases relq; the servers are usable
# by it). The school (schemas/school.toml: departments, categories, schoolclasses,
# students, teachers) is in the database `relq` of each engine, distributed:
#   - Spider: each table ENGINE=SPIDER on the head, PARTITION BY KEY (id), one partition on
#     each data node, where the rows live in InnoDB tables of the database relq;
#   - postgres_fdw: schoolclasses, students and teachers PARTITION BY HASH (id), both
#     partitions foreign tables (on shard1 and shard2); departments and categories local;
#   - Galera: plain InnoDB tables with their keys, written on g1, replicated to g2;
# and the same rows in plain tables with keys in `relq_plain` on the head and on the
# coordinator. Text columns are declared as relq's DDL declares them (MariaDB
# utf8mb4_nopad_bin, PostgreSQL COLLATE "C"). The rows come from SQL below (seq_1_to_N,
# generate_series): deterministic, the same on both.
#
# As root the servers run as the Debian service users mysql and postgres; as anyone else,
# as that user. A server that does not start is an error (exit 1, its log printed).
#
# Settings (environment): RELQ_ENGINES_DIR (default /tmp/relq-engines),
# RELQ_ENGINES_TIMEOUT (seconds to wait for each server, 90).
set -euo pipefail

RUN_DIR="${RELQ_ENGINES_DIR:-/tmp/relq-engines}"
TIMEOUT="${RELQ_ENGINES_TIMEOUT:-90}"
DB=relq
PLAIN=relq_plain
DB_USER=relq
DB_PASSWORD=relq

SPIDER_NAMES=(head d1 d2)
SPIDER_PORTS=(53340 53341 53342)
PG_NAMES=(coord shard1 shard2)
PG_PORTS=(55460 55461 55462)
GALERA_NAMES=(g1 g2)
GALERA_PORTS=(53350 53351)
GALERA_GCOMM=(4667 4677)
GALERA_IST=(4668 4678)
GALERA_SST=(4544 4554)
GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so
SPIDER_PLUGIN=/usr/lib/mysql/plugin/ha_spider.so

say() { echo "clusters: $*" >&2; }
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

install_missing() {
    local need=()
    [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
    command -v mariadb >/dev/null || need+=(mariadb-client)
    [ -f "$SPIDER_PLUGIN" ] || need+=(mariadb-plugin-spider)
    [ -f "$GALERA_PROVIDER" ] || need+=(galera-4)
    command -v rsync >/dev/null || need+=(rsync)       # Galera's state transfer
    command -v ss >/dev/null || need+=(iproute2)        # which wsrep_sst_rsync waits with
    pg_bin_dir >/dev/null || need+=(postgresql-15)      # postgres_fdw ships in it
    [ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
}

fail_start() { # fail_start WHAT LOG: the end of the log, exit 1 (start_all stops the rest)
    say "error: $1"
    if [ -f "$2" ]; then
        say "--- $2"
        tail -n 60 "$2" >&2
        say "---"
    fi
    exit 1
}

# ---------------------------------------------------------------- MariaDB (Spider, Galera)

my_dir() { echo "$RUN_DIR/mariadb-$1"; }
my() { # my NAME [mariadb args...]: root on that node's socket
    local name=$1
    shift
    mariadb --no-defaults --socket="$(my_dir "$name")/mariadbd.sock" -uroot "$@"
}

# start_mariadb NAME PORT [mariadbd options...]: a fresh data directory, the server in the
# background (its pid file is how stop finds it), root answering on the socket.
start_mariadb() {
    local name=$1 port=$2 dir
    shift 2
    dir=$(my_dir "$name")
    mkdir -p "$dir/data"
    [ "$(id -u)" = 0 ] && chown -R mysql: "$dir"
    as_user mysql mariadb-install-db --no-defaults --datadir="$dir/data" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
        fail_start "mariadb-install-db ($name) failed" "$dir/install.log"
    as_user mysql /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" \
        --socket="$dir/mariadbd.sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/server.log" \
        --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
        --innodb-use-native-aio=0 --innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
        --performance-schema=OFF --max-connections=100 --group-concat-max-len=4294967295 \
        "$@" >>"$dir/stdout.log" 2>&1 </dev/null &
    wait_for mariadb-admin --no-defaults --socket="$dir/mariadbd.sock" -uroot ping ||
        fail_start "MariaDB $name does not answer on 127.0.0.1:$port" "$dir/server.log"
}

create_my_user() { # create_my_user NAME: relq with every privilege
    my "$1" -e "CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
        GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'%' WITH GRANT OPTION;"
}

# The school's columns as relq's MySQL dialect declares them (dialects/mysql/src/lib.rs).
MY_TEXT="VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
MY_COLUMNS_departments="id INTEGER NOT NULL PRIMARY KEY, name $MY_TEXT NOT NULL"
MY_COLUMNS_categories="$MY_COLUMNS_departments"
MY_COLUMNS_schoolclasses="$MY_COLUMNS_departments, department_id INTEGER NOT NULL"
MY_COLUMNS_students="$MY_COLUMNS_departments, schoolclass_id INTEGER NOT NULL, category_id INTEGER"
MY_COLUMNS_teachers="$MY_COLUMNS_students"
TABLES=(departments categories schoolclasses students teachers)

my_columns() { local v="MY_COLUMNS_$1"; echo "${!v}"; }

# The plain school: InnoDB, primary and foreign keys (what relq's DDL makes).
my_plain_ddl() {
    local t
    for t in "${TABLES[@]}"; do
        echo "CREATE TABLE $t ($(my_columns "$t")$(my_foreign_keys "$t")) ENGINE=InnoDB;"
    done
}
my_foreign_keys() {
    case $1 in
        schoolclasses) echo ", FOREIGN KEY (department_id) REFERENCES departments (id)" ;;
        students | teachers) echo ", FOREIGN KEY (schoolclass_id) REFERENCES schoolclasses (id), FOREIGN KEY (category_id) REFERENCES categories (id)" ;;
    esac
}

# The rows, the same on every engine. Names: first and last names (mixed case, non-ASCII,
# a quote), picked by id arithmetic; classes 8, 18, 28 have no students, 3, 13, 23 no
# teachers; every eighth student and sixth teacher has no category.
FIRST="'Ada','anna','Søren','Ярослава','Łukasz','Émile','Zoë','bob','Linus','Mia','Noah','Åsa','Chloé','Kenji','Olga','Zygmunt'"
LAST="'Åberg','du Pont','Dupont','Łukasiewicz','O''Brien','Smith','Müller','日本','García','Nguyen','van Dijk','Zimmer'"
school_rows() { # school_rows mariadb|postgres: INSERT ... SELECT statements
    local name class_of_student class_of_teacher
    if [ "$1" = mariadb ]; then
        n() { echo "seq_1_to_$1"; }
        pick() { echo "ELT(1 + $1, $2)"; }
        nullable() { echo "IF($1, NULL, $2)"; }
    else
        n() { echo "generate_series(1, $1) AS s (seq)"; }
        pick() { echo "(ARRAY[$2])[1 + $1]"; }
        nullable() { echo "CASE WHEN $1 THEN NULL ELSE $2 END"; }
    fi
    name="CONCAT($(pick "seq * 7 % 16" "$FIRST"), ' ', $(pick "seq * 5 % 12" "$LAST"))"
    class_of_student="1 + seq * 7 % 30 - CASE WHEN (1 + seq * 7 % 30) % 10 = 8 THEN 1 ELSE 0 END"
    class_of_teacher="1 + seq * 11 % 30 + CASE WHEN (1 + seq * 11 % 30) % 10 = 3 THEN 1 ELSE 0 END"
    cat <<EOF
INSERT INTO departments (id, name) SELECT seq, $(pick "seq - 1" "'Science','Humanities','Arts','Sport','Languages'") FROM $(n 5);
INSERT INTO categories (id, name) SELECT seq, $(pick "seq - 1" "'Math','Physics','History','Music','Sport','Art','Biology','Chess','Drama','Zoology'") FROM $(n 10);
INSERT INTO schoolclasses (id, name, department_id)
  SELECT seq, CONCAT(1 + seq % 12, $(pick "seq * 5 % 6" "'a','B','C','d','É','f'")), 1 + seq * 3 % 5 FROM $(n 30);
INSERT INTO students (id, name, schoolclass_id, category_id)
  SELECT seq, $name, $class_of_student, $(nullable "seq % 8 = 0" "1 + seq * 3 % 10") FROM $(n 300);
INSERT INTO teachers (id, name, schoolclass_id, category_id)
  SELECT seq, $name, $class_of_teacher, $(nullable "seq % 6 = 0" "1 + seq * 7 % 10") FROM $(n 90);
EOF
}

start_spider() {
    local i
    for i in 0 1 2; do
        start_mariadb "${SPIDER_NAMES[$i]}" "${SPIDER_PORTS[$i]}" \
            --character-set-server=utf8mb4 --innodb-flush-method=nosync
        create_my_user "${SPIDER_NAMES[$i]}"
    done
    # The data nodes: the InnoDB tables holding each partition's rows (keys, no foreign keys:
    # a partition's parent row may live on the other node).
    for i in 1 2; do
        {
            echo "CREATE DATABASE $DB CHARACTER SET utf8mb4; USE $DB;"
            local t
            for t in "${TABLES[@]}"; do echo "CREATE TABLE $t ($(my_columns "$t")) ENGINE=InnoDB;"; done
        } | my "${SPIDER_NAMES[$i]}"
    done
    # The head: the plugin (INSTALL SONAME makes its mysql.spider_* tables), a server entry
    # per data node, the Spider tables, the plain copy; the rows go in through the head,
    # Spider routing each to its partition's node.
    {
        echo "INSTALL SONAME 'ha_spider';"
        for i in 1 2; do
            echo "CREATE SERVER ${SPIDER_NAMES[$i]} FOREIGN DATA WRAPPER mysql OPTIONS (HOST '127.0.0.1',
                PORT ${SPIDER_PORTS[$i]}, DATABASE '$DB', USER '$DB_USER', PASSWORD '$DB_PASSWORD');"
        done
        echo "CREATE DATABASE $DB CHARACTER SET utf8mb4; USE $DB;"
        local t
        for t in "${TABLES[@]}"; do
            echo "CREATE TABLE $t ($(my_columns "$t")) ENGINE=SPIDER COMMENT='wrapper \"mysql\", table \"$t\"'
                PARTITION BY KEY (id) (PARTITION p0 COMMENT='srv \"d1\"', PARTITION p1 COMMENT='srv \"d2\"');"
        done
        school_rows mariadb
        echo "CREATE DATABASE $PLAIN CHARACTER SET utf8mb4; USE $PLAIN;"
        my_plain_ddl
        school_rows mariadb
    } | my head >"$(my_dir head)/load.log" 2>&1 ||
        fail_start "loading the Spider head failed" "$(my_dir head)/load.log"
    say "Spider: head 127.0.0.1:${SPIDER_PORTS[0]}, students on d1 + d2:" \
        "$(my d1 -N -e "SELECT COUNT(*) FROM $DB.students") + $(my d2 -N -e "SELECT COUNT(*) FROM $DB.students")"
}

galera_node() { # galera_node INDEX CLUSTER_ADDRESS [options]: a node, waited for until wsrep_ready
    local i=$1 address=$2 name
    shift 2
    name=${GALERA_NAMES[$i]}
    start_mariadb "$name" "${GALERA_PORTS[$i]}" --character-set-server=utf8mb4 \
        --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
        --wsrep-on=ON --wsrep-provider="$GALERA_PROVIDER" --wsrep-cluster-name=relq-engines \
        --wsrep-cluster-address="$address" --wsrep-node-address="127.0.0.1:${GALERA_GCOMM[$i]}" \
        --wsrep-node-incoming-address="127.0.0.1:${GALERA_PORTS[$i]}" \
        --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:${GALERA_GCOMM[$i]};ist.recv_addr=127.0.0.1:${GALERA_IST[$i]};gcache.size=16M" \
        --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:${GALERA_SST[$i]}" "$@"
    galera_ready() { my "$name" -N -e "SHOW STATUS LIKE 'wsrep_ready'" | grep -q ON; }
    wait_for galera_ready || fail_start "Galera $name is not ready" "$(my_dir "$name")/server.log"
}

start_galera() {
    galera_node 0 "gcomm://" --wsrep-new-cluster
    create_my_user g1
    # relq's user and the school are written on g1; g2 receives them by state transfer
    # and replication.
    {
        echo "CREATE DATABASE $DB CHARACTER SET utf8mb4; USE $DB;"
        my_plain_ddl
        school_rows mariadb
    } | my g1 >"$(my_dir g1)/load.log" 2>&1 ||
        fail_start "loading Galera g1 failed" "$(my_dir g1)/load.log"
    galera_node 1 "gcomm://127.0.0.1:${GALERA_GCOMM[0]}"
    say "Galera: g1 127.0.0.1:${GALERA_PORTS[0]}, g2 127.0.0.1:${GALERA_PORTS[1]}, cluster of" \
        "$(my g2 -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}'), students on g2:" \
        "$(my g2 -N -e "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM $DB.students")"
}

# ---------------------------------------------------------------- PostgreSQL + postgres_fdw

pg_dir() { echo "$RUN_DIR/postgres-$1"; }
pg_port() { local i; for i in 0 1 2; do [ "${PG_NAMES[$i]}" = "$1" ] && echo "${PG_PORTS[$i]}"; done; }
pg() { # pg NAME DATABASE [psql args]: the superuser on the node's socket
    local name=$1 db=$2
    shift 2
    as_user postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_dir "$name")" \
        -p "$(pg_port "$name")" -U postgres -d "$db" "$@"
}
pg_relq() { # pg_relq NAME DATABASE [psql args]: relq over TCP
    local name=$1 db=$2
    shift 2
    PGPASSWORD=$DB_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$(pg_port "$name")" -U "$DB_USER" -d "$db" "$@"
}

start_pg_node() {
    local name=$1 port=$2 dir
    dir=$(pg_dir "$name")
    mkdir -p "$dir/data"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
    chmod 700 "$dir/data"
    as_user postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 ||
        fail_start "initdb ($name) failed" "$dir/initdb.log"
    as_user postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$TIMEOUT" start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB -c max_connections=60" \
        >/dev/null 2>&1 || fail_start "PostgreSQL $name did not start on 127.0.0.1:$port" "$dir/server.log"
    pg "$name" postgres -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
        -c "CREATE DATABASE $DB OWNER $DB_USER" >>"$dir/server.log" 2>&1 ||
        fail_start "could not make relq's role and database on $name" "$dir/server.log"
}

# The school's columns as relq's PostgreSQL dialect declares them, text COLLATE "C".
PG_TEXT='VARCHAR(100) COLLATE "C"'
PG_COLUMNS_departments="id INTEGER NOT NULL, name $PG_TEXT NOT NULL"
PG_COLUMNS_categories="$PG_COLUMNS_departments"
PG_COLUMNS_schoolclasses="$PG_COLUMNS_departments, department_id INTEGER NOT NULL"
PG_COLUMNS_students="$PG_COLUMNS_departments, schoolclass_id INTEGER NOT NULL, category_id INTEGER"
PG_COLUMNS_teachers="$PG_COLUMNS_students"
SHARDED=(schoolclasses students teachers)
pg_columns() { local v="PG_COLUMNS_$1"; echo "${!v}"; }

start_fdw() {
    local i t
    for i in 0 1 2; do start_pg_node "${PG_NAMES[$i]}" "${PG_PORTS[$i]}"; done
    for i in 1 2; do
        for t in "${SHARDED[@]}"; do echo "CREATE TABLE $t ($(pg_columns "$t"), PRIMARY KEY (id));"; done |
            pg_relq "${PG_NAMES[$i]}" "$DB"
    done
    # The coordinator: the extension and servers (the superuser's), usable by relq, with
    # relq's user mappings; then relq's tables: the sharded ones partitioned by hash into
    # foreign tables (no key is possible on them), the small ones local with keys.
    pg coord "$DB" -c "CREATE EXTENSION postgres_fdw" \
        -c "GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO $DB_USER"
    for i in 1 2; do
        pg coord "$DB" \
            -c "CREATE SERVER ${PG_NAMES[$i]} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '${PG_PORTS[$i]}', dbname '$DB')" \
            -c "GRANT USAGE ON FOREIGN SERVER ${PG_NAMES[$i]} TO $DB_USER" \
            -c "CREATE USER MAPPING FOR $DB_USER SERVER ${PG_NAMES[$i]} OPTIONS (user '$DB_USER', password '$DB_PASSWORD')"
    done
    {
        echo "CREATE TABLE departments ($(pg_columns departments), PRIMARY KEY (id));"
        echo "CREATE TABLE categories ($(pg_columns categories), PRIMARY KEY (id));"
        for t in "${SHARDED[@]}"; do
            echo "CREATE TABLE $t ($(pg_columns "$t")) PARTITION BY HASH (id);"
            for i in 0 1; do
                echo "CREATE FOREIGN TABLE ${t}_p$i PARTITION OF $t FOR VALUES WITH (MODULUS 2, REMAINDER $i)
                    SERVER shard$((i + 1)) OPTIONS (schema_name 'public', table_name '$t');"
            done
        done
        school_rows postgres
        echo "ANALYZE;"
    } | pg_relq coord "$DB" >"$(pg_dir coord)/load.log" 2>&1 ||
        fail_start "loading the coordinator failed" "$(pg_dir coord)/load.log"
    pg coord postgres -c "CREATE DATABASE $PLAIN OWNER $DB_USER"
    {
        for t in "${TABLES[@]}"; do
            echo "CREATE TABLE $t ($(pg_columns "$t"), PRIMARY KEY (id)$(my_foreign_keys "$t"));"
        done
        school_rows postgres
        echo "ANALYZE;"
    } | pg_relq coord "$PLAIN" >"$(pg_dir coord)/load-plain.log" 2>&1 ||
        fail_start "loading the coordinator's $PLAIN failed" "$(pg_dir coord)/load-plain.log"
    say "postgres_fdw: coordinator 127.0.0.1:${PG_PORTS[0]}, students on shard1 + shard2:" \
        "$(pg_relq shard1 "$DB" -tAc 'SELECT COUNT(*) FROM students') + $(pg_relq shard2 "$DB" -tAc 'SELECT COUNT(*) FROM students')"
}

# ---------------------------------------------------------------- stop, status, env

pid_files() { # every server's pid file and its stop signal, joiners before their cluster
    local n
    for n in "${PG_NAMES[@]}"; do echo "$(pg_dir "$n")/data/postmaster.pid INT"; done
    for n in g2 g1 "${SPIDER_NAMES[@]}"; do echo "$(my_dir "$n")/mariadbd.pid TERM"; done
}

stop_all() {
    local file signal
    while read -r file signal; do stop_pid_file "$file" "$signal"; done < <(pid_files)
    rm -rf "$RUN_DIR"
}

status() {
    local file signal ok=0
    while read -r file signal; do
        if running "$file"; then
            echo "running  $file"
        else
            echo "stopped  $file"
            ok=1
        fi
    done < <(pid_files)
    return $ok
}

print_env() {
    local my_url="mysql://$DB_USER:$DB_PASSWORD@127.0.0.1" pg_url="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1"
    echo "export RELQ_SPIDER_URL=$my_url:${SPIDER_PORTS[0]}/$DB"
    echo "export RELQ_SPIDER_PLAIN_URL=$my_url:${SPIDER_PORTS[0]}/$PLAIN"
    echo "export RELQ_SPIDER_NODES='$my_url:${SPIDER_PORTS[1]}/$DB $my_url:${SPIDER_PORTS[2]}/$DB'"
    echo "export RELQ_FDW_URL=$pg_url:${PG_PORTS[0]}/$DB"
    echo "export RELQ_FDW_PLAIN_URL=$pg_url:${PG_PORTS[0]}/$PLAIN"
    echo "export RELQ_FDW_SHARDS='$pg_url:${PG_PORTS[1]}/$DB $pg_url:${PG_PORTS[2]}/$DB'"
    echo "export RELQ_GALERA_URLS='$my_url:${GALERA_PORTS[0]}/$DB $my_url:${GALERA_PORTS[1]}/$DB'"
}

start_all() {
    if [ -e "$RUN_DIR" ]; then
        status >/dev/null && die "already running (in $RUN_DIR); run scripts/clusters.sh stop first"
        say "removing leftovers of an earlier run in $RUN_DIR"
        stop_all
    fi
    local port
    for port in "${SPIDER_PORTS[@]}" "${PG_PORTS[@]}" "${GALERA_PORTS[@]}" \
        "${GALERA_GCOMM[@]}" "${GALERA_IST[@]}" "${GALERA_SST[@]}"; do
        port_taken "$port" && die "port 127.0.0.1:$port is taken by another program"
    done
    install_missing
    PG_BIN=$(pg_bin_dir) || die "no PostgreSQL server binaries"
    if [ "$(id -u)" = 0 ]; then
        getent passwd postgres >/dev/null || die "no user postgres (the postgresql package makes it)"
        getent passwd mysql >/dev/null || die "no user mysql (the mariadb-server package makes it)"
    fi
    mkdir -p "$RUN_DIR"
    chmod 755 "$RUN_DIR"
    # The three engines start side by side (each in a subshell); any failure stops all.
    local jobs=() job failed=no
    start_spider & jobs+=($!)
    start_fdw & jobs+=($!)
    start_galera & jobs+=($!)
    for job in "${jobs[@]}"; do wait "$job" || failed=yes; done
    if [ "$failed" = yes ]; then
        say "stopping what started"
        stop_all
        exit 1
    fi
    say "ready in $SECONDS s"
}

case "${1:-}" in
    start) start_all ;;
    stop) stop_all ;;
    env) print_env ;;
    status) status ;;
    *)
        echo "usage: scripts/clusters.sh start|stop|env|status" >&2
        exit 2
        ;;
esac
