#!/usr/bin/env bash
# Webhook delivery, measured as users run it: the release build, `serve` on a SQLite file, nginx as a receiver that
# answers 200 at once. Prints three figures, each with its ratio or target:
#   - the send endpoint's throughput with one subscription, against the same run without one (target ≥ 0.8×), in
#     BENCH_ROUNDS (2) rounds, each case right after a run without a subscription (runs here move by ±20% from one
#     to the next, so each ratio is taken from neighbours);
#   - delivery throughput: a backlog of events (written by `import --webhooks`, 2,000 conversations) drained by a
#     server started on it (target ≥ 5,000 events/s);
#   - write-to-receiver latency at 100 writes/s (targets: p50 < 5 ms, p99 < 50 ms).
# Usage: ./scripts/bench-webhooks.sh   (BENCH_SKIP_BUILD=1 to use the release binary as it is; BENCH_DURATION,
# BENCH_EVENTS, BENCH_ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
events=${BENCH_EVENTS:-40000}
rounds=${BENCH_ROUNDS:-2}
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-webhooks

# The receiver: nginx answering 200 to every POST, logging one line per delivery.
nginx_port=$(free_port)
start_nginx "$work" "$nginx_port" "$work/deliveries.log" "return 200;"

location=WebhookBenchLocation
# One conversation per contact for the send case: 64 contacts, written round-robin.
contacts=()
for index in $(seq -w 0 63); do contacts+=("BenchContact0000000$index"); done
# A new store with the location, its token (in $token) and one conversation per contact.
make_store() {
    database=$1
    "$bin" location create --id "$location" --name Bench --database "$database" >/dev/null
    token=$("$bin" token create --location "$location" --database "$database")
    for contact in "${contacts[@]}"; do
        printf '{"id":"Seed%s","conversationId":"Conv%s","locationId":"%s","contactId":"%s","messageType":"TYPE_SMS","direction":"inbound","body":"seed","dateAdded":"2025-01-01T00:00:00.000Z"}\n' \
            "${contact: -16}" "${contact: -16}" "$location" "$contact"
    done | "$bin" import - --database "$database" 2>/dev/null
}
# wrk's script of sends with the token $2, into file $1.
write_send_script() {
    cat >"$1" <<LUA
local contacts = { $(printf '"%s",' "${contacts[@]}") }
local n = 0
request = function()
    n = n + 1
    local body = '{"type":"SMS","contactId":"' .. contacts[(n % #contacts) + 1] .. '","message":"bench ' .. n .. '"}'
    return wrk.format("POST", "/conversations/messages", {
        ["Authorization"] = "Bearer $2", ["Version"] = "2021-04-15", ["Content-Type"] = "application/json" }, body)
end
LUA
}
# The send case without a subscription runs on a store of its own, so the two can alternate.
make_store "$work/plain.sqlite"
write_send_script "$work/send-plain.lua" "$token"
make_store "$work/bench.sqlite"
write_send_script "$work/send-bench.lua" "$token"

start_server() {
    port=$(free_port)
    "$bin" serve --port "$port" --database "$database" --rate-limit off "$@" \
        >/dev/null 2>"$work/serve.log" &
    pid=$!
    pids+=("$pid")
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
        sleep 0.005
        kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    done
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

# Sends for $duration with wrk's script $1; prints requests/s.
send_rps() {
    local out
    out=$(wrk -t2 -c16 -d"$duration" -s "$1" "http://127.0.0.1:$port")
    if grep -q "Non-2xx" <<<"$out"; then echo "bench-webhooks.sh: non-2xx answers: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
delivered() { if [ -f "$work/deliveries.log" ]; then wc -l <"$work/deliveries.log"; else echo 0; fi; }

"$bin" webhook add --location "$location" --url "http://127.0.0.1:$nginx_port/hook" --database "$work/bench.sqlite" >/dev/null
"$bin" generate --messages "$events" --conversations 2000 --large 0 --location "$location" >"$work/events.ndjson"
declare -A without with ratios throughput
# Each signature scheme: RSA (HighLevel's legacy x-wh-signature, on by default) costs a 2048-bit private-key
# operation per delivery; Ed25519 alone is what `--webhook-rsa off` sends.
for round in $(seq "$rounds"); do
    for rsa in on off; do
        echo "bench-webhooks.sh: send throughput, no subscription, then one (nginx), --webhook-rsa $rsa ($round of $rounds)" >&2
        database=$work/plain.sqlite
        start_server
        alone=$(send_rps "$work/send-plain.lua")
        stop_server
        database=$work/bench.sqlite
        start_server --webhook-rsa "$rsa"
        subscribed=$(send_rps "$work/send-bench.lua")
        # The deliveries of the send case drain before the next case.
        until [ "$("$bin" webhook deliveries --limit 1000000 --database "$database" | awk -F'\t' '$4 == "pending"' | wc -l)" -eq 0 ]; do
            sleep 0.2
        done
        stop_server
        without[$rsa]+="${without[$rsa]:+ / }$alone"
        with[$rsa]+="${with[$rsa]:+ / }$subscribed"
        ratios[$rsa]+="${ratios[$rsa]:+ / }$(awk -v a="$subscribed" -v b="$alone" 'BEGIN { printf "%.2f", a/b }')"
    done
done

database=$work/bench.sqlite
for rsa in on off; do
    echo "bench-webhooks.sh: delivery throughput: $events events over 2,000 conversations, --webhook-rsa $rsa" >&2
    # The same messages under new ids, so each round imports (and emits) all of them.
    sed "s/\"id\":\"Msg/\"id\":\"R$rsa/" "$work/events.ndjson" | "$bin" import - --webhooks --database "$database" 2>/dev/null
    before=$(delivered)
    started=$(now_ms)
    start_server --webhook-rsa "$rsa"
    until [ $(( $(delivered) - before )) -ge "$events" ]; do
        sleep 0.02
        [ $(( $(now_ms) - started )) -lt 300000 ] || { echo "bench-webhooks.sh: backlog not drained in 5 minutes" >&2; exit 1; }
    done
    drained=$(( $(now_ms) - started ))
    stop_server
    throughput[$rsa]=$(( events * 1000 / (drained > 0 ? drained : 1) ))
done

echo "bench-webhooks.sh: latency at 100 writes/s" >&2
# On a store of its own whose only subscription is the latency receiver, as a user with one webhook runs it: on the
# store of the cases above, every write would also go to their nginx subscription, and its deliveries would share
# the dispatcher with the ones measured.
make_store "$work/latency.sqlite"
start_server
python3 scripts/webhooks/latency.py "$work/latency-port" "$work/latency-go" "$port" "$token" \
    "Conv${contacts[0]: -16}" "${contacts[0]}" 500 100 >"$work/latency.txt" &
latency_pid=$!
until [ -f "$work/latency-port" ]; do sleep 0.01; done
"$bin" webhook add --location "$location" --url "http://127.0.0.1:$(cat "$work/latency-port")/latency" \
    --database "$database" >/dev/null
touch "$work/latency-go"
wait "$latency_pid"
read -r p50 p99 count <"$work/latency.txt"
stop_server

printf '\n%s, %s cores, %s; SQLite, serve --rate-limit off (release, default log level); receiver: nginx answering 200\n\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc)" "$(uname -m)"
printf '| measure | value | target |\n| --- | ---: | --- |\n'
for rsa in on off; do
    printf '| send (wrk -t2 -c16 -d%s, 64 conversations), no subscription, then one, --webhook-rsa %s; %s rounds | %s requests/s, then %s requests/s (%s×) | ≥ 0.8× |\n' \
        "$duration" "$rsa" "$rounds" "${without[$rsa]}" "${with[$rsa]}" "${ratios[$rsa]}"
done
for rsa in on off; do
    printf '| delivery of a %s-event backlog, 2,000 conversations (server start included), --webhook-rsa %s | %s events/s | ≥ 5,000 |\n' \
        "$events" "$rsa" "${throughput[$rsa]}"
done
printf '| write → receiver at 100 writes/s (%s writes, one conversation, a store whose one subscription is the receiver: Python) | p50 %s ms, p99 %s ms | p50 < 5, p99 < 50 |\n' \
    "$count" "$p50" "$p99"
