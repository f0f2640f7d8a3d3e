#!/usr/bin/env bash
# Runs every test: builds the package (the CLI binary included, for the end-to-end tests), starts a throwaway
# PostgreSQL cluster on a free loopback port for the PostgreSQL backend's tests, and stops it at the end. Then checks
# every recorded HTTP exchange against openapi.yaml and fuzzes a real server with it (scripts/openapi.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests and the services they start write to a temporary directory (databases, uploads, the PostgreSQL
# cluster) goes under one of this run's, removed at the end: runs used to leave about 600 MB each in /tmp.
# Readable by all (not its files), so the cluster's own user reaches its directory inside.
SWITCHBOARD_TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-test.XXXXXX")
chmod 755 "$SWITCHBOARD_TEST_TMPDIR"
export TMPDIR=$SWITCHBOARD_TEST_TMPDIR
trap 'rm -rf "$SWITCHBOARD_TEST_TMPDIR"' EXIT

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
switchboard_postgres_start
trap 'switchboard_postgres_stop; rm -rf "$SWITCHBOARD_TEST_TMPDIR"' EXIT
# shellcheck source=scripts/openapi.sh
source scripts/openapi.sh
switchboard_openapi_venv
switchboard_openapi_record
# HighLevel's Python SDK, installed in that venv, verifies webhook signatures in WebhookSDKTests.
export SWITCHBOARD_WEBHOOK_SDK_PYTHON="$SWITCHBOARD_OPENAPI_VENV/bin/python"
trap 'switchboard_openapi_stop; switchboard_postgres_stop; rm -rf "$SWITCHBOARD_TEST_TMPDIR"' EXIT
# Headless Chromium renders /docs at a desktop's and a phone's width in DocsPageBrowserTests (Debian's package).
if [ -z "${SWITCHBOARD_CHROMIUM:-}" ]; then
    if ! command -v chromium >/dev/null 2>&1; then
        echo "test.sh: installing chromium with apt-get" >&2
        sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium >&2
    fi
    SWITCHBOARD_CHROMIUM=$(command -v chromium)
    export SWITCHBOARD_CHROMIUM
fi

# nginx balances two instances on one PostgreSQL in LoadBalancedClusterTests (Debian's package).
if [ -z "${SWITCHBOARD_NGINX:-}" ]; then
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        echo "test.sh: installing nginx with apt-get" >&2
        sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y nginx >&2
    fi
    SWITCHBOARD_NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    export SWITCHBOARD_NGINX
fi

# The tests that measure wall-clock time: rate-limit windows, idle and head deadlines, webhook timeouts and order,
# cancellation, the PostgreSQL connection wait, search speed, the inbox in Chromium (its live updates within 1 s).
SWITCHBOARD_TIMED_TESTS='SearchSpeedTests|TimerSleepTests|theHundredAndFirstRequestInTheWindowIsRefused|theWindowRecovers'
SWITCHBOARD_TIMED_TESTS+='|idleConnectionsAreClosedAndBusyOnesKept|aHangingReceiverTimesOutAndHoldsUpNobodyElse'
SWITCHBOARD_TIMED_TESTS+='|aConversationsEventsArriveInTheOrderTheyWereStored|unreachableDatabaseIsUnavailableWithinTheTimeout'
SWITCHBOARD_TIMED_TESTS+='|resetIsFastEnoughToRunBetweenEveryTest|aPersonReadsSearchesAndRepliesInTheInboxInChromium'
SWITCHBOARD_TIMED_TESTS+='|aListenerOnOneInstanceSeesTheOtherInstancesWrites'
SWITCHBOARD_TIMED_TESTS+='|anotherInstancesWriteIsReadWithinTheBound|aLostOrSilentFeedStopsTheCacheWithinItsLimit'
SWITCHBOARD_TIMED_TESTS+='|theWindowStartsOverForTheCluster'

