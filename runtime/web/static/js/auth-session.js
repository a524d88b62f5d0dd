// The signed-in session: tokens in localStorage (a reload keeps you signed in), refreshed before they expire.

import { AuthApiError, refreshTokens } from "./auth-api.js";
import { config } from "./config.js";

const KEY = "chat-lex.session";

/** The stored session `{username, accessToken, idToken, refreshToken, expiresAt}`, or null. */
export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? "null");
    if (session && typeof session.accessToken === "string" && typeof session.refreshToken === "string") return session;
  } catch {
    // a damaged entry is the same as none: sign in again
  }
  return null;
}

export function saveSession(tokens, username, previous = null) {
  const session = {
    username,
    accessToken: tokens.accessToken,
    idToken: tokens.idToken,
    // Cognito does not return a new refresh token on refresh: keep the old one.
    refreshToken: tokens.refreshToken || previous?.refreshToken,
    expiresAt: Date.now() + Number(tokens.expiresIn || 3600) * 1000,
  };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

let refreshing = null;

/**
 * An access token good for at least the refresh margin: refreshed first when it is about to expire (or `force`).
 * Throws AuthApiError; `.unauthorized` means the session is over (the session is cleared).
 */
export async function freshAccessToken({ force = false } = {}) {
  const session = loadSession();
  if (!session) throw new AuthApiError(401, "NotSignedIn", "You are not signed in.");
  if (!force && session.expiresAt - Date.now() > config.refreshMarginMs) return session.accessToken;
  // One refresh at a time: a refresh token may be single-use.
  refreshing ??= (async () => {
    try {
      const tokens = await refreshTokens(session.refreshToken, session.username);
      return saveSession(tokens, session.username, session).accessToken;
    } catch (error) {
      if (error instanceof AuthApiError && error.unauthorized) clearSession();
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Keep the tokens fresh while the page is open; `onEnded` runs when the session can no longer be refreshed. */
export function keepSessionFresh(onEnded) {
  let timer = null;
  const plan = () => {
    clearTimeout(timer);
    const session = loadSession();
    if (!session) return;
    const wait = Math.max(1000, session.expiresAt - Date.now() - config.refreshMarginMs);
    timer = setTimeout(async () => {
      try {
        await freshAccessToken();
      } catch (error) {
        if (error instanceof AuthApiError && error.unauthorized) {
          onEnded();
          return;
        }
        // offline or the server is down: try again soon
      }
      plan();
    }, wait);
  };
  plan();
  // Another tab signed out: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key === KEY && event.newValue === null) onEnded();
  });
  return plan;
}
