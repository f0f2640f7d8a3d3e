"""A webhook receiver that verifies every delivery with HighLevel's official Python SDK.

Reads the public keys from WEBHOOK_SIGNATURE_PUBLIC_KEY (Ed25519) and WEBHOOK_PUBLIC_KEY (RSA), as the SDK's own
middleware does, listens on a free loopback port (written to the file named by the first argument once listening),
and appends one JSON line per delivery to the file named by the second: the webhookId, whether each signature
verified over the body received, and whether it verified over the same body with one byte added (it must not).
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from highlevel.logging import Logger
from highlevel.webhook import WebhookManager

MANAGER = WebhookManager(Logger(level="error"), None, None)
ED25519_KEY = os.environ["WEBHOOK_SIGNATURE_PUBLIC_KEY"]
RSA_KEY = os.environ["WEBHOOK_PUBLIC_KEY"]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        ghl = self.headers.get("x-ghl-signature", "")
        wh = self.headers.get("x-wh-signature", "")
        result = {
            "webhookId": json.loads(body).get("webhookId"),
            "ed25519": MANAGER.verify_ed25519_signature(body, ghl, ED25519_KEY),
            "rsa": MANAGER.verify_signature(body, wh, RSA_KEY),
            "ed25519Tampered": MANAGER.verify_ed25519_signature(body + " ", ghl, ED25519_KEY),
            "rsaTampered": MANAGER.verify_signature(body + " ", wh, RSA_KEY),
        }
        with open(sys.argv[2], "a", encoding="utf-8") as results:
            results.write(json.dumps(result) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(sys.argv[1] + ".tmp", "w", encoding="utf-8") as port:
    port.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
