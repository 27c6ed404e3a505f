// Small DOM helpers shared by every page.
import { icon as iconOf } from './icons.js';

/**
 * h builds an element: h('a.btn.primary', {href: '/x'}, 'Go'). Attributes
 * starting with "on" become listeners; null, false and undefined are
 * skipped; children may be strings, nodes or arrays.
 */
export function h(spec, attrs, ...children) {
  if (attrs == null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  let id = '';
  const plain = spec.replace(/#([\w-]+)/, (_, m) => { id = m; return ''; });
  const [tag, ...classes] = plain.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  let value;
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string' && k !== 'list') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  if (value !== undefined) el.value = value;
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** replace empties el and puts children in. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** view returns the page's root and marks it ready. */
export function view() {
  const el = document.getElementById('view');
  el.removeAttribute('aria-busy');
  return el;
}

/** announce tells screen readers about a change. */
export function announce(msg) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  setTimeout(() => { live.textContent = msg; }, 30);
}

/** toast shows a short message and announces it. */
export function toast(msg, kind = '') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div.toast', { class: kind }, msg);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'bad' ? 7000 : 4000);
}

/** loading is the standard loading line. */
export function loading(text = 'Loading…') {
  return h('div.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), text);
}

/** empty is an empty state written for people. */
export function empty(title, text, action) {
  return h('div.empty', h('h2', title), text ? h('p', text) : null, action || null);
}

/** banner is a coloured message box. */
export function banner(kind, icon, title, text, actions) {
  return h('div.banner', { class: kind },
    h('span.icon', iconOf(icon)),
    h('div.body', title ? h('p', h('strong', title)) : null, text ? (text instanceof Node ? text : h('p', text)) : null,
      actions && actions.length ? h('div.actions', actions) : null));
}

/** errorBox shows a failed load with a retry. */
export function errorBox(err, retry) {
  return banner('bad', 'alert', "This didn't load", err.message,
    retry ? [h('button.btn.small', { type: 'button', onclick: retry }, 'Try again')] : []);
}

/** badge is a small status pill. */
export function badge(text, kind = '') { return h('span.badge', { class: kind }, text); }

const currencyDigits = {};
function digits(currency) {
  if (!(currency in currencyDigits)) {
    try {
      currencyDigits[currency] = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    } catch { currencyDigits[currency] = 2; }
  }
  return currencyDigits[currency];
}

/** money formats minor units of a currency. */
export function money(minor, currency) {
  const d = digits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** d);
  } catch {
    return `${(minor / 10 ** d).toFixed(d)} ${currency}`;
  }
}

/** toMinor turns a typed price ("12.50") into minor units, or NaN. */
export function toMinor(text, currency) {
  const t = String(text).trim().replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return NaN;
  return Math.round(parseFloat(t) * 10 ** digits(currency));
}

/** fromMinor is the typed form of a price. */
export function fromMinor(minor, currency) {
  const d = digits(currency);
  return (minor / 10 ** d).toFixed(d);
}

/** day formats a YYYY-MM-DD date without shifting it across time zones. */
export function day(ymd) {
  if (!ymd) return '';
  const d = new Date(ymd + 'T12:00:00Z');
  if (isNaN(d)) return ymd;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

/** when formats an RFC 3339 time for people. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** ago says how long ago a time was, roughly. */
export function ago(iso) {
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!isFinite(s)) return '';
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (Math.abs(s) < 60) return rtf.format(-Math.round(s), 'second');
  if (Math.abs(s) < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (Math.abs(s) < 86400) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86400), 'day');
}

