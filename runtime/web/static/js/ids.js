// Client-side ids: clientMessageId (what makes a resend idempotent) and requestId. getRandomValues works on plain http too.

function randomHex(bytes) {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function newClientMessageId() {
  return `c-${Date.now().toString(36)}-${randomHex(8)}`;
}

export function newRequestId() {
  return `r-${randomHex(6)}`;
}
