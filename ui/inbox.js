/*
 * Switchboard's web inbox: a client of the public Conversations API (the same routes, token and `Version` header any
 * client uses) and of the live event stream (GET /_switchboard/events, read with fetch so it can carry the token).
 *
 * Everything a message or contact says is inserted as text (textContent, attributes), never parsed as HTML; an
 * email's HTML body is shown only inside a sandboxed frame that runs no script. The page's Content-Security-Policy
 * allows only this file's script, this server's styles and this server as a destination.
 *
 * What the browser test relies on (scripts/inbox/drive_inbox.py): ids #sign-in, #token, #location, #inbox,
 * #conversations > li.conversation[data-conversation-id][data-unread][data-starred][data-channel] > button.open,
 * #thread[data-conversation-id], #messages > li.message[data-message-id][data-direction][data-type][data-status]
 * > .body, #type-filters button[data-type][aria-pressed], #composer, html[data-live], and data-loading /
 * data-complete on both lists.
 */
"use strict";

const API_VERSION = "2021-04-15";
const LIST_PAGE = 20;
const THREAD_PAGE = 50;
const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  location: null,
  list: { items: [], complete: false, loading: false, generation: 0, refreshTimer: 0 },
  thread: null, // see newThread()
  stream: { lastEventId: null, controller: null, connected: false, watchdog: 0 },
  pendingSends: 0,
};

/* ---------- API ---------- */

class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + state.token, Version: API_VERSION, Accept: "application/json" };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const message = json && json.message ? (Array.isArray(json.message) ? json.message.join("; ") : json.message) : response.statusText;
    throw new APIError(response.status, message || "HTTP " + response.status);
  }
  return json;
}

const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) { if (value.length) search.set(key, value.join(",")); } else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
};

/* ---------- Small DOM helpers ---------- */

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const dateOf = (value) => {
  if (value === undefined || value === null) return null;
  // Epoch milliseconds come as numbers or, in some of HighLevel's answers, as digit strings; messages carry ISO dates.
  const date = typeof value === "number" || /^\d+$/.test(String(value)) ? new Date(Number(value)) : new Date(String(value));
  return isNaN(date.getTime()) ? null : date;
};
const fullDate = (date) => date ? date.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" }) : "";

function relativeTime(date) {
  if (!date) return "";
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 45) return "now";
  if (seconds < 3600) return Math.round(seconds / 60) + "m";
  if (seconds < 86400) return Math.round(seconds / 3600) + "h";
  if (seconds < 7 * 86400) return Math.round(seconds / 86400) + "d";
  return date.toLocaleDateString(undefined, { month: "short", day: "numeric", year: date.getFullYear() === new Date().getFullYear() ? undefined : "numeric" });
}

function timeElement(date, className, short) {
  return el("time", { class: className, datetime: date ? date.toISOString() : null, title: fullDate(date) }, short);
}

const CHANNELS = {
  TYPE_SMS: "SMS", TYPE_EMAIL: "Email", TYPE_CALL: "Call", TYPE_FACEBOOK: "FB", TYPE_INSTAGRAM: "IG",
  TYPE_WHATSAPP: "WA", TYPE_GMB: "GMB", TYPE_LIVE_CHAT: "Chat", TYPE_INTERNAL_COMMENT: "Note", TYPE_RCS: "RCS",
  TYPE_TIKTOK: "TikTok", TYPE_CAMPAIGN_VOICEMAIL: "VM", TYPE_VOICEMAIL: "VM",
};
const CHANNEL_NAMES = {
  TYPE_SMS: "SMS", TYPE_EMAIL: "Email", TYPE_CALL: "Call", TYPE_FACEBOOK: "Facebook", TYPE_INSTAGRAM: "Instagram",
  TYPE_WHATSAPP: "WhatsApp", TYPE_GMB: "Google Business", TYPE_LIVE_CHAT: "Live chat", TYPE_INTERNAL_COMMENT: "Internal comment",
};
const channelLabel = (type) => CHANNELS[type] || (/^TYPE_ACTIVITY/.test(type || "") ? "Activity" : type ? type.replace(/^TYPE_/, "").slice(0, 6) : "—");
const channelName = (type) => CHANNEL_NAMES[type] || (type ? type.replace(/^TYPE_/, "").replace(/_/g, " ").toLowerCase() : "unknown");

function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  return ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
}
const contactName = (c) => (c && (c.fullName || c.contactName || c.email || c.phone)) || "Unknown contact";

/* ---------- Sign-in ---------- */

/* Decodes a URL component; a malformed one (a stray `%`) is taken as written. */
const decoded = (text) => { try { return decodeURIComponent(text); } catch { return text; } };

