#!/usr/bin/env python3
"""Drives the web inbox (/ui/) in headless Chromium as a person would, step by step, and prints ONE JSON object on
stdout with what it measured: what the sign-in form, the list, the thread, the type filter, the search, the live
stream (and its recovery after a drop), the composer, a hostile message body, call recordings, the keyboard, a phone's
width and the dark theme showed, how long each took, and every console error, uncaught exception, failed load and
JavaScript dialog of the whole run. It decides nothing: Tests/switchboardTests/InboxBrowserTests.swift asserts on the
object. A wait that later steps need raises when it times out: the script then prints what it collected so far with
an "error" key (and the step) and exits 1, as on any other exception. A wait that nothing later needs is listed in
"timeouts" instead, and the run goes on.

Each step saves a screenshot NN-step.png in SCREENSHOT_DIR. Chromium is driven over the DevTools protocol on a pipe
(scripts/browser/devtools.py), so only Python's standard library is needed. The script also calls the HTTP API
(urllib) to post inbound messages and to read back what the page shows. The live stream is dropped by going offline
for 2 s and breaking the stream's open response with a network error (offline emulation alone leaves an open
response streaming).

Usage: drive_inbox.py CHROMIUM BASE_URL TOKEN LOCATION_ID LONG_CONVERSATION_ID SCREENSHOT_DIR
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "browser"))
from devtools import DevTools  # noqa: E402

WIDTH, HEIGHT = 1280, 800
# The whole run's bound: each wait is bounded too, so this stops only a driver stuck in a way no wait foresaw.
RUN_SECONDS = 200
CALL_TYPES = {"TYPE_CALL", "TYPE_CAMPAIGN_VOICEMAIL", "TYPE_VOICEMAIL", "TYPE_IVR_CALL", "TYPE_CAMPAIGN_CALL"}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

# Installed in the page before the live steps: notes (in epoch milliseconds, the clock Python's time.time() reads
# too) when each message id and each message text first appears in #messages, and each change of the root's
# data-live, so that delays are measured when the DOM changed, not when a poll noticed.
RECORDER = """(() => {
  if (window.__driver) return true;
  const d = window.__driver = {ids: {}, texts: {}, live: []};
  const now = () => performance.timeOrigin + performance.now();
  const scan = () => {
    const t = now();
    for (const li of document.querySelectorAll('#messages li.message')) {
      const id = li.dataset.messageId;
      if (id && !(id in d.ids)) d.ids[id] = t;
      const body = li.querySelector('.body');
      const text = body ? body.textContent.trim() : '';
      if (text && text.length < 300 && !(text in d.texts)) d.texts[text] = t;
    }
  };
  scan();
  new MutationObserver(scan).observe(document.body,
    {childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['data-message-id']});
  d.long = [];
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) d.long.push([performance.timeOrigin + e.startTime, e.duration]); })
      .observe({type: 'longtask'});
  } catch {}
  d.live.push([now(), document.documentElement.dataset.live || null]);
  new MutationObserver(() => d.live.push([now(), document.documentElement.dataset.live || null]))
    .observe(document.documentElement, {attributes: true, attributeFilter: ['data-live']});
  return true;
})()"""

# Installed before the page's own scripts: each response of the live stream (GET /_switchboard/events, read with
# fetch) is passed through a stream the driver can break, as a dropped connection breaks it. Chromium's offline
# emulation fails new requests only: a response already streaming goes on.
STREAM_BREAKER = """(() => {
  if (window.__driverStreams) return;
  const streams = window.__driverStreams = [];
  // The Last-Event-ID each connection of the live stream sent (null on a first connection).
  const resumedFrom = window.__driverResumedFrom = [];
  const original = window.fetch;
  window.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || String(input);
    if (url.includes('/_switchboard/events')) resumedFrom.push(((init && init.headers) || {})['Last-Event-ID'] || null);
    const response = await original.call(this, input, init);
    if (!url.includes('/_switchboard/events') || !response.body) return response;
    const reader = response.body.getReader();
    let control;
    const body = new ReadableStream({
      start(c) { control = c; },
      async pull(c) {
        try { const {value, done} = await reader.read(); if (done) c.close(); else c.enqueue(value); } catch (e) { try { c.error(e); } catch {} }
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    streams.push({ drop() {
      try { control.error(new TypeError('network error')); } catch {}
      reader.cancel().catch(() => {});
    } });
    return new Response(body, {status: response.status, statusText: response.statusText, headers: response.headers});
  };
})()"""

LIST_STATE = """(() => {
  const ul = document.querySelector('ul#conversations');
  const rows = Array.from(document.querySelectorAll('ul#conversations > li.conversation'));
  return {
    present: !!ul, loading: ul ? ul.dataset.loading === 'true' : false, complete: ul ? ul.dataset.complete === 'true' : false,
    ids: rows.map((li) => li.dataset.conversationId),
    names: rows.map((li) => (li.querySelector('.name') || {textContent: ''}).textContent.trim()),
    unread: rows.map((li) => li.dataset.unread === undefined ? null : li.dataset.unread),
    starred: rows.map((li) => li.dataset.starred === undefined ? null : li.dataset.starred),
    channels: rows.map((li) => li.dataset.channel === undefined ? null : li.dataset.channel),
  };
})()"""

THREAD_STATE = """(() => {
  const ol = document.querySelector('ol#messages');
  const section = document.querySelector('section#thread');
  const scroller = document.querySelector('#thread-scroll');
  const rows = Array.from(document.querySelectorAll('ol#messages > li.message'));
  return {
    present: !!ol, open: section ? section.dataset.conversationId || null : null,
    loading: ol ? ol.dataset.loading === 'true' : false, complete: ol ? ol.dataset.complete === 'true' : false,
    count: rows.length, ids: rows.map((li) => li.dataset.messageId || null),
    types: rows.map((li) => li.dataset.type || null),
    scrollTop: scroller ? scroller.scrollTop : null,
    atBottom: scroller ? scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2 : null,
  };
})()"""

# The first elements reaching past the window (as scripts/docs/check_page.py reports them).
OVERFLOWING = """(() => {
  const root = document.documentElement;
  // Inside a row that scrolls sideways (the type chips on a phone) an element is reached by scrolling that row.
  const inScroller = (node) => {
    for (let up = node.parentElement; up && up !== root; up = up.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  return Array.from(document.querySelectorAll('body *'))
    .filter((node) => node.getClientRects().length && node.getBoundingClientRect().right > root.clientWidth + 0.5)
    .filter((node) => !inScroller(node))
    .slice(0, 5)
    .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') + '.' + String(node.className) + ': '
      + node.textContent.trim().slice(0, 60));
})()"""

UNLABELLED = """(() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter((node) => {
    const labelled = (node.labels && Array.from(node.labels).some((l) => l.textContent.trim()))
      || (node.getAttribute('aria-label') || '').trim() || (node.getAttribute('title') || '').trim()
      || (node.tagName === 'BUTTON' && node.textContent.trim());
    return !labelled;
  })
  .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') + '.' + String(node.className)))()"""

# WCAG 2 contrast of visible text against the first opaque background behind it; the texts under 4.5:1 (AA).
LOW_CONTRAST = """(() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const node of document.querySelectorAll('body *')) {
    if (!node.getClientRects().length || node.closest('[hidden]')) continue;
    const ownText = Array.from(node.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!ownText) continue;
    const style = getComputedStyle(node);
    if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
    const [a, b] = [luminance(rgb(style.color)), luminance(background(node))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) failures.push(node.tagName.toLowerCase() + '.' + String(node.className) + ' ' + ratio.toFixed(2)
      + ': ' + node.textContent.trim().slice(0, 30));
  }
  return failures.slice(0, 10);
})()"""

FIRST_PAINT = """(() => {
  const entry = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
  return entry ? entry.startTime : null;
})()"""


def first_mismatch(shown: list, expected: list[dict]) -> dict | None:
    """Where the ids the page shows first differ from the API's messages (oldest first): the index, and the ids and
    dates around it on both sides; None when they are the same."""
    ids = [m["id"] for m in expected]
    if shown == ids:
        return None
    index = next((i for i, (a, b) in enumerate(zip(shown, ids)) if a != b), min(len(shown), len(ids)))
    dates = {m["id"]: m.get("dateAdded") for m in expected}
    around = slice(max(0, index - 2), index + 3)
    return {"index": index, "shownCount": len(shown), "apiCount": len(ids),
            "shown": [(i, dates.get(i)) for i in shown[around]], "api": [(i, dates.get(i)) for i in ids[around]]}


def js(value) -> str:
    """A Python value as a JavaScript literal."""
    return json.dumps(value)


class API:
    """The HTTP API, as the page's own token sees it."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 10):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Version": "2021-04-15", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path}: {error.code} {text[:300]}") from None

    def messages(self, conversation: str, message_type: str | None = None) -> list[dict]:
        """Every message of a conversation, newest first, page by page (100 a page, by lastMessageId)."""
        found, last = [], None
        for _ in range(1000):
            query = {"limit": 100}
            if last:
                query["lastMessageId"] = last
            if message_type:
                query["type"] = message_type
            _, answer = self.request("GET", f"/conversations/{conversation}/messages?{urllib.parse.urlencode(query)}")
            page = answer["messages"]
            found += page["messages"]
            if not page.get("nextPage") or not page["messages"]:
                return found
            last = page["lastMessageId"]
        raise RuntimeError(f"{conversation}: more than 1000 pages of messages")

    def newest(self, conversation: str, limit: int = 20) -> list[dict]:
        _, answer = self.request("GET", f"/conversations/{conversation}/messages?limit={limit}")
        return answer["messages"]["messages"]

    def conversation(self, conversation: str) -> dict:
        return self.request("GET", f"/conversations/{conversation}")[1]

    def search(self, location: str, **query) -> list[dict]:
        query = {"locationId": location, "limit": 100, **query}
        return self.request("GET", f"/conversations/search?{urllib.parse.urlencode(query)}")[1]["conversations"]

    def inbound(self, conversation: str, contact: str, text: str) -> tuple[dict, float]:
        """Posts an inbound SMS; its answer and when it came (epoch milliseconds)."""
        _, answer = self.request("POST", "/conversations/messages/inbound", {
            "type": "SMS", "conversationId": conversation, "contactId": contact, "message": text})
        return answer, time.time() * 1000


class Driver:
    def __init__(self, chromium: str, base: str, token: str, location: str, long_id: str, screenshots: str):
        self.base, self.token, self.location, self.long_id = base.rstrip("/"), token, location, long_id
        self.screenshots = screenshots
        self.api = API(base, token)
        self.report: dict = {"screenshots": [], "timings": {}, "timeouts": []}
        self.step = "start"
        self.induced: list[tuple[int, int]] = []  # event index ranges of failures the driver caused
        self.tools = DevTools(chromium, profile_prefix="switchboard-inbox-chromium-")
        self.session = ""

    # Helpers.

    def evaluate(self, expression: str, **options):
        return self.tools.evaluate(expression, self.session, **options)

    def wait_for(self, expression: str, what: str, timeout: float = 10, interval: float = 0.02):
        return self.tools.wait_for(expression, self.session, timeout=timeout, interval=interval,
                                   what=f"step {self.step}: {what}")

    def open_conversation(self, conversation_id: str, what: str) -> None:
        """Clicks the conversation's row and waits for its thread's first page."""
        row = f"ul#conversations > li.conversation[data-conversation-id={js(conversation_id)}]"
        self.wait_for(f"!!document.querySelector({js(row)})", f"{what} ({conversation_id}) in the list")
        self.element(f"{row} button.open", "click()")
        self.wait_for(f"(() => {{ const s = document.querySelector('section#thread');"
                      f" return !!s && s.dataset.conversationId === {js(conversation_id)}; }})()",
                      f"section#thread data-conversation-id to be {what}")
        self.wait_for("document.querySelectorAll('ol#messages > li.message').length > 0"
                      " && document.querySelector('ol#messages').dataset.loading !== 'true'",
                      f"ol#messages to show the first page of {what}")

    def element(self, selector: str, action: str) -> None:
        """Runs `action` (e.g. "click()", "focus()") on the element; raises naming the selector when it is missing."""
        self.evaluate(f"""(() => {{
          const el = document.querySelector({js(selector)});
          if (!el) throw new Error('step {self.step}: no element matches ' + {js(selector)});
          el.{action};
          return true;
        }})()""")

    def shot(self, name: str) -> None:
        path = os.path.join(self.screenshots, f"{name}.png")
        self.tools.screenshot(path, self.session)
        self.report["screenshots"].append(path)

    def begin(self, step: str) -> float:
        self.step = step
        return time.monotonic()

    def timed(self, name: str, started: float) -> None:
        self.report["timings"][name] = round((time.monotonic() - started) * 1000)

    def clock_offset(self) -> float:
        """The page's epoch clock (performance.timeOrigin + now()) minus Python's, in milliseconds."""
        before = time.time() * 1000
        page = self.evaluate("performance.timeOrigin + performance.now()")
        after = time.time() * 1000
        return page - (before + after) / 2

    def list_state(self) -> dict:
        return self.evaluate(LIST_STATE)

    def thread_state(self) -> dict:
        return self.evaluate(THREAD_STATE)

    def wait_list_settled(self, what: str, timeout: float = 10) -> dict:
        self.wait_for("(() => { const ul = document.querySelector('ul#conversations');"
                      " return !!ul && ul.dataset.loading !== 'true'; })()", what, timeout)
        return self.list_state()

    def seen_id(self, message_id: str, timeout: float, what: str) -> float:
        """When (page epoch ms) the message id first appeared in #messages, waiting for it at most `timeout` s."""
        return self.wait_for(f"window.__driver && window.__driver.ids[{js(message_id)}]", what, timeout)

    def count_bodies(self, text: str) -> int:
        return self.evaluate(f"""Array.from(document.querySelectorAll('#messages li.message'))
          .filter((li) => {{ const b = li.querySelector('.body'); return b && b.textContent.trim() === {js(text)}; }})
          .length""")

    def count_id(self, message_id: str) -> int:
        return self.evaluate(
            f"document.querySelectorAll('#messages li.message[data-message-id=' + CSS.escape({js(message_id)}) + ']').length")

    def inbox_visible(self) -> str:
        return ("(() => { const el = document.querySelector('#inbox');"
                " return !!el && !el.hidden && el.getClientRects().length > 0; })()")

    # The scenario.

    def run(self) -> None:
        tools = self.tools
        self.session = tools.open_page("about:blank", domains=("Runtime", "Log", "Page", "Network"))
        tools.call("Emulation.setDeviceMetricsOverride",
                   {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, self.session)
        tools.call("Emulation.setFocusEmulationEnabled", {"enabled": True}, self.session)
        tools.call("Page.addScriptToEvaluateOnNewDocument", {"source": STREAM_BREAKER}, self.session)
        url = f"{self.base}/ui/#location={self.location}"
        report = self.report

        # 1. The sign-in page, its location prefilled from the fragment.
        started = self.begin("1 sign-in page")
        tools.navigate(url, self.session)
        self.wait_for("!!document.querySelector('form#sign-in input#token')", "form#sign-in with input#token")
        self.soft(lambda: self.wait_for("(document.querySelector('input#location') || {}).value",
                                        "input#location to be prefilled", timeout=3))
        report["locationPrefilled"] = self.evaluate("(document.querySelector('input#location') || {value: null}).value")
        report["firstPaintMs"] = self.first_paint()
        report["tokenInputType"] = self.evaluate("(document.querySelector('input#token') || {}).type || null")
        self.timed("signInPage", started)
        self.shot("01-sign-in")

        # 2. Sign in: first with a token the server refuses (its 401 is expected), then with the right one.
        started = self.begin("2 sign in")
        refused_from = len(tools.events)
        self.element("input#token", "focus()")
        tools.type_text("pit-00000000-0000-0000-0000-000000000000", self.session)
        self.element("button#sign-in-submit", "click()")
        self.soft(lambda: self.wait_for("(document.querySelector('#sign-in-error') || {textContent: ''}).textContent.trim()",
                                        "#sign-in-error to say why a wrong token was refused", timeout=5))
        report["signInErrorText"] = self.evaluate(
            "(document.querySelector('#sign-in-error') || {textContent: null}).textContent.trim()")
        report["signInErrorInboxHidden"] = not self.evaluate(self.inbox_visible())
        self.pump(0.2)  # the refusal's log entries
        self.induced.append((refused_from, len(tools.events)))
        self.element("input#token", "select()")
        tools.press("Backspace", self.session)
        tools.type_text(self.token, self.session)
        self.element("button#sign-in-submit", "click()")
        self.wait_for(self.inbox_visible(), "#inbox to lose its hidden attribute")
        self.wait_for("document.querySelectorAll('ul#conversations > li.conversation').length > 0",
                      "ul#conversations to list conversations")
        state = self.wait_list_settled("ul#conversations to finish loading")
        self.timed("signInToList", started)
        report["listFirstPageCount"] = len(state["ids"])
        report["listScrolls"] = self.load_whole_list()
        state = self.list_state()
        report["listCount"] = len(state["ids"])
        report["listIds"] = state["ids"]
        report["listNames"] = state["names"]
        report["listUnread"] = state["unread"]
        report["listStarred"] = state["starred"]
        report["listChannels"] = state["channels"]
        report["listComplete"] = state["complete"]
        listed = self.api.search(self.location)
        report["apiListIds"] = [c["id"] for c in listed]
        report["apiListNames"] = [c.get("fullName") or c.get("contactName") or "" for c in listed]
        report["apiListUnread"] = [str(c.get("unreadCount", 0)) for c in listed]
        report["apiListChannels"] = [c.get("lastMessageType") for c in listed]
        report["sessionStorageHasToken"] = self.evaluate(
            f"Object.keys(sessionStorage).some((k) => sessionStorage.getItem(k) === {js(self.token)}"
            f" || (sessionStorage.getItem(k) || '').includes({js(self.token)}))")
        report["localStorageLength"] = self.evaluate("localStorage.length")
        report["localStorageHasToken"] = self.evaluate(
            f"Object.keys(localStorage).some((k) => (localStorage.getItem(k) || '').includes({js(self.token)}))")
        report["cookies"] = self.evaluate("document.cookie")
        report["liveAfterSignIn"] = self.live_state(wait=True)
        self.shot("02-inbox")

        # 1 again: a second navigation, signed in (the token is in sessionStorage).
        started = self.begin("1b signed-in navigation")
        tools.navigate("about:blank", self.session)
        tools.navigate(url, self.session)
        report["signedInAfterNavigation"] = self.signed_in()
        report["firstPaintSignedInMs"] = self.first_paint()
        if not report["signedInAfterNavigation"]:  # sign in again, to go on
            self.element("input#token", "focus()")
            tools.type_text(self.token, self.session)
            self.element("button#sign-in-submit", "click()")
            self.wait_for(self.inbox_visible(), "#inbox after signing in again")
        self.wait_for("document.querySelectorAll('ul#conversations > li.conversation').length > 0",
                      "ul#conversations after navigating again")
        self.wait_list_settled("ul#conversations to finish loading")
        self.timed("signedInNavigationToList", started)

        # 3. The long conversation, every page of it.
        started = self.begin("3 long thread")
        self.open_conversation(self.long_id, "the long conversation")
        row = f"ul#conversations > li.conversation[data-conversation-id={js(self.long_id)}]"
        self.timed("threadFirstPage", started)
        first = self.thread_state()
        report["threadFirstPageCount"] = first["count"]
        self.pump(0.3)  # a page may scroll itself to the bottom after a frame
        report["threadStartsAtBottom"] = self.thread_state()["atBottom"]
        report["threadScrollTopsAfterOlderPage"] = self.load_whole_thread(timeout=30)
        self.timed("threadAllPages", started)
        state = self.thread_state()
        report["threadCount"] = state["count"]
        report["threadComplete"] = state["complete"]
        report["threadIdsUnique"] = len(set(state["ids"])) == len(state["ids"]) and None not in state["ids"]
        api_messages = self.api.messages(self.long_id)
        report["threadApiCount"] = len(api_messages)
        report["threadOldestFirst"] = state["ids"] == [m["id"] for m in reversed(api_messages)]
        report["threadOrderMismatch"] = first_mismatch(state["ids"], list(reversed(api_messages)))
        report["threadTitle"] = self.evaluate("(document.querySelector('h2#thread-title') || {textContent: null}).textContent")
        if report["threadTitle"] is not None:
            report["threadTitle"] = report["threadTitle"].strip()
        long_conversation = self.api.conversation(self.long_id)
        contact = long_conversation["contactId"]
        report["apiThreadContactName"] = next(
            (c.get("fullName") or c.get("contactName") for c in listed if c["id"] == self.long_id), None)
        report["threadTypesShown"] = sorted(set(t for t in state["types"] if t))
        report["threadApiTypes"] = sorted(set(m.get("messageType") for m in api_messages))
        report["threadEmails"] = self.evaluate("""(() => {
          const frames = Array.from(document.querySelectorAll('#messages iframe.email-body'));
          return {
            emailMessages: document.querySelectorAll('#messages li.message[data-type="TYPE_EMAIL"]').length,
            iframes: frames.length,
            sandboxed: frames.filter((f) => f.hasAttribute('sandbox')).length,
            allowScripts: frames.filter((f) => (f.getAttribute('sandbox') || '').includes('allow-scripts')).length,
            audio: document.querySelectorAll('#messages audio').length,
          };
        })()""")
        report["threadEmails"]["apiEmailMessages"] = sum(1 for m in api_messages if m.get("messageType") == "TYPE_EMAIL")
        # Opening marks it read: the row's data-unread becomes "0", and so does the API's unreadCount.
        try:
            self.wait_for(f"(document.querySelector({js(row)}) || {{dataset: {{}}}}).dataset.unread === '0'",
                          "the opened conversation's data-unread to become 0", timeout=5)
        except TimeoutError:
            pass
        report["openedUnread"] = self.evaluate(f"(document.querySelector({js(row)}) || {{dataset: {{}}}}).dataset.unread ?? null")
        report["apiUnreadAfterOpen"] = self.api.conversation(self.long_id).get("unreadCount")
        report["starPressed"] = self.evaluate("(document.querySelector('button#star') || {getAttribute: () => null})"
                                              ".getAttribute('aria-pressed')")
        self.shot("03-thread")

        # 4. The TYPE_SMS chip.
        started = self.begin("4 type filter")
        chip = "#type-filters button[data-type=\"TYPE_SMS\"]"
        report["typeChips"] = self.evaluate(
            "Array.from(document.querySelectorAll('#type-filters button[data-type]')).map((b) => b.dataset.type)")
        self.element(chip, "click()")
        self.wait_for(f"document.querySelector({js(chip)}).getAttribute('aria-pressed') === 'true'",
                      "the TYPE_SMS chip to be aria-pressed=true")
        self.wait_for("(() => { const ol = document.querySelector('ol#messages');"
                      " const rows = Array.from(ol.querySelectorAll(':scope > li.message'));"
                      " return ol.dataset.loading !== 'true' && rows.length > 0"
                      " && rows.every((li) => li.dataset.type === 'TYPE_SMS'); })()",
                      "ol#messages to show only TYPE_SMS messages")
        self.load_whole_thread(timeout=20)
        state = self.thread_state()
        self.timed("typeFilter", started)
        report["filteredTypes"] = sorted(set(t for t in state["types"]))
        report["filteredCount"] = state["count"]
        report["filteredIdsMatchApi"] = None
        sms = self.api.messages(self.long_id, "TYPE_SMS")
        report["apiSmsCount"] = len(sms)
        report["filteredIdsMatchApi"] = state["ids"] == [m["id"] for m in reversed(sms)]
        report["filteredOrderMismatch"] = first_mismatch(state["ids"], list(reversed(sms)))
        self.shot("04-filter-sms")
        self.element(chip, "click()")
        self.wait_for(f"document.querySelector({js(chip)}).getAttribute('aria-pressed') !== 'true'",
                      "the TYPE_SMS chip to be off again")
        self.wait_for("(() => { const ol = document.querySelector('ol#messages');"
                      " const rows = Array.from(ol.querySelectorAll(':scope > li.message'));"
                      " return ol.dataset.loading !== 'true' && rows.some((li) => li.dataset.type !== 'TYPE_SMS'); })()",
                      "ol#messages to show every type again")
        report["unfilteredTypesAfterChipOff"] = sorted(set(t for t in self.thread_state()["types"] if t))

        # 5. Search by the second row's name.
        started = self.begin("5 search")
        before = self.list_state()
        name = before["names"][1] if len(before["names"]) > 1 else ""
        report["searchQuery"] = name
        self.element("input#search", "focus()")
        tools.type_text(name, self.session)
        typed = time.monotonic()
        try:
            self.wait_for(f"(() => {{ const ul = document.querySelector('ul#conversations');"
                          f" const ids = Array.from(ul.querySelectorAll(':scope > li.conversation')).map((li) => li.dataset.conversationId);"
                          f" return ul.dataset.loading !== 'true' && ids.join() !== {js(','.join(before['ids']))}; }})()",
                          "the list to change after typing the search", timeout=5)
        except TimeoutError:
            pass
        report["searchMs"] = round((time.monotonic() - typed) * 1000)
        self.pump(0.4)
        state = self.wait_list_settled("the search results to load")
        self.timed("search", started)
        report["searchResultNames"] = state["names"]
        report["searchResultIds"] = state["ids"]
        found = self.api.search(self.location, query=name)
        report["apiSearchIds"] = [c["id"] for c in found]
        report["apiSearchNames"] = [c.get("fullName") or c.get("contactName") or "" for c in found]
        self.shot("05-search")
        self.element("input#search", "focus()")
        self.element("input#search", "select()")
        tools.press("Backspace", self.session)
        try:
            self.wait_for(f"(() => {{ const ul = document.querySelector('ul#conversations');"
                          f" return ul.dataset.loading !== 'true' && ul.querySelectorAll(':scope > li.conversation').length"
                          f" === {len(before['ids'])}; }})()", "the full list back after clearing the search", timeout=5)
        except TimeoutError:
            pass
        state = self.list_state()
        report["searchClearedValue"] = self.evaluate("document.querySelector('input#search').value")
        report["searchClearedCount"] = len(state["ids"])

        # 6. Live: a message to another conversation, then to the open one; then one while the stream is down.
        started = self.begin("6 live")
        self.evaluate(RECORDER)
        report["liveBefore"] = self.live_state(wait=True)
        state = self.list_state()
        other = next((i for i in state["ids"] if i != self.long_id and i != state["ids"][0]), None)
        if other is None:
            other = next(i for i in state["ids"] if i != self.long_id)
        other_conversation = self.api.conversation(other)
        other_unread = state["unread"][state["ids"].index(other)]
        answer, _ = self.api.inbound(other, other_conversation["contactId"], f"live other {secrets.token_hex(4)}")
        try:
            self.wait_for(f"(() => {{ const first = document.querySelector('ul#conversations > li.conversation');"
                          f" return !!first && first.dataset.conversationId === {js(other)}; }})()",
                          "another conversation to move to the top after an inbound message", timeout=5)
        except TimeoutError:
            pass
        state = self.list_state()
        report["liveOther"] = {
            "id": other, "movedToTop": bool(state["ids"]) and state["ids"][0] == other,
            "unreadBefore": other_unread,
            "unreadAfter": state["unread"][state["ids"].index(other)] if other in state["ids"] else None,
            "apiUnreadAfter": self.api.conversation(other).get("unreadCount"),
            "threadStillOpen": self.thread_state()["open"], "inThread": self.count_id(answer["messageId"]),
        }
        text = f"live check {secrets.token_hex(6)}"
        offset = self.clock_offset()
        answer, answered = self.api.inbound(self.long_id, contact, text)
        seen = self.soft(lambda: self.seen_id(answer["messageId"], 10, "the live message's li in #messages"))
        report["liveMs"] = round(max(0.0, seen - (answered + offset))) if seen else None
        report["liveRawMs"] = round(seen - (answered + offset), 1) if seen else None
        # Where the time went: the page's requests after the answer (ms after it: start, end).
        report["liveRequests"] = [
            [url.split("/", 3)[-1], round(start - (answered + offset)), round(end - (answered + offset))]
            for url, start, end in self.evaluate(
                "performance.getEntriesByType('resource').map((e) => [e.name, performance.timeOrigin + e.startTime,"
                " performance.timeOrigin + e.responseEnd])")
            if start > answered + offset - 5]
        report["liveLongTasks"] = [[round(start - (answered + offset)), round(duration)]
                                   for start, duration in self.evaluate("window.__driver.long")
                                   if start > answered + offset - 5]
        report["liveMessageId"] = answer["messageId"]
        report["liveText"] = text
        try:
            self.wait_for(f"(() => {{ const first = document.querySelector('ul#conversations > li.conversation');"
                          f" return !!first && first.dataset.conversationId === {js(self.long_id)}; }})()",
                          "the long conversation to move to the top", timeout=5)
        except TimeoutError:
            pass
        report["liveMovedToTop"] = self.list_state()["ids"][:1] == [self.long_id]
        report["liveCount"] = self.count_id(answer["messageId"])
        report["livePreview"] = self.evaluate(
            f"(document.querySelector({js(row + ' .preview')}) || {{textContent: null}}).textContent")
        report["liveBodyShown"] = self.count_bodies(text)
        self.timed("live", started)
        self.shot("06-live")

        # Live chat's typing indicator: shown in the open conversation when a typist says so, gone when it stops.
        def typing(flag: bool) -> None:
            self.api.request("POST", "/conversations/providers/live-chat/typing", {
                "locationId": self.location, "isTyping": flag, "visitorId": "driver", "conversationId": self.long_id})
        typing(True)
        report["typingShown"] = self.soft(lambda: self.wait_for(
            "!document.getElementById('typing').hidden", "the typing indicator to show", timeout=5)) is not None
        report["typingText"] = self.evaluate("document.getElementById('typing').textContent")
        typing(False)
        report["typingHidden"] = self.soft(lambda: self.wait_for(
            "document.getElementById('typing').hidden", "the typing indicator to go", timeout=5)) is not None

        # The stream dropped: offline for 2 s while a message is posted, then online again.
        self.step = "6b live resume"
        text = f"resume check {secrets.token_hex(6)}"
        changes_before = len(self.evaluate("window.__driver.live"))
        dropped_at = len(tools.events)
        tools.call("Network.emulateNetworkConditions", {**ONLINE, "offline": True}, self.session)
        offline_started = time.monotonic()
        report["dropMethod"] = "offline for 2 s, and the open live stream's response broken with a network error"
        report["streamsBroken"] = self.evaluate(
            "window.__driverStreams.forEach((s) => s.drop()), window.__driverStreams.splice(0).length")
        try:
            self.wait_for("document.documentElement.dataset.live !== 'open'",
                          "data-live to leave 'open' while offline", timeout=1.5)
        except TimeoutError:
            pass
        answer, _ = self.api.inbound(self.long_id, contact, text)
        self.pump(max(0.0, 2 - (time.monotonic() - offline_started)))
        report["resumeDuringDropCount"] = self.count_id(answer["messageId"])
        tools.call("Network.emulateNetworkConditions", ONLINE, self.session)
        online = time.time() * 1000
        offset = self.clock_offset()
        self.induced.append((dropped_at, len(tools.events)))
        seen = self.soft(lambda: self.seen_id(answer["messageId"], 20, "the message posted while offline, after going online"))
        report["resumeMs"] = round(max(0.0, seen - (online + offset))) if seen else None
        try:
            self.wait_for("document.documentElement.dataset.live === 'open'", "data-live 'open' again", timeout=10)
        except TimeoutError:
            pass
        self.pump(1.5)  # any duplicate would have come by now
        report["resumeCount"] = self.count_id(answer["messageId"])
        report["resumedFrom"] = self.evaluate("window.__driverResumedFrom || []")
        report["resumeBodyCount"] = self.count_bodies(text)
        report["liveStatesDuringDrop"] = [state for _, state in self.evaluate("window.__driver.live")[changes_before:]]
        report["liveAfterResume"] = self.live_state()
        report["resumeThreadIdsUnique"] = len(set(self.thread_state()["ids"])) == self.thread_state()["count"]

        # 7. The composer.
        started = self.begin("7 composer")
        text = f"composer check {secrets.token_hex(6)}"
        self.evaluate("""(() => { const s = document.querySelector('select#compose-type');
          if (!s) throw new Error('no select#compose-type'); s.value = 'SMS';
          s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}));
          return true; })()""")
        report["composeTypes"] = self.evaluate(
            "Array.from(document.querySelectorAll('select#compose-type option')).map((o) => o.value)")
        self.element("textarea#compose-body", "focus()")
        tools.type_text(text, self.session)
        offset = self.clock_offset()
        clicked = time.time() * 1000
        self.element("button#compose-send", "click()")
        shown = self.soft(lambda: self.wait_for(f"window.__driver.texts[{js(text)}]", "the composed message in the thread",
                                                timeout=10))
        report["composerShownMs"] = round(max(0.0, shown - (clicked + offset))) if shown else None
        sent = None
        for _ in range(50):
            sent = next((m for m in self.api.newest(self.long_id) if m.get("body") == text), None)
            if sent:
                break
            self.pump(0.1)
        report["composerReadBack"] = sent is not None
        if sent:
            report["composerMessageId"] = sent["id"]
            report["composerApiType"] = sent.get("messageType")
            report["composerApiDirection"] = sent.get("direction")
            self.soft(lambda: self.seen_id(sent["id"], 10, "the composed message's li to carry its real id"))
        self.pump(1.5)  # the live stream's copy of it, if the page were to show it twice
        report["composerCount"] = self.count_bodies(text)
        report["composerIdCount"] = self.count_id(sent["id"]) if sent else None
        report["composerClearedBody"] = self.evaluate("document.querySelector('textarea#compose-body').value") == ""
        report["composerAtBottom"] = self.thread_state()["atBottom"]
        self.timed("composer", started)
        self.shot("07-composer")

        # 8. A hostile body.
        started = self.begin("8 hostile body")
        hostile = "<img src=x onerror=alert(1)>"
        answer, _ = self.api.inbound(self.long_id, contact, hostile)
        self.soft(lambda: self.seen_id(answer["messageId"], 10, "the hostile message's li"))
        self.pump(0.5)  # an onerror would have run by now
        report["hostileText"] = self.evaluate(
            f"(document.querySelector('#messages li.message[data-message-id=' + CSS.escape({js(answer['messageId'])}) + '] .body')"
            f" || {{textContent: null}}).textContent")
        report["hostileImgCount"] = self.evaluate("document.querySelectorAll('#messages img[src=\"x\"]').length")
        report["hostileImgCountDocument"] = self.evaluate("document.querySelectorAll('img[src=\"x\"]').length")
        report["dialogs"] = sum(1 for e in tools.events if e.get("method") == "Page.javascriptDialogOpening")
        self.timed("hostile", started)
        self.shot("08-hostile")

        # 8b. Call recordings play as audio (no screenshot of its own).
        started = self.begin("8b recordings")
        report["recordings"] = self.recordings(listed)
        self.timed("recordings", started)

        # 8c. The comments chip shows internal comments (no screenshot of its own).
        started = self.begin("8c comments chip")
        report["comments"] = self.comments(listed)
        self.timed("comments", started)

        # 9. Keyboard only.
        started = self.begin("9 keyboard")
        self.element("input#search", "focus()")
        focused_row = ("(() => { const el = document.activeElement; if (!el || !el.matches('button.open')) return null;"
                       " const rows = Array.from(document.querySelectorAll('ul#conversations > li.conversation'));"
                       " return rows.indexOf(el.closest('li.conversation')); })()")
        tabs = None
        for presses in range(1, 16):
            tools.press("Tab", self.session)
            if self.evaluate(focused_row) is not None:
                tabs = presses
                break
        report["tabsToList"] = tabs
        report["tabFocusedRow"] = self.evaluate(focused_row)
        if tabs is not None:
            tools.press("ArrowDown", self.session)
            report["arrowMovedTo"] = self.evaluate(focused_row)
            tools.press("ArrowUp", self.session)
            report["arrowUpMovedTo"] = self.evaluate(focused_row)
            tools.press("ArrowDown", self.session)
            report["focusVisible"] = self.evaluate("""(() => { const el = document.activeElement; const s = getComputedStyle(el);
              return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; })()""")
            report["focusStyle"] = self.evaluate("""(() => { const s = getComputedStyle(document.activeElement);
              return {outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, boxShadow: s.boxShadow}; })()""")
            target = self.evaluate("document.activeElement.closest('li.conversation').dataset.conversationId")
            report["keyboardTarget"] = target
            tools.press("Enter", self.session)
            try:
                self.wait_for(f"(document.querySelector('section#thread') || {{dataset: {{}}}}).dataset.conversationId === {js(target)}",
                              "Enter on a row to open its conversation", timeout=5)
            except TimeoutError:
                pass
            report["keyboardOpened"] = self.evaluate(
                f"(document.querySelector('section#thread') || {{dataset: {{}}}}).dataset.conversationId === {js(target)}")
        else:
            report.update(arrowMovedTo=None, arrowUpMovedTo=None, focusVisible=None, keyboardOpened=False)
        report["focusAfterEnter"] = self.evaluate(
            "(() => { const el = document.activeElement; return el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')"
            " + (el.className ? '.' + String(el.className).split(' ').join('.') : '') : null; })()")
        self.timed("keyboard", started)
        self.shot("09-keyboard")

        # 10. A phone's width.
        started = self.begin("10 phone")
        tools.call("Emulation.setDeviceMetricsOverride",
                   {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}, self.session)
        tools.reload(self.session)
        report["phoneSignedIn"] = self.signed_in()
        try:
            self.wait_for("document.querySelectorAll('ul#conversations > li.conversation').length > 0", "the list at 375 px",
                          timeout=5)
        except TimeoutError:
            pass
        self.pump(0.3)
        report["phoneScrollWidth"] = self.evaluate("document.documentElement.scrollWidth")
        report["phoneWindowWidth"] = self.evaluate("document.documentElement.clientWidth")
        report["phoneOverflowing"] = self.evaluate(OVERFLOWING)
        self.timed("phone", started)
        self.shot("10-phone")

        # 11. The dark theme (at the desktop's width again).
        started = self.begin("11 dark theme")
        tools.call("Emulation.setDeviceMetricsOverride",
                   {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, self.session)
        tools.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]},
                   self.session)
        self.pump(0.2)
        report["lightBackground"] = self.evaluate("getComputedStyle(document.body).backgroundColor")
        report["lightLowContrast"] = self.evaluate(LOW_CONTRAST)
        tools.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
                   self.session)
        self.pump(0.3)
        report["darkBackground"] = self.evaluate("getComputedStyle(document.body).backgroundColor")
        report["darkColor"] = self.evaluate("getComputedStyle(document.body).color")
        report["darkLowContrast"] = self.evaluate(LOW_CONTRAST)
        self.timed("dark", started)
        self.shot("11-dark")
        tools.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]},
                   self.session)

        # 12. Every control has a label; starring; an email from the composer; the list's later pages.
        started = self.begin("12 star, email, paging")
        report["unlabelledControls"] = self.evaluate(UNLABELLED)
        self.open_conversation(self.long_id, "the long conversation")
        contact_id = self.api.conversation(self.long_id)["contactId"]
        self.element("#star", "click()")
        self.wait_for("document.getElementById('star').getAttribute('aria-pressed') === 'true'", "the star to be pressed")
        row = f"ul#conversations > li.conversation[data-conversation-id={js(self.long_id)}]"
        self.wait_for(f"(document.querySelector({js(row)}) || {{dataset: {{}}}}).dataset.starred === 'true'",
                      "the row to show the star")
        report["apiStarredAfterStar"] = self.api.conversation(self.long_id).get("starred")
        subject, text = f"Subject {secrets.token_hex(4)}", f"email check {secrets.token_hex(6)}"
        self.evaluate("""(() => { const type = document.getElementById('compose-type'); type.value = 'Email';
          type.dispatchEvent(new Event('change')); return true; })()""")
        report["subjectShownForEmail"] = self.evaluate("!document.getElementById('compose-subject').hidden")
        self.element("#compose-subject", "focus()")
        self.tools.type_text(subject, self.session)
        self.element("#compose-body", "focus()")
        self.tools.type_text(text, self.session)
        self.element("#compose-send", "click()")
        self.wait_for(f"Array.from(document.querySelectorAll('#messages li.message[data-type=\"TYPE_EMAIL\"]'))"
                      f".some((li) => !li.dataset.messageId.startsWith('pending-') && li.textContent.includes({js(subject)}))",
                      "the sent email with its subject in the thread")
        sent = next((m for m in self.api.newest(self.long_id) if m.get("messageType") == "TYPE_EMAIL"
                     and text in (m.get("body") or "")), None)
        report["emailApiDirection"] = sent and sent.get("direction")
        email_ids = ((sent or {}).get("meta") or {}).get("email", {}).get("messageIds") or []
        report["emailApiSubject"] = (self.api.request("GET", f"/conversations/messages/email/{email_ids[0]}")[1]
                                     .get("emailMessage", {}).get("subject")) if email_ids else None
        report["emailSubject"] = subject
        # Enough conversations for a second page of the list (20 a page), made through the API; the list pages as
        # it is scrolled, to the API's total. The server runs HighLevel's rate limit (100 requests a 10 s window per
        # token, shared by this driver and the page): a fresh window first, so neither is refused.
        self.pump(10.5)
        for index in range(12):
            _, contact = self.api.request("POST", "/contacts/", {
                "locationId": self.location, "firstName": "Paging", "lastName": f"Contact {index:02d}",
                "phone": f"+1555020{index:04d}"})
            self.api.request("POST", "/conversations/messages", {
                "type": "SMS", "contactId": contact["contact"]["id"], "message": f"paging {index}"})
        report["apiListTotal"] = len(self.api.search(self.location))
        tools.reload(self.session)
        self.wait_for("document.querySelectorAll('ul#conversations > li.conversation').length > 0", "the list again")
        report["listFirstPageAfterPaging"] = self.evaluate("document.querySelectorAll('ul#conversations > li.conversation').length")
        report["listScrollsForPaging"] = self.load_whole_list()
        report["listAfterScrolling"] = self.evaluate("document.querySelectorAll('ul#conversations > li.conversation').length")
        report["listIdsUniqueAfterScrolling"] = self.evaluate(
            "(() => { const ids = Array.from(document.querySelectorAll('ul#conversations > li.conversation'))"
            ".map((li) => li.dataset.conversationId); return new Set(ids).size === ids.length; })()")
        self.timed("extras", started)
        self.shot("12-paging")
        self.step = "done"

    def recordings(self, listed: list[dict]) -> dict | None:
        """Opens the first conversation whose calls have recordings (attachments) and reports its audio elements
        against the API's recordings, and what each audio's address answers."""
        for conversation in listed:
            messages = self.api.messages(conversation["id"])
            expected = [url for m in messages if m.get("messageType") in CALL_TYPES for url in m.get("attachments") or []]
            if expected:
                break
        else:
            return None
        self.open_conversation(conversation["id"], "the calls conversation")
        self.load_whole_thread(timeout=10)
        sources = self.evaluate("Array.from(document.querySelectorAll('#messages audio')).map((a) => a.currentSrc || a.src)")
        statuses = []
        for source in sources:
            try:
                with urllib.request.urlopen(urllib.request.Request(source, method="HEAD"), timeout=5) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        return {"conversation": conversation["id"], "audio": len(sources), "apiRecordings": len(expected),
                "sourcesMatchApi": sorted(sources) == sorted(expected), "statuses": statuses}

    def comments(self, listed: list[dict]) -> dict | None:
        """Opens the first conversation with internal comments, turns the TYPE_INTERNAL_COMMENTS chip on, and reports
        the types and count shown against the API's answer to the same filter; then turns the chip off."""
        for conversation in listed:
            expected = self.api.messages(conversation["id"], "TYPE_INTERNAL_COMMENTS")
            if expected:
                break
        else:
            return None
        self.open_conversation(conversation["id"], "the conversation with comments")
        chip = "#type-filters button[data-type=\"TYPE_INTERNAL_COMMENTS\"]"
        self.element(chip, "click()")
        self.soft(lambda: self.wait_for(
            f"document.querySelector({js(chip)}).getAttribute('aria-pressed') === 'true'"
            " && document.querySelector('ol#messages').dataset.loading !== 'true'"
            " && Array.from(document.querySelectorAll('ol#messages > li.message'))"
            ".every((li) => li.dataset.type === 'TYPE_INTERNAL_COMMENT')",
            "the comments chip to show only TYPE_INTERNAL_COMMENT messages", timeout=5))
        state = self.thread_state()
        shown = {"conversation": conversation["id"], "types": sorted(set(t for t in state["types"] if t)),
                 "count": state["count"], "apiCount": len(expected),
                 "idsMatchApi": state["ids"] == [m["id"] for m in reversed(expected)]}
        self.element(chip, "click()")
        self.soft(lambda: self.wait_for(f"document.querySelector({js(chip)}).getAttribute('aria-pressed') !== 'true'"
                                        " && document.querySelector('ol#messages').dataset.loading !== 'true'",
                                        "the comments chip to be off again", timeout=5))
        return shown

    def soft(self, wait):
        """The value of `wait()`, or None when it timed out: the run goes on, and the timeout is listed in the
        report's "timeouts" (for what a later step does not need)."""
        try:
            return wait()
        except TimeoutError as error:
            self.report.setdefault("timeouts", []).append(str(error))
            return None

    def signed_in(self) -> bool:
        """Whether the page, just loaded, shows the inbox within 5 s (rather than the sign-in form)."""
        try:
            self.wait_for(self.inbox_visible(), "#inbox to show without signing in", timeout=5)
            return True
        except TimeoutError:
            return False

    def first_paint(self):
        """first-contentful-paint's startTime (ms), or None when the page reports none within 5 s."""
        try:
            value = self.wait_for(f"{FIRST_PAINT} !== null", "a first-contentful-paint entry", timeout=5)
        except TimeoutError:
            return None
        del value
        return round(self.evaluate(FIRST_PAINT), 1)

    def live_state(self, wait: bool = False):
        """The root's data-live (after waiting up to 10 s for "open" when `wait`)."""
        if wait:
            try:
                self.wait_for("document.documentElement.dataset.live === 'open'", "data-live to be 'open'", timeout=10)
            except TimeoutError:
                pass
        return self.evaluate("document.documentElement.dataset.live ?? null")

    def pump(self, seconds: float) -> None:
        self.tools.pump(seconds)

    def load_whole_list(self, timeout: float = 15) -> int:
        """Scrolls #conversation-scroll to its bottom until ul#conversations is data-complete; the scrolls needed."""
        deadline = time.monotonic() + timeout
        scrolls = 0
        while not self.list_state()["complete"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"step {self.step}: ul#conversations not data-complete=\"true\" after {timeout} s"
                                   f" of scrolling #conversation-scroll to its bottom")
            count = len(self.list_state()["ids"])
            self.element("#conversation-scroll", "scrollTop = 1e9")
            scrolls += 1
            self.wait_for(f"(() => {{ const ul = document.querySelector('ul#conversations');"
                          f" return ul.dataset.complete === 'true' || (ul.dataset.loading !== 'true'"
                          f" && ul.querySelectorAll(':scope > li.conversation').length > {count}); }})()",
                          "another page of conversations after scrolling to the bottom",
                          timeout=max(0.1, deadline - time.monotonic()))
        return scrolls

    def load_whole_thread(self, timeout: float) -> list:
        """Scrolls #thread-scroll to its top until ol#messages is data-complete; the scroller's scrollTop after each
        older page came (above 0 when the page kept the reader's place)."""
        deadline = time.monotonic() + timeout
        tops = []
        while True:
            state = self.thread_state()
            if state["complete"]:
                return tops
            if time.monotonic() > deadline:
                raise TimeoutError(f"step {self.step}: ol#messages not data-complete=\"true\" after {timeout} s of"
                                   f" scrolling #thread-scroll to its top ({state['count']} messages shown)")
            if state["scrollTop"] is not None and state["scrollTop"] < 5:
                # Already at the top (the page did not keep the place): move off it, as a reader would, to scroll up.
                self.element("#thread-scroll", "scrollTop = 80")
                self.pump(0.05)
            self.element("#thread-scroll", "scrollTop = 0")
            self.wait_for(f"(() => {{ const ol = document.querySelector('ol#messages');"
                          f" return ol.dataset.complete === 'true' || (ol.dataset.loading !== 'true'"
                          f" && ol.querySelectorAll(':scope > li.message').length > {state['count']}); }})()",
                          "an older page of messages after scrolling #thread-scroll to its top",
                          timeout=max(0.1, deadline - time.monotonic()))
            self.pump(0.05)
            tops.append(self.thread_state()["scrollTop"])

    def problems(self) -> dict:
        """The run's problems: those the page had (consoleErrors), those the driver caused (a wrong token's 401, the
        failed loads while offline), and loads the page itself canceled."""
        errors, induced, canceled = [], [], []
        for problem in self.tools.problems():
            line = f"{problem['kind']}: {problem['text']}"
            if any(start <= problem["index"] < end for start, end in self.induced) \
                    or "ERR_INTERNET_DISCONNECTED" in problem["text"]:
                induced.append(line)
            elif problem.get("canceled"):
                canceled.append(line)
            else:
                errors.append(line)
        return {"consoleErrors": errors, "inducedProblems": induced, "canceledLoads": canceled}

    def favicon(self) -> dict:
        """The icon the page links (or /favicon.ico), and its status, fetched as the browser would."""
        href = None
        try:
            href = self.evaluate("(() => { const l = document.querySelector('link[rel~=\"icon\"]'); return l ? l.href : null; })()")
        except Exception:  # noqa: BLE001 - the page may be gone
            pass
        origin = urllib.parse.urlsplit(self.base)
        url = href or f"{origin.scheme}://{origin.netloc}/favicon.ico"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception as error:  # noqa: BLE001
            return {"href": href, "url": url, "status": None, "error": str(error)}
        return {"href": href, "url": url, "status": status}


