#!/usr/bin/env python3
"""Opens the /docs page in headless Chromium at each width given and reports, as one JSON object on stdout, what a
reader would meet there: the page's scroll width against the window's, the first elements reaching past the window,
the operations rendered, and each operation's curl line as the page shows it. Saves a screenshot per width.

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended by NUL on file
descriptors 3 and 4; see scripts/browser/devtools.py), so it needs only Python's standard library, and can set an
exact window width (a headless window is otherwise at least 500 px wide).

Usage: check_page.py CHROMIUM URL SCREENSHOT_DIR WIDTH [WIDTH…]
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time

# The shared DevTools driver, in scripts/browser (this script is run by its path, so its folder is not a package).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "browser"))
from devtools import DevTools  # noqa: E402

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


def main(argv: list[str]) -> int:
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, url, screenshots, widths = argv[1], argv[2], argv[3], [int(w) for w in argv[4:]]
    tools = DevTools(chromium, profile_prefix="switchboard-docs-chromium-")
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
