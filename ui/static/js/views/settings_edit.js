// In-place editing of a settings item (a bot, a webhook, a slash command):
// a form prefilled with the item's current values whose Save sends only the
// fields that changed, shows the server's error next to the field it names
// (or under the form), and whose Cancel (or Escape) puts the item back as it
// was. Everything from the server is put into the page with textContent only.

import { el } from './el.js';
import { friendlyMessage } from '../api.js';
import { button, checkbox, checkGroup, checkedValues, field, formError, input, nextId, select } from './settings_ui.js';

// Field kinds: how a control is built from a value and read back.
//   text, url  a text input; the value is trimmed
//   emoji      a text input for a shortcode; colons around it are dropped
//   words      a comma-separated list; the value is an array
//   select     options [[value, text]…]; number: true reads a number
//   checkbox   a boolean
//   checks     a group of checkboxes; the value is an array (number: true
//              reads numbers)
const kinds = {
  text: {
    build: (f, v) => input(f.name, { ...f.attrs, value: v ?? '' }),
    read: (f, c) => c.value.trim(),
    norm: (v) => String(v ?? '').trim(),
  },
  url: {
    build: (f, v) => input(f.name, { type: 'url', ...f.attrs, value: v ?? '' }),
    read: (f, c) => c.value.trim(),
    norm: (v) => String(v ?? '').trim(),
  },
  emoji: {
    build: (f, v) => input(f.name, { placeholder: ':robot_face:', ...f.attrs, value: v ? `:${v}:` : '' }),
    read: (f, c) => c.value.trim().replace(/^:|:$/g, ''),
    norm: (v) => String(v ?? '').trim().replace(/^:|:$/g, ''),
  },
  words: {
    build: (f, v) => input(f.name, { ...f.attrs, value: (v || []).join(', ') }),
    read: (f, c) => c.value.split(',').map((s) => s.trim()).filter(Boolean),
    norm: (v) => (v || []).map((s) => String(s).trim()).filter(Boolean),
  },
  select: {
    build: (f, v) => {
      const opts = [...f.options];
      // A current value the options do not list (a channel one has left, a
      // deleted bot) stays selectable so an unrelated edit does not change it.
      if (v !== undefined && v !== null && !opts.some(([o]) => String(o) === String(v))) {
        opts.unshift([v, f.missing ? f.missing(v) : String(v)]);
      }
      return select(f.name, opts, v);
    },
    read: (f, c) => (f.number ? Number(c.value) : c.value),
    norm: (v, f) => (f.number ? Number(v ?? 0) : String(v ?? '')),
  },
  checkbox: {
    build: (f, v) => checkbox(f.name, f.label, !!v),
    read: (f, c) => c.querySelector('input').checked,
    norm: (v) => !!v,
  },
  checks: {
    build: (f, v) => checkGroup(f.label, f.name, f.options, (v || []).map(String)),
    read: (f, c) => checkedValues(c, f.name).map((x) => (f.number ? Number(x) : x)),
    norm: (v, f) => (v || []).map((x) => (f.number ? Number(x) : String(x))),
  },
};

function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sa = [...a].sort();
    const sb = [...b].sort();
    return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
  }
  return a === b;
}

// describe adds id to (or removes it from) a control's aria-describedby,
// so screen readers read a field's error with it.
function describe(control, id, on) {
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
}

