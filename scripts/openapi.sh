#!/usr/bin/env bash
# The OpenAPI checks of scripts/test.sh (issue 9): every recorded exchange validated against openapi.yaml, then a
# schemathesis run and a raw HTTP fuzz run against a real server on a loopback port.
#
# Sourced (what scripts/test.sh does):
#     source scripts/openapi.sh
#     switchboard_openapi_venv                  # .venv/ with the pinned tools of scripts/openapi/requirements.txt
#     switchboard_openapi_record                # exports SWITCHBOARD_RECORD_EXCHANGES, a new temporary directory:
#                                               #   the Swift suites record every HTTP exchange there
#     switchboard_openapi_validate              # checks the recorded exchanges against openapi.yaml
#     switchboard_openapi_fuzz BINARY           # serve, schemathesis, raw HTTP fuzz, stop
#     switchboard_openapi_fuzz_cluster BINARY   # schemathesis through nginx in front of two PostgreSQL instances
#     switchboard_openapi_stop                  # stops the fuzz server, removes the temporary files (EXIT traps)
# Knobs: SWITCHBOARD_FUZZ_EXAMPLES (schemathesis examples per operation, default 300), SWITCHBOARD_FUZZ_SEED
# (default 20260101), SWITCHBOARD_FUZZ_HTTP_CASES (raw cases, default 3000), SWITCHBOARD_FUZZ_CLUSTER_EXAMPLES
# (schemathesis examples per operation through the balancer, default 40).

_switchboard_openapi_log() { echo "openapi.sh: $*" >&2; }

SWITCHBOARD_OPENAPI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bench-lib.sh
source "$SWITCHBOARD_OPENAPI_ROOT/scripts/bench-lib.sh"  # free_port, start_nginx
SWITCHBOARD_OPENAPI_VENV="$SWITCHBOARD_OPENAPI_ROOT/.venv"
SWITCHBOARD_OPENAPI_SERVER_PIDS=()
SWITCHBOARD_OPENAPI_WORK=""

# Creates .venv/ and installs the pinned requirements, unless it already has exactly these.
switchboard_openapi_venv() {
    local requirements="$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/requirements.txt"
    local stamp="$SWITCHBOARD_OPENAPI_VENV/.switchboard-requirements"
    if [ -x "$SWITCHBOARD_OPENAPI_VENV/bin/python" ] && cmp -s "$requirements" "$stamp"; then
        return 0
    fi
    _switchboard_openapi_log "installing $(grep -c '==' "$requirements") pinned packages into .venv/"
    python3 -m venv "$SWITCHBOARD_OPENAPI_VENV"
    "$SWITCHBOARD_OPENAPI_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
}

switchboard_openapi_record() {
    SWITCHBOARD_RECORD_EXCHANGES=$(mktemp -d)
    export SWITCHBOARD_RECORD_EXCHANGES
}

switchboard_openapi_validate() {
    "$SWITCHBOARD_OPENAPI_VENV/bin/python" "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/validate_exchanges.py" \
        "$SWITCHBOARD_OPENAPI_ROOT/openapi.yaml" "$SWITCHBOARD_RECORD_EXCHANGES" "$SWITCHBOARD_OPENAPI_ROOT/docs/compatibility.md"
}

switchboard_openapi_stop() {
    _switchboard_openapi_stop_server
    if [ -n "${SWITCHBOARD_RECORD_EXCHANGES:-}" ] && [ -d "$SWITCHBOARD_RECORD_EXCHANGES" ]; then
        rm -rf "$SWITCHBOARD_RECORD_EXCHANGES"
    fi
}

_switchboard_openapi_stop_server() {
    local pid
    for pid in "${SWITCHBOARD_OPENAPI_SERVER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SWITCHBOARD_OPENAPI_SERVER_PIDS=()
    if [ -n "$SWITCHBOARD_OPENAPI_WORK" ]; then
        [ -f "$SWITCHBOARD_OPENAPI_WORK/nginx.pid" ] && kill "$(cat "$SWITCHBOARD_OPENAPI_WORK/nginx.pid")" 2>/dev/null
        rm -rf "$SWITCHBOARD_OPENAPI_WORK"
        SWITCHBOARD_OPENAPI_WORK=""
    fi
}

# `serve` on DATABASE and PORT, its log in the work folder as server-PORT.log (rate limits high enough never to
# trigger, the control API on so that its routes answer the fuzz token with their documented 401); returns once
# /healthz answers.
_switchboard_openapi_serve() {
    local binary=$1 database=$2 port=$3
    "$binary" serve --hostname 127.0.0.1 --port "$port" --database "$database" --rate-limit-burst 1000000000 \
        --control --log-level warning >"$SWITCHBOARD_OPENAPI_WORK/server-$port.log" 2>&1 &
    SWITCHBOARD_OPENAPI_SERVER_PIDS+=($!)
    "$SWITCHBOARD_OPENAPI_VENV/bin/python" - "$port" <<'EOF'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("openapi.sh: the fuzz server did not start")
EOF
}

