#!/usr/bin/env bash
# Several instances on one PostgreSQL against one instance on SQLite, in one run (issue 21), each server started as
# the README starts it (default log level, access log into a file; rate limits counted with budgets no run
# reaches), on data shaped like a real export (`generate --realistic`: random 20-character ids, grouped by
# conversation). Prints a table with ratios (docs/performance.md explains it).
#
#   ./scripts/bench-cluster.sh
#   BENCH_DURATION=5s BENCH_MESSAGES=50000 ./scripts/bench-cluster.sh   # quicker
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
messages=${BENCH_MESSAGES:-200000}
conversations=${BENCH_CONVERSATIONS:-2000}
connections=64

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need wrk wrk
need nginx nginx
need curl curl
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
standby_data=""
stop_clusters() {
    [ -z "$standby_data" ] || switchboard_postgres_stop "$standby_data"
    switchboard_postgres_stop
}
bench_setup cluster stop_clusters
switchboard_postgres_start >&2  # a throwaway cluster on a free port, stopped by cleanup
postgres=$SWITCHBOARD_TEST_POSTGRES_URL
pg_bin=$SWITCHBOARD_TEST_POSTGRES_BIN
location=BenchLocation0000000

echo "bench-cluster.sh: $messages messages like a real export in $conversations conversations" >&2
"$bin" generate --realistic --messages "$messages" --conversations "$conversations" --large 0 \
    --location "$location" >"$work/data.ndjson"
"$bin" import "$work/data.ndjson" --database "$work/bench.sqlite" >/dev/null
"$bin" import "$work/data.ndjson" --database "$postgres" >/dev/null
sqlite_token=$("$bin" token create --location "$location" --database "$work/bench.sqlite")
postgres_token=$("$bin" token create --location "$location" --database "$postgres")
# Every conversation id (for the uncached case), and one with 20 messages or more (the newest page).
python3 - "$work/data.ndjson" "$work/conversations.txt" <<'PY' >"$work/typical.txt"
import json, sys
counts = {}
for line in open(sys.argv[1], encoding="utf-8"):
    conversation = json.loads(line)["conversationId"]
    counts[conversation] = counts.get(conversation, 0) + 1
open(sys.argv[2], "w").write("\n".join(counts) + "\n")
typical = next((c for c, n in counts.items() if n >= 20), None)
if typical is None:
    sys.exit("bench-cluster.sh: no conversation has the 20 messages of a page; fewer BENCH_CONVERSATIONS")
print(typical)
PY
typical=$(cat "$work/typical.txt")
page="/conversations/$typical/messages?limit=20"

# Starts `serve` on $1 (database) with extra flags $2; sets $port and $server_pid once it answers the page.
start_instance() {
    local database=$1 extra=$2 token=$3
    port=$(free_port)
    # shellcheck disable=SC2086
    "$bin" serve --port "$port" --database "$database" --rate-limit-burst 1000000000 \
        --rate-limit-daily 1000000000 $extra >/dev/null 2>>"$work/serve.log" &
    server_pid=$!
    pids+=("$server_pid")
    until curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "Version: 2021-04-15" \
        "http://127.0.0.1:$port$page"; do
        sleep 0.01
        kill -0 "$server_pid" 2>/dev/null || { tail -20 "$work/serve.log" >&2; exit 1; }
    done
}

stop_instances() {
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}


