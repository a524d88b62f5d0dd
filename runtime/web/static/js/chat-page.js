// The chat page: conversations, messages, the outbox and the connection, wired to the DOM.

import { createRoom, signOut } from "./auth-api.js";
import { clearSession, freshAccessToken, keepSessionFresh, loadSession } from "./auth-session.js";
import { ChatConnection } from "./chat-connection.js";
import { config } from "./config.js";
import { ConversationLog } from "./conversation-log.js";
import { newClientMessageId, newRequestId } from "./ids.js";
import { inviteRoomId, inviteUrl } from "./invite.js";
import { renderMessage } from "./message-view.js";
import { Outbox } from "./outbox.js";

const ACTIVE_KEY = "chat-lex.active";
const LOCALE_KEY = "chat-lex.locale"; // the bot language picked in this browser
// A sendmessage frame over 16 KB is refused before it is parsed, so that refusal could not name the message: check here.
const MAX_MESSAGE_BYTES = 15000;
const MAX_BEFORE_WELCOME = 50;
const STATUS_TEXT = { connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", lost: "Connection lost" };
// Refusals you fix by editing the text, not by sending it again.
const EDIT_TO_RETRY = new Set(["MESSAGE_TOO_LONG", "MESSAGE_EMPTY"]);

function reasonFor(code, message) {
  switch (code) {
    case "MESSAGE_TOO_LONG":
      return `Too long: ${message}. Shorten it and send again.`;
    case "RATE_LIMITED":
      return "Rate limited: you are sending too fast. Wait a few seconds, then retry.";
    case "MESSAGE_EMPTY":
      return "Empty: there is nothing to send.";
    case "NOT_A_MEMBER":
      return "Not sent: you are not a member of this conversation any more.";
    case "INTERNAL":
      return "Not sent: the server failed. Retry.";
    default:
      return `Not sent: ${message}`;
  }
}

const session = loadSession();
// An invite (/join/<room id>) survives the detour through sign-in, and is joined once connected.
const invitedRoomId = inviteRoomId(location.pathname);
if (!session) location.replace(invitedRoomId === null ? "/login" : `/login?next=${encodeURIComponent(location.pathname)}`);

const $ = (selector) => document.querySelector(selector);
const dom = {
  status: $(".status-message"),
  banner: $(".connection-banner"),
  notice: $(".notice"),
  userName: $(".user-name"),
  signOut: $(".sign-out"),
  conversationList: $(".conversation-list"),
  createRoom: $(".create-room-form"),
  joinRoom: $(".join-room-form"),
  title: $("#conversation-title"),
  roomInfo: $(".room-info"),
  roomId: $(".room-id"),
  copyRoomId: $(".copy-room-id"),
  inviteLink: $(".invite-link"),
  copyInvite: $(".copy-invite"),
  leaveRoom: $(".leave-room"),
  presence: $(".presence"),
  scroller: $(".message-scroller"),
  loadEarlier: $(".load-earlier"),
  historyStart: $(".history-start"),
  list: $(".message-list"),
  typing: $(".typing-indicator"),
  form: $(".message-form"),
  input: $(".message-input"),
  send: $('.message-form button[type="submit"]'),
  roomTools: $(".room-tools"),
  drawerToggle: $(".drawer-toggle"),
  drawerClose: $(".drawer-close"),
  drawerUnread: $(".drawer-unread"),
  backdrop: $(".drawer-backdrop"),
  languagePicker: $(".language-picker"),
  language: $("#language-select"),
};

// Placeholders short enough for a 320 px phone; the bot mode says when the bot answers.
const ROOM_PLACEHOLDER = { mention: "Message the room (@bot to ask)", always: "Message the room and the bot", never: "Message the room" };

const state = {
  me: null,
  logs: new Map(),
  activeId: localStorage.getItem(ACTIVE_KEY),
  outbox: new Outbox(session?.username ?? ""),
  presence: new Map(), // room id -> Map(userId -> displayName) of members seen online
  pendingJoins: new Map(), // requestId -> room id
  typingTimers: new Map(),
  welcomedOnce: false,
  beforeWelcome: [], // texts sent before the first WELCOME names the user and the conversations
  locales: [], // the bot's locale ids, from WELCOME
  localeId: null, // the one the bot is asked in; null: the bot's default
};

const connection = new ChatConnection({
  getToken: freshAccessToken,
  onFrame: handleFrame,
  onStatus: showStatus,
  onAuthFailed: endSession,
});

// ------------------------------------------------------------------ status and notices

function showStatus(status) {
  dom.status.textContent = STATUS_TEXT[status] ?? status;
  dom.status.dataset.state = status;
  const down = status === "reconnecting" || status === "lost";
  dom.banner.hidden = !down;
  dom.banner.textContent = down ? "Connection lost. Messages you send are kept and go out when the connection is back." : "";
}

let noticeTimer = null;
function showNotice(text) {
  dom.notice.textContent = text;
  dom.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    dom.notice.hidden = true;
    dom.notice.textContent = "";
  }, config.noticeMs);
}