# Sanitizers (issue 15): the server's and the stores' suites, both backends, under AddressSanitizer and then under
# ThreadSanitizer (every server the CLI tests would start is left out: their memory bounds do not hold under the
# sanitizers' shadow memory), then a repeatable libFuzzer run over Fuzz/corpus (600,000 inputs from a fixed seed).
# Run by `scripts/test.sh --sanitize`, or after the full run with SWITCHBOARD_SANITIZE=1; not part of the default
# run while it is not reliable on two loaded cores (see CONTRIBUTING.md). Leak
# reports are off: the test runners' own objects outlive exit. A TSan report stops the run (halt_on_error);
# scripts/tsan-suppressions.txt names the one race TSan misreports, in the Swift runtime.
switchboard_sanitizers() {
    # The tests of wall-clock bounds run in the main run only: the sanitizers' slowdown of 5-15x breaks the bounds,
    # not the code (CI saw them fail that way under the sanitizers).
    # So are the tests that time retries and deadlines (they failed here under ASan's load), and the browser's
    # rendering of /docs, which exercises Chromium, not Switchboard's memory.
    local slow="$SWITCHBOARD_TIMED_TESTS|DocsPageBrowserTests|aHeadThatTricklesInIsCutOffAtTheDeadline"
    slow+="|a429IsRetriedWithTheSameWebhookIdAndA500IsFinal|serverErrorsAreRetriedWhenAskedAndTheLastAttemptIsCounted"
    slow+="|revokedTokensAndRateLimitsApplyOnTheHotPathToo"
    # And the one test that compares the two backends' answers, which needs PostgreSQL.
    slow+="|hostileValuesGetTheSameAnswersFromBothBackends"
    local suite
    # SQLite only, one suite at a time: under ASan, the PostgreSQL cases' connections failed to open in time, and
    # with every suite at once about twenty of them once stopped making progress (see CONTRIBUTING.md); the main
    # run covers PostgreSQL. A phase that hangs fails the run after 25 minutes.
    export SWITCHBOARD_TEST_BACKENDS=sqlite
    swift build --build-tests --sanitize=address --scratch-path .build-asan
    for suite in SwitchboardServerTests SwitchboardStorageTests; do
        ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=yes timeout 1500 \
            swift test --skip-build --sanitize=address --scratch-path .build-asan --filter "$suite" --skip "$slow"
    done
    swift build --build-tests --sanitize=thread --scratch-path .build-tsan
    for suite in SwitchboardServerTests SwitchboardStorageTests; do
        TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/scripts/tsan-suppressions.txt" SWIFT_BACKTRACE=enable=yes \
            timeout 1500 swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$suite" --skip "$slow"
    done
    unset SWITCHBOARD_TEST_BACKENDS
    scripts/fuzz.sh
}
if [ "${1:-}" = "--sanitize" ]; then
    switchboard_sanitizers
    exit 0
fi

# One phase of the suites, stopped after 20 minutes. When it fails, the tests that started and never finished are
# named last: a hung test otherwise shows only as the phase's timeout, and CI keeps a part of the output only.
switchboard_test_phase() {
    local log status=0
    log=$(mktemp)
    # Line-buffered (stdbuf, inherited by the test runner): into a pipe the runner's output is otherwise written in
    # 4 KiB blocks, and a phase stopped by the timeout loses its last block, which named the tests still running.
    timeout -k 30 1200 stdbuf -oL -eL swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
    if [ "$status" -ne 0 ]; then
        [ "$status" -ne 124 ] || echo "test.sh: the phase 'swift test $*' was stopped after 1200 s" >&2
        python3 - "$log" >&2 <<'PY'
import re, sys
started, finished = [], set()
for line in open(sys.argv[1], errors="replace"):
    if m := re.match(r"^\S+ Test (?!case passing|run started)(.+?) started\.$", line):
        started.append(m.group(1))
    elif m := re.match(r"^\S+ Test (.+?)(?: with \d+ test cases?)? (?:passed|failed)\b", line):
        finished.add(m.group(1))
unfinished = [name for name in started if name not in finished]
print("test.sh: tests started and not finished: " + (", ".join(unfinished) or "none"))
PY
    fi
    rm -f "$log"
    return "$status"
}

swift build --build-tests
export SWITCHBOARD_BINARY="$PWD/.build/debug/switchboard"
if [ $# -eq 0 ]; then
    # In phases, each parallel within itself: the server's suites; the stores', the client's and the rest; the CLI's
    # (each starts servers as child processes); then, alone, the tests that measure wall-clock time (rate-limit
    # windows, idle and head deadlines, webhook timeouts, cancellation, reset and search speed), whose bounds the other suites'
    # load on two cores would otherwise break.
    timed=$SWITCHBOARD_TIMED_TESTS
    switchboard_test_phase --filter SwitchboardServerTests --skip "$timed"
    switchboard_test_phase --skip "SwitchboardServerTests|switchboardTests|$timed"
    switchboard_test_phase --filter switchboardTests --skip "$timed"
    # Each alone: search speed, the cache-coherence bound across two instances (p99 under 50 ms), and reset's median
    # (under 25 ms; 5-6 ms on PostgreSQL measured alone on this cluster after the suites above).
    alone="SearchSpeedTests|anotherInstancesWriteIsReadWithinTheBound|resetIsFastEnoughToRunBetweenEveryTest"
    switchboard_test_phase --filter "$timed" --skip "$alone"
    switchboard_test_phase --filter SearchSpeedTests
    switchboard_test_phase --filter anotherInstancesWriteIsReadWithinTheBound
    switchboard_test_phase --filter resetIsFastEnoughToRunBetweenEveryTest
else
    swift test --skip-build "$@"
fi
# openapi.yaml: every exchange the suites recorded is checked against it, then a real server is fuzzed with it, and
# two instances on PostgreSQL behind nginx.
switchboard_openapi_validate
switchboard_openapi_fuzz "$SWITCHBOARD_BINARY"
switchboard_openapi_fuzz_cluster "$SWITCHBOARD_BINARY"
if [ $# -eq 0 ] && [ "${SWITCHBOARD_SANITIZE:-0}" != 0 ]; then
    switchboard_sanitizers
fi
