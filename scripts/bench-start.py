#!/usr/bin/env python3
"""How fast an in-memory server starts, as a test suite starts one: `BINARY serve --database :memory: --port 0
[ARGS…]`, timed from just before the process is launched to the `listening on` line it prints, and to the first
answer to a request sent as soon as that line is read. Prints the medians of RUNS (default 21) starts, in ms.

    scripts/bench-start.py .build/release/switchboard [--test-clock]
"""
import os, re, socket, statistics, subprocess, sys, time


def start_once(binary, extra):
    started = time.monotonic()
    server = subprocess.Popen(
        [binary, "serve", "--database", ":memory:", "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in server.stdout:
            match = re.match(r"listening on http://[^:]+:(\d+)", line)
            if match:
                break
        else:
            sys.exit("bench-start.py: the server stopped before it listened")
        listening = time.monotonic()
        with socket.create_connection(("127.0.0.1", int(match.group(1)))) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = connection.recv(64)
        answered = time.monotonic()
        if not answer.startswith(b"HTTP/1.1 200"):
            sys.exit("bench-start.py: /healthz answered %r" % answer)
        return (listening - started) * 1000, (answered - started) * 1000
    finally:
        server.terminate()
        server.wait()


def main():
    binary, extra = sys.argv[1], sys.argv[2:]
    runs = [start_once(binary, extra) for _ in range(int(os.environ.get("RUNS", "21")))]
    print("%.1f %.1f" % (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))


main()