// ------------------------------------------------------------------ conversations

function ensureLog(info) {
  let log = state.logs.get(info.conversationId);
  if (!log) {
    log = new ConversationLog(info);
    state.logs.set(info.conversationId, log);
  } else {
    log.info = info;
  }
  return log;
}

function titleOf(log) {
  return log.info.kind === "private" ? "Chat with the bot" : log.info.title || "Room";
}

function activeLog() {
  return state.logs.get(state.activeId) ?? null;
}

function renderConversationList() {
  const items = [];
  const logs = [...state.logs.values()].sort((a, b) =>
    a.info.kind === b.info.kind ? titleOf(a).localeCompare(titleOf(b)) : a.info.kind === "private" ? -1 : 1,
  );
  for (const log of logs) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation-button";
    button.dataset.conversationId = log.id;
    const name = document.createElement("span");
    name.className = "conversation-name";
    name.textContent = titleOf(log);
    button.append(name);
    if (log.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread-badge";
      badge.textContent = String(log.unread);
      badge.setAttribute("aria-label", `${log.unread} unread`);
      button.append(" ", badge);
    }
    if (log.id === state.activeId) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => selectConversation(log.id));
    item.append(button);
    items.push(item);
  }
  const unread = logs.reduce((sum, log) => sum + (log.id === state.activeId ? 0 : log.unread), 0);
  dom.drawerUnread.hidden = unread === 0;
  dom.drawerUnread.textContent = unread ? `${unread} unread` : "";
  dom.conversationList.replaceChildren(...items);
}

/** The conversation drawer of narrow screens (a plain side panel on wide ones, where these classes do nothing). */
function setDrawer(open, { focus = true } = {}) {
  const wasOpen = document.body.classList.contains("drawer-open");
  document.body.classList.toggle("drawer-open", open);
  dom.drawerToggle.setAttribute("aria-expanded", String(open));
  dom.backdrop.hidden = !open;
  if (!focus) return;
  if (open) (dom.conversationList.querySelector('[aria-current="true"]') ?? dom.conversationList.querySelector("button"))?.focus();
  else if (wasOpen) dom.drawerToggle.focus();
}

function updateSend() {
  dom.send.disabled = !dom.input.value.trim();
}

function selectConversation(conversationId) {
  const log = state.logs.get(conversationId);
  if (!log) return;
  state.activeId = conversationId;
  localStorage.setItem(ACTIVE_KEY, conversationId);
  log.unread = 0;
  dom.title.textContent = titleOf(log);
  const room = log.info.kind === "room";
  dom.roomInfo.hidden = !room;
  dom.roomId.textContent = room ? log.id : "";
  dom.inviteLink.href = room ? inviteUrl(location.origin, log.id) : "/";
  dom.input.placeholder = room ? ROOM_PLACEHOLDER[log.info.botMode] ?? "Message the room" : "Message the bot";
  setDrawer(false, { focus: false });
  renderPresence();
  renderConversationList();
  dom.list.replaceChildren();
  renderActive({ toBottom: true });
  if (!log.loaded) requestHistory(log);
}

function renderPresence() {
  const log = activeLog();
  const online = log && log.info.kind === "room" ? [...(state.presence.get(log.id)?.values() ?? [])] : [];
  dom.presence.textContent = online.length ? `Online now: ${online.join(", ")}` : "";
}

// ------------------------------------------------------------------ messages

const handlers = {
  // The label is what people read; the bot gets the value, through the card's messageId (no @bot needed in rooms).
  choose: (entry, choice) => {
    const log = [...state.logs.values()].find((l) => l.entries.has(entry));
    if (!log || !entry.messageId || entry.answeredWith != null) return;
    sendText(choice.text || choice.value, log.id, { messageId: entry.messageId, value: choice.value });
  },
  retry: (entry) => retryMessage(entry),
};