function fromHash(name) {
  const match = new RegExp("(?:^#|&)" + name + "=([^&]+)").exec(window.location.hash);
  return match ? decoded(match[1]) : null;
}
const locationFromHash = () => fromHash("location");

/* The address names the location and the open conversation, so a reload (or a shared link) opens it again. */
function writeHash() {
  let hash = "#location=" + encodeURIComponent(state.location);
  if (state.thread) hash += "&conversation=" + encodeURIComponent(state.thread.id);
  if (window.location.hash !== hash) history.replaceState(null, "", hash);
}

function showSignIn(message) {
  $("inbox").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message || "";
  $("location").value = state.location || locationFromHash() || sessionStorage.getItem("switchboard.location") || "";
  ($("location").value ? $("token") : $("location")).focus();
}

async function signIn(token, location) {
  state.token = token;
  state.location = location;
  try {
    // One cheap call proves the token reads this location before anything is kept.
    await api("GET", "/conversations/search" + query({ locationId: location, limit: 1 }));
  } catch (error) {
    state.token = null;
    showSignIn(error.status === 401 ? "The token was not accepted." : error.status === 403 ? "This token cannot read that location." : "Could not reach the server: " + error.message);
    return;
  }
  sessionStorage.setItem("switchboard.token", token);
  sessionStorage.setItem("switchboard.location", location);
  const reopen = fromHash("conversation");
  // Signing in again (another location in the address) starts over: one stream, no thread of the last location.
  stopStream();
  closeThread();
  writeHash();
  $("sign-in").hidden = true;
  $("inbox").hidden = false;
  $("location-label").textContent = "Location " + location;
  // The stream first, so no event between the list's read and the stream's start goes unseen.
  startStream();
  reloadList();
  if (reopen) openThread(reopen);
}

function stopStream() {
  if (state.stream.controller) state.stream.controller.abort();
  clearTimeout(state.stream.watchdog);
  state.stream = { lastEventId: null, controller: null, connected: false, watchdog: 0 };
}

function closeThread() {
  const thread = state.thread;
  if (thread) { clearTimeout(thread.refreshTimer); clearTimeout(thread.markReadTimer); }
  showTyping(false);
  state.thread = null;
  $("messages").replaceChildren();
  $("composer").hidden = true;
  delete $("thread").dataset.conversationId;
  $("inbox").classList.remove("thread-open");
  renderThreadHead();
}

function signOut() {
  sessionStorage.removeItem("switchboard.token");
  stopStream();
  closeThread();
  state.token = null;
  state.list.items = [];
  state.list.generation++;
  emailHeaders.clear();
  $("conversations").replaceChildren();
  $("token").value = "";
  showSignIn("");
}

/* ---------- Conversation list ---------- */

function listFilters() {
  const status = $("filter-unread").checked ? "unread" : $("filter-starred").checked ? "starred" : undefined;
  return { locationId: state.location, limit: LIST_PAGE, query: $("search").value.trim(), status, lastMessageType: $("filter-channel").value };
}

async function fetchListPage(after) {
  const page = await api("GET", "/conversations/search" + query({ ...listFilters(), startAfterDate: after }));
  return (page && page.conversations) || [];
}

async function reloadList() {
  const list = state.list;
  const generation = ++list.generation;
  list.items = [];
  list.complete = false;
  list.loading = false; // a page still in flight belongs to the last generation and is dropped
  renderList();
  await loadMoreConversations(generation);
}

async function loadMoreConversations(generation = state.list.generation) {
  const list = state.list;
  if (list.loading || list.complete) return;
  list.loading = true;
  setListStatus("Loading…");
  try {
    const last = list.items[list.items.length - 1];
    const page = await fetchListPage(last ? last.lastMessageDate : undefined);
    if (generation !== list.generation) return;
    const known = new Set(list.items.map((c) => c.id));
    const added = page.filter((c) => !known.has(c.id));
    list.items.push(...added);
    // A page that adds nothing cannot lead anywhere new: the list ends there.
    list.complete = page.length < LIST_PAGE || added.length === 0;
  } catch (error) {
    if (generation === list.generation) setListStatus("Could not load conversations: " + error.message);
    return;
  } finally {
    if (generation === list.generation) list.loading = false;
  }
  renderList();
  // A short page may not fill the pane: keep loading until it scrolls or the list ends.
  const scroller = $("conversation-scroll");
  if (!list.complete && scroller.scrollHeight <= scroller.clientHeight + 40) loadMoreConversations(generation);
}