// editForm builds the form. spec:
//   label      the form's accessible name ("Edit bot @ci")
//   fields     [{ name, label, kind, hint, attrs, options, number, missing, value(item), shown(form) }]
//              name is the API field; value(item) overrides item[name];
//              shown(form) hides the field (and leaves it out) when false
//   item       the current values
//   save(body) sends the changed fields and resolves to the updated item
//   done(updated | null)  called after a save (the updated item) or a cancel (null)
// It returns { form, focus }.
export function editForm(spec) {
  const form = el('form', { className: 'settings-form edit-form', 'aria-label': spec.label });
  const err = formError();
  const status = el('p', { className: 'form-ok', role: 'status' });
  const rows = [];

  for (const f of spec.fields) {
    const kind = kinds[f.kind || 'text'];
    const current = f.value ? f.value(spec.item) : spec.item[f.name];
    const initial = kind.norm(current, f);
    const control = kind.build(f, current);
    const wrap = f.kind === 'checkbox' || f.kind === 'checks' ? control : field(f.label, control, f.hint);
    const fieldErr = el('small', { className: 'field-error', id: nextId('ferr'), hidden: true });
    wrap.append(fieldErr);
    wrap.dataset.field = f.name;
    const focusable = control.matches('input, select, textarea') ? control : control.querySelector('input, select, textarea');
    rows.push({ f, kind, initial, control, wrap, fieldErr, focusable });
    form.append(wrap);
  }

  const saveBtn = el('button', { type: 'submit', text: 'Save' });
  const cancelBtn = button('Cancel', () => spec.done(null));
  form.append(el('div', { className: 'actions' }, saveBtn, cancelBtn), err.el, status);

  function clearErrors() {
    err.clear();
    status.textContent = '';
    for (const r of rows) {
      r.fieldErr.hidden = true;
      r.fieldErr.textContent = '';
      if (r.focusable) {
        r.focusable.removeAttribute('aria-invalid');
        r.focusable.removeAttribute('aria-errormessage');
        describe(r.focusable, r.fieldErr.id, false);
      }
    }
  }

  function showError(e) {
    const row = e && e.field ? rows.find((r) => r.f.name === e.field && !r.wrap.hidden) : null;
    if (!row) {
      err.show(e);
      return;
    }
    row.fieldErr.textContent = friendlyMessage(e);
    row.fieldErr.hidden = false;
    if (row.focusable) {
      row.focusable.setAttribute('aria-invalid', 'true');
      row.focusable.setAttribute('aria-errormessage', row.fieldErr.id);
      describe(row.focusable, row.fieldErr.id, true);
      row.focusable.focus();
    }
  }

  // changes holds the fields whose value differs from the item's, among
  // those shown.
  function changes() {
    const body = {};
    for (const r of rows) {
      if (r.wrap.hidden) continue;
      const v = r.kind.read(r.f, r.control);
      if (!same(r.kind.norm(v, r.f), r.initial)) body[r.f.name] = v;
    }
    return body;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const body = changes();
    if (!Object.keys(body).length) {
      status.textContent = 'Nothing changed.';
      return;
    }
    saveBtn.disabled = true;
    try {
      const updated = await spec.save(body);
      spec.done(updated);
    } catch (e2) {
      showError(e2);
    } finally {
      saveBtn.disabled = false;
    }
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      spec.done(null);
    }
  });

  const sync = () => { for (const r of rows) if (r.f.shown) r.wrap.hidden = !r.f.shown(form); };
  form.addEventListener('change', sync);
  sync();
  return { form, focus: () => rows.find((r) => !r.wrap.hidden)?.focusable?.focus() };
}

// editable wires an item's Edit button: the item's view is hidden and the
// form shown in its place; a cancel brings the view back and focus to the
// button, a save hands the updated item to saved (which redraws it).
// makeSpec returns editForm's spec without done.
export function editable(view, editBtn, makeSpec, saved) {
  let open = null;
  editBtn.setAttribute('aria-expanded', 'false');
  editBtn.addEventListener('click', () => {
    if (open) return;
    const ed = editForm({
      ...makeSpec(),
      done(updated) {
        ed.form.remove();
        open = null;
        view.hidden = false;
        editBtn.setAttribute('aria-expanded', 'false');
        if (updated) saved(updated);
        else editBtn.focus();
      },
    });
    open = ed;
    view.hidden = true;
    editBtn.setAttribute('aria-expanded', 'true');
    view.after(ed.form);
    ed.focus();
  });
}

// afterSave marks a redrawn item as just saved and focuses its Edit button.
export function afterSave(li) {
  li.querySelector('.item-view')?.append(el('p', { className: 'form-ok', role: 'status', text: 'Saved.' }));
  li.querySelector('button[data-edit]')?.focus();
}
