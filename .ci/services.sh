# shellcheck shell=bash
# Test-only services for Corrispondenza, on loopback, with all state in one folder:
#   PostgreSQL on 127.0.0.1:5433, Redis on 127.0.0.1:6380, Dovecot IMAP on 127.0.0.1:10143.
#
# Sourced by .ci/test (which then calls start_services). It can also be run on its own:
#   bash .ci/services.sh start|stop|status
#
# Every start is idempotent: a service that is already running from this state folder
# and answers is reused; a stale one (its state folder deleted, or it stopped answering)
# is stopped and started afresh. Nothing here is meant for production: durability is off.

SERVICES_DIR="${CORRISPONDENZA_SERVICES_DIR:-/tmp/corrispondenza-services}"

PG_PORT=5433
PG_ROLE=corrispondenza
PG_PASSWORD=corrispondenza
PG_DATABASE=corrispondenza
REDIS_PORT=6380
IMAP_PORT=10143
IMAP_USERS="test1 test2 test3 test4 test5 test6 test7 test8"
IMAP_PASSWORD=secret
MAIL_OS_USER=vmail
# How long to wait for a service to answer (or to go away) before giving up.
WAIT_SECONDS=30

PG_DIR="$SERVICES_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
REDIS_DIR="$SERVICES_DIR/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
DOVECOT_DIR="$SERVICES_DIR/dovecot"
DOVECOT_CONF="$DOVECOT_DIR/dovecot.conf"
DOVECOT_BASE_DIR="$DOVECOT_DIR/run"
DOVECOT_USERS_FILE="$DOVECOT_DIR/users"
DOVECOT_MAIL_DIR="$DOVECOT_DIR/mail"
DOVECOT_LOG="$DOVECOT_DIR/dovecot.log"

# --- small helpers -------------------------------------------------------------------

svc_log() { printf '[services] %s\n' "$*"; }

svc_die() {
    printf '[services] ERROR: %s\n' "$*" >&2
    exit 1
}

# Byte size of a file (0 if missing), to show later only what one attempt logged.
log_offset() { stat -c %s "$1" 2>/dev/null || echo 0; }

# show_log FILE [OFFSET]: prints the log (from OFFSET, at most its last 60 lines) to
# stderr, so that a failed start explains itself.
show_log() {
    local file=$1 offset=${2:-0}
    if [[ -f "$file" ]]; then
        printf '[services] ---- %s ----\n' "$file" >&2
        tail -c +"$((offset + 1))" "$file" | tail -n 60 >&2 || true
        printf '[services] ---- end of %s ----\n' "$file" >&2
    else
        printf '[services] (no log file at %s)\n' "$file" >&2
    fi
}

# True when something accepts TCP connections on 127.0.0.1:PORT (bash's /dev/tcp, so no
# extra tools are needed on a fresh machine).
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# wait_until SECONDS COMMAND...: polls COMMAND every half second until it succeeds.
wait_until() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

port_closed() { ! port_open "$1"; }