# schemathesis against BASE_URL with TOKEN, EXAMPLES per operation.
_switchboard_openapi_schemathesis() {
    local base=$1 token=$2 examples=$3 seed=${SWITCHBOARD_FUZZ_SEED:-20260101} started=$SECONDS
    local checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
    checks+=,response_headers_conformance
    # Every operation but the live event stream (an answer that never ends; ControlEventsTests hold it to its rules),
    # with a valid token and Version; a fixed seed and Hypothesis database off, so the run repeats.
    (cd "$SWITCHBOARD_OPENAPI_WORK" && SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi" \
        "$SWITCHBOARD_OPENAPI_VENV/bin/schemathesis" run "$SWITCHBOARD_OPENAPI_ROOT/openapi.yaml" \
        --url "$base" -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        --checks "$checks" --exclude-operation-id control-events \
        --max-examples "$examples" --seed "$seed" --workers 1 --generation-database none --no-color)
    _switchboard_openapi_log "schemathesis against $base took $((SECONDS - started)) s"
}

# Fails when a server died or logged an unhandled error.
_switchboard_openapi_check_servers() {
    local pid log
    for pid in "${SWITCHBOARD_OPENAPI_SERVER_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && continue
        _switchboard_openapi_log "a fuzz server died"; cat "$SWITCHBOARD_OPENAPI_WORK"/server-*.log >&2; return 1
    done
    for log in "$SWITCHBOARD_OPENAPI_WORK"/server-*.log; do
        if grep -E "unhandled error|Fatal error|unexpected HTTP error" "$log" >&2; then
            _switchboard_openapi_log "a fuzz server logged the errors above ($log)"; return 1
        fi
    done
}

# Serves a temporary SQLite store (the fixture of scripts/openapi/fuzz-fixture.ndjson, a token with every scope) on a
# free loopback port, fuzzes it with schemathesis and raw HTTP, and stops it.
switchboard_openapi_fuzz() {
    local binary=$1 port token
    SWITCHBOARD_OPENAPI_WORK=$(mktemp -d)
    local database="$SWITCHBOARD_OPENAPI_WORK/fuzz.sqlite"
    "$binary" import "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/fuzz-fixture.ndjson" --strict --database "$database" >&2
    token=$("$binary" token create --location FuzzLocation00000001 --name fuzz --database "$database")
    port=$(free_port)
    _switchboard_openapi_serve "$binary" "$database" "$port"
    _switchboard_openapi_schemathesis "http://127.0.0.1:$port" "$token" "${SWITCHBOARD_FUZZ_EXAMPLES:-300}"
    "$SWITCHBOARD_OPENAPI_VENV/bin/python" "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/fuzz_http.py" "$port" "$token" \
        --cases "${SWITCHBOARD_FUZZ_HTTP_CASES:-3000}" --seed "${SWITCHBOARD_FUZZ_SEED:-20260101}"
    _switchboard_openapi_check_servers
    _switchboard_openapi_stop_server
}

# The same schemathesis run (fewer examples: SWITCHBOARD_FUZZ_CLUSTER_EXAMPLES, default 40) through nginx, round
# robin, in front of two instances on one schema of the test PostgreSQL cluster (issue 21: the API behind a load
# balancer answers as one server does, and consecutive requests land on different instances). Needs
# SWITCHBOARD_TEST_POSTGRES_URL, SWITCHBOARD_TEST_POSTGRES_BIN and SWITCHBOARD_NGINX.
switchboard_openapi_fuzz_cluster() {
    local binary=$1 schema database token first second balancer
    SWITCHBOARD_OPENAPI_WORK=$(mktemp -d)
    chmod 755 "$SWITCHBOARD_OPENAPI_WORK"
    schema="fuzz_cluster_$RANDOM$RANDOM"
    "$SWITCHBOARD_TEST_POSTGRES_BIN/psql" -q -d "$SWITCHBOARD_TEST_POSTGRES_URL" -c "CREATE SCHEMA $schema"
    database="$SWITCHBOARD_TEST_POSTGRES_URL?search_path=$schema&pool_size=4"
    "$binary" import "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/fuzz-fixture.ndjson" --strict --database "$database" >&2
    token=$("$binary" token create --location FuzzLocation00000001 --name fuzz --database "$database")
    first=$(free_port)
    second=$(free_port)
    balancer=$(free_port)
    _switchboard_openapi_serve "$binary" "$database" "$first"
    _switchboard_openapi_serve "$binary" "$database" "$second"
    # Round robin, bodies of any size, answers passed on as they come.
    start_nginx "$SWITCHBOARD_OPENAPI_WORK" "$balancer" off \
        'proxy_pass http://switchboard; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; proxy_buffering off;' \
        "upstream switchboard { server 127.0.0.1:$first; server 127.0.0.1:$second; keepalive 8; } client_max_body_size 0; client_body_buffer_size 32m;"
    _switchboard_openapi_schemathesis "http://127.0.0.1:$balancer" "$token" "${SWITCHBOARD_FUZZ_CLUSTER_EXAMPLES:-40}"
    _switchboard_openapi_check_servers
    _switchboard_openapi_stop_server
    "$SWITCHBOARD_TEST_POSTGRES_BIN/psql" -q -d "$SWITCHBOARD_TEST_POSTGRES_URL" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
}
