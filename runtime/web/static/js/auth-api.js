// The runtime's REST endpoints (/auth/*, /api/*) as functions; failures are AuthApiError with the server's code and advice.

export class AuthApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** True when the server said who-are-you (401): the session is over, not a passing network problem. */
  get unauthorized() {
    return this.status === 401;
  }
}

async function request(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new AuthApiError(0, "Network", "Cannot reach the server. Check your connection and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = data && typeof data.error === "string" ? data.error : `HTTP${response.status}`;
    const message = data && typeof data.message === "string" ? data.message : `The server answered ${response.status}.`;
    throw new AuthApiError(response.status, code, message);
  }
  return data;
}

export const signUp = (username, password, email) => request("POST", "/auth/signup", { body: { username, password, email } });
export const confirmSignUp = (username, code) => request("POST", "/auth/confirm", { body: { username, code } });
export const signIn = (username, password) => request("POST", "/auth/login", { body: { username, password } });
export const refreshTokens = (refreshToken, username) =>
  request("POST", "/auth/refresh", { body: username ? { refreshToken, username } : { refreshToken } });
export const signOut = (accessToken, refreshToken) =>
  request("POST", "/auth/logout", { token: accessToken, body: refreshToken ? { refreshToken } : {} });
export const createRoom = (accessToken, title, botMode) => request("POST", "/api/rooms", { token: accessToken, body: { title, botMode } });
