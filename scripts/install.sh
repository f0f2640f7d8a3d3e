#!/usr/bin/env bash
# Installs the `switchboard` command: builds the release binary (about 11 minutes the first time on 2 cores, seconds
# after that) and copies it to $PREFIX/bin (default ~/.local/bin). `--from PATH` installs a binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-$HOME/.local}
if [ "${1:-}" = "--from" ]; then
    binary=${2:?usage: scripts/install.sh [--from PATH]}
else
    swift build -c release --product switchboard
    binary="$(swift build -c release --show-bin-path)/switchboard"
fi
install -d "$prefix/bin"
install -m 0755 "$binary" "$prefix/bin/switchboard"
echo "installed $prefix/bin/switchboard: $("$prefix/bin/switchboard" --version)"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "$prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
