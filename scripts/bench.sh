#!/usr/bin/env bash
# Measures Switchboard as users run it, on data shaped like a real export (`generate --realistic`), against the
# limit of this machine: nginx serving the same response bytes as a static file, in the same run. The read cases run
# in the default configuration and with --log-level warning; imports run into an empty and a non-empty database
# (and, for comparison, `generate`'s sequential ids). Prints tables and ratios (docs/performance.md explains them).
# Release build; wrk and nginx are installed with apt-get if missing.
#
#   ./scripts/bench.sh                      # SQLite (default)
#   ./scripts/bench.sh --database postgres  # the same read cases on a throwaway PostgreSQL cluster, beside SQLite,
#                                           # then scripts/bench-cluster.sh (several instances, a standby)
#   BENCH_DURATION=5s BENCH_MESSAGES=100000 BENCH_LARGE=60000 ./scripts/bench.sh   # a quicker, smaller run
#   BENCH_MORE=200000 ...                   # the size of the file imported into the full database (default: the same)
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

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need wrk wrk
need nginx nginx
need curl curl
stop_postgres() { if $with_postgres; then switchboard_postgres_stop; fi; }
bench_setup bench stop_postgres

location=BenchLocation0000000
total=$((messages + large))
more=${BENCH_MORE:-$total}

# The read cases and the main import use data shaped like a real export (random 20-character ids, grouped by
# conversation, varied bodies: `generate --realistic`); `generate`'s sequential ids are imported beside it, as the
# friendly case they are.
echo "bench.sh: generating $total messages like a real export ($conversations conversations plus one of $large)" >&2
"$bin" generate --realistic --messages "$messages" --conversations "$conversations" --large "$large" \
    --location "$location" >"$work/data.ndjson"
echo "bench.sh: generating $more more for a database that already has messages, and $total sequential" >&2
"$bin" generate --realistic --messages "$more" --conversations "$conversations" --large 0 --seed 2 \
    --location "$location" >"$work/more.ndjson"
"$bin" generate --messages "$messages" --conversations "$conversations" --large "$large" --location "$location" \
    >"$work/sequential.ndjson"
# The generator leaves the files' pages to be written back; flush them now, so the imports' own writes are not
# timed queued behind them.
sync

