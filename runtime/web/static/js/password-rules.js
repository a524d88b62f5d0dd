// The password policy of the identity provider (Cognito's default, and the local provider's), rule by rule.

// Cognito's special characters.
const SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

export const PASSWORD_RULES = Object.freeze([
  { id: "length", label: "At least 8 characters", test: (p) => [...p].length >= 8 },
  { id: "upper", label: "An uppercase letter (A-Z)", test: (p) => /[A-Z]/.test(p) },
  { id: "lower", label: "A lowercase letter (a-z)", test: (p) => /[a-z]/.test(p) },
  { id: "number", label: "A number (0-9)", test: (p) => /[0-9]/.test(p) },
  { id: "symbol", label: "A symbol such as ! @ # $ % ^ & *", test: (p) => [...p].some((ch) => SYMBOLS.includes(ch)) },
]);

/** The ids of the rules `password` meets. */
export function rulesMet(password) {
  return PASSWORD_RULES.filter((rule) => rule.test(password)).map((rule) => rule.id);
}

/** The labels of the rules `password` misses, in the policy's order. */
export function rulesMissing(password) {
  return PASSWORD_RULES.filter((rule) => !rule.test(password)).map((rule) => rule.label);
}

/**
 * Fill `list` (an empty <ul>) with one item per rule; returns a function that ticks them for a password.
 * Before anything is typed the rules are neutral (•); from then on each reads as met (✓, green, "(met)") or as
 * missing (✗, red, "(missing)"), in colour and in words.
 */
export function passwordChecklist(list) {
  const items = new Map();
  for (const rule of PASSWORD_RULES) {
    const item = document.createElement("li");
    item.dataset.rule = rule.id;
    item.className = "password-rule";
    const mark = document.createElement("span");
    mark.className = "rule-mark";
    mark.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    text.textContent = rule.label;
    const state = document.createElement("span");
    state.className = "rule-state";
    item.append(mark, text, state);
    list.append(item);
    items.set(rule.id, item);
  }
  return (password) => {
    const met = new Set(rulesMet(password));
    for (const [id, item] of items) {
      const ok = met.has(id);
      const missing = !ok && password !== "";
      item.classList.toggle("met", ok);
      item.classList.toggle("missing", missing);
      item.querySelector(".rule-mark").textContent = ok ? "✓" : missing ? "✗" : "•";
      const stateText = ok ? "(met)" : missing ? "(missing)" : "(not met yet)";
      const stateNode = item.querySelector(".rule-state");
      stateNode.textContent = ` ${stateText}`;
      stateNode.classList.toggle("visually-hidden", !missing); // "(missing)" is shown; the others are for screen readers
    }
    return met.size === PASSWORD_RULES.length;
  };
}
