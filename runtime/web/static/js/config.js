// Tunables of the web UI. A page may set `window.chatLexConfig` before the modules load (tests shorten the timers).

const DEFAULTS = Object.freeze({
  heartbeatMs: 15000, // a ping this often; no frame back within one more period means the socket is dead
  connectTimeoutMs: 10000, // a handshake without WELCOME by then is abandoned and retried
  reconnectBaseMs: 500, // first reconnect delay; doubles per failed attempt
  reconnectMaxMs: 30000,
  refreshMarginMs: 60000, // refresh the access token this long before it expires
  historyPageSize: 50,
  typingTimeoutMs: 20000, // hide "Bot is typing…" if the end of the turn never arrives
  noticeMs: 8000,
});

export const config = Object.freeze({ ...DEFAULTS, ...(globalThis.chatLexConfig ?? {}) });