/** The first page again (after an event): its conversations move to the top, older ones stay below. */
async function refreshListTop() {
  const list = state.list;
  const generation = list.generation;
  try {
    const page = await fetchListPage(undefined);
    if (generation !== list.generation) return;
    const fresh = new Set(page.map((c) => c.id));
    const oldest = page.length ? page[page.length - 1].lastMessageDate : Infinity;
    const rest = list.items.filter((c) => !fresh.has(c.id) && (page.length < LIST_PAGE || c.lastMessageDate <= oldest));
    list.items = [...page, ...rest];
    if (page.length < LIST_PAGE) list.complete = true;
    renderList();
    retries.list.reset();
  } catch (error) {
    setListStatus("Could not refresh: " + error.message);
    retries.list.later(scheduleListRefresh);
  }
}

/* A refresh that failed (offline, 429, 503) is tried again, once at a time, waiting longer each time (1 s to
   30 s): the event that asked for it is not repeated. */
class Retry {
  constructor() { this.timer = 0; this.delay = 1000; }
  later(schedule) {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = 0; if (state.token) schedule(); }, this.delay);
    this.delay = Math.min(this.delay * 2, 30000);
  }
  reset() { clearTimeout(this.timer); this.timer = 0; this.delay = 1000; }
}
const retries = { list: new Retry(), thread: new Retry() };

function setListStatus(text) {
  const list = state.list;
  const ul = $("conversations");
  ul.dataset.loading = list.loading ? "true" : "false";
  ul.dataset.complete = list.complete ? "true" : "false";
  $("list-status").textContent = text;
}

/* The last message as one line of text (an email's body is HTML: its tags are dropped, the text stays text). */
function preview(c) {
  const body = String(c.lastMessageBody || "");
  const text = (c.lastMessageType === "TYPE_EMAIL" ? body.replace(/<[^>]*>/g, " ") : body).replace(/\s+/g, " ").trim();
  return text || channelName(c.lastMessageType);
}

function conversationRow(c) {
  const date = dateOf(c.lastMessageDate);
  const unread = Number(c.unreadCount || 0);
  const name = contactName(c);
  const current = state.thread && state.thread.id === c.id;
  const button = el("button", { type: "button", class: "open", "aria-label": null },
    el("span", { class: "avatar", "aria-hidden": "true", text: initials(name) }),
    el("span", { class: "name", text: name }),
    timeElement(date, "when", relativeTime(date)),
    el("span", { class: "line2" },
      el("span", { class: "channel", title: channelName(c.lastMessageType), "aria-label": channelName(c.lastMessageType), text: channelLabel(c.lastMessageType) }),
      el("span", { class: "preview", text: preview(c) }),
      c.starred ? el("span", { class: "star-mark", title: "Starred", "aria-label": "Starred", text: "★" }) : null,
      unread > 0 ? el("span", { class: "unread", title: unread + " unread", "aria-label": unread + " unread", text: String(unread) }) : null));
  const li = el("li", {
    class: "conversation", "data-conversation-id": c.id, "data-unread": String(unread), "data-starred": String(Boolean(c.starred)),
    "data-channel": c.lastMessageType || "", "aria-current": current ? "true" : null,
  }, button);
  button.addEventListener("click", () => openThread(c.id));
  return li;
}

function renderList() {
  const ul = $("conversations");
  // A redraw keeps keyboard focus on the same conversation.
  const focused = ul.contains(document.activeElement) ? document.activeElement.closest("li.conversation") : null;
  ul.replaceChildren(...state.list.items.map(conversationRow));
  if (focused) {
    const again = ul.querySelector(`li[data-conversation-id="${CSS.escape(focused.dataset.conversationId)}"] button.open`);
    if (again) again.focus();
  }
  const list = state.list;
  setListStatus(list.loading ? "Loading…" : list.complete && list.items.length === 0 ? "No conversations match." : "");
}

function updateListItem(conversation) {
  const index = state.list.items.findIndex((c) => c.id === conversation.id);
  if (index < 0) return;
  state.list.items[index] = { ...state.list.items[index], ...conversation };
  const old = $("conversations").querySelector(`li[data-conversation-id="${CSS.escape(conversation.id)}"]`);
  if (old) {
    const hadFocus = old.contains(document.activeElement);
    const row = conversationRow(state.list.items[index]);
    old.replaceWith(row);
    if (hadFocus) row.querySelector("button.open").focus();
  }
}

/* Arrow keys move between rows; Home and End to the first and last. */
function onListKey(event) {
  const row = event.target.closest("li.conversation");
  if (!row) return;
  let next = null;
  if (event.key === "ArrowDown") next = row.nextElementSibling;
  else if (event.key === "ArrowUp") next = row.previousElementSibling;
  else if (event.key === "Home") next = row.parentElement.firstElementChild;
  else if (event.key === "End") next = row.parentElement.lastElementChild;
  else return;
  event.preventDefault();
  if (next) next.querySelector("button.open").focus();
  if (event.key === "ArrowDown" && !next) loadMoreConversations();
}

