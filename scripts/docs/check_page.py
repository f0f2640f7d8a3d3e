#!/usr/bin/env python3
"""Opens the /docs page in headless Chromium at each width given and reports, as one JSON object on stdout, what a
reader would meet there: the page's scroll width against the window's, the first elements reaching past the window,
the operations rendered, and each operation's curl line as the page shows it. Saves a screenshot per width.

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended by NUL on file
descriptors 3 and 4), so it needs only Python's standard library, and can set an exact window width (a headless
window is otherwise at least 500 px wide).

Usage: check_page.py CHROMIUM URL SCREENSHOT_DIR WIDTH [WIDTH…]
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

MEASURE = """(() => {
  const root = document.documentElement;
  const overflowing = Array.from(document.querySelectorAll("body *"))
    .filter((node) => node.getBoundingClientRect().right > root.clientWidth + 0.5).slice(0, 5)
    .map((node) => node.tagName.toLowerCase() + "." + node.className + ": " + node.textContent.slice(0, 60));
  return JSON.stringify({
    rendered: root.dataset.renderedWidth !== undefined,
    scrollWidth: root.scrollWidth, windowWidth: root.clientWidth, overflowing,
    operations: document.querySelectorAll("section.op[id^='op-']").length,
    curl: Object.fromEntries(Array.from(document.querySelectorAll("pre.curl")).map((p) => [p.dataset.operation, p.textContent])),
    examples: document.querySelectorAll("pre.example").length,
  });
})()"""


class DevTools:
    def __init__(self, chromium: str):
        self.to_chrome_read, self.to_chrome_write = os.pipe()
        self.from_chrome_read, self.from_chrome_write = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="switchboard-docs-chromium-")
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=self._pipes_at_3_and_4)
        os.close(self.to_chrome_read)
        os.close(self.from_chrome_write)
        self.buffer = b""
        self.next_id = 0

    def _pipes_at_3_and_4(self) -> None:
        """In the child, before exec: its commands' pipe on fd 3, its answers' on fd 4 (copied out of the way first,
        since either may already sit on 3 or 4)."""
        commands, answers = os.dup(self.to_chrome_read), os.dup(self.from_chrome_write)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method}: no answer within {timeout} s")
            chunk = os.read(self.from_chrome_read, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing either way
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        subprocess.run(["rm", "-rf", self.profile], check=False)


def main(argv: list[str]) -> int:
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, url, screenshots, widths = argv[1], argv[2], argv[3], [int(w) for w in argv[4:]]
    tools = DevTools(chromium)
    results = {}
    try:
        target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for width in widths:
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
            tools.call("Page.navigate", {"url": url}, session)
            measured = None
            for _ in range(200):  # the page has rendered once the root carries data-rendered-width
                value = tools.call("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session)
                if "value" in value.get("result", {}):  # not while the page is still being replaced
                    measured = json.loads(value["result"]["value"])
                    if measured["rendered"]:
                        break
                time.sleep(0.05)
            if measured is None:
                raise RuntimeError(f"{url} never answered the measurement at {width} px")
            shot = tools.call("Page.captureScreenshot", {"format": "png"}, session)
            path = os.path.join(screenshots, f"docs-{width}.png")
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
            measured["screenshot"] = path
            results[str(width)] = measured
    finally:
        tools.close()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
