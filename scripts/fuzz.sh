#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers that read untrusted bytes: the hot path's request head, its
# reading of a page target against the router's, and the importer's byte parser against JSONDecoder
# (Sources/SwitchboardServer/Fuzzing/FuzzTargets.swift).
#
#     scripts/fuzz.sh [SECONDS]      # default 60; builds into .build-fuzz, runs over Fuzz/corpus
#
# New interesting inputs go to a temporary directory, not into the repository; a crash is saved as
# .build-fuzz/crash-* and fails the run. Add it to Fuzz/corpus once fixed: FuzzCorpusTests replays the corpus on
# every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

SWITCHBOARD_FUZZ=1 swift build --product switchboard-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
found=$(mktemp -d)
trap 'rm -rf "$found"' EXIT
ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/switchboard-fuzz "$found" Fuzz/corpus \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$PWD/.build-fuzz/crash-"
