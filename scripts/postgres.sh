#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites.
#
# Sourced (what scripts/test.sh does):
#     source scripts/postgres.sh          # defines the functions below; starts nothing
#     switchboard_postgres_start          # installs PostgreSQL if needed (apt-get), starts a cluster, exports:
#       SWITCHBOARD_TEST_POSTGRES_URL      postgres://postgres@127.0.0.1:PORT/switchboard_test
#       SWITCHBOARD_TEST_POSTGRES_DATA     the cluster's data directory
#       SWITCHBOARD_TEST_POSTGRES_BIN      the directory of pg_ctl, psql, ...
#       SWITCHBOARD_TEST_POSTGRES_OS_USER  the OS user that runs the server (it refuses root)
#     switchboard_postgres_pg_ctl stop -m fast   # outage tests: stop / start the same cluster, same port
#     switchboard_postgres_pg_ctl start
#     switchboard_postgres_stop           # stops the cluster and deletes it
# If SWITCHBOARD_TEST_POSTGRES_URL is already set when starting, that database is used and nothing is started.
#
# Standalone:
#     eval "$(scripts/postgres.sh start)"   # prints the export lines
#     scripts/postgres.sh stop [DATA_DIR]   # DATA_DIR defaults to $SWITCHBOARD_TEST_POSTGRES_DATA
#
# The cluster's default collation is deliberately not byte order (en_US.UTF-8, or ICU en-US), so tests notice
# any text column that forgets COLLATE "C".

_switchboard_postgres_log() { echo "postgres.sh: $*" >&2; }

# The newest installed server's bin directory, installing PostgreSQL with apt-get when there is none.
_switchboard_postgres_bin() {
    local initdb
    initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$initdb" ]; then
        _switchboard_postgres_log "installing PostgreSQL with apt-get"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update >&2 || return 1
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y postgresql >&2 || return 1
        initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
        [ -n "$initdb" ] || { _switchboard_postgres_log "initdb still missing after apt-get install"; return 1; }
    fi
    dirname "$initdb"
}

# Runs a command as the cluster's owner: PostgreSQL's server binaries refuse to run as root.
_switchboard_postgres_as_owner() {
    local owner="${SWITCHBOARD_TEST_POSTGRES_OS_USER:-$(id -un)}"
    if [ "$(id -un)" = "$owner" ]; then
        "$@"
    else
        runuser -u "$owner" -- "$@"
    fi
}

# A loopback port nothing listens on right now.
_switchboard_postgres_free_port() {
    local port attempt
    for attempt in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Closes every descriptor above 2 in the current (sub)shell. The server outlives whoever starts it, and must not
# keep the caller's descriptors open: Foundation's Process, for one, waits for a socket its child inherits to
# close, so a Swift test that runs `pg_ctl start` would otherwise wait forever.
_switchboard_postgres_close_inherited_fds() {
    local fd
    for fd in $(ls /proc/$BASHPID/fd 2>/dev/null); do
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    return 0
}

switchboard_postgres_pg_ctl() {
    [ -n "${SWITCHBOARD_TEST_POSTGRES_DATA:-}" ] || { _switchboard_postgres_log "no cluster (SWITCHBOARD_TEST_POSTGRES_DATA unset)"; return 1; }
    (
        _switchboard_postgres_close_inherited_fds
        _switchboard_postgres_as_owner "$SWITCHBOARD_TEST_POSTGRES_BIN/pg_ctl" -D "$SWITCHBOARD_TEST_POSTGRES_DATA" \
            -l "$(dirname "$SWITCHBOARD_TEST_POSTGRES_DATA")/postgres.log" -w -t 60 "$@" </dev/null >&2
    )
}

# Stops and deletes clusters whose creating shell has died without stopping them (a killed test run).
_switchboard_postgres_reap_stale() {
    local root pid
    for root in "${TMPDIR:-/tmp}"/switchboard-postgres.*; do
        [ -f "$root/creator.pid" ] || continue
        pid=$(cat "$root/creator.pid" 2>/dev/null || true)
        case "$pid" in ''|*[!0-9]*) continue ;; esac
        kill -0 "$pid" 2>/dev/null && continue
        _switchboard_postgres_log "removing the stale cluster in $root (its creator, pid $pid, is gone)"
        SWITCHBOARD_TEST_POSTGRES_DATA="$root/data" \
            SWITCHBOARD_TEST_POSTGRES_OS_USER="$(stat -c %U "$root/data" 2>/dev/null || id -un)" \
            switchboard_postgres_pg_ctl stop -m immediate >/dev/null 2>&1 || true
        rm -rf "$root"
    done
    return 0
}