/** plural picks a word: plural(3, 'photo') is "3 photos". */
export function plural(n, one, many = one + 's') {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** bytes formats a size. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** pathID returns the path segment after name: pathID('projects'). */
export function pathID(name) {
  const parts = location.pathname.split('/');
  const i = parts.indexOf(name);
  return i >= 0 ? decodeURIComponent(parts[i + 1] || '') : '';
}

/** setTitle sets the document title with the studio name kept. */
export function setTitle(title) {
  const studio = document.title.split(' · ').pop();
  document.title = `${title} · ${studio}`;
}

/**
 * thumb is a lazy-loaded photo with 400/800 srcset and its intrinsic size,
 * so the page does not shift while it loads.
 */
export function thumb(photo, alt, sizes = '(min-width: 1150px) 17vw, (min-width: 900px) 25vw, (min-width: 600px) 33vw, 50vw') {
  const w = photo.width || 400;
  const hgt = photo.height || 400;
  const scale = 400 / Math.max(w, hgt);
  return h('img', {
    src: photo.urls.thumb400,
    srcset: `${photo.urls.thumb400} 400w, ${photo.urls.thumb800} 800w`,
    sizes,
    width: Math.round(w * scale),
    height: Math.round(hgt * scale),
    loading: 'lazy',
    decoding: 'async',
    alt,
  });
}

/**
 * showFieldErrors puts the API's per-field reasons under the form's
 * inputs (matched by name) and the message at the form's .form-error.
 */
export function showFieldErrors(form, err) {
  clearErrors(form);
  const fields = err.fields || {};
  let first = null;
  const unmatched = [];
  for (const [name, why] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) { unmatched.push(why); continue; }
    const id = (input.id || name) + '-error';
    const p = h('p.field-error', { id }, why);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    (input.closest('.field') || input.parentElement).append(p);
    first = first || input;
  }
  const box = form.querySelector('.form-error');
  const msg = unmatched.length ? unmatched.join(' ') : (first ? '' : err.message);
  if (box && msg) {
    box.textContent = msg;
    box.hidden = false;
  }
  if (first) first.focus();
  else if (box && msg) box.focus?.();
}

/** clearErrors removes what showFieldErrors added. */
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((p) => {
    const input = form.querySelector(`[aria-describedby~="${p.id}"]`);
    if (input) {
      const rest = input.getAttribute('aria-describedby').split(' ').filter((x) => x !== p.id).join(' ');
      if (rest) input.setAttribute('aria-describedby', rest); else input.removeAttribute('aria-describedby');
    }
    p.remove();
  });
  form.querySelectorAll('[aria-invalid]').forEach((i) => i.removeAttribute('aria-invalid'));
  const box = form.querySelector('.form-error');
  if (box) { box.hidden = true; box.textContent = ''; }
}

/**
 * busy disables a button with a spinner while fn runs, and restores it.
 */
export async function busy(button, text, fn) {
  const old = [...button.childNodes];
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  replace(button, h('span.spinner', { 'aria-hidden': 'true' }), text);
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    replace(button, ...old);
  }
}

/**
 * confirmInline turns a button into "Sure? [Yes] [Cancel]" and runs fn on
 * yes. It keeps people from losing data to one stray tap.
 */
export function confirmInline(button, question, yesText, fn, { danger = true } = {}) {
  const wrap = h('span.row', { role: 'group', 'aria-label': question });
  const yes = h('button.btn.small', { type: 'button', class: danger ? 'danger solid' : 'primary' }, yesText);
  const no = h('button.btn.small.ghost', { type: 'button' }, 'Cancel');
  replace(wrap, h('span.small', question), yes, no);
  button.replaceWith(wrap);
  yes.focus();
  const restore = () => { wrap.replaceWith(button); button.focus(); };
  no.addEventListener('click', restore);
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true;
    try {
      await fn();
    } catch (err) {
      toast(err.message, 'bad');
      if (wrap.isConnected) restore();
    }
  });
}

/**
 * poller runs fn now and again after each delay until it returns true or
 * stop() is called; the delay grows gently, and polling pauses while the
 * tab is hidden.
 */
export function poller(fn, { every = 2000, max = 15000, grow = 1.3 } = {}) {
  let delay = every;
  let timer = 0;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (document.hidden) { timer = setTimeout(tick, 1000); return; }
    let done = false;
    try { done = await fn(); } catch (err) { console.warn(err); }
    if (done || stopped) return;
    delay = Math.min(max, delay * grow);
    timer = setTimeout(tick, delay);
  };
  timer = setTimeout(tick, every);
  return {
    stop() { stopped = true; clearTimeout(timer); },
    now() { clearTimeout(timer); delay = every; tick(); },
  };
}

/** showPasswordToggles wires checkboxes marked data-show-password. */
export function showPasswordToggles(root = document) {
  root.querySelectorAll('[data-show-password]').forEach((cb) => {
    cb.addEventListener('change', () => {
      const input = document.getElementById(cb.dataset.showPassword);
      if (input) input.type = cb.checked ? 'text' : 'password';
    });
  });
}

/** field builds a labelled input with an optional hint. */
export function field(label, input, hint) {
  if (!input.id) input.id = 'f-' + (input.name || Math.random().toString(36).slice(2));
  const hintEl = hint ? h('p.hint', { id: input.id + '-hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div.field', h('label', { for: input.id }, label), input, hintEl);
}

/** linkify turns the URLs in text into links (for email bodies). */
export function linkify(text) {
  const out = [];
  const re = /https?:\/\/[^\s<>"]+/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[0] }, m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}