# What the read cases ask for, read from the data: a conversation of 20 messages or more, the large conversation
# (last in the file, newest first) with a cursor `depth` messages deep, a message from the middle, and search texts.
depth=$((large / 2 < 50000 ? large / 2 : 50000))
read -r typical large_id deep_cursor single search_narrow search_broad < <(python3 - "$work/data.ndjson" "$total" "$large" "$depth" <<'PY'
import json, sys, urllib.parse
path, total, large, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
typical = None; run = (None, 0); newest = {}
with open(path, encoding="utf-8") as lines:
    for number, line in enumerate(lines, 1):
        message = json.loads(line)
        conversation = message["conversationId"]
        newest.setdefault(conversation, message)
        run = (conversation, run[1] + 1) if run[0] == conversation else (conversation, 1)
        if typical is None and run[1] == 20: typical = conversation
        if number == total // 2: single = message["id"]
        if number == total - large + depth: cursor = message["id"]
        last = message
# A narrow search: 14 characters from the middle of the typical conversation's newest body (what the list shows).
body = newest[typical].get("body") or "appointment"
middle = max(0, len(body) // 2 - 7)
narrow = body[middle:middle + 14].strip() or "appointment"
print(typical, last["conversationId"], cursor, single, urllib.parse.quote(narrow), "appointment")
PY
)


# Imports $1 into $2; prints "messages/s peak-RSS-MB". Peak RSS is the import process's own (getrusage).
timed_import() {
    local file=$1 database=$2 name=$3 lines
    lines=$(wc -l <"$file")
    python3 - "$bin" "$file" "$database" "$lines" 2>"$work/import-$name.log" <<'PY'
import resource, subprocess, sys, time
binary, path, database, lines = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
started = time.monotonic()
subprocess.run([binary, "import", path, "--database", database], check=True, stdout=subprocess.DEVNULL)
elapsed = time.monotonic() - started
print(int(lines / elapsed), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
}

# The server as the README starts it, on the bench's database: the default log level (an access line per request,
# here into a file), rate limits on (with budgets no run reaches, so that they are counted but never answer 429).
# $4 adds flags ("--log-level warning" for the quiet configuration).
start_server() {
    local name=$1 database=$2 token=$3 extra=$4 port
    port=$(free_port)
    local started
    started=$(now_ms)
    # shellcheck disable=SC2086
    "$bin" serve --port "$port" --database "$database" --rate-limit-burst 1000000000 --rate-limit-daily 1000000000 \
        $extra >/dev/null 2>"$work/serve-$name.log" &
    server_pid=$!
    pids+=("$server_pid")
    base="http://127.0.0.1:$port"
    until curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        "$base/conversations/$typical/messages?limit=20"; do
        sleep 0.005
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve-$name.log" >&2; exit 1; }
    done
    coldstart=$(( $(now_ms) - started ))
}

declare -A results
configurations=(default quiet)
# Both configurations run side by side, each on a server of its own, and each case is measured on one, then at once
# on the other: the default / quiet ratio compares two runs a few seconds apart, not two halves of the bench (the
# machine's own drift over minutes moved that ratio by ±0.15 between benches).
run_reads() {
    local name=$1 database=$2 token=$3 configuration extra case
    declare -A bases pids
    for configuration in "${configurations[@]}"; do
        extra=""; [ "$configuration" = quiet ] && extra="--log-level warning"
        start_server "$name-$configuration" "$database" "$token" "$extra"
        [ "$configuration" = default ] && results[$name,coldstart]=$coldstart
        bases[$configuration]=$base
        pids[$configuration]=$server_pid
    done
    curl -s -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        "${bases[default]}/conversations/$typical/messages?limit=20" >"$work/page-$name.json"
    # A second of case 1 on each, not recorded: the first run after an import otherwise pays for a cold page cache.
    for configuration in "${configurations[@]}"; do
        duration=1s measure "${bases[$configuration]}/conversations/$typical/messages?limit=20" "$token" >/dev/null
    done
    for case in 1 2 3 4 5 6; do
        echo "bench.sh: [$name] read case $case, default then quiet" >&2
        for configuration in "${configurations[@]}"; do
            base=${bases[$configuration]}
            results[$name,$configuration,$case]=$(case $case in
                (1) measure "$base/conversations/$typical/messages?limit=20" "$token" ;;
                (2) measure "$base/conversations/$large_id/messages?limit=20&lastMessageId=$deep_cursor" "$token" ;;
                (3) measure "$base/conversations/$typical/messages?limit=20&type=TYPE_SMS,TYPE_CALL" "$token" ;;
                (4) measure "$base/conversations/messages/$single" "$token" ;;
                # Search takes the full path and reads the database: one client at a time, so p50 is a page's own time.
                (5) measure "$base/conversations/search?locationId=$location&query=$search_narrow&limit=20" "$token" 1 ;;
                (6) measure "$base/conversations/search?locationId=$location&query=$search_broad&limit=20" "$token" 1 ;;
            esac)
        done
    done
    for configuration in "${configurations[@]}"; do
        results[$name,$configuration,rss]=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/${pids[$configuration]}/status")
        kill "${pids[$configuration]}"
        wait "${pids[$configuration]}" 2>/dev/null || true
    done
}

run_backend() {
    local name=$1 database=$2 token
    echo "bench.sh: [$name] importing the realistic file into an empty database" >&2
    results[$name,import,empty]=$(timed_import "$work/data.ndjson" "$database" "$name-empty")
    token=$("$bin" token create --location "$location" --database "$database")
    run_reads "$name" "$database" "$token"
    echo "bench.sh: [$name] importing $more more into the database of $total" >&2
    results[$name,import,more]=$(timed_import "$work/more.ndjson" "$database" "$name-more")
}

echo "bench.sh: [sqlite] importing the sequential file (generate without --realistic) into an empty database" >&2
results[sqlite,import,sequential]=$(timed_import "$work/sequential.ndjson" "$work/sequential.sqlite" sequential)
rm -f "$work"/sequential.sqlite*
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

# The tables.
read -r nginx_rps nginx_p50 nginx_p99 <<<"${results[nginx,1]}"
printf '\n%s, %s cores, %s, wrk -t%s -c%s -d%s (search: -c1); %s messages like a real export (random ids, grouped by conversation)\n\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc)" "$(uname -m)" "$threads" "$connections" "$duration" "$total"
printf '| backend | configuration | case | requests/s | p50 ms | p99 ms | ratio to nginx | default / quiet |\n'
printf '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n'
printf '| nginx | access log off | static file of case 1 | %s | %s | %s | 1.00 | |\n' "$nginx_rps" "$nginx_p50" "$nginx_p99"
names=("1: newest page" "2: $depth deep" "3: type=TYPE_SMS,TYPE_CALL" "4: GET one message" "5: search, narrow"
       "6: search, broad")
for backend in sqlite $($with_postgres && echo postgres); do
    for configuration in "${configurations[@]}"; do
        for case in 1 2 3 4 5 6; do
            read -r rps p50 p99 <<<"${results[$backend,$configuration,$case]}"
            read -r quiet_rps _ <<<"${results[$backend,quiet,$case]}"
            printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$configuration" "${names[$((case - 1))]}" \
                "$rps" "$p50" "$p99" \
                "$( ((case <= 4)) && awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }')" \
                "$([ "$configuration" = default ] && awk -v a="$rps" -v b="$quiet_rps" 'BEGIN { printf "%.2f", a/b }')"
        done
    done
done
printf '\n(default: serve as the README starts it, access log at info into a file; quiet: --log-level warning; both servers up at once, each case run on one and then on the other.)\n'
printf '\n| backend | import | messages/s | peak RSS of the import (MB) |\n'
printf '| --- | --- | ---: | ---: |\n'
read -r rate rss <<<"${results[sqlite,import,sequential]}"
printf '| sqlite | %s sequential (generate), empty database | %s | %s |\n' "$total" "$rate" "$rss"
for backend in sqlite $($with_postgres && echo postgres); do
    read -r rate rss <<<"${results[$backend,import,empty]}"
    printf '| %s | %s realistic, empty database | %s | %s |\n' "$backend" "$total" "$rate" "$rss"
    read -r rate rss <<<"${results[$backend,import,more]}"
    printf '| %s | %s realistic, into the %s | %s | %s |\n' "$backend" "$more" "$total" "$rate" "$rss"
done
echo "bench.sh: starting an in-memory server 21 times" >&2
read -r memory_listening memory_answered < <(python3 scripts/bench-start.py "$bin")
printf '\n| `serve --database :memory: --port 0`, median of 21 starts | to the `listening on` line (ms) | to the first answer (ms) |\n'
printf '| --- | ---: | ---: |\n'
printf '| new in-memory store (target < 50 ms) | %s | %s |\n' "$memory_listening" "$memory_answered"
printf '\n| backend | server RSS after the read cases (MB) | cold start to first 200 (ms) |\n'
printf '| --- | ---: | ---: |\n'
for backend in sqlite $($with_postgres && echo postgres); do
    printf '| %s | %s | %s |\n' "$backend" "${results[$backend,default,rss]}" "${results[$backend,coldstart]}"
done

# Issue 21's cases (two instances behind nginx, shared rate limits, uncached pages against `pgbench -S`, reads from
# a standby): scripts/bench-cluster.sh, the same binary, on a PostgreSQL cluster of its own and data of its own shape
# (this bench's BENCH_MESSAGES and BENCH_CONVERSATIONS are not its own: 100,000 conversations gave it none of the
# twenty messages its page needs).
if $with_postgres; then
    echo "bench.sh: the cluster cases (scripts/bench-cluster.sh)" >&2
    env -u SWITCHBOARD_TEST_POSTGRES_URL -u SWITCHBOARD_TEST_POSTGRES_DATA -u SWITCHBOARD_TEST_POSTGRES_BIN \
        -u SWITCHBOARD_TEST_POSTGRES_OS_USER -u BENCH_MESSAGES -u BENCH_CONVERSATIONS \
        BENCH_SKIP_BUILD=1 BENCH_DURATION="$duration" ./scripts/bench-cluster.sh
fi