switchboard_postgres_start() {
    if [ -n "${SWITCHBOARD_TEST_POSTGRES_URL:-}" ]; then
        # Ours and already running, or one the caller provides.
        [ -n "${SWITCHBOARD_TEST_POSTGRES_DATA:-}" ] || _switchboard_postgres_log "using SWITCHBOARD_TEST_POSTGRES_URL as set"
        return 0
    fi
    local bin owner root data port locale_args attempt
    bin=$(_switchboard_postgres_bin) || return 1
    SWITCHBOARD_TEST_POSTGRES_BIN=$bin _switchboard_postgres_reap_stale
    owner=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        owner=postgres
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres || return 1
    fi
    root=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-postgres.XXXXXX") || return 1
    chmod 755 "$root"
    chown "$owner" "$root" || return 1
    data="$root/data"
    # Who to outlive: the shell that sourced this file (a standalone `start` leaves no pid, so is never reaped).
    [ "${_SWITCHBOARD_POSTGRES_STANDALONE:-}" = 1 ] || echo "$$" >"$root/creator.pid"

    # A default collation that is not byte order: en_US.UTF-8 when the system has it, else ICU's en-US.
    # Here-strings, not pipes: `grep -q` quitting early would fail the pipeline under pipefail.
    if grep -qiE '^en_US\.utf-?8$' <<<"$(locale -a 2>/dev/null)"; then
        locale_args=(--locale=en_US.UTF-8)
    elif grep -q -- '--locale-provider' <<<"$("$bin/initdb" --help 2>/dev/null)"; then
        locale_args=(--locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US)
    else
        locale_args=(--locale=C.UTF-8)
    fi
    SWITCHBOARD_TEST_POSTGRES_OS_USER=$owner _switchboard_postgres_as_owner \
        "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 "${locale_args[@]}" >"$root/initdb.log" 2>&1 || {
        _switchboard_postgres_log "initdb failed:"; cat "$root/initdb.log" >&2; rm -rf "$root"; return 1; }

    for attempt in 1 2 3 4 5; do
        port=$(_switchboard_postgres_free_port) || { rm -rf "$root"; return 1; }
        # In postgresql.conf, so a later plain `pg_ctl start` comes back on the same port.
        cat >>"$data/postgresql.conf" <<EOF
# switchboard test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$root'
max_connections = 400
fsync = off
EOF
        if (_switchboard_postgres_close_inherited_fds
            SWITCHBOARD_TEST_POSTGRES_OS_USER=$owner _switchboard_postgres_as_owner \
                "$bin/pg_ctl" -D "$data" -l "$root/postgres.log" -w -t 60 start </dev/null >/dev/null 2>&1); then
            break
        fi
        port=""
    done
    if [ -z "$port" ]; then
        _switchboard_postgres_log "the server did not start:"; tail -n 20 "$root/postgres.log" >&2; rm -rf "$root"; return 1
    fi
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres switchboard_test || {
        SWITCHBOARD_TEST_POSTGRES_OS_USER=$owner _switchboard_postgres_as_owner "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1
        rm -rf "$root"; return 1; }
    # pg_trgm (conversation search's index) once, in the public schema: a migration that created it in a test's own
    # schema would take it, and every other schema's search indexes, with it when that schema is dropped.
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d switchboard_test -c "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" >&2 || true

    export SWITCHBOARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/switchboard_test"
    export SWITCHBOARD_TEST_POSTGRES_DATA="$data"
    export SWITCHBOARD_TEST_POSTGRES_BIN="$bin"
    export SWITCHBOARD_TEST_POSTGRES_OS_USER="$owner"
    _switchboard_postgres_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (${locale_args[*]}), data in $data"
}

