// Reconnect delays: exponential backoff with "equal jitter", so clients that dropped together do not return together.

/**
 * The delay before reconnect attempt `attempt` (0 for the first): half of the capped exponential step, plus a random
 * share of the other half. Never below half the step, never above `maxMs`.
 */
export function reconnectDelay(attempt, { baseMs, maxMs, random = Math.random }) {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}