function renderActive({ toBottom = false, keepFromBottom = null } = {}) {
  const log = activeLog();
  const scroller = dom.scroller;
  const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  log?.markAnsweredCards();
  const entries = log ? log.ordered() : [];
  let cursor = dom.list.firstChild;
  for (const entry of entries) {
    if (entry.dirty || !entry.node) {
      renderMessage(entry, state.me?.userId, handlers);
      entry.dirty = false;
    }
    if (entry.node === cursor) {
      cursor = cursor.nextSibling;
    } else {
      dom.list.insertBefore(entry.node, cursor);
    }
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
  const loaded = Boolean(log?.loaded);
  dom.loadEarlier.hidden = !loaded || log.historyDone;
  dom.loadEarlier.disabled = Boolean(log?.loadingOlder);
  dom.historyStart.hidden = !loaded || !log.historyDone;
  dom.typing.hidden = !log?.typing;
  if (keepFromBottom !== null) {
    scroller.scrollTop = scroller.scrollHeight - keepFromBottom;
  } else if (toBottom || nearBottom) {
    scroller.scrollTop = scroller.scrollHeight;
  }
}

function refresh(conversationId, options) {
  if (conversationId === state.activeId) renderActive(options);
}

function addServerMessage(message) {
  const log = state.logs.get(message.conversationId);
  if (!log || !state.me) return;
  const { entry, added } = log.upsert(message, state.me.userId);
  if (message.senderId === state.me.userId && entry.clientMessageId) state.outbox.remove(entry.clientMessageId);
  if (added && message.senderId !== state.me.userId && (log.id !== state.activeId || document.hidden)) {
    log.unread += 1;
    renderConversationList();
  }
  refresh(log.id);
}

function transmit(item) {
  const frame = { action: "sendmessage", conversationId: item.conversationId, message: item.message, clientMessageId: item.clientMessageId };
  if (item.replyTo) frame.replyTo = item.replyTo;
  // A message kept in the outbox across a restart may name a locale the bot no longer offers: then it gets the default.
  if (item.localeId && state.locales.includes(item.localeId)) frame.localeId = item.localeId;
  return connection.send(frame);
}

function localMetadata(item) {
  return item.replyTo ? { replyTo: item.replyTo.messageId, cardValue: item.replyTo.value } : {};
}

/** Send `raw` to a conversation; `replyTo` ({messageId, value}) makes it the answer to a bot's card button. */
function sendText(raw, conversationId = state.activeId, replyTo = null) {
  const text = raw.trim();
  if (!text) return false;
  if (!state.me) {
    // Still connecting (or offline since the page opened): keep it, and send it to the conversation shown once connected.
    if (state.beforeWelcome.length >= MAX_BEFORE_WELCOME) {
      showNotice("Not connected yet, and too many messages are waiting: keep this one until the chat is connected.");
      return false; // it stays in the message box
    }
    state.beforeWelcome.push(text);
    showNotice("Not connected yet: your message is sent as soon as the chat is connected.");
    return true;
  }
  const log = state.logs.get(conversationId);
  if (!log) return false;
  const clientMessageId = newClientMessageId();
  const item = { clientMessageId, conversationId, message: text };
  if (replyTo) item.replyTo = replyTo;
  if (state.localeId) item.localeId = state.localeId;
  const entry = log.addLocal(clientMessageId, text, state.me, localMetadata(item));
  if (new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
    fail(entry, "MESSAGE_TOO_LONG", `the message is over ${MAX_MESSAGE_BYTES} bytes`);
  } else {
    state.outbox.add(item);
    transmit(item); // offline: it waits in the outbox, marked pending
  }
  refresh(conversationId, { toBottom: true });
  return true;
}

function fail(entry, code, message) {
  entry.status = "failed";
  entry.errorCode = code;
  entry.error = reasonFor(code, message);
  entry.retryLabel = EDIT_TO_RETRY.has(code) ? "Edit" : "Retry";
  entry.dirty = true;
  if (entry.clientMessageId) state.outbox.remove(entry.clientMessageId);
}

function retryMessage(entry) {
  const log = [...state.logs.values()].find((l) => l.entries.has(entry));
  if (!log) return;
  if (EDIT_TO_RETRY.has(entry.errorCode)) {
    log.discard(entry);
    entry.node?.remove();
    selectConversation(log.id);
    dom.input.value = entry.content;
    updateSend();
    dom.input.focus();
    return;
  }
  entry.status = "pending";
  entry.error = null;
  entry.dirty = true;
  // The same clientMessageId: if the first attempt was stored after all, the server answers ACK duplicate.
  const item = { clientMessageId: entry.clientMessageId, conversationId: log.id, message: entry.content };
  if (typeof entry.metadata?.replyTo === "string") item.replyTo = { messageId: entry.metadata.replyTo, value: entry.metadata.cardValue ?? "" };
  state.outbox.add(item);
  transmit(item);
  refresh(log.id);
}

function flushOutbox() {
  for (const item of state.outbox.all()) {
    const log = state.logs.get(item.conversationId);
    if (!log) {
      state.outbox.remove(item.clientMessageId); // a room you are no longer in
      continue;
    }
    const entry = log.addLocal(item.clientMessageId, item.message, state.me, localMetadata(item));
    if (entry.status === "failed") continue;
    transmit(item);
  }
  refresh(state.activeId);
}

function requestHistory(log, before = null) {
  if (log.loadingOlder) return;
  const frame = { action: "history", conversationId: log.id, limit: config.historyPageSize, requestId: newRequestId() };
  if (before) frame.before = before;
  log.loadingOlder = connection.send(frame);
  if (log.loadingOlder) dom.list.setAttribute("aria-busy", "true");
}

function requestOlder() {
  const log = activeLog();
  if (log && log.loaded && !log.historyDone && log.nextBefore) requestHistory(log, log.nextBefore);
}

function setTyping(log, typing) {
  log.typing = typing;
  clearTimeout(state.typingTimers.get(log.id));
  if (typing) {
    state.typingTimers.set(log.id, setTimeout(() => setTyping(log, false), config.typingTimeoutMs));
  }
  refresh(log.id);
}

// ------------------------------------------------------------------ frames

function handleFrame(frame) {
  switch (frame.type) {
    case "WELCOME":
      return welcome(frame);
    case "ACK": {
      const log = state.logs.get(frame.conversationId);
      const entry = log?.acknowledge(frame.clientMessageId, frame.messageId);
      state.outbox.remove(frame.clientMessageId);
      if (entry) refresh(log.id);
      return;
    }
    case "USER_MESSAGE":
    case "BOT_RESPONSE":
      return addServerMessage(frame.message);
    case "BOT_TYPING": {
      const log = state.logs.get(frame.conversationId);
      if (log) setTyping(log, frame.typing);
      return;
    }
    case "HISTORY":
      return history(frame);
    case "RESUMED":
      for (const message of frame.messages) addServerMessage(message);
      return;
    case "JOINED": {
      if (state.pendingJoins.delete(frame.requestId)) dom.roomTools.open = false;
      ensureLog(frame.conversation);
      selectConversation(frame.conversationId);
      return;
    }
    case "LEFT": {
      state.logs.delete(frame.conversationId);
      if (state.activeId === frame.conversationId) selectConversation(privateId());
      renderConversationList();
      return;
    }
    case "PRESENCE":
      return presence(frame);
    case "ERROR":
      return error(frame);
    default:
      return undefined; // PONG, and frames this page does not know yet
  }
}

function privateId() {
  return [...state.logs.values()].find((l) => l.info.kind === "private")?.id ?? null;
}

/** The locale to ask the bot in: the one picked before, else the browser's language when the bot offers it, else its default. */
function pickLocale(locales, defaultLocale) {
  const ids = locales.map((locale) => locale.localeId);
  const saved = localStorage.getItem(LOCALE_KEY);
  if (saved && ids.includes(saved)) return saved;
  for (const tag of navigator.languages?.length ? navigator.languages : [navigator.language]) {
    const [language, region] = String(tag).split("-");
    const exact = region ? `${language.toLowerCase()}_${region.toUpperCase()}` : null;
    if (exact && ids.includes(exact)) return exact;
    const sameLanguage = ids.find((id) => id.split("_")[0] === language.toLowerCase());
    if (sameLanguage) return sameLanguage;
  }
  return ids.includes(defaultLocale) ? defaultLocale : (ids[0] ?? null);
}

// On a phone the picker shows the language code (ES), so that the header stays one line; the full name is its title.
const narrowScreen = window.matchMedia("(max-width: 700px)");

function labelLocales() {
  for (const option of dom.language.options) {
    option.textContent = narrowScreen.matches ? option.dataset.short : option.title;
  }
}

function showLocales(frame) {
  const locales = Array.isArray(frame.locales) ? frame.locales : [];
  state.locales = locales.map((locale) => locale.localeId);
  state.localeId = pickLocale(locales, frame.defaultLocale);
  dom.language.replaceChildren(
    ...locales.map((locale) => {
      const option = document.createElement("option");
      option.value = locale.localeId;
      option.title = locale.name; // text, never markup
      option.dataset.short = locale.localeId.split("_")[0].toUpperCase();
      option.lang = locale.localeId.replace("_", "-");
      return option;
    }),
  );
  labelLocales();
  if (state.localeId) dom.language.value = state.localeId;
  dom.languagePicker.hidden = locales.length < 2;
}

function welcome(frame) {
  state.me = { userId: frame.userId, displayName: frame.displayName };
  showLocales(frame);
  dom.userName.textContent = frame.displayName;
  for (const info of frame.conversations) ensureLog(info);
  renderConversationList();
  if (!state.welcomedOnce) {
    state.welcomedOnce = true;
    selectConversation(state.logs.has(state.activeId) ? state.activeId : privateId());
    if (invitedRoomId !== null) joinRoom(invitedRoomId);
    else if (location.pathname.startsWith("/join/")) showNotice("That invite link is broken: ask for a new one.");
    if (location.pathname !== "/") window.history.replaceState(null, "", "/"); // a reload stays in the chat, not the invite
  } else {
    // Back after a drop: everything stored since the last message we saw, per conversation, then live again.
    for (const log of state.logs.values()) {
      log.loadingOlder = false;
      if (log.loaded) connection.send({ action: "resume", conversationId: log.id, afterMessageId: log.lastMessageId() });
    }
    const log = activeLog();
    if (log && !log.loaded) requestHistory(log);
  }
  flushOutbox();
  for (const text of state.beforeWelcome.splice(0)) sendText(text); // after the flush, so each goes out once
}

function history(frame) {
  const log = state.logs.get(frame.conversationId);
  if (!log || !state.me) return;
  const older = log.loaded;
  const fromBottom = dom.scroller.scrollHeight - dom.scroller.scrollTop;
  for (const message of frame.messages) log.upsert(message, state.me.userId);
  log.loaded = true;
  log.loadingOlder = false;
  log.nextBefore = frame.nextBefore;
  log.historyDone = frame.nextBefore === null;
  dom.list.setAttribute("aria-busy", "false");
  // A private conversation with nothing in it: the server has the bot greet (its text comes from the bot definition).
  if (log.info.kind === "private" && log.historyDone && log.entries.size === 0 && !log.greetAsked) {
    const greet = { action: "greet", conversationId: log.id };
    if (state.localeId) greet.localeId = state.localeId;
    log.greetAsked = connection.send(greet);
  }
  refresh(log.id, older ? { keepFromBottom: fromBottom } : { toBottom: true });
  // A page that does not fill the screen leaves nothing to scroll: fetch the next one at once.
  if (log.id === state.activeId && dom.scroller.scrollHeight <= dom.scroller.clientHeight) requestOlder();
}

function presence(frame) {
  let online = state.presence.get(frame.conversationId);
  if (!online) {
    online = new Map();
    state.presence.set(frame.conversationId, online);
  }
  if (frame.status === "online") online.set(frame.userId, frame.displayName);
  else online.delete(frame.userId);
  if (frame.conversationId === state.activeId) renderPresence();
}

function error(frame) {
  if (frame.clientMessageId) {
    const log = state.logs.get(frame.conversationId) ?? [...state.logs.values()].find((l) => l.byClient(frame.clientMessageId));
    if (!log) return;
    if (frame.code === "BOT_UNAVAILABLE") {
      // The message itself is stored and delivered; only the answer is missing.
      log.addNote("The bot did not answer that message. Ask again in a moment.");
      setTyping(log, false);
      return;
    }
    const entry = log.byClient(frame.clientMessageId);
    if (entry && entry.status !== "sent" && entry.status !== "acked") {
      fail(entry, frame.code, frame.message);
      refresh(log.id);
    }
    return;
  }
  const room = state.pendingJoins.get(frame.requestId);
  if (room !== undefined) {
    state.pendingJoins.delete(frame.requestId);
    showNotice(`Cannot join room ${room}: ${frame.message}`);
    return;
  }
  const log = frame.conversationId ? state.logs.get(frame.conversationId) : null;
  if (log) log.loadingOlder = false;
  showNotice(frame.code === "RATE_LIMITED" ? "You are going too fast; wait a few seconds." : frame.message);
}

// ------------------------------------------------------------------ session

function endSession() {
  connection.stop();
  clearSession();
  location.replace("/login");
}

async function signOutNow() {
  dom.signOut.disabled = true;
  connection.stop();
  const current = loadSession();
  if (current) {
    try {
      await signOut(current.accessToken, current.refreshToken);
    } catch {
      // the tokens go from this browser either way
    }
  }
  localStorage.removeItem(state.outbox.key); // messages queued on a shared computer must not wait for the next person
  clearSession();
  location.replace("/login?signedOut=1");
}

// ------------------------------------------------------------------ wiring

dom.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (sendText(dom.input.value)) dom.input.value = "";
  updateSend();
  dom.input.focus();
});