/* ---------- Thread ---------- */

/* A thread's state; a new object whenever what it shows starts over (another conversation, another filter), so a
   late answer for the old one can tell and is dropped. */
function newThread(id, conversation) {
  const previous = state.thread;
  if (previous) { clearTimeout(previous.refreshTimer); clearTimeout(previous.markReadTimer); }
  showTyping(false);
  // The type chips pressed now apply, whatever was open before.
  const types = new Set([...document.querySelectorAll("#type-filters button[aria-pressed='true']")].map((b) => b.dataset.type));
  state.thread = {
    id, conversation, messages: new Map(), cursor: null, complete: false, loading: false, types,
    refreshTimer: 0, markReadTimer: 0,
  };
  return state.thread;
}

async function openThread(id) {
  const known = state.list.items.find((c) => c.id === id);
  const thread = newThread(id, known || null);
  $("thread").dataset.conversationId = id;
  writeHash();
  $("inbox").classList.add("thread-open");
  for (const li of $("conversations").children) li.setAttribute("aria-current", li.dataset.conversationId === id ? "true" : "false");
  renderThreadHead();
  $("composer").hidden = false;
  $("messages").replaceChildren();
  setThreadStatus("Loading…");
  if (!known) {
    try {
      // Not in the list (filtered out, or not loaded yet): the conversation and its contact's name and addresses.
      const conversation = await api("GET", "/conversations/" + encodeURIComponent(id));
      const answer = await api("GET", "/contacts/" + encodeURIComponent(conversation.contactId));
      const contact = (answer && answer.contact) || {};
      if (state.thread !== thread) return; // another conversation was opened meanwhile
      thread.conversation = {
        ...conversation, fullName: contact.name || [contact.firstName, contact.lastName].filter(Boolean).join(" "),
        email: contact.email, phone: contact.phone,
      };
      renderThreadHead();
    } catch (error) {
      if (state.thread === thread) setThreadStatus("Could not open the conversation: " + error.message);
      return;
    }
  }
  loadOlderMessages(true);
  markRead(id);
}

function renderThreadHead() {
  const thread = state.thread;
  const c = thread && thread.conversation;
  $("thread-title").textContent = c ? contactName(c) : thread ? "Conversation" : "Choose a conversation";
  $("thread-contact").textContent = c ? [c.email, c.phone].filter(Boolean).join(" · ") : "";
  const star = $("star");
  star.disabled = !c;
  star.setAttribute("aria-pressed", String(Boolean(c && c.starred)));
  star.textContent = c && c.starred ? "★ Starred" : "☆ Star";
}

async function markRead(id) {
  const known = state.list.items.find((c) => c.id === id);
  try {
    await api("PUT", "/conversations/" + encodeURIComponent(id), { locationId: state.location, unreadCount: 0 });
    updateListItem({ id, unreadCount: 0 });
  } catch (error) {
    if (known) setThreadStatus("Could not mark it read: " + error.message);
  }
}

async function toggleStar() {
  const thread = state.thread;
  if (!thread || !thread.conversation) return;
  const starred = !thread.conversation.starred;
  try {
    await api("PUT", "/conversations/" + encodeURIComponent(thread.id), { locationId: state.location, starred });
    thread.conversation = { ...thread.conversation, starred };
    renderThreadHead();
    updateListItem({ id: thread.id, starred });
  } catch (error) {
    setThreadStatus("Could not star it: " + error.message);
  }
}

function typeFilter(thread) {
  return [...thread.types];
}

async function fetchMessages(thread, cursor, limit) {
  const answer = await api("GET", "/conversations/" + encodeURIComponent(thread.id) + "/messages"
    + query({ limit, lastMessageId: cursor, type: typeFilter(thread) }));
  return (answer && answer.messages) || { messages: [], nextPage: false };
}