# A zombie counts as gone: in a container, PID 1 may reap exited daemons only later.
pid_alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null &&
        [[ "$(sed -n 's/.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

pid_gone() { ! pid_alive "$1"; }

pid_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

# First line of a pid file, if it is a number.
pid_from_file() {
    local pid
    [[ -f "$1" ]] || return 0
    pid=$(head -n 1 "$1" 2>/dev/null | tr -dc '0-9')
    printf '%s' "$pid"
}

# PIDs of the processes holding the listening TCP socket on PORT. Read from /proc,
# because a fresh Debian container has neither ss nor fuser.
listener_pids() {
    python3 - "$1" <<'PY'
import os, sys

port = int(sys.argv[1])
inodes = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        fields = row.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
            inodes.add(f"socket:[{inode}]")
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                print(pid)
                break
        except OSError:
            pass
PY
}

# stop_pid PID SIGNAL: sends SIGNAL, waits for the process to exit, then SIGKILL.
stop_pid() {
    local pid=$1 signal=$2
    pid_alive "$pid" || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true # a stopped (SIGSTOP) process must run to exit
    if ! wait_until "$WAIT_SECONDS" pid_gone "$pid"; then
        svc_log "PID $pid ignored SIG$signal for ${WAIT_SECONDS}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_until 5 pid_gone "$pid" || true
    fi
}

# free_port PORT COMM_REGEX SIGNAL: stops whatever still listens on PORT, typically an old
# instance whose state folder was deleted (so its pid file is gone too). Only processes
# whose name matches COMM_REGEX are stopped: anything else on our port is an error.
free_port() {
    local port=$1 comm_regex=$2 signal=$3 pid comm
    local deadline=$((SECONDS + WAIT_SECONDS))
    while port_open "$port"; do
        ((SECONDS < deadline)) || svc_die "port $port is still in use after ${WAIT_SECONDS}s"
        # Re-read the listeners each round: stopping a master also ends its children.
        for pid in $(listener_pids "$port"); do
            comm=$(pid_comm "$pid")
            [[ -n "$comm" ]] || continue # exited meanwhile
            if [[ ! "$comm" =~ $comm_regex ]]; then
                svc_die "port $port is taken by PID $pid ($comm), not by a service of ours"
            fi
            svc_log "stopping stale $comm (PID $pid) on port $port"
            stop_pid "$pid" "$signal"
            break
        done
        sleep 0.2
    done
}

# write_if_changed FILE: writes stdin to FILE; returns 0 if the content changed.
write_if_changed() {
    local file=$1 tmp
    tmp=$(mktemp "$file.XXXXXX")
    cat >"$tmp"
    if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
        rm -f "$tmp"
        return 1
    fi
    chmod 644 "$tmp"
    mv -f "$tmp" "$file"
    return 0
}

# Runs a command as the postgres OS user, from / so it never lacks access to the cwd.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# --- PostgreSQL ----------------------------------------------------------------------

pg_bin_dir() {
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
        sort -V | tail -n 1)
    [[ -x "$dir/initdb" ]] || svc_die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
    printf '%s' "$dir"
}

pg_isready_here() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

# Our cluster runs when its postmaster.pid names a live postgres on our port that answers.
pg_is_ours_and_up() {
    local pid
    pid=$(pid_from_file "$PG_DATA/postmaster.pid")
    pid_alive "$pid" && [[ "$(pid_comm "$pid")" == postgres ]] &&
        [[ "$(sed -n 4p "$PG_DATA/postmaster.pid")" == "$PG_PORT" ]] && pg_isready_here
}

# PIDs of live processes whose working folder is our data folder: the postmaster and
# its backends, including orphans left behind by a postmaster that was killed.
pg_cluster_pids() {
    local proc
    for proc in /proc/[0-9]*; do
        if [[ "$(readlink "$proc/cwd" 2>/dev/null)" == "$PG_DATA" ]] && pid_alive "${proc#/proc/}"; then
            echo "${proc#/proc/}"
        fi
    done
}

pg_cluster_gone() { [[ -z "$(pg_cluster_pids)" ]]; }

# Clears what a crashed or hung server of our own cluster left behind, because
# PostgreSQL refuses to start while its old postmaster.pid or socket lock file names a
# live (or zombie) process, or while old backends still hold its shared memory.
pg_clear_stale_cluster() {
    local pid
    [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
    pid=$(pid_from_file "$PG_DATA/postmaster.pid")
    if pid_alive "$pid" && [[ "$(pid_comm "$pid")" == postgres ]]; then
        svc_log "stopping our PostgreSQL (PID $pid), which does not answer"
        stop_pid "$pid" INT
    fi
    if ! wait_until "$WAIT_SECONDS" pg_cluster_gone; then
        svc_log "killing leftover PostgreSQL processes: $(pg_cluster_pids | xargs)"
        pg_cluster_pids | xargs -r kill -KILL
        wait_until 5 pg_cluster_gone || true
    fi
    if ! pid_alive "$pid"; then
        rm -f "$PG_DATA/postmaster.pid" "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" \
            "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT.lock"
    fi
}

pg_init_cluster() {
    local major
    major=$(basename "$(dirname "$PG_BIN")")
    # A cluster of another major version (or a half-made one) is useless: this is
    # test-only data, so start over rather than try to upgrade it.
    if [[ -d "$PG_DATA" && "$(cat "$PG_DATA/PG_VERSION" 2>/dev/null)" != "$major" ]]; then
        svc_log "removing unusable PostgreSQL data folder $PG_DATA"
        rm -rf "$PG_DATA"
    fi
    [[ -d "$PG_DATA" ]] && return 0
    svc_log "creating PostgreSQL $major cluster in $PG_DATA"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
        {
            show_log "$PG_DIR/initdb.log"
            svc_die "initdb failed"
        }
    # Our settings live in their own file, so that rewriting them never touches initdb's.
    echo "include 'corrispondenza.conf'" >>"$PG_DATA/postgresql.conf"
}

# Returns 0 when the settings changed (so a running server must restart to take them).
pg_write_settings() {
    write_if_changed "$PG_DATA/corrispondenza.conf" <<EOF
# Written by .ci/services.sh: a throwaway test cluster, so durability is off for speed.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
# The tests run 16+ concurrent workers, each with its own connections.
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_start() {
    local offset
    offset=$(log_offset "$PG_LOG")
    if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECONDS" start \
        >/dev/null || ! wait_until "$WAIT_SECONDS" pg_isready_here; then
        show_log "$PG_LOG" "$offset"
        svc_die "PostgreSQL did not start on 127.0.0.1:$PG_PORT"
    fi
}

pg_psql_admin() {
    as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
        -U postgres -d postgres "$@"
}

# The role needs CREATEDB because pytest-django creates test_corrispondenza itself.
pg_ensure_role_and_database() {
    pg_psql_admin <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
        ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
END
\$\$;
SQL
    if [[ -z "$(pg_psql_admin -At -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" ]]; then
        pg_psql_admin -c "CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE"
    fi
    # Prove the very connection the tests will make: TCP, password, our role.
    PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" \
        -U "$PG_ROLE" -d "$PG_DATABASE" -c 'SELECT 1' >/dev/null ||
        svc_die "cannot connect to PostgreSQL as $PG_ROLE"
}

start_postgres() {
    PG_BIN=$(pg_bin_dir)
    mkdir -p "$PG_DIR"
    chown postgres:postgres "$PG_DIR"
    as_postgres test -w "$PG_DIR" ||
        svc_die "the postgres OS user cannot write to $PG_DIR (is a parent folder private?)"
    as_postgres mkdir -p "$PG_SOCKET_DIR"

    if pg_is_ours_and_up; then
        if pg_write_settings; then
            svc_log "PostgreSQL settings changed: restarting"
            as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
            pg_start
        else
            svc_log "PostgreSQL already running on 127.0.0.1:$PG_PORT: reusing it"
        fi
    else
        # SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client).
        free_port "$PG_PORT" '^postgres$' INT
        pg_clear_stale_cluster
        pg_init_cluster
        pg_write_settings || true
        svc_log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        pg_start
    fi
    pg_ensure_role_and_database
}

stop_postgres() {
    local pid
    pid=$(pid_from_file "$PG_DATA/postmaster.pid")
    [[ -n "$pid" ]] && stop_pid "$pid" INT
    free_port "$PG_PORT" '^postgres$' INT
}

# --- Redis ---------------------------------------------------------------------------

redis_ping() { [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_is_ours_and_up() {
    local pid
    pid=$(pid_from_file "$REDIS_PIDFILE")
    pid_alive "$pid" && [[ "$(pid_comm "$pid")" == redis-server ]] && redis_ping
}

# Returns 0 when the configuration changed.
redis_write_config() {
    write_if_changed "$REDIS_CONF" <<EOF
# Written by .ci/services.sh: test-only Redis, no persistence.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $REDIS_PIDFILE
logfile $REDIS_LOG
dir $REDIS_DIR
save ""
appendonly no
EOF
}

redis_start() {
    local offset
    offset=$(log_offset "$REDIS_LOG")
    # setsid and /dev/null: the daemon must not hold the caller's terminal or output pipe.
    if ! setsid redis-server "$REDIS_CONF" </dev/null >>"$REDIS_LOG" 2>&1 ||
        ! wait_until "$WAIT_SECONDS" redis_ping; then
        show_log "$REDIS_LOG" "$offset"
        svc_die "Redis did not start on 127.0.0.1:$REDIS_PORT"
    fi
}

start_redis() {
    command -v redis-server >/dev/null || svc_die "redis-server is not installed"
    mkdir -p "$REDIS_DIR"
    if redis_is_ours_and_up; then
        if redis_write_config; then
            svc_log "Redis configuration changed: restarting"
            stop_redis
            redis_start
        else
            svc_log "Redis already running on 127.0.0.1:$REDIS_PORT: reusing it"
        fi
    else
        free_port "$REDIS_PORT" '^redis-server$' TERM
        redis_write_config || true
        svc_log "starting Redis on 127.0.0.1:$REDIS_PORT"
        redis_start
    fi
}

stop_redis() {
    local pid
    pid=$(pid_from_file "$REDIS_PIDFILE")
    [[ -n "$pid" ]] && stop_pid "$pid" TERM
    free_port "$REDIS_PORT" '^redis-server$' TERM
}

# --- Dovecot IMAP --------------------------------------------------------------------

# Maildirs belong to a system user of their own, as on a real mail server.
ensure_mail_os_user() {
    getent passwd "$MAIL_OS_USER" >/dev/null && return 0
    svc_log "creating system user $MAIL_OS_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$MAIL_OS_USER"
}

# Ours and healthy: our master runs and a real login works (imap-login processes can
# still accept connections while the master or auth is gone or stuck).
dovecot_is_ours_and_up() {
    local pid
    pid=$(pid_from_file "$DOVECOT_BASE_DIR/master.pid")
    pid_alive "$pid" && [[ "$(pid_comm "$pid")" == dovecot ]] && port_open "$IMAP_PORT" &&
        imap_login_ok 5
}

# Returns 0 when the configuration or the users changed.
dovecot_write_config() {
    local uid gid user changed=1
    uid=$(id -u "$MAIL_OS_USER")
    gid=$(id -g "$MAIL_OS_USER")
    # passwd-file: user:password:uid:gid:gecos:home:shell:extra (uid/gid/home come below).
    if for user in $IMAP_USERS; do
        printf '%s:{PLAIN}%s::::::\n' "$user" "$IMAP_PASSWORD"
    done | write_if_changed "$DOVECOT_USERS_FILE"; then
        changed=0
    fi
    # The auth process runs as the dovecot user and must read the users file.
    chown root:dovecot "$DOVECOT_USERS_FILE"
    chmod 640 "$DOVECOT_USERS_FILE"

    # Dovecot 2.3 syntax (Debian 12). Its own file: Debian's /etc/dovecot is never read.
    if write_if_changed "$DOVECOT_CONF" <<EOF; then
# Written by .ci/services.sh: test-only IMAP server for Corrispondenza.
instance_name = corrispondenza-test
base_dir = $DOVECOT_BASE_DIR
state_dir = $DOVECOT_DIR/state
protocols = imap
listen = 127.0.0.1
log_path = $DOVECOT_LOG
info_log_path = $DOVECOT_LOG
auth_verbose = yes

# Plaintext logins over plain TCP on loopback: this server only ever serves tests.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no delay, and no penalty slowing down
# every other login from 127.0.0.1 afterwards.
auth_failure_delay = 0

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_USERS_FILE
}
userdb {
  driver = passwd-file
  args = username_format=%u $DOVECOT_USERS_FILE
  default_fields = uid=$uid gid=$gid home=$DOVECOT_MAIL_DIR/%u
}

mail_location = maildir:$DOVECOT_MAIL_DIR/%u/Maildir
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
first_valid_gid = $gid
# Test data: never wait for the disk.
mail_fsync = never

namespace inbox {
  inbox = yes
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
}

protocol imap {
  # Many test workers log in as the same user from 127.0.0.1 at once (IDLE included).
  mail_max_userip_connections = 100
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
  # One long-lived login process serving many clients: faster than one per login.
  service_count = 0
  process_min_avail = 1
}
EOF
        changed=0
    fi
    return "$changed"
}

# imap_login_ok TIMEOUT: logs in as the first test user and selects INBOX. The error of
# the last attempt is kept in login-check.err for show_log.
imap_login_ok() {
    python3 - "$IMAP_PORT" "${IMAP_USERS%% *}" "$IMAP_PASSWORD" "$1" \
        2>"$DOVECOT_DIR/login-check.err" <<'PY'
import imaplib, sys

port, user, password, timeout = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
client = imaplib.IMAP4("127.0.0.1", port, timeout=timeout)
client.login(user, password)
status, _ = client.select("INBOX")
assert status == "OK", status
client.logout()
PY
}

dovecot_start() {
    local pid offset
    offset=$(log_offset "$DOVECOT_LOG")
    # Our own Dovecot may run without answering; and a master.pid naming a process that
    # is gone (or a zombie not yet reaped) would make Dovecot refuse to start.
    pid=$(pid_from_file "$DOVECOT_BASE_DIR/master.pid")
    if pid_alive "$pid" && [[ "$(pid_comm "$pid")" == dovecot ]]; then
        stop_pid "$pid" TERM
    fi
    pid_alive "$pid" || rm -f "$DOVECOT_BASE_DIR/master.pid"
    if ! doveconf -c "$DOVECOT_CONF" -n >/dev/null 2>"$DOVECOT_DIR/doveconf.err"; then
        show_log "$DOVECOT_DIR/doveconf.err"
        svc_die "Dovecot rejected its configuration $DOVECOT_CONF"
    fi
    if ! setsid dovecot -c "$DOVECOT_CONF" </dev/null >>"$DOVECOT_LOG" 2>&1 ||
        ! wait_until "$WAIT_SECONDS" port_open "$IMAP_PORT"; then
        show_log "$DOVECOT_LOG" "$offset"
        svc_die "Dovecot did not start on 127.0.0.1:$IMAP_PORT"
    fi
}

start_dovecot() {
    command -v dovecot >/dev/null || svc_die "dovecot is not installed"
    case "$(dovecot --version)" in
    2.3.*) ;;
    *) svc_die "Dovecot $(dovecot --version) found; .ci/services.sh writes Dovecot 2.3 configuration" ;;
    esac
    ensure_mail_os_user
    mkdir -p "$DOVECOT_DIR" "$DOVECOT_DIR/state" "$DOVECOT_MAIL_DIR"
    chown "$MAIL_OS_USER:$MAIL_OS_USER" "$DOVECOT_MAIL_DIR"
    chmod 700 "$DOVECOT_MAIL_DIR"

    if dovecot_is_ours_and_up; then
        if dovecot_write_config; then
            svc_log "Dovecot configuration changed: restarting"
            stop_dovecot
            dovecot_start
        else
            svc_log "Dovecot already running on 127.0.0.1:$IMAP_PORT: reusing it"
        fi
    else
        free_port "$IMAP_PORT" '^(dovecot|imap-login)$' TERM
        dovecot_write_config || true
        svc_log "starting Dovecot IMAP on 127.0.0.1:$IMAP_PORT"
        dovecot_start
    fi

    # Wait until a real login works: the port can answer before auth is ready.
    if ! wait_until "$WAIT_SECONDS" imap_login_ok 10; then
        show_log "$DOVECOT_DIR/login-check.err"
        show_log "$DOVECOT_LOG"
        svc_die "IMAP login as ${IMAP_USERS%% *} failed on 127.0.0.1:$IMAP_PORT"
    fi
}

stop_dovecot() {
    local pid
    pid=$(pid_from_file "$DOVECOT_BASE_DIR/master.pid")
    [[ -n "$pid" ]] && stop_pid "$pid" TERM
    free_port "$IMAP_PORT" '^(dovecot|imap-login)$' TERM
}

# --- all together --------------------------------------------------------------------

prepare_services_dir() {
    mkdir -p "$SERVICES_DIR"
    # The postgres and dovecot users must be able to reach their folders inside.
    chmod 755 "$SERVICES_DIR"
}

start_services() {
    prepare_services_dir
    start_postgres
    start_redis
    start_dovecot
    svc_log "all services up; state in $SERVICES_DIR"
}

stop_services() {
    PG_BIN=$(pg_bin_dir)
    stop_dovecot
    stop_redis
    stop_postgres
    svc_log "all services stopped"
}

services_status() {
    local rc=0
    PG_BIN=$(pg_bin_dir)
    if pg_is_ours_and_up; then svc_log "postgres: up"; else svc_log "postgres: down" && rc=1; fi
    if redis_is_ours_and_up; then svc_log "redis: up"; else svc_log "redis: down" && rc=1; fi
    if dovecot_is_ours_and_up; then svc_log "dovecot: up"; else svc_log "dovecot: down" && rc=1; fi
    return "$rc"
}

# Run directly (not sourced): bash .ci/services.sh start|stop|status
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
    start) start_services ;;
    stop) stop_services ;;
    status) services_status ;;
    *) svc_die "usage: bash .ci/services.sh start|stop|status" ;;
    esac
fi