// Disabled in the markup until this handler exists (a click before would submit the form natively, reloading the
// page with the text in its address); from now on it is enabled whenever there is text, even before the
// connection is up: sendText keeps the text until the WELCOME.
dom.input.addEventListener("input", updateSend);
updateSend();

narrowScreen.addEventListener("change", labelLocales);
dom.language.addEventListener("change", () => {
  state.localeId = dom.language.value;
  localStorage.setItem(LOCALE_KEY, state.localeId);
});

dom.drawerToggle.addEventListener("click", () => setDrawer(!document.body.classList.contains("drawer-open")));
dom.drawerClose.addEventListener("click", () => setDrawer(false));
dom.backdrop.addEventListener("click", () => setDrawer(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.classList.contains("drawer-open")) setDrawer(false);
});

dom.input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; keep Enter while an input method is composing.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    dom.form.requestSubmit();
  }
});

dom.scroller.addEventListener("scroll", () => {
  if (dom.scroller.scrollTop < 40) requestOlder();
});
dom.loadEarlier.addEventListener("click", requestOlder);

dom.signOut.addEventListener("click", signOutNow);

document.addEventListener("visibilitychange", () => {
  const log = activeLog();
  if (!document.hidden && log && log.unread) {
    log.unread = 0;
    renderConversationList();
  }
});