async function loadOlderMessages(first) {
  const thread = state.thread;
  if (!thread || thread.loading || thread.complete) return;
  thread.loading = true;
  setThreadStatus("Loading…");
  const scroller = $("thread-scroll");
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  try {
    const page = await fetchMessages(thread, thread.cursor, THREAD_PAGE);
    if (state.thread !== thread) return;
    for (const message of page.messages || []) if (!thread.messages.has(message.id)) thread.messages.set(message.id, message);
    // A page without messages or without a new cursor cannot lead further back: the thread starts there.
    const moved = Boolean(page.lastMessageId) && page.lastMessageId !== thread.cursor;
    thread.cursor = page.lastMessageId || thread.cursor;
    thread.complete = !page.nextPage || !(page.messages || []).length || !moved;
  } catch (error) {
    if (state.thread === thread) setThreadStatus("Could not load messages: " + error.message);
    thread.loading = false;
    return;
  }
  thread.loading = false;
  renderMessages();
  // Older messages go above: keep what the reader sees in place (or start at the newest).
  scroller.scrollTop = first ? scroller.scrollHeight : scroller.scrollHeight - fromBottom;
  if (!thread.complete && scroller.scrollHeight <= scroller.clientHeight + 40) loadOlderMessages(false);
}

/** The newest messages again (after an event or a send): new ones are added, known ones updated. */
async function refreshThreadBottom() {
  const thread = state.thread;
  if (!thread) return;
  const scroller = $("thread-scroll");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  try {
    // Newest first, page by page, until the pages meet what is shown: messages that came while the stream was
    // down are not skipped. Far behind (ten pages), the thread is read again from its newest page.
    const shown = new Set([...thread.messages.keys()].filter((id) => !id.startsWith("pending-")));
    let cursor = null, met = false;
    for (let pages = 0; pages < 10 && !met; pages++) {
      const page = await fetchMessages(thread, cursor, pages ? THREAD_PAGE : 20);
      if (state.thread !== thread) return;
      const messages = page.messages || [];
      for (const message of messages) thread.messages.set(message.id, message);
      // Nothing shown yet (an empty thread): this page is where older paging continues from.
      if (!thread.cursor) { thread.cursor = page.lastMessageId; thread.complete = !page.nextPage; }
      met = shown.size === 0 || messages.some((message) => shown.has(message.id)) || !page.nextPage || !page.lastMessageId;
      cursor = page.lastMessageId;
    }
    retries.thread.reset();
    if (!met) { openThread(thread.id); return; }
  } catch (error) {
    if (state.thread !== thread) return;
    setThreadStatus("Could not refresh: " + error.message);
    retries.thread.later(scheduleThreadRefresh);
    return;
  }
  renderMessages();
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

function setThreadStatus(text) {
  const thread = state.thread;
  const ol = $("messages");
  ol.dataset.loading = thread && thread.loading ? "true" : "false";
  ol.dataset.complete = thread && thread.complete ? "true" : "false";
  $("thread-status").textContent = text;
}

/* Oldest first, as the API's pages read backwards: by date, then (for one millisecond) by id. */
const sortedMessages = (thread) => [...thread.messages.values()].sort((a, b) => {
  const da = dateOf(a.dateAdded), db = dateOf(b.dateAdded);
  const byDate = (da ? da.getTime() : 0) - (db ? db.getTime() : 0);
  return byDate || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
});

function renderMessages() {
  const thread = state.thread;
  if (!thread) return;
  const ol = $("messages");
  const existing = new Map([...ol.children].map((li) => [li.dataset.messageId ? "m" + li.dataset.messageId : "d" + li.dataset.day, li]));
  const rows = [];
  let lastDay = "";
  for (const message of sortedMessages(thread)) {
    const date = dateOf(message.dateAdded);
    const day = date ? date.toDateString() : "";
    if (day && day !== lastDay) {
      rows.push(existing.get("d" + day)
        || el("li", { class: "day", "aria-hidden": "true", "data-day": day, text: date.toLocaleDateString(undefined, { dateStyle: "medium" }) }));
      lastDay = day;
    }
    const key = message.id + "|" + (message.status || "") + "|" + (message.dateUpdated || "");
    const old = existing.get("m" + message.id);
    rows.push(old && old.dataset.key === key ? old : messageRow(message, key));
  }
  // Rows stay where they are and new ones are slotted in: a moved row's email frame would load again.
  const wanted = new Set(rows);
  for (const li of [...ol.children]) if (!wanted.has(li)) li.remove();
  rows.forEach((row, index) => { if (ol.children[index] !== row) ol.insertBefore(row, ol.children[index] || null); });
  setThreadStatus(thread.complete ? (thread.messages.size ? "Beginning of the conversation" : "No messages") : thread.loading ? "Loading…" : "");
}

const isSystem = (type) => /^TYPE_ACTIVITY/.test(type || "") || type === "TYPE_INTERNAL_COMMENT";
const isCall = (type) => type === "TYPE_CALL" || type === "TYPE_CAMPAIGN_VOICEMAIL" || type === "TYPE_VOICEMAIL";

function messageRow(message, key) {
  const type = message.messageType || "";
  const direction = message.direction || "";
  const classes = ["message", isSystem(type) ? "system" : direction || "inbound"];
  if (type === "TYPE_INTERNAL_COMMENT") classes.push("comment");
  if (message.pending) classes.push("pending");
  const date = dateOf(message.dateAdded);
  const bubble = el("div", { class: "bubble" });
  if (type === "TYPE_EMAIL") bubble.append(emailView(message));
  else if (isCall(type)) bubble.append(callView(message));
  else bubble.append(el("span", { class: "body", text: message.body || (isSystem(type) ? channelName(type) : "") }));
  const attachments = attachmentsView(message);
  if (attachments) bubble.append(attachments);
  const status = message.status || "";
  const meta = el("div", { class: "meta" },
    el("span", { text: channelLabel(type), title: channelName(type) }),
    timeElement(date, "", date ? date.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }) : ""),
    status ? el("span", { class: "status status-" + status, text: message.pending ? "sending…" : status }) : null);
  return el("li", {
    class: classes.join(" "), "data-message-id": message.id, "data-direction": direction, "data-type": type,
    "data-status": status, "data-key": key,
  }, bubble, meta);
}