# nginx in front of the instances on ports $2…, as docs/nginx/switchboard-cluster.conf, but round robin: wrk is
# one client with one token, which the example's hash would send to one instance.
start_balancer() {
    local port=$1; shift
    local servers=""
    for upstream in "$@"; do servers+="server 127.0.0.1:$upstream; "; done
    start_nginx "$work" "$port" off \
        'proxy_pass http://switchboard; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host;' \
        "upstream switchboard { $servers keepalive 64; }"
    sleep 0.3
}
stop_balancer() { kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"; sleep 0.3; }

declare -A results

echo "bench-cluster.sh: one SQLite instance, direct and behind nginx" >&2
start_instance "$work/bench.sqlite" "" "$sqlite_token"
results[sqlite]=$(measure "http://127.0.0.1:$port$page" "$sqlite_token")
balancer=$(free_port)
start_balancer "$balancer" "$port"
results[sqlite-nginx]=$(measure "http://127.0.0.1:$balancer$page" "$sqlite_token")
stop_balancer
stop_instances "$server_pid"

# One instance, its rate limits drawn from the shared counters and off, twice each, alternating (a single pair of
# runs differs by up to 20% on these 2 cores).
for round in 1 2; do
    for limits in shared off; do
        extra=""; [ "$limits" = off ] && extra="--rate-limit off"
        echo "bench-cluster.sh: one PostgreSQL instance, rate limits $limits ($round of 2)" >&2
        start_instance "$postgres" "$extra" "$postgres_token"
        results[pg1-$limits-$round]=$(measure "http://127.0.0.1:$port$page" "$postgres_token")
        stop_instances "$server_pid"
    done
done
results[pg1]=${results[pg1-shared-1]}

for limits in shared off; do
    extra=""; [ "$limits" = off ] && extra="--rate-limit off"
    echo "bench-cluster.sh: two PostgreSQL instances behind nginx, rate limits $limits" >&2
    start_instance "$postgres" "$extra" "$postgres_token"; first=$server_pid; first_port=$port
    start_instance "$postgres" "$extra" "$postgres_token"; second=$server_pid; second_port=$port
    balancer=$(free_port)
    start_balancer "$balancer" "$first_port" "$second_port"
    results[pg2-$limits]=$(measure "http://127.0.0.1:$balancer$page" "$postgres_token")
    stop_balancer
    stop_instances "$first" "$second"
done

echo "bench-cluster.sh: uncached pages (--cache-size 0), random conversations, and pgbench -S" >&2
cat >"$work/random.lua" <<LUA
local ids = {}
for line in io.lines("$work/conversations.txt") do ids[#ids + 1] = line end
math.randomseed(7)
request = function()
    return wrk.format("GET", "/conversations/" .. ids[math.random(#ids)] .. "/messages?limit=20")
end
LUA
start_instance "$postgres" "--cache-size 0" "$postgres_token"
results[uncached]=$(measure "http://127.0.0.1:$port/" "$postgres_token" "$connections" "$work/random.lua")
stop_instances "$server_pid"

echo "bench-cluster.sh: uncached pages read from a streaming replica (--read-database)" >&2
{ read -r standby_url; read -r standby_data; } < <(switchboard_postgres_start_standby)
start_instance "$postgres" "--cache-size 0 --read-database $standby_url" "$postgres_token"
results[replica]=$(measure "http://127.0.0.1:$port/" "$postgres_token" "$connections" "$work/random.lua")
replica_share=$(curl -s "http://127.0.0.1:$port/metrics" | awk '
    /^switchboard_replica_reads_total\{answered_by="replica"\}/ {replica = $2}
    /^switchboard_replica_reads_total\{answered_by="primary"\}/ {primary = $2}
    END { printf "%.3f", replica / (replica + primary) }')
stop_instances "$server_pid"
pgbench_url="${postgres%/*}/pgbench"
"$pg_bin/psql" -q -d "$postgres" -c "CREATE DATABASE pgbench" >/dev/null
"$pg_bin/pgbench" -q -i -s 10 "$pgbench_url" >/dev/null 2>&1
pgbench_tps=$("$pg_bin/pgbench" -n -S -c "$connections" -j 2 -T "${duration%s}" "$pgbench_url" 2>/dev/null \
    | awk '/^tps/ {printf "%.0f", $3}')

echo "bench-cluster.sh: a write on one instance, read on the other (200 rounds)" >&2
start_instance "$postgres" "--rate-limit off" "$postgres_token"; first=$server_pid; first_port=$port
start_instance "$postgres" "--rate-limit off" "$postgres_token"; second=$server_pid; second_port=$port
read -r seen_p50 seen_p99 < <(python3 - "$first_port" "$second_port" "$postgres_token" "$typical" <<'PY'
import http.client, json, sys, time
writer_port, reader_port, token, conversation = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = {"Authorization": "Bearer " + token, "Version": "2021-04-15", "Content-Type": "application/json"}
writer = http.client.HTTPConnection("127.0.0.1", writer_port)
reader = http.client.HTTPConnection("127.0.0.1", reader_port)
def request(connection, method, path, body=None):
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()
status, body = request(reader, "GET", f"/conversations/{conversation}/messages?limit=1")
contact = json.loads(body)["messages"]["messages"][0]["contactId"]
delays = []
for n in range(200):
    request(reader, "GET", f"/conversations/{conversation}/messages?limit=1")  # cached before the write
    text = f"bench round {n}"
    status, _ = request(writer, "POST", "/conversations/messages/inbound", json.dumps(
        {"type": "SMS", "conversationId": conversation, "contactId": contact, "message": text}))
    assert status == 201, status
    acknowledged = time.monotonic()
    while True:
        _, body = request(reader, "GET", f"/conversations/{conversation}/messages?limit=1")
        if json.loads(body)["messages"]["messages"][0]["body"] == text:
            break
    delays.append((time.monotonic() - acknowledged) * 1000)
delays.sort()
print(f"{delays[len(delays) // 2]:.2f} {delays[len(delays) * 99 // 100]:.2f}")
PY
)
stop_instances "$first" "$second"

read -r sqlite_rps sqlite_p50 sqlite_p99 <<<"${results[sqlite]}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a/b }'; }
printf '\n%s, %s cores, wrk -t2 -c%s -d%s; %s messages like a real export in %s conversations; newest page of 20\n\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc)" "$connections" "$duration" "$messages" "$conversations"
printf '| setup | requests/s | p50 ms | p99 ms | ratio to one SQLite instance |\n| --- | ---: | ---: | ---: | ---: |\n'
row() { read -r rps p50 p99 <<<"$2"; printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "$(ratio "$rps" "$sqlite_rps")"; }
row "one SQLite instance, cached" "${results[sqlite]}"
row "one SQLite instance behind nginx (what the proxy costs on these 2 cores)" "${results[sqlite-nginx]}"
row "one PostgreSQL instance, cached (first run with shared rate limits)" "${results[pg1]}"
row "two PostgreSQL instances behind nginx, cached, shared rate limits" "${results[pg2-shared]}"
row "two PostgreSQL instances behind nginx, cached, rate limits off" "${results[pg2-off]}"
sum_rps() { local total=0 rps; for key in "$@"; do read -r rps _ <<<"${results[$key]}"; total=$(awk -v a="$total" -v b="$rps" 'BEGIN { print a + b }'); done; echo "$total"; }
shared_rps=$(sum_rps pg1-shared-1 pg1-shared-2)
off_rps=$(sum_rps pg1-off-1 pg1-off-2)
read -r uncached_rps uncached_p50 uncached_p99 <<<"${results[uncached]}"
printf '\n| measure | value |\n| --- | ---: |\n'
printf '| one PostgreSQL instance: shared rate limits / rate limits off (two runs each, alternating) | %s |\n' \
    "$(ratio "$shared_rps" "$off_rps")"
printf '| uncached page, one PostgreSQL instance, random conversations: requests/s (p50 / p99 ms) | %s (%s / %s) |\n' \
    "$uncached_rps" "$uncached_p50" "$uncached_p99"
read -r replica_rps replica_p50 replica_p99 <<<"${results[replica]}"
printf '| the same, the reads sent to a streaming replica on this machine: requests/s (p50 / p99 ms); share answered by it | %s (%s / %s); %s |\n' \
    "$replica_rps" "$replica_p50" "$replica_p99" "$replica_share"
printf '| pgbench -S, same cluster, -c%s -j2: transactions/s | %s |\n' "$connections" "$pgbench_tps"
printf '| uncached page / pgbench -S | %s |\n' "$(ratio "$uncached_rps" "$pgbench_tps")"
printf '| write on one instance → read on the other that shows it, p50 / p99 ms (200 rounds) | %s / %s |\n' \
    "$seen_p50" "$seen_p99"
