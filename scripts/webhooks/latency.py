"""Write-to-receiver latency of webhooks (scripts/bench-webhooks.sh).

Listens on a free loopback port (written to the file named by the first argument), waits for the file named by the
second to exist (the subscription is in place), then sends `count` inbound messages at `rate` per second to the
server at `base` and measures, for each, the time from the write's acknowledgement to its delivery's arrival.
Prints "p50_ms p99_ms delivered".
"""

import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, go_file, base_port, token, conversation, contact = sys.argv[1:7]
count, rate = int(sys.argv[7]), float(sys.argv[8])
arrived = {}
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        now = time.monotonic()
        message = json.loads(body).get("messageId")
        with lock:
            arrived.setdefault(message, now)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
while not os.path.exists(go_file):
    time.sleep(0.01)

client = http.client.HTTPConnection("127.0.0.1", int(base_port))
headers = {"Authorization": "Bearer " + token, "Version": "2021-04-15", "Content-Type": "application/json"}
acknowledged = {}
start = time.monotonic()
for index in range(count):
    target = start + index / rate
    delay = target - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    body = json.dumps({"type": "SMS", "conversationId": conversation, "contactId": contact, "message": f"m{index}"})
    client.request("POST", "/conversations/messages/inbound", body, headers)
    response = client.getresponse()
    answer = json.loads(response.read())
    acknowledged[answer["messageId"]] = time.monotonic()

deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    with lock:
        if all(m in arrived for m in acknowledged):
            break
    time.sleep(0.01)
# A delivery can arrive before its write's answer is read: that is no latency at all.
latencies = sorted(max(0.0, (arrived[m] - t) * 1000) for m, t in acknowledged.items() if m in arrived)
if not latencies:
    print("nan nan 0")
    sys.exit(1)
p50 = latencies[len(latencies) // 2]
p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
print(f"{p50:.2f} {p99:.2f} {len(latencies)}")