function emailView(message) {
  const box = el("div", { class: "body email" });
  const head = el("div", { class: "email-head" });
  box.append(head);
  const conversation = state.thread && state.thread.conversation;
  const contact = conversation && conversation.email ? conversation.email : "the contact";
  head.append(el("strong", { class: "subject", text: "(no subject)" }),
    el("span", { class: "addresses", text: message.direction === "outbound" ? "To " + contact : "From " + contact }));
  const ids = message.meta && message.meta.email && message.meta.email.messageIds;
  if (ids && ids.length) loadEmailHeaders(ids[0], head);
  if (/html/i.test(message.contentType || "") || /<[a-z][\s\S]*>/i.test(message.body || "")) {
    // srcdoc inside a sandbox without allow-scripts: the email's markup renders, none of its script runs.
    const frame = el("iframe", { class: "email-body", sandbox: "allow-same-origin", title: "Email body", referrerpolicy: "no-referrer" });
    frame.srcdoc = message.body || "";
    frame.addEventListener("load", () => {
      // Sized to its content (the frame is same-origin but script-less, so the page can measure it).
      // It starts shorter than any content, so the document's scroll height is the content's, margins included.
      try { frame.style.height = Math.min(600, frame.contentDocument.documentElement.scrollHeight + 2) + "px"; } catch { /* keeps its height */ }
    });
    box.append(frame);
  } else {
    box.append(el("span", { text: message.body || "" }));
  }
  return box;
}

const emailHeaders = new Map();
async function loadEmailHeaders(id, head) {
  if (!emailHeaders.has(id)) {
    emailHeaders.set(id, api("GET", "/conversations/messages/email/" + encodeURIComponent(id))
      // A failed lookup is not remembered: the next render asks again.
      .then((answer) => (answer && answer.emailMessage) || answer).catch(() => { emailHeaders.delete(id); return null; }));
  }
  const email = await emailHeaders.get(id);
  if (!email) return;
  const list = (value) => Array.isArray(value) ? value.join(", ") : value || "";
  head.replaceChildren(el("strong", { class: "subject", text: email.subject || "(no subject)" }),
    el("span", { class: "addresses", text: "From " + list(email.from) + " to " + list(email.to) }));
}

function callView(message) {
  const call = (message.meta && message.meta.call) || {};
  const seconds = Number(call.duration || (message.meta && message.meta.callDuration) || 0);
  const duration = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  const what = message.messageType === "TYPE_CALL" ? "Call" : "Voicemail";
  const words = [message.direction === "outbound" ? "Outgoing " + what.toLowerCase() : "Incoming " + what.toLowerCase(), duration, call.status || message.status]
    .filter(Boolean).join(" · ");
  return el("span", { class: "body", text: message.body ? words + "\n" + message.body : words });
}

const sameOrigin = (url) => { try { return new URL(url, window.location.href).origin === window.location.origin; } catch { return false; } };

function attachmentsView(message) {
  const urls = (message.attachments || []).filter((url) => typeof url === "string");
  if (!urls.length) return null;
  const box = el("div", { class: "attachments" });
  for (const url of urls) {
    const name = decoded(url.split("?")[0].split("/").pop() || "attachment");
    // Only this server's files are shown inline: the page may load nothing from elsewhere.
    if (sameOrigin(url) && /\.(wav|mp3|ogg|m4a|webm)$/i.test(name)) {
      box.append(el("audio", { controls: true, preload: "none", src: url, "aria-label": "Recording " + name }));
    } else if (sameOrigin(url) && /\.(png|jpe?g|gif|webp|svg)$/i.test(name)) {
      box.append(el("img", { src: url, alt: name, loading: "lazy" }));
    } else if (/^https?:/i.test(new URL(url, window.location.href).protocol)) {
      box.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name }));
    } else {
      box.append(el("span", { text: name })); // not a web address: shown, not followed
    }
  }
  return box;
}

