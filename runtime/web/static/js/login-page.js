// /login: sign in, sign up (with the password rules ticking as you type), and the confirmation step when one is needed.

import { AuthApiError, confirmSignUp, signIn, signUp } from "./auth-api.js";
import { loadSession, saveSession } from "./auth-session.js";
import { afterSignIn } from "./invite.js";
import { passwordChecklist, rulesMissing } from "./password-rules.js";

const panel = document.querySelector("#auth-panel");

// Only one form is in the document at a time, so `input[name="username"]` always means the form on screen.
function show(templateId) {
  const template = document.getElementById(templateId);
  panel.replaceChildren(template.content.cloneNode(true));
  panel.querySelector("input")?.focus();
  return panel;
}

function showError(form, error) {
  const box = form.querySelector(".error-message");
  box.textContent = error instanceof AuthApiError ? error.message : "Something went wrong; try again.";
  box.hidden = false;
}

function busy(form, on) {
  for (const control of form.querySelectorAll("button, input")) control.disabled = on;
  form.setAttribute("aria-busy", String(on));
}

async function signInAndGo(username, password) {
  const tokens = await signIn(username, password);
  saveSession(tokens, username);
  location.replace(afterSignIn(location.search)); // only to this site's chat or one of its invite paths
}

function showSignIn(notice = "") {
  const root = show("signin-template");
  const form = root.querySelector("form");
  if (notice) {
    const note = root.querySelector(".auth-notice");
    note.textContent = notice;
    note.hidden = false;
  }
  root.querySelector(".show-signup").addEventListener("click", () => showSignUp());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    busy(form, true);
    try {
      await signInAndGo(String(data.get("username")).trim(), String(data.get("password")));
    } catch (error) {
      busy(form, false);
      if (error instanceof AuthApiError && error.code === "UserNotConfirmed") {
        showConfirm(String(data.get("username")).trim(), String(data.get("password")), "");
        return;
      }
      showError(form, error);
    }
  });
}

function showSignUp() {
  const root = show("signup-template");
  const form = root.querySelector("form");
  const password = form.querySelector('input[name="password"]');
  const tick = passwordChecklist(root.querySelector(".password-rules"));
  tick("");
  password.addEventListener("input", () => tick(password.value));
  root.querySelector(".show-signin").addEventListener("click", () => showSignIn());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const username = String(data.get("username")).trim();
    const secret = String(data.get("password"));
    if (!tick(secret)) {
      const missing = rulesMissing(secret).map((label) => label[0].toLowerCase() + label.slice(1)).join("; ");
      showError(form, new AuthApiError(400, "InvalidPassword", `The password is missing: ${missing} (see the rules marked ✗ above).`));
      password.focus();
      return;
    }
    busy(form, true);
    try {
      const result = await signUp(username, secret, String(data.get("email")).trim());
      if (result && result.confirmed === false) {
        showConfirm(username, secret, result.delivery || "");
        return;
      }
      await signInAndGo(username, secret);
    } catch (error) {
      busy(form, false);
      showError(form, error);
    }
  });
}

function showConfirm(username, password, delivery) {
  const root = show("confirm-template");
  const form = root.querySelector("form");
  root.querySelector(".confirm-delivery").textContent = delivery
    ? `We sent a confirmation code to ${delivery}.`
    : "Enter the confirmation code we sent you.";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = String(new FormData(form).get("code")).trim();
    busy(form, true);
    try {
      await confirmSignUp(username, code);
      await signInAndGo(username, password);
    } catch (error) {
      busy(form, false);
      showError(form, error);
    }
  });
}

if (loadSession()) {
  location.replace(afterSignIn(location.search));
} else if (location.hash === "#signup") {
  showSignUp();
} else {
  showSignIn(new URLSearchParams(location.search).has("signedOut") ? "You are signed out." : "");
}
