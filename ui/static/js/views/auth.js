// Sign up / log in.

import { h, replace } from "../dom.js";
import { setCsrf } from "../api.js";

export function mountAuth(container, app, onDone) {
  const user = h("input", { id: "auth-username", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { id: "auth-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const invite = h("input", { id: "auth-invite", name: "invite_code", autocomplete: "off" });
  const err = h("p", { class: "form-error", role: "alert", id: "auth-error" });
  const login = h("button", { type: "submit", id: "auth-login", class: "button primary" }, "Log in");
  const signup = h("button", { type: "button", id: "auth-signup", class: "button" }, "Sign up");
  const form = h("form", { id: "auth-form", class: "auth-form stack", "aria-labelledby": "auth-title" },
    h("h1", { id: "auth-title" }, "Welcome to Parley"),
    h("p", { class: "muted" }, "Log in, or sign up for a new account. The first account becomes the admin."),
    h("label", { for: "auth-username" }, "Username"), user,
    h("label", { for: "auth-password" }, "Password"), pass,
    h("details", { class: "invite" }, h("summary", null, "Have an invite code?"),
      h("label", { for: "auth-invite" }, "Invite code"), invite),
    err,
    h("div", { class: "auth-actions" }, login, signup));
  replace(container, h("main", { class: "auth-screen" }, form));

  async function submit(kind) {
    err.textContent = "";
    const username = user.value.trim().toLowerCase();
    const password = pass.value;
    if (!username || !password) { err.textContent = "Enter a username and a password."; return; }
    if (kind === "signup" && password.length < 8) { err.textContent = "Use at least 8 characters for the password."; pass.focus(); return; }
    login.disabled = signup.disabled = true;
    try {
      const body = { username, password };
      if (kind === "signup" && invite.value.trim()) body.invite_code = invite.value.trim();
      const res = await app.api("POST", kind === "signup" ? "/signup" : "/login", body);
      setCsrf(res.csrf_token);
      onDone(res.user);
    } catch (e) {
      err.textContent = e.message || "Something went wrong.";
      login.disabled = signup.disabled = false;
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); submit("login"); });
  signup.addEventListener("click", () => { if (form.reportValidity()) submit("signup"); });
  user.focus();
}