function toggleType(button) {
  button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
  const thread = state.thread;
  if (!thread) return;
  // The thread starts over with the chips pressed now.
  newThread(thread.id, thread.conversation);
  $("messages").replaceChildren();
  loadOlderMessages(true);
}

/* ---------- Composer ---------- */

async function send(event) {
  event.preventDefault();
  const thread = state.thread;
  if (!thread || !thread.conversation) return;
  const type = $("compose-type").value;
  const text = $("compose-body").value;
  const subject = $("compose-subject").value.trim();
  if (!text.trim()) return;
  $("compose-error").textContent = "";
  const pendingId = "pending-" + (++state.pendingSends);
  const now = new Date().toISOString();
  thread.messages.set(pendingId, {
    id: pendingId, pending: true, direction: "outbound", status: "pending", body: text, dateAdded: now, dateUpdated: now,
    messageType: type === "Email" ? "TYPE_EMAIL" : "TYPE_SMS", contentType: "text/plain",
  });
  renderMessages();
  $("thread-scroll").scrollTop = $("thread-scroll").scrollHeight;
  $("compose-body").value = "";
  const body = { type, contactId: thread.conversation.contactId, message: text };
  if (type === "Email") { body.subject = subject || "(no subject)"; body.html = escapeHTML(text).replace(/\n/g, "<br>"); }
  try {
    const answer = await api("POST", "/conversations/messages", body);
    const pending = thread.messages.get(pendingId);
    thread.messages.delete(pendingId);
    if (answer && answer.messageId && pending && !thread.messages.has(answer.messageId)) {
      thread.messages.set(answer.messageId, { ...pending, id: answer.messageId, pending: false, status: "pending" });
    }
    if (state.thread === thread) { renderMessages(); refreshThreadBottom(); }
  } catch (error) {
    const pending = thread.messages.get(pendingId);
    if (pending) { pending.status = "failed"; pending.pending = false; }
    $("compose-error").textContent = "Not sent: " + error.message;
    $("compose-body").value = text;
    if (state.thread === thread) renderMessages();
  }
}

/* For an email's HTML part: the typed text, escaped. */
const escapeHTML = (text) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/* ---------- Live events ---------- */

function setLive(value) {
  document.documentElement.dataset.live = value;
  $("live-status").textContent = value === "open" ? "Live" : value === "connecting" ? "Connecting…" : "Offline";
}

async function startStream() {
  const stream = state.stream;
  let delay = 500;
  while (state.token && state.stream === stream) {
    stream.controller = new AbortController();
    setLive("connecting");
    try {
      const headers = { Authorization: "Bearer " + state.token, Version: API_VERSION, Accept: "text/event-stream" };
      if (stream.lastEventId) headers["Last-Event-ID"] = stream.lastEventId;
      const response = await fetch("/_switchboard/events", { headers, cache: "no-store", signal: stream.controller.signal });
      if (!response.ok || !response.body) throw new APIError(response.status, "events: HTTP " + response.status);
      setLive("open");
      delay = 500;
      const reconnected = stream.connected;
      stream.connected = true;
      // Events missed while away are replayed by the server after Last-Event-ID; without one, read afresh.
      if (reconnected && !stream.lastEventId) refreshAll();
      await readEvents(response.body, stream);
    } catch (error) {
      if (error && error.status === 401) { signOut(); return; }
    }
    if (state.stream !== stream || !state.token) return;
    setLive("closed");
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

/* The server writes a comment every 15 s: a stream silent for 45 s is half-open (a dropped network), and is
   ended so the loop above reconnects. */
const STREAM_SILENCE_MS = 45000;

async function readEvents(body, stream) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const watch = () => {
    clearTimeout(stream.watchdog);
    stream.watchdog = setTimeout(() => { if (stream.controller) stream.controller.abort(); }, STREAM_SILENCE_MS);
  };
  watch();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      watch();
      buffer += value;
      // Line ends as the SSE format allows (CRLF, CR or LF); a CR at the very end may be half of a CRLF.
      const held = buffer.endsWith("\r") ? "\r" : "";
      buffer = buffer.slice(0, buffer.length - held.length).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        handleFrame(frame, stream);
      }
      buffer += held;
    }
  } finally {
    clearTimeout(stream.watchdog);
  }
}

