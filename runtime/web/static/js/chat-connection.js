// The WebSocket to /ws: the token as a subprotocol, a heartbeat, and reconnects with backoff until signed out.

import { reconnectDelay } from "./backoff.js";
import { config } from "./config.js";

const SUBPROTOCOL = "chat-lex.v1";
const BEARER_PREFIX = "bearer."; // the server answers with SUBPROTOCOL only, never echoing the token
const CLOSE_UNAUTHORIZED = 4401;

/**
 * States reported to `onStatus`: "connecting" (first attempt), "connected" (WELCOME received),
 * "reconnecting" (dropped; an attempt is scheduled or running), "lost" (the browser says it is offline).
 */
export class ChatConnection {
  constructor({ getToken, onFrame, onStatus, onAuthFailed }) {
    this.getToken = getToken; // async ({force}) => access token; throws when the session is over
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.onAuthFailed = onAuthFailed;
    this.socket = null;
    this.welcomed = false;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.awaitingFrame = false;
    this.refreshedForThisDrop = false;
    this.opening = false;
    this.connectTimer = null;
    window.addEventListener("offline", () => this.drop("lost"));
    window.addEventListener("online", () => this.reconnectNow());
  }

  get ready() {
    return this.welcomed && this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Send a frame now; false when not connected (the caller keeps it for later). */
  send(frame) {
    if (!this.ready) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  start() {
    this.stopped = false;
    this.onStatus("connecting");
    this.open();
  }

  /** Sign-out: close for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    this.stopHeartbeat();
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.onclose = null;
      socket.close(1000, "signed out");
    }
  }

  async open() {
    clearTimeout(this.retryTimer);
    if (this.stopped || this.socket || this.opening) return;
    this.opening = true;
    let token;
    try {
      token = await this.getToken({ force: this.refreshedForThisDrop });
    } catch (error) {
      if (error && error.unauthorized) {
        this.onAuthFailed();
        return;
      }
      this.scheduleReconnect(); // cannot reach the server to refresh: same as a failed connect
      return;
    } finally {
      this.opening = false;
    }
    if (this.stopped || this.socket) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (zone) url.searchParams.set("tz", zone);
    // The token goes as a subprotocol, never in the URL, so it stays out of access logs and browser history.
    const socket = new WebSocket(url, [SUBPROTOCOL, BEARER_PREFIX + token]);
    this.socket = socket;
    this.welcomed = false;
    socket.onmessage = (event) => this.receive(socket, event);
    // WELCOME comes by itself from the WebSocket server; behind API Gateway, which cannot send before the
    // handshake is over, it comes in answer to hello. Both answer hello with WELCOME once per connection.
    socket.onopen = () => {
      try {
        socket.send(JSON.stringify({ action: "hello" }));
      } catch {
        // onclose follows and decides
      }
    };
    socket.onclose = (event) => this.closed(socket, event);
    socket.onerror = () => {}; // onclose follows and decides
    // A handshake into a black hole never closes by itself.
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (socket === this.socket && !this.welcomed) this.drop();
    }, config.connectTimeoutMs);
  }

  receive(socket, event) {
    if (socket !== this.socket) return;
    this.awaitingFrame = false;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "WELCOME") {
      clearTimeout(this.connectTimer);
      this.welcomed = true;
      this.attempt = 0;
      this.refreshedForThisDrop = false;
      this.startHeartbeat();
      this.onStatus("connected");
    }
    this.onFrame(frame);
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.welcomed = false;
    this.stopHeartbeat();
    clearTimeout(this.connectTimer);
    if (this.stopped) return;
    if (event.code === CLOSE_UNAUTHORIZED) {
      if (this.refreshedForThisDrop) {
        this.onAuthFailed();
        return;
      }
      this.refreshedForThisDrop = true; // the token expired while we were away: refresh once, then retry
    }
    this.onStatus(navigator.onLine === false ? "lost" : "reconnecting");
    this.scheduleReconnect();
  }

  /** Give up on the current socket at once (offline, or the heartbeat went unanswered) and start over. */
  drop(status = "reconnecting") {
    if (this.stopped) return;
    this.abandonSocket();
    this.onStatus(status === "lost" || navigator.onLine === false ? "lost" : "reconnecting");
    this.scheduleReconnect();
  }

  abandonSocket() {
    this.stopHeartbeat();
    clearTimeout(this.connectTimer);
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    // Without a network the close handshake cannot finish; do not wait for its onclose.
    socket.onclose = null;
    socket.onmessage = null;
    try {
      socket.close(1000, "connection lost");
    } catch {
      // already closing
    }
  }

  /** The browser is back online: try at once, with a fresh backoff. */
  reconnectNow() {
    if (this.stopped || this.ready) return;
    this.attempt = 0;
    this.abandonSocket();
    clearTimeout(this.retryTimer);
    this.onStatus("reconnecting");
    this.open();
  }

  scheduleReconnect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    const delay = reconnectDelay(this.attempt, { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs });
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.awaitingFrame = false;
    this.heartbeatTimer = setInterval(() => {
      if (this.awaitingFrame) {
        this.drop(); // a whole period without any frame, not even PONG: the socket is dead even if nobody closed it
        return;
      }
      this.awaitingFrame = true;
      this.send({ action: "ping" });
    }, config.heartbeatMs);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
