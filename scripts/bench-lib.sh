# Shared by the bench scripts (sourced): their set-up and clean-up, a free port, the clock, and nginx (which
# scripts/openapi.sh also uses to put a balancer in front of two instances).

# Installs Debian package $2 when command $1 is missing.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "$(basename "$0"): installing $2" >&2
    apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null
}

# The release binary in $bin (built first unless BENCH_SKIP_BUILD is set); a new folder in $work, named after $1,
# that nginx's workers (another user) can read; $pids, the processes the exit stops. $2, when given, names a
# function the exit runs too (before the folder goes).
bench_setup() {
    [ -n "${BENCH_SKIP_BUILD:-}" ] || swift build -c release --product switchboard >&2
    bin="$PWD/.build/release/switchboard"
    work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-$1.XXXXXX")
    chmod 755 "$work"
    pids=()
    bench_also_on_exit=${2:-}
    trap bench_cleanup EXIT
}

bench_cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    [ -z "$bench_also_on_exit" ] || "$bench_also_on_exit" || true
    rm -rf "$work"
}

# Runs wrk on URL $1 with bearer token $2 for $duration, $3 connections (default $connections, or 64) on up to 2
# threads, $4 an optional wrk Lua script; prints "requests/s p50 p99" (latencies in ms). Any non-2xx answer stops the
# run: the numbers would not mean anything.
measure() {
    local url=$1 token=$2 clients=${3:-${connections:-64}} script=${4:-} out
    out=$(wrk -t"$((clients < 2 ? clients : 2))" -c"$clients" -d"$duration" --latency ${script:+-s "$script"} \
        -H "Authorization: Bearer $token" -H "Version: 2021-04-15" "$url")
    local errors
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    if [ -n "$errors" ]; then
        echo "$(basename "$0"): $errors non-2xx answers for $url: the numbers would not mean anything" >&2
        exit 1
    fi
    echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")" \
        "$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")"
}
# wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print v }'; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# Starts nginx (2 workers) on port $2 with its files in $1; $3 is the access log ("off" for none), $4 the body of
# `location /`, $5 (optional) more of the `http` block (an upstream). The caller's cleanup stops it through
# $1/nginx.pid. SWITCHBOARD_NGINX, when set, is the nginx to run.
start_nginx() {
    local work=$1 port=$2 access_log=$3 location=$4 http_extra=${5:-}
    cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log $access_log;
    default_type application/json;
    client_body_temp_path $work/nginx-body;
    $http_extra
    server {
        listen 127.0.0.1:$port;
        location / { $location }
    }
}
CONF
    "${SWITCHBOARD_NGINX:-nginx}" -c "$work/nginx.conf" -p "$work"
}