# A streaming replica of the running cluster (`pg_basebackup -R`, hot standby) on a port of its own; prints its URL
# and its data directory, a line each. Stop and delete it with `switchboard_postgres_stop DATA`.
switchboard_postgres_start_standby() {
    [ -n "${SWITCHBOARD_TEST_POSTGRES_URL:-}" ] && [ -n "${SWITCHBOARD_TEST_POSTGRES_BIN:-}" ] \
        || { _switchboard_postgres_log "no cluster to replicate (start one first)"; return 1; }
    local bin=$SWITCHBOARD_TEST_POSTGRES_BIN owner primary_port root data port attempt
    owner=${SWITCHBOARD_TEST_POSTGRES_OS_USER:-$(id -un)}
    primary_port=$(sed -E 's#^.*:([0-9]+)/.*$#\1#' <<<"$SWITCHBOARD_TEST_POSTGRES_URL")
    root=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-postgres.XXXXXX") || return 1
    chmod 755 "$root"
    chown "$owner" "$root" || return 1
    data="$root/data"
    SWITCHBOARD_TEST_POSTGRES_OS_USER=$owner _switchboard_postgres_as_owner "$bin/pg_basebackup" -h 127.0.0.1 \
        -p "$primary_port" -U postgres -D "$data" -R -X stream -c fast >"$root/basebackup.log" 2>&1 || {
        _switchboard_postgres_log "pg_basebackup failed:"; cat "$root/basebackup.log" >&2; rm -rf "$root"; return 1; }
    for attempt in 1 2 3 4 5; do
        port=$(_switchboard_postgres_free_port) || { rm -rf "$root"; return 1; }
        # After the primary's lines, copied with the backup: the last setting wins.
        printf '%s\n' "# switchboard test standby" "port = $port" "unix_socket_directories = '$root'" \
            "hot_standby = on" "hot_standby_feedback = on" >>"$data/postgresql.conf"
        if (_switchboard_postgres_close_inherited_fds
            SWITCHBOARD_TEST_POSTGRES_OS_USER=$owner _switchboard_postgres_as_owner \
                "$bin/pg_ctl" -D "$data" -l "$root/postgres.log" -w -t 60 start </dev/null >/dev/null 2>&1); then
            printf '%s\n' "postgres://postgres@127.0.0.1:$port/switchboard_test" "$data"
            return 0
        fi
    done
    _switchboard_postgres_log "the standby did not start:"; tail -n 20 "$root/postgres.log" >&2; rm -rf "$root"
    return 1
}

switchboard_postgres_stop() {
    local data="${1:-${SWITCHBOARD_TEST_POSTGRES_DATA:-}}"
    [ -n "$data" ] || return 0
    if [ -d "$data" ]; then
        SWITCHBOARD_TEST_POSTGRES_DATA=$data switchboard_postgres_pg_ctl stop -m fast >/dev/null 2>&1 || true
        # Only ever delete a directory this script made.
        case "$(dirname "$data")" in
            */switchboard-postgres.*) rm -rf "$(dirname "$data")" ;;
        esac
    fi
    if [ "$data" = "${SWITCHBOARD_TEST_POSTGRES_DATA:-}" ]; then
        unset SWITCHBOARD_TEST_POSTGRES_URL SWITCHBOARD_TEST_POSTGRES_DATA SWITCHBOARD_TEST_POSTGRES_BIN \
            SWITCHBOARD_TEST_POSTGRES_OS_USER
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
        start)
            _SWITCHBOARD_POSTGRES_STANDALONE=1 switchboard_postgres_start
            for name in SWITCHBOARD_TEST_POSTGRES_URL SWITCHBOARD_TEST_POSTGRES_DATA SWITCHBOARD_TEST_POSTGRES_BIN \
                SWITCHBOARD_TEST_POSTGRES_OS_USER; do
                printf 'export %s=%q\n' "$name" "${!name:-}"
            done
            ;;
        stop)
            if [ -n "${2:-}" ]; then
                SWITCHBOARD_TEST_POSTGRES_BIN=${SWITCHBOARD_TEST_POSTGRES_BIN:-$(_switchboard_postgres_bin)}
                SWITCHBOARD_TEST_POSTGRES_OS_USER=${SWITCHBOARD_TEST_POSTGRES_OS_USER:-$(stat -c %U "$2" 2>/dev/null || id -un)}
            fi
            switchboard_postgres_stop "${2:-}"
            ;;
        *)
            echo "usage: $0 start|stop [DATA_DIR]   (or: source $0)" >&2
            exit 2
            ;;
    esac
fi