// Plain buttons (Send is the page's only submit button); requestSubmit keeps the forms' validation and Enter.
for (const form of [dom.createRoom, dom.joinRoom]) {
  form.querySelector('button[type="button"]').addEventListener("click", () => form.requestSubmit());
}

dom.createRoom.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(dom.createRoom);
  const title = String(data.get("title")).trim();
  if (!title) return;
  try {
    const room = await createRoom(await freshAccessToken(), title, String(data.get("botMode") || "mention"));
    ensureLog(room);
    dom.createRoom.reset();
    dom.roomTools.open = false;
    selectConversation(room.conversationId);
  } catch (failure) {
    showNotice(`Cannot create the room: ${failure.message}`);
  }
});

/** Show the room if you are in it already, else ask to join it; returns false when offline. */
function joinRoom(roomId) {
  if (state.logs.has(roomId)) {
    dom.roomTools.open = false;
    selectConversation(roomId);
    return true;
  }
  const requestId = newRequestId();
  if (!connection.send({ action: "join", conversationId: roomId, requestId })) {
    showNotice("You are offline; join the room when the connection is back.");
    return false;
  }
  state.pendingJoins.set(requestId, roomId);
  return true;
}

dom.joinRoom.addEventListener("submit", (event) => {
  event.preventDefault();
  const roomId = String(new FormData(dom.joinRoom).get("roomId")).trim();
  if (roomId && joinRoom(roomId)) dom.joinRoom.reset();
});

dom.copyRoomId.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(dom.roomId.textContent);
    showNotice("Room id copied.");
  } catch {
    showNotice("Select the room id and copy it.");
  }
});

dom.copyInvite.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(dom.inviteLink.href);
    showNotice("Invite link copied: whoever opens it joins this room after signing in.");
  } catch {
    showNotice("Copy the invite link: right-click (or long-press) “Invite link”.");
  }
});

dom.leaveRoom.addEventListener("click", () => {
  const log = activeLog();
  if (log && log.info.kind === "room" && !connection.send({ action: "leave", conversationId: log.id })) {
    showNotice("You are offline; leave the room when the connection is back.");
  }
});

if (session) {
  keepSessionFresh(endSession);
  connection.start();
  // Every handler is wired: the chat is usable now, even before the connection is up. Until then it stays
  // invisible (chat.css), so nobody (nor a test waiting for .chat-container) uses a page that cannot answer yet.
  document.body.classList.add("chat-ready");
}
