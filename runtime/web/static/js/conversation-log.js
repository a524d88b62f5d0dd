// One conversation's messages, de-duplicated by messageId and (for your own) clientMessageId, in store order.

let localSequence = 0;

export class ConversationLog {
  constructor(info) {
    this.info = info; // {conversationId, kind, title, ownerId, members, botMode}
    this.byMessageId = new Map();
    this.byClientId = new Map(); // your own messages only: other people may reuse a clientMessageId string
    this.entries = new Set();
    this.loaded = false; // the first history page arrived
    this.nextBefore = null;
    this.historyDone = false;
    this.loadingOlder = false;
    this.typing = false;
    this.unread = 0;
  }

  get id() {
    return this.info.conversationId;
  }

  /** Add or update a server message; returns `{entry, added}`. */
  upsert(message, myUserId) {
    let entry = this.byMessageId.get(message.messageId);
    if (!entry && message.senderId === myUserId && message.clientMessageId) {
      entry = this.byClientId.get(message.clientMessageId);
    }
    const added = !entry;
    if (!entry) {
      entry = { seq: ++localSequence, status: "sent", error: null };
      this.entries.add(entry);
    }
    Object.assign(entry, {
      messageId: message.messageId,
      clientMessageId: message.clientMessageId ?? null,
      senderId: message.senderId,
      senderName: message.senderName,
      role: message.role,
      content: message.content,
      createdAt: message.createdAt,
      metadata: message.metadata ?? {},
      status: "sent",
      error: null,
      dirty: true,
    });
    this.byMessageId.set(message.messageId, entry);
    if (message.senderId === myUserId && entry.clientMessageId) this.byClientId.set(entry.clientMessageId, entry);
    return { entry, added };
  }

  /** Your message before the server has it: shown at once, marked pending. `metadata.replyTo` names a card it answers. */
  addLocal(clientMessageId, content, me, metadata = {}) {
    const existing = this.byClientId.get(clientMessageId);
    if (existing) return existing;
    const entry = {
      seq: ++localSequence,
      messageId: null,
      clientMessageId,
      senderId: me.userId,
      senderName: me.displayName,
      role: "user",
      content,
      createdAt: new Date().toISOString(),
      metadata,
      status: "pending",
      error: null,
      dirty: true,
    };
    this.entries.add(entry);
    this.byClientId.set(clientMessageId, entry);
    return entry;
  }

  /** A local note (e.g. the bot did not answer); never sent, never stored. */
  addNote(content) {
    const entry = { seq: ++localSequence, messageId: null, clientMessageId: null, senderId: "", senderName: "", role: "system",
      content, createdAt: new Date().toISOString(), metadata: {}, status: "note", error: null, dirty: true };
    this.entries.add(entry);
    return entry;
  }

  /** Forget an unsent message of yours (its text went back to the input to be edited). */
  discard(entry) {
    this.entries.delete(entry);
    if (entry.clientMessageId) this.byClientId.delete(entry.clientMessageId);
  }

  byClient(clientMessageId) {
    return this.byClientId.get(clientMessageId) ?? null;
  }

  acknowledge(clientMessageId, messageId) {
    const entry = this.byClientId.get(clientMessageId);
    if (!entry) return null;
    entry.messageId = messageId;
    if (entry.status !== "sent") entry.status = "acked";
    entry.error = null;
    entry.dirty = true;
    this.byMessageId.set(messageId, entry);
    return entry;
  }

  /** Stored messages by messageId (UUIDv7 ids sort by time); unsent ones after them, in the order they were written. */
  ordered() {
    return [...this.entries].sort((a, b) => {
      const aStored = a.messageId !== null;
      const bStored = b.messageId !== null;
      if (aStored && bStored) return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
      if (aStored !== bStored) return aStored ? -1 : 1;
      return a.seq - b.seq;
    });
  }

  /**
   * Mark every card that a message of this log answers (card messageId -> the value chosen): those cards' buttons
   * are disabled. Returns nothing; entries whose state changed are marked dirty.
   */
  markAnsweredCards() {
    const answers = new Map();
    for (const entry of this.entries) {
      const { replyTo, cardValue } = entry.metadata ?? {};
      if (typeof replyTo === "string" && entry.status !== "failed" && !answers.has(replyTo)) answers.set(replyTo, cardValue ?? "");
    }
    for (const entry of this.entries) {
      if (!entry.metadata?.responseCard) continue;
      const answeredWith = entry.messageId ? answers.get(entry.messageId) ?? null : null;
      if (entry.answeredWith !== answeredWith) {
        entry.answeredWith = answeredWith;
        entry.dirty = true;
      }
    }
  }

  /** The newest stored messageId (what `resume` continues from), or null. */
  lastMessageId() {
    let last = null;
    for (const id of this.byMessageId.keys()) if (last === null || id > last) last = id;
    return last;
  }
}