def main(argv: list[str]) -> int:
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, base, token, location, long_id, screenshots = argv[1:]
    os.makedirs(screenshots, exist_ok=True)
    driver = Driver(chromium, base, token, location, long_id, screenshots)
    status = 0

    def out_of_time(signum, frame):
        raise TimeoutError(f"the whole run took more than {RUN_SECONDS} s")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(RUN_SECONDS)
    try:
        driver.run()
    except Exception as error:  # noqa: BLE001 - reported as JSON
        driver.report["error"] = f"{type(error).__name__}: {error}"
        driver.report["step"] = driver.step
        driver.report["traceback"] = traceback.format_exc(limit=4)
        try:
            driver.shot("99-error")
        except Exception:  # noqa: BLE001
            pass
        status = 1
    signal.alarm(0)
    try:
        driver.report["favicon"] = driver.favicon()
        driver.report.update(driver.problems())
        icon = driver.report["favicon"]
        if icon["status"] is None or icon["status"] >= 400:
            driver.report["consoleErrors"].append(f"favicon: {icon['status'] or icon.get('error')} {icon['url']}")
        driver.report["dialogs"] = sum(1 for e in driver.tools.events if e.get("method") == "Page.javascriptDialogOpening")
    finally:
        driver.tools.close()
    print(json.dumps(driver.report))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
