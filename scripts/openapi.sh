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
#     switchboard_openapi_stop                  # stops the fuzz server, removes the temporary files (EXIT traps)
# Knobs: SWITCHBOARD_FUZZ_EXAMPLES (schemathesis examples per operation, default 300), SWITCHBOARD_FUZZ_SEED
# (default 20260101), SWITCHBOARD_FUZZ_HTTP_CASES (raw cases, default 3000).

_switchboard_openapi_log() { echo "openapi.sh: $*" >&2; }

SWITCHBOARD_OPENAPI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWITCHBOARD_OPENAPI_VENV="$SWITCHBOARD_OPENAPI_ROOT/.venv"
SWITCHBOARD_OPENAPI_SERVER_PID=""
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
    if [ -n "$SWITCHBOARD_OPENAPI_SERVER_PID" ]; then
        kill -TERM "$SWITCHBOARD_OPENAPI_SERVER_PID" 2>/dev/null || true
        wait "$SWITCHBOARD_OPENAPI_SERVER_PID" 2>/dev/null || true
        SWITCHBOARD_OPENAPI_SERVER_PID=""
    fi
    if [ -n "$SWITCHBOARD_OPENAPI_WORK" ]; then
        rm -rf "$SWITCHBOARD_OPENAPI_WORK"
        SWITCHBOARD_OPENAPI_WORK=""
    fi
}

# Serves a temporary SQLite store (the fixture of scripts/openapi/fuzz-fixture.ndjson, a token with every scope,
# rate limits high enough never to trigger, the control API on so that its routes answer the fuzz token with their
# documented 401) on a free loopback port, fuzzes it, and stops it.
switchboard_openapi_fuzz() {
    local binary=$1 python="$SWITCHBOARD_OPENAPI_VENV/bin/python" port token started
    local examples=${SWITCHBOARD_FUZZ_EXAMPLES:-300} seed=${SWITCHBOARD_FUZZ_SEED:-20260101}
    SWITCHBOARD_OPENAPI_WORK=$(mktemp -d)
    local work=$SWITCHBOARD_OPENAPI_WORK database="$SWITCHBOARD_OPENAPI_WORK/fuzz.sqlite"
    "$binary" import "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/fuzz-fixture.ndjson" --strict --database "$database" >&2
    token=$("$binary" token create --location FuzzLocation00000001 --name fuzz --database "$database")
    port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$binary" serve --hostname 127.0.0.1 --port "$port" --database "$database" --rate-limit-burst 1000000000 \
        --control --log-level warning >"$work/server.log" 2>&1 &
    SWITCHBOARD_OPENAPI_SERVER_PID=$!
    "$python" - "$port" <<'EOF'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("openapi.sh: the fuzz server did not start")
EOF
    started=$SECONDS
    local checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
    checks+=,response_headers_conformance
    # Every operation but the live event stream (an answer that never ends; ControlEventsTests hold it to its rules),
    # with a valid token and Version; a fixed seed and Hypothesis database off, so the run repeats.
    (cd "$work" && SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi" \
        "$SWITCHBOARD_OPENAPI_VENV/bin/schemathesis" run "$SWITCHBOARD_OPENAPI_ROOT/openapi.yaml" \
        --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        --checks "$checks" --exclude-operation-id control-events \
        --max-examples "$examples" --seed "$seed" --workers 1 --generation-database none --no-color)
    _switchboard_openapi_log "schemathesis took $((SECONDS - started)) s"
    "$python" "$SWITCHBOARD_OPENAPI_ROOT/scripts/openapi/fuzz_http.py" "$port" "$token" \
        --cases "${SWITCHBOARD_FUZZ_HTTP_CASES:-3000}" --seed "$seed"
    if ! kill -0 "$SWITCHBOARD_OPENAPI_SERVER_PID" 2>/dev/null; then
        _switchboard_openapi_log "the fuzz server died"; cat "$work/server.log" >&2; return 1
    fi
    if grep -E "unhandled error|Fatal error|unexpected HTTP error" "$work/server.log" >&2; then
        _switchboard_openapi_log "the fuzz server logged the errors above"; return 1
    fi
    _switchboard_openapi_stop_server
}