function handleFrame(frame, stream) {
  let type = "message", id = null;
  const data = [];
  for (const line of frame.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (id) stream.lastEventId = id;
  // The server could not resume: read afresh, and resume from nothing older than what comes next.
  if (type === "reset") { stream.lastEventId = null; refreshAll(); return; }
  if (!data.length) return;
  let conversationId = null, isTyping = false;
  try {
    const envelope = JSON.parse(data.join("\n"));
    const event = JSON.parse(envelope.body);
    conversationId = event.conversationId || null;
    isTyping = event.isTyping === true;
  } catch {
    return;
  }
  // Live chat's typing indicator changes nothing stored: it is shown in its open conversation, and that is all.
  if (type === "LiveChatTyping") {
    if (conversationId && state.thread && state.thread.id === conversationId) showTyping(isTyping);
    return;
  }
  scheduleListRefresh();
  if (conversationId && state.thread && state.thread.id === conversationId) {
    showTyping(false);
    scheduleThreadRefresh();
    // The reader is looking at it: what arrives there is read.
    if (type === "InboundMessage" && document.visibilityState === "visible") scheduleMarkRead();
  }
}

/* "Typing…" under the open thread, until the typist says it stopped, a message arrives, or TYPING_SHOWN_MS pass
   without a new word (a typist that went away sends no stop). */
const TYPING_SHOWN_MS = 8000;
let typingTimer = 0;
function showTyping(on) {
  clearTimeout(typingTimer);
  $("typing").hidden = !on;
  if (on) typingTimer = setTimeout(() => { $("typing").hidden = true; }, TYPING_SHOWN_MS);
}

function scheduleMarkRead() {
  const thread = state.thread;
  if (!thread || thread.markReadTimer) return;
  thread.markReadTimer = setTimeout(() => { thread.markReadTimer = 0; if (state.thread === thread) markRead(thread.id); }, 300);
}

/* Bursts of events are read once: a refresh at most every 50 ms. */
function scheduleListRefresh() {
  if (state.list.refreshTimer) return;
  state.list.refreshTimer = setTimeout(() => { state.list.refreshTimer = 0; refreshListTop(); }, 50);
}
function scheduleThreadRefresh() {
  const thread = state.thread;
  if (!thread || thread.refreshTimer) return;
  thread.refreshTimer = setTimeout(() => { thread.refreshTimer = 0; if (state.thread === thread) refreshThreadBottom(); }, 50);
}
function refreshAll() {
  refreshListTop();
  if (state.thread) refreshThreadBottom();
}

/* ---------- Wiring ---------- */

function debounce(fn, ms) {
  let timer = 0;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

function start() {
  state.location = locationFromHash() || sessionStorage.getItem("switchboard.location");
  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim(), location = $("location").value.trim();
    if (token && location) signIn(token, location);
  });
  $("sign-out").addEventListener("click", signOut);
  $("search").addEventListener("input", debounce(reloadList, 250));
  $("filter-channel").addEventListener("change", reloadList);
  $("filter-unread").addEventListener("change", () => { if ($("filter-unread").checked) $("filter-starred").checked = false; reloadList(); });
  $("filter-starred").addEventListener("change", () => { if ($("filter-starred").checked) $("filter-unread").checked = false; reloadList(); });
  $("conversations").addEventListener("keydown", onListKey);
  $("conversation-scroll").addEventListener("scroll", () => {
    const s = $("conversation-scroll");
    if (s.scrollHeight - s.scrollTop - s.clientHeight < 120) loadMoreConversations();
  });
  $("thread-scroll").addEventListener("scroll", () => { if ($("thread-scroll").scrollTop < 80) loadOlderMessages(false); });
  $("type-filters").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-type]");
    if (button) toggleType(button);
  });
  $("star").addEventListener("click", toggleStar);
  $("back").addEventListener("click", () => {
    $("inbox").classList.remove("thread-open");
    const row = state.thread && $("conversations").querySelector(`li[data-conversation-id="${CSS.escape(state.thread.id)}"] button.open`);
    if (row) row.focus();
  });
  $("composer").addEventListener("submit", send);
  $("compose-type").addEventListener("change", () => { $("compose-subject").hidden = $("compose-type").value !== "Email"; });
  $("compose-body").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("composer").requestSubmit();
  });
  window.addEventListener("online", () => { if (state.token) refreshAll(); });
  window.addEventListener("hashchange", () => {
    const location = locationFromHash();
    if (location && location !== state.location && state.token) signIn(state.token, location);
  });
  // Relative times age: redraw the list's once a minute.
  setInterval(() => { if (state.token) renderList(); }, 60000);
  const token = sessionStorage.getItem("switchboard.token");
  if (token && state.location) signIn(token, state.location);
  else showSignIn("");
}

start();
