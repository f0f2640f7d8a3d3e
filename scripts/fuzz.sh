#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers that read untrusted bytes: the hot path's request head, its
# reading of a page target against the router's, and the importer's byte parser against JSONDecoder
# (Sources/SwitchboardServer/Fuzzing/FuzzTargets.swift).
#
#     scripts/fuzz.sh                # what scripts/test.sh runs: 600,000 inputs from a fixed seed (repeatable)
#     scripts/fuzz.sh SECONDS        # explore: a random seed for SECONDS
#
# New interesting inputs go to a temporary directory, not into the repository; a crash is saved as
# .build-fuzz/crash-* and fails the run. Add it to Fuzz/corpus once fixed: FuzzCorpusTests replays the corpus on
# every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${1:-}" ]; then bounds=(-max_total_time="$1"); else bounds=(-seed=1 -runs=600000); fi

# The parsers' modules with libFuzzer's coverage feedback and AddressSanitizer (Package.swift, SWITCHBOARD_FUZZ).
SWITCHBOARD_FUZZ=1 swift build --product switchboard-fuzz --scratch-path .build-fuzz
found=$(mktemp -d)
trap 'rm -rf "$found"' EXIT
ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/switchboard-fuzz "$found" Fuzz/corpus \
    "${bounds[@]}" -max_len=8192 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$PWD/.build-fuzz/crash-"
