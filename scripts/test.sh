#!/usr/bin/env bash
# Runs every test: builds the package (the CLI binary included, for the end-to-end tests), starts a throwaway
# PostgreSQL cluster on a free loopback port for the PostgreSQL backend's tests, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
switchboard_postgres_start
trap switchboard_postgres_stop EXIT

swift build --build-tests
export SWITCHBOARD_BINARY="$PWD/.build/debug/switchboard"
swift test --skip-build "$@"
