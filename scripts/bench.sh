#!/usr/bin/env bash
# Measures Switchboard against the limit of this machine: nginx serving the same response bytes as a static file,
# in the same run. Prints a table and ratios. Release build; wrk and nginx are installed with apt-get if missing.
#
#   ./scripts/bench.sh                      # SQLite (default)
#   ./scripts/bench.sh --database postgres  # the same read cases on a throwaway PostgreSQL cluster, beside SQLite
#   BENCH_DURATION=5s BENCH_MESSAGES=100000 BENCH_LARGE=60000 ./scripts/bench.sh   # a quicker, smaller run
set -euo pipefail
cd "$(dirname "$0")/.."

# --micro: only the in-process micro-benchmarks of the hot functions (Benchmarks/run.sh: no HTTP, no import).
if [ "${1:-}" = "--micro" ]; then shift; exec ./Benchmarks/run.sh "$@"; fi

with_postgres=false
[ "${1:-}" = "--database" ] && [ "${2:-}" = "postgres" ] && with_postgres=true
duration=${BENCH_DURATION:-15s}
messages=${BENCH_MESSAGES:-1000000}
conversations=${BENCH_CONVERSATIONS:-10000}
large=${BENCH_LARGE:-100000}
threads=2
connections=64

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "bench.sh: installing $2" >&2
    apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null
}
need wrk wrk
need nginx nginx
need curl curl

[ -n "${BENCH_SKIP_BUILD:-}" ] || swift build -c release --product switchboard >&2
bin="$PWD/.build/release/switchboard"
work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench.XXXXXX")
chmod 755 "$work"  # nginx's workers run as another user and must read the baseline file
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    if $with_postgres; then switchboard_postgres_stop || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

location=BenchLocation0000000
typical=Conv0000000000000042
large_id=LargeConversation000
# The large conversation's message n is Msg<messages + n>; the page after the cursor lies 50,000 messages deep.
deep_cursor=$(printf 'Msg%017d' $((messages + large - 1 - 50000)))
single=$(printf 'Msg%017d' $((messages / 2)))

echo "bench.sh: generating $messages messages over $conversations conversations, plus one of $large" >&2
"$bin" generate --messages "$messages" --conversations "$conversations" --large "$large" --location "$location" \
    >"$work/data.ndjson"
# The generator leaves 450 MB of the data file to be written back; flush it now, so the import's own writes are not
# timed queued behind it.
sync
total=$((messages + large))

# Runs one wrk case; prints "requests/s p50 p99" (latencies in ms).
measure() {
    local url=$1 token=$2 out
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency \
        -H "Authorization: Bearer $token" -H "Version: 2021-04-15" "$url")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local errors
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    if [ -n "$errors" ]; then
        echo "bench.sh: $errors non-2xx answers for $url: the numbers would not mean anything" >&2
        exit 1
    fi
    echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print v }'; }

declare -A results
run_backend() {
    local name=$1 database=$2
    echo "bench.sh: [$name] importing" >&2
    local started ended
    started=$(now_ms)
    "$bin" import "$work/data.ndjson" --database "$database" 2>"$work/import-$name.log"
    ended=$(now_ms)
    results[$name,import]=$(( total * 1000 / (ended - started > 0 ? ended - started : 1) ))
    local token port pid
    token=$("$bin" token create --location "$location" --database "$database")
    port=$(free_port)
    started=$(now_ms)
    "$bin" serve --port "$port" --database "$database" --rate-limit off --log-level warning >/dev/null 2>"$work/serve-$name.log" &
    pid=$!
    pids+=("$pid")
    local base="http://127.0.0.1:$port"
    until curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        "$base/conversations/$typical/messages?limit=20"; do
        sleep 0.005
        kill -0 "$pid" 2>/dev/null || { cat "$work/serve-$name.log" >&2; exit 1; }
    done
    results[$name,coldstart]=$(( $(now_ms) - started ))
    curl -s -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        "$base/conversations/$typical/messages?limit=20" >"$work/page-$name.json"
    echo "bench.sh: [$name] case 1: newest page" >&2
    results[$name,1]=$(measure "$base/conversations/$typical/messages?limit=20" "$token")
    echo "bench.sh: [$name] case 2: 50,000 deep" >&2
    results[$name,2]=$(measure "$base/conversations/$large_id/messages?limit=20&lastMessageId=$deep_cursor" "$token")
    echo "bench.sh: [$name] case 3: type filter" >&2
    results[$name,3]=$(measure "$base/conversations/$typical/messages?limit=20&type=TYPE_SMS,TYPE_CALL" "$token")
    echo "bench.sh: [$name] case 4: one message" >&2
    results[$name,4]=$(measure "$base/conversations/messages/$single" "$token")
    results[$name,rss]=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

run_backend sqlite "$work/bench.sqlite"
if $with_postgres; then
    # shellcheck source=scripts/postgres.sh
    source scripts/postgres.sh
    switchboard_postgres_start >&2  # a throwaway cluster on a free port, stopped by cleanup
    run_backend postgres "$SWITCHBOARD_TEST_POSTGRES_URL"
fi

echo "bench.sh: baseline: nginx serving case 1's bytes" >&2
mkdir -p "$work/www/conversations/$typical"
cp "$work/page-sqlite.json" "$work/www/conversations/$typical/messages"
chmod -R a+rX "$work/www"
nginx_port=$(free_port)
start_nginx "$work" "$nginx_port" off "root $work/www;"
sleep 0.3
results[nginx,1]=$(measure "http://127.0.0.1:$nginx_port/conversations/$typical/messages" none)
kill "$(cat "$work/nginx.pid")"
rm -f "$work/nginx.pid"

# The table.
read -r nginx_rps nginx_p50 nginx_p99 <<<"${results[nginx,1]}"
printf '\n%s, %s cores, %s, wrk -t%s -c%s -d%s; %s messages\n\n' "$(date -u +%Y-%m-%d)" "$(nproc)" \
    "$(uname -m)" "$threads" "$connections" "$duration" "$total"
printf '| backend | case | requests/s | p50 ms | p99 ms | ratio to nginx | latency / case 1 |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: |\n'
printf '| nginx | static file of case 1 | %s | %s | %s | 1.00 | |\n' "$nginx_rps" "$nginx_p50" "$nginx_p99"
names=("1: newest page" "2: 50,000 deep" "3: type=TYPE_SMS,TYPE_CALL" "4: GET one message")
for backend in sqlite $($with_postgres && echo postgres); do
    read -r _ base_p50 _ <<<"${results[$backend,1]}"
    for case in 1 2 3 4; do
        read -r rps p50 p99 <<<"${results[$backend,$case]}"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "${names[$((case - 1))]}" "$rps" "$p50" "$p99" \
            "$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }')" \
            "$(awk -v a="$p50" -v b="$base_p50" 'BEGIN { printf "%.2f", a/b }')"
    done
done
printf '\n| backend | import (messages/s) | server RSS after the read cases (MB) | cold start to first 200 (ms) |\n'
printf '| --- | ---: | ---: | ---: |\n'
for backend in sqlite $($with_postgres && echo postgres); do
    printf '| %s | %s | %s | %s |\n' "$backend" "${results[$backend,import]}" "${results[$backend,rss]}" \
        "${results[$backend,coldstart]}"
done
