// Messages written but not yet acknowledged, kept in localStorage per user: sent on (re)connect, never lost on reload.

const PREFIX = "chat-lex.outbox.";
const MAX_ITEMS = 200;

// Storage is editable by anything on this origin: keep only well-formed entries.
function isReplyTo(replyTo) {
  return replyTo === undefined || (Boolean(replyTo) && typeof replyTo.messageId === "string" && typeof replyTo.value === "string");
}

function isItem(item) {
  return Boolean(item) && ["clientMessageId", "conversationId", "message"].every((key) => typeof item[key] === "string") && isReplyTo(item.replyTo);
}

export class Outbox {
  constructor(userId) {
    this.key = PREFIX + userId;
    this.items = [];
    try {
      const saved = JSON.parse(localStorage.getItem(this.key) ?? "[]");
      if (Array.isArray(saved)) this.items = saved.filter(isItem).slice(0, MAX_ITEMS);
    } catch {
      this.items = [];
    }
  }

  save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // storage full or disabled: the queue still lives in memory
    }
  }

  add(item) {
    if (!this.items.some((i) => i.clientMessageId === item.clientMessageId)) {
      this.items.push(item);
      if (this.items.length > MAX_ITEMS) this.items.shift();
      this.save();
    }
  }

  remove(clientMessageId) {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.clientMessageId !== clientMessageId);
    if (this.items.length !== before) this.save();
  }

  all() {
    return [...this.items];
  }
}
