// A message as a list item. All message data goes in as text (textContent), never as markup.

const STATE_TEXT = { pending: "Sending…", acked: "Sent", failed: "Not sent", sent: "", note: "" };

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** The local time of an ISO timestamp: "14:05" today, with the date otherwise. */
export function localTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return sameDay(date, now)
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Build or refresh the <li> of `entry`. `handlers.choose(entry, choice)` answers a response-card button,
 * `handlers.retry(entry)` resends a failed message.
 */
export function renderMessage(entry, myUserId, handlers) {
  const item = entry.node ?? document.createElement("li");
  entry.node = item;
  // The list is role="log" (a live region), so it is no list to assistive technology: each message is an article.
  item.setAttribute("role", "article");
  const mine = entry.role === "user" && entry.senderId === myUserId;
  const kind = entry.role === "bot" ? "bot-message" : entry.role === "system" ? "system-message" : mine ? "own-message" : "other-message";
  item.className = `message-bubble ${kind}`;
  if (entry.status === "pending" || entry.status === "failed") item.classList.add(entry.status);
  if (entry.metadata?.opening) item.classList.add("opening-message"); // the bot's greeting to a new user
  if (entry.messageId) item.dataset.messageId = entry.messageId;
  if (entry.clientMessageId) item.dataset.clientMessageId = entry.clientMessageId;

  const sender = entry.role === "bot" ? "Bot" : entry.role === "system" ? "Notice" : mine ? "You" : entry.senderName || "Someone";
  const meta = element("p", "message-meta");
  meta.append(element("span", "message-sender", sender));
  const time = element("time", "message-time", localTime(entry.createdAt));
  time.dateTime = entry.createdAt;
  time.title = new Date(entry.createdAt).toLocaleString();
  meta.append(" ", time);
  const state = STATE_TEXT[entry.status];
  if (mine && state) meta.append(" ", element("span", "message-state", state));

  const parts = [meta, element("p", "message-text", entry.content)];
  const card = entry.metadata?.responseCard;
  if (card && Array.isArray(card.buttons) && card.buttons.length) parts.push(renderCard(card, entry, handlers));
  if (entry.status === "failed") {
    parts.push(element("p", "error-message", entry.error || "Not sent."));
    const retry = element("button", "retry-button", entry.retryLabel || "Retry");
    retry.type = "button";
    retry.addEventListener("click", () => handlers.retry(entry));
    parts.push(retry);
  }
  item.replaceChildren(...parts);
  return item;
}

function renderCard(card, entry, handlers) {
  const box = element("div", "response-card");
  if (card.subtitle) box.append(element("p", "card-subtitle", card.subtitle));
  const group = element("div", "card-buttons");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", card.title || "Choices");
  // Answered (by anyone, now or before a reload): the buttons stay visible, disabled, the chosen one marked.
  const answered = entry.answeredWith !== undefined && entry.answeredWith !== null;
  for (const choice of card.buttons) {
    if (!choice || typeof choice.value !== "string" || !choice.value) continue;
    const button = element("button", "card-button", choice.text || choice.value);
    button.type = "button";
    button.disabled = answered || !entry.messageId;
    if (answered && entry.answeredWith === choice.value) button.setAttribute("aria-pressed", "true");
    button.addEventListener("click", () => handlers.choose(entry, choice));
    group.append(button);
  }
  box.append(group);
  if (answered) box.append(element("p", "card-answered visually-hidden", "Answered"));
  return box;
}
