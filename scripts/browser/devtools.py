"""Headless Chromium driven over the DevTools protocol on a pipe, with Python's standard library only.

Chromium started with --remote-debugging-pipe reads commands on file descriptor 3 and writes answers and events on
file descriptor 4, each a JSON message ended by NUL. `DevTools.call` sends one command and waits for its answer;
every other message read meanwhile (the events of the domains enabled) is kept, in order, in `DevTools.events`.

Used by scripts/docs/check_page.py (the /docs page) and scripts/inbox/drive_inbox.py (the /ui/ inbox).
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import tempfile
import time

# Input.dispatchKeyEvent's fields for the keys the drivers press: (key, code, windowsVirtualKeyCode, text).
KEYS = {
    "Backspace": ("Backspace", "Backspace", 8, None),
    "Tab": ("Tab", "Tab", 9, None),
    "Enter": ("Enter", "Enter", 13, "\r"),
    "Escape": ("Escape", "Escape", 27, None),
    "Space": (" ", "Space", 32, " "),
    "ArrowUp": ("ArrowUp", "ArrowUp", 38, None),
    "ArrowDown": ("ArrowDown", "ArrowDown", 40, None),
    "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37, None),
    "ArrowRight": ("ArrowRight", "ArrowRight", 39, None),
    "Home": ("Home", "Home", 36, None),
    "End": ("End", "End", 35, None),
}

# The events that say something went wrong on a page (see `DevTools.problems`).
PROBLEM_EVENTS = {
    "Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded", "Page.javascriptDialogOpening",
    "Network.loadingFailed", "Network.responseReceived",
}


class EvaluationError(RuntimeError):
    """An expression given to `DevTools.evaluate` threw (or its promise was rejected)."""


class DevTools:
    def __init__(self, chromium: str, profile_prefix: str = "switchboard-chromium-", arguments: tuple[str, ...] = ()):
        self.to_chrome_read, self.to_chrome_write = os.pipe()
        self.from_chrome_read, self.from_chrome_write = os.pipe()
        self.profile = tempfile.mkdtemp(prefix=profile_prefix)
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
             *arguments, "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=self._pipes_at_3_and_4)
        os.close(self.to_chrome_read)
        os.close(self.from_chrome_write)
        self.buffer = b""
        self.next_id = 0
        # Every message that is not the answer to a command, in the order read: {"method", "params", "sessionId"?}.
        self.events: list[dict] = []
        # Answer JavaScript dialogs (alert, confirm, prompt) at once: a dialog left open stops the page.
        self.dismiss_dialogs = True

    def _pipes_at_3_and_4(self) -> None:
        """In the child, before exec: its commands' pipe on fd 3, its answers' on fd 4 (copied out of the way first,
        since either may already sit on 3 or 4)."""
        commands, answers = os.dup(self.to_chrome_read), os.dup(self.from_chrome_write)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    # Sending and receiving.

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        """Sends a command without waiting for its answer; its id."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome_write, json.dumps(message).encode() + b"\0")
        return self.next_id

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30):
        """Sends a command and waits (at most `timeout` seconds) for its result; raises on an error answer."""
        sent = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next_message(deadline)
            if reply is None:
                raise TimeoutError(f"{method}: no answer within {timeout} s")
            if reply.get("id") == sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def pump(self, seconds: float = 0) -> None:
        """Reads the messages that arrive within `seconds` (none waited for: just those already sent when 0)."""
        deadline = time.monotonic() + seconds
        while self._next_message(deadline) is not None:
            pass

    def _next_message(self, deadline: float) -> dict | None:
        """The next message read (events are also kept in `events`), or None once `deadline` has passed."""
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.from_chrome_read], [], [], max(0.0, remaining))
            if not ready:
                return None
            chunk = os.read(self.from_chrome_read, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "id" not in message:
            self.events.append(message)
            if message.get("method") == "Page.javascriptDialogOpening" and self.dismiss_dialogs:
                self.send("Page.handleJavaScriptDialog", {"accept": True}, message.get("sessionId"))
        return message

    # A page.

    def open_page(self, url: str = "about:blank", domains: tuple[str, ...] = ()) -> str:
        """Opens a tab at `url` and attaches to it; the session id. `domains` (e.g. "Runtime", "Network") are
        enabled, so that their events are kept from then on."""
        target = self.call("Target.createTarget", {"url": url})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in domains:
            self.call(f"{domain}.enable", {}, session)
        return session

    def evaluate(self, expression: str, session: str, await_promise: bool = False, timeout: float = 30):
        """The value of a JavaScript expression in the page (by value: JSON-like values only); raises
        EvaluationError when it throws."""
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": await_promise, "userGesture": True,
            **({"timeout": int(timeout * 1000)} if await_promise else {}),
        }, session, timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            described = details.get("exception", {}).get("description") or details.get("text")
            raise EvaluationError(f"{expression[:120]!r} threw: {described}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, session: str, timeout: float = 10, interval: float = 0.02,
                 what: str | None = None):
        """Evaluates `expression` until its value is truthy; that value. Raises TimeoutError (naming `what`, or the
        expression) when it is not within `timeout` seconds. An expression evaluated while the page is being replaced
        (no context yet) counts as falsy."""
        deadline = time.monotonic() + timeout
        last_error = None
        while True:
            try:
                value = self.evaluate(expression, session, timeout=max(1.0, timeout))
                if value:
                    return value
                last_error = None
            except (EvaluationError, RuntimeError) as error:
                if "closed the DevTools pipe" in str(error):
                    raise
                last_error = error
            if time.monotonic() > deadline:
                detail = f" (last error: {last_error})" if last_error else ""
                raise TimeoutError(f"waited {timeout} s for {what or expression!r}{detail}")
            self.pump(interval)

    def navigate(self, url: str, session: str, timeout: float = 15) -> None:
        """Navigates to another document and waits for its load event (a change of the fragment alone loads
        nothing: go through about:blank for that)."""
        self.call("Page.enable", {}, session)
        start = len(self.events)
        result = self.call("Page.navigate", {"url": url}, session, timeout=timeout)
        if result.get("errorText"):
            raise RuntimeError(f"navigating to {url}: {result['errorText']}")
        self.wait_for_event("Page.loadEventFired", session, start, timeout, what=f"{url} to load")

    def reload(self, session: str, timeout: float = 15) -> None:
        """Reloads the page and waits for its load event."""
        self.call("Page.enable", {}, session)
        start = len(self.events)
        self.call("Page.reload", {"ignoreCache": False}, session, timeout=timeout)
        self.wait_for_event("Page.loadEventFired", session, start, timeout, what="the page to reload")

    def wait_for_event(self, method: str, session: str | None, since: int, timeout: float = 10,
                       what: str | None = None) -> dict:
        """The first event `method` (of `session`, when given) at index `since` or later in `events`, waiting for it
        at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        index = since
        while True:
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    return event
            if self._next_message(deadline) is None:
                raise TimeoutError(f"waited {timeout} s for {what or method}")

    def press(self, key: str, session: str, modifiers: int = 0) -> None:
        """Presses and releases one key (a name in KEYS) as a user would: keyDown, then keyUp."""
        name, code, virtual, text = KEYS[key]
        down = {"type": "keyDown" if text else "rawKeyDown", "key": name, "code": code, "modifiers": modifiers,
                "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual}
        if text:
            down.update(text=text, unmodifiedText=text)
        self.call("Input.dispatchKeyEvent", down, session)
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code, "modifiers": modifiers,
                                              "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual}, session)

    def type_text(self, text: str, session: str) -> None:
        """Types text into the focused element (as an input method commits it: one input event)."""
        self.call("Input.insertText", {"text": text}, session)

    def screenshot(self, path: str, session: str) -> str:
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session)
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        return path

    # What went wrong.

    def problems(self, since: int = 0, until: int | None = None) -> list[dict]:
        """The events (from index `since` to `until` of `events`) that say something went wrong, each as
        {"index", "kind", "text", "canceled"?}: console errors and warnings, uncaught exceptions, error and warning
        log entries, JavaScript dialogs, failed loads and answers with a status of 400 or more."""
        urls = {}
        found = []
        for index, event in enumerate(self.events[:until]):
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                urls[params.get("requestId")] = params.get("request", {}).get("url", "")
            if index < since or method not in PROBLEM_EVENTS:
                continue
            problem = describe(method, params, urls)
            if problem is not None:
                problem["index"] = index
                found.append(problem)
        return found

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


def describe(method: str, params: dict, urls: dict) -> dict | None:
    """One problem event as {"kind", "text"} (and "canceled" for loads the page itself gave up), or None when the
    event is harmless (a console.log, an answer below 400, an informational log entry)."""
    if method == "Runtime.consoleAPICalled":
        if params.get("type") not in ("error", "assert", "warning"):
            return None
        text = " ".join(str(arg.get("value", arg.get("description", arg.get("type")))) for arg in params.get("args", []))
        return {"kind": f"console.{params['type']}", "text": text}
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        text = details.get("exception", {}).get("description") or details.get("text", "")
        where = f" at {details.get('url', '')}:{details.get('lineNumber', 0) + 1}" if details.get("url") else ""
        return {"kind": "exception", "text": text + where}
    if method == "Log.entryAdded":
        entry = params.get("entry", {})
        if entry.get("level") not in ("error", "warning"):
            return None
        url = f" ({entry['url']})" if entry.get("url") else ""
        return {"kind": f"log.{entry.get('source', '')}.{entry['level']}", "text": entry.get("text", "") + url}
    if method == "Page.javascriptDialogOpening":
        return {"kind": f"dialog.{params.get('type', '')}", "text": params.get("message", "")}
    if method == "Network.loadingFailed":
        url = urls.get(params.get("requestId")) or f"({params.get('type', 'request')} {params.get('requestId', '')})"
        return {"kind": "load-failed", "text": f"{params.get('errorText', '')} {url}".strip(),
                "canceled": bool(params.get("canceled"))}
    if method == "Network.responseReceived":
        response = params.get("response", {})
        if response.get("status", 0) < 400:
            return None
        return {"kind": "http-error", "text": f"{response.get('status')} {response.get('url', '')}"}
    return None
