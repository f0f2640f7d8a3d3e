#!/usr/bin/env python3
"""Raw HTTP fuzzing over a real socket: malformed request lines, headers and bodies from a small generator of our
own, seeded, so a run is reproducible. Each case gets its own connection; the client sends the bytes, closes its
sending side, and reads until the server closes the connection.

Passes when every case is answered with a 4xx status (or the connection is closed with no answer), no answer is a
5xx, no connection is left hanging, and the server still answers normal requests after every batch of cases.

Usage: fuzz_http.py PORT TOKEN [--cases N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
import socket
import sys
import time

STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3})")
API = ["/conversations/messages", "/conversations/messages/inbound", "/conversations/messages/outbound",
       "/conversations/", "/contacts/", "/contacts/upsert"]


class Generator:
    """Malformed requests. Every case is invalid by construction: a 2xx answer to any of them is a failure."""

    def __init__(self, rng: random.Random, token: str):
        self.rng = rng
        self.auth = f"Authorization: Bearer {token}\r\nVersion: 2021-04-15\r\n".encode()

    def junk(self, size: int, alphabet: bytes | None = None) -> bytes:
        if alphabet:
            return bytes(self.rng.choice(alphabet) for _ in range(size))
        return bytes(self.rng.randrange(256) for _ in range(size))

    # --- request lines --------------------------------------------------------------------------------------

    def request_line(self) -> tuple[str, bytes]:
        r = self.rng
        choices = [
            ("random bytes", lambda: self.junk(r.randint(1, 200)) + b"\r\n\r\n"),
            ("no version", lambda: b"GET /healthz\r\n\r\n"),
            ("unknown version", lambda: b"GET /healthz HTTP/" + r.choice([b"9.9", b"1.x", b"", b"11", b"1.1.1", b"x"]) + b"\r\n\r\n"),
            ("bad method token", lambda: self.junk(r.randint(1, 12), b"()<>@,;:\\\"/[]?={} \t") + b" /healthz HTTP/1.1\r\n\r\n"),
            ("control bytes in target", lambda: b"GET /" + self.junk(r.randint(1, 30), bytes(range(0, 32)) + b"\x7f") + b" HTTP/1.1\r\n\r\n"),
            ("target of 70 KiB", lambda: b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("spaces in target", lambda: b"GET /conv ersations / x HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("empty request line", lambda: b"\r\n\r\n\r\n"),
            ("only a method", lambda: b"POST\r\n\r\n"),
            ("bare CR line ends", lambda: b"GET /healthz HTTP/1.1\rHost: x\r\r"),
            ("HTTP/2 preface", lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            ("non-ASCII method", lambda: "GÉT /healthz HTTP/1.1\r\n\r\n".encode()),
            ("truncated request line", lambda: b"GET /conversations/"),
        ]
        name, make = r.choice(choices)
        return "request line: " + name, make()

    # --- headers ----------------------------------------------------------------------------------------------

    def headers(self) -> tuple[str, bytes]:
        r = self.rng
        line = b"GET /conversations/search?locationId=x HTTP/1.1\r\nHost: x\r\n" + self.auth
        post = b"POST /contacts/ HTTP/1.1\r\nHost: x\r\n" + self.auth
        choices = [
            ("header without colon", lambda: line + b"NoColonHere\r\n\r\n"),
            ("empty header name", lambda: line + b": value\r\n\r\n"),
            ("space before colon", lambda: line + b"X-Thing : value\r\n\r\n"),
            ("control bytes in name", lambda: line + b"X-" + self.junk(3, bytes(range(1, 32))) + b": v\r\n\r\n"),
            ("NUL in value", lambda: line + b"X-Thing: a\x00b\r\n\r\n"),
            ("obsolete line folding", lambda: line + b"X-Thing: a\r\n  folded\r\n\r\n"),
            ("header line of 20 KiB", lambda: line + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n"),
            ("header block of 80 KiB", lambda: line + b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 8000) for i in range(10)) + b"\r\n"),
            ("150 headers", lambda: line + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n"),
            ("negative Content-Length", lambda: post + b"Content-Length: -5\r\n\r\n{}"),
            ("non-numeric Content-Length", lambda: post + b"Content-Length: " + self.junk(4, b"abcxyz+-. ") + b"\r\n\r\n{}"),
            ("two different Content-Lengths", lambda: post + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}}"),
            ("Content-Length beyond 2^64", lambda: post + b"Content-Length: 99999999999999999999999\r\n\r\n{}"),
            ("chunked and Content-Length", lambda: post + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            ("unknown transfer coding", lambda: post + b"Transfer-Encoding: " + r.choice([b"gzip", b"chunked, gzip", b"x"]) + b"\r\n\r\n{}"),
            ("invalid UTF-8 in Version", lambda: b"GET /conversations/x/messages HTTP/1.1\r\nHost: x\r\nVersion: \xff\xfe\r\n\r\n"),
            ("headers cut short", lambda: line + b"X-Thing: val"),
        ]
        name, make = r.choice(choices)
        return "headers: " + name, make()

    # --- bodies -----------------------------------------------------------------------------------------------

    def body(self) -> tuple[str, bytes]:
        r = self.rng
        path = r.choice(API).encode()
        head = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + self.auth + b"Content-Type: application/json\r\n"
        valid = b'{"type":"SMS","contactId":"c","conversationId":"x","locationId":"l","message":"hi"}'

        def sized(payload: bytes) -> bytes:
            return head + b"Content-Length: %d\r\n\r\n" % len(payload) + payload

        def chunked(chunks: bytes) -> bytes:
            return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks

        choices = [
            ("random bytes", lambda: sized(self.junk(r.randint(1, 400)))),
            ("truncated JSON", lambda: sized(valid[: r.randint(1, len(valid) - 1)])),
            ("JSON with a byte flipped to garbage", lambda: sized(self.flip(valid))),
            ("deep nesting", lambda: sized(b"[" * r.choice([1000, 10_000, 100_000]))),
            ("huge number", lambda: sized(b'{"unreadCount":1e999999,"type":' + b"9" * 5000 + b"}")),
            ("invalid UTF-8 in a string", lambda: sized(b'{"type":"SMS","message":"\xc3\x28\xff"}')),
            ("lone surrogate escape", lambda: sized(b'{"type":"\\ud800","contactId":"\\udfff"}')),
            ("NUL bytes", lambda: sized(b'{"type":"S\x00MS"}\x00')),
            ("not an object", lambda: sized(r.choice([b"[]", b"1", b"true", b'"x"', b"null"]))),
            ("wrong types", lambda: sized(b'{"type":1,"contactId":[],"conversationId":{},"locationId":false}')),
            ("body over 1 MiB", lambda: sized(b'{"message":"' + b"x" * (1 << 20) + b'"}')),
            ("Content-Length longer than the body", lambda: head + b"Content-Length: 500\r\n\r\n" + valid),
            ("bad chunk size", lambda: chunked(self.junk(r.randint(1, 8), b"ghijkz-+ ;") + b"\r\n{}\r\n0\r\n\r\n")),
            ("chunk size beyond 2^64", lambda: chunked(b"FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n")),
            ("chunk shorter than announced", lambda: chunked(b"20\r\n{}\r\n0\r\n\r\n")),
            ("missing last chunk", lambda: chunked(b"2\r\n{}\r\n")),
            ("chunked JSON cut short", lambda: chunked(b"%x\r\n" % 10 + valid[:10] + b"\r\n0\r\n\r\n")),
        ]
        name, make = r.choice(choices)
        return "body: " + name, make()

    def flip(self, data: bytes) -> bytes:
        index = self.rng.randrange(len(data))
        return data[:index] + self.rng.choice([b"\x00", b"{", b"]", b'"', b"\\", b"\xff"]) + data[index + 1:]

    def case(self, number: int) -> tuple[str, bytes]:
        return (self.request_line, self.headers, self.body)[number % 3]()


def exchange(port: int, payload: bytes, timeout: float) -> tuple[str, bytes]:
    """Returns ("answered" | "closed" | "reset" | "hung", first bytes of the answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        received = b""
        try:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it has read everything
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = connection.recv(65536)
                if not chunk:
                    return ("answered" if received else "closed"), received[:300]
                received += chunk
        except socket.timeout:
            pass
        except ConnectionResetError:
            return ("answered" if received else "reset"), received[:300]
        return "hung", received[:300]


def healthy(port: int, token: str) -> str | None:
    """None when a normal unauthenticated and a normal authenticated request are answered as they should be."""
    checks = [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"200"),
        (b"GET /conversations/NoSuchConversation/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
         + token.encode() + b"\r\nVersion: 2021-04-15\r\nConnection: close\r\n\r\n", b"400"),
    ]
    for payload, expected in checks:
        try:
            outcome, answer = exchange(port, payload, 10)
        except OSError as error:
            return f"connection failed: {error}"
        match = STATUS.match(answer)
        if not match or match.group(1) != expected:
            return f"expected {expected.decode()}, got {outcome} {answer[:80]!r}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int)
    parser.add_argument("token")
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=5)
    options = parser.parse_args()
    generator = Generator(random.Random(options.seed), options.token)
    started = time.monotonic()
    outcomes: dict[str, int] = {}
    failures = []
    problem = healthy(options.port, options.token)
    if problem:
        print(f"http-fuzz: the server is not answering normal requests before the run: {problem}")
        return 1
    for number in range(options.cases):
        name, payload = generator.case(number)
        outcome, answer = exchange(options.port, payload, options.timeout)
        status = STATUS.match(answer)
        key = f"{outcome} {status.group(1).decode() if status else ''}".strip()
        outcomes[key] = outcomes.get(key, 0) + 1
        if outcome == "hung" or (outcome == "answered" and (not status or not status.group(1).startswith(b"4"))):
            failures.append(f"case {number} ({name}): {outcome} {answer[:120]!r}; sent {payload[:120]!r}")
        if number % 50 == 49 or number == options.cases - 1:
            problem = healthy(options.port, options.token)
            if problem:
                failures.append(f"after case {number} ({name}) the server no longer answers: {problem}")
                break
        if len(failures) >= 20:
            break
    elapsed = time.monotonic() - started
    print(f"http-fuzz: {number + 1} cases (seed {options.seed}) in {elapsed:.1f} s: "
          + ", ".join(f"{key} ×{count}" for key, count in sorted(outcomes.items())))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
