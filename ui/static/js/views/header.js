// Channel header additions: edit the topic in place and open the member
// list. The header itself (name, topic, member count) is drawn by the
// channel screen; this adds its controls and keeps them current.

import { h } from "../dom.js";
import { friendlyMessage } from "../api.js";

const TOPIC_MAX = 250;

export function mountHeaderTools(container, app, channelId, { onMembers }) {
  const store = app.store;
  const header = container.querySelector(".channel-header");
  if (!header) return { destroy() {} };
  const text = header.querySelector(".channel-header-text");
  const topic = header.querySelector(".channel-topic");
  const actions = header.querySelector(".channel-header-actions");

  const editBtn = h("button", { type: "button", id: "edit-topic", class: "link-button small" }, "Edit topic");
  const input = h("input", { type: "text", id: "topic-input", class: "topic-input", maxlength: String(TOPIC_MAX),
    "aria-label": "Channel topic", placeholder: "Add a topic", autocomplete: "off", hidden: true });
  const error = h("div", { class: "topic-error small", role: "alert", hidden: true });
  const membersBtn = h("button", { type: "button", id: "members-button", class: "button small", "aria-controls": "members", "aria-expanded": "false" }, "Members");
  const row = h("div", { class: "topic-row" });
  topic.replaceWith(row);
  row.append(topic, editBtn);
  text.append(input, error);
  actions.prepend(membersBtn);
  membersBtn.addEventListener("click", () => onMembers());

  let editing = false;
  let saving = false;

  function canEdit() {
    const c = store.channels.get(channelId);
    return !!c && !c.archived;
  }

  function update() {
    editBtn.hidden = editing || !canEdit();
    topic.hidden = editing;
    const c = store.channels.get(channelId);
    membersBtn.hidden = !c || c.kind === "dm";
  }

  function startEdit() {
    const c = store.channels.get(channelId);
    if (!c) return;
    editing = true;
    input.value = c.topic || "";
    input.hidden = false;
    error.hidden = true;
    update();
    input.focus();
    input.select();
  }

  function stopEdit() {
    editing = false;
    input.hidden = true;
    error.hidden = true;
    update();
    editBtn.focus();
  }

  async function save() {
    if (saving) return;
    saving = true;
    input.disabled = true;
    try {
      const c = await app.api("PATCH", `/channels/${channelId}`, { topic: input.value.trim() });
      const mine = store.channels.get(channelId);
      if (mine) { mine.topic = c.topic; store.emit("channels"); }
      stopEdit();
    } catch (e) {
      error.textContent = "Could not change the topic: " + friendlyMessage(e);
      error.hidden = false;
      input.focus();
    } finally {
      saving = false;
      input.disabled = false;
    }
  }

  editBtn.addEventListener("click", startEdit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); save(); }
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); stopEdit(); }
  });

  const off = store.on("channels", update);
  update();
  return {
    setMembersOpen(open) { membersBtn.setAttribute("aria-expanded", open ? "true" : "false"); },
    destroy() { off(); },
  };
}
