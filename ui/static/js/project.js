// The operator's project page: numbers at the top, then tabs for photos
// (with the uploader), attendees and invites, packages, orders, matches
// and settings.
import { get, del, patch } from './api.js';
import { h, replace, view, loading, errorBox, empty, day, money, plural, pathID, setTitle, thumb, busy, clearErrors, showFieldErrors, toast, poller, confirmInline, announce } from './dom.js';
import { uploader } from './uploader.js';
import { openViewer } from './viewer.js';
import { projectFields, readProject } from './projectform.js';
import { peopleTab, tagsTab, threshold, DEFAULT_THRESHOLD } from './project-people.js';
import { packagesTab, ordersTab } from './project-sales.js';

const projectID = pathID('projects');
const base = `/v1/projects/${encodeURIComponent(projectID)}`;

const TABS = [
  ['photos', 'Photos'],
  ['attendees', 'Attendees'],
  ['packages', 'Packages'],
  ['orders', 'Orders'],
  ['tags', 'Matches'],
  ['settings', 'Settings'],
];

let root;
let project;
let sharedUploader = null;
let afterUpload = () => {};
const ctx = { base, project: null, refreshStats: () => {}, setReviewCount: () => {}, photos: new Map() };

export default function projectPage() {
  root = view();
  const load = async () => {
    replace(root, loading('Loading the project…'));
    try {
      project = await get(base);
      ctx.project = project;
      setTitle(project.name);
      render();
    } catch (err) {
      if (err.status === 404) {
        replace(root, empty('This project no longer exists', 'It may have been deleted.', h('a.btn', { href: '/admin' }, 'All projects')));
        return;
      }
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function render() {
  const statsSlot = h('ul.stats.six', { 'aria-label': 'Project numbers' });
  const titleSlot = h('h1', project.name);
  const metaSlot = h('p.muted', { style: { margin: 0 } });
  const paintHead = () => {
    titleSlot.textContent = project.name;
    metaSlot.textContent = [day(project.date), project.location, project.timezone, project.currency].filter(Boolean).join(' · ');
    const s = project.stats || {};
    replace(statsSlot,
      stat(s.ready || 0, 'photos ready'),
      stat(s.processing || 0, 'processing', s.processing ? 'warn' : ''),
      stat(s.failed || 0, 'failed', s.failed ? 'bad' : ''),
      stat(s.attendees || 0, 'attendees'),
      stat(s.tags || 0, 'matches'),
      stat(money(s.revenue || 0, project.currency), plural(s.paidOrders || 0, 'paid order')));
  };
  ctx.refreshStats = async () => {
    try {
      const p = await get(base);
      Object.assign(project, p);
      paintHead();
    } catch { /* keep the last numbers */ }
  };
  ctx.repaintHead = paintHead;

  const tablist = h('div.tabs', { role: 'tablist', 'aria-label': 'Project sections' });
  const panel = h('div', { role: 'tabpanel', tabindex: '-1' });
  const buttons = TABS.map(([id, label]) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': 'tab-panel', 'aria-selected': 'false', tabindex: '-1' }, label);
    b.addEventListener('click', () => { location.hash = id; });
    b.addEventListener('keydown', (e) => {
      const i = TABS.findIndex((t) => t[0] === id);
      const to = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
      if (to === null) return;
      e.preventDefault();
      const t = TABS[(to + TABS.length) % TABS.length][0];
      location.hash = t;
      document.getElementById(`tab-${t}`).focus();
    });
    return b;
  });
  tablist.append(...buttons);
  panel.id = 'tab-panel';

  // Borderline face matches waiting for a decision are counted on the
  // Matches tab.
  const reviewCount = h('span.count', { hidden: true });
  buttons.find((b) => b.id === 'tab-tags').append(reviewCount);
  ctx.setReviewCount = (n) => {
    reviewCount.hidden = !n;
    replace(reviewCount, String(n), h('span.sr-only', ' to review'));
  };
  get(`${base}/face-reviews`).then((r) => ctx.setReviewCount(r.items.length), () => {});

  let cleanup = null;
  const show = () => {
    const id = TABS.some((t) => t[0] === location.hash.slice(1)) ? location.hash.slice(1) : 'photos';
    buttons.forEach((b) => {
      const on = b.id === `tab-${id}`;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on) b.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    });
    panel.setAttribute('aria-labelledby', `tab-${id}`);
    if (cleanup) cleanup();
    cleanup = null;
    replace(panel);
    const tabs = { photos: photosTab, attendees: peopleTab, packages: packagesTab, orders: ordersTab, tags: tagsTab, settings: settingsTab };
    cleanup = tabs[id](panel, ctx) || null;
  };
  addEventListener('hashchange', show);

  replace(root,
    h('a.back', { href: '/admin' }, '← All projects'),
    h('div.page-head', h('div', titleSlot, metaSlot)),
    statsSlot, tablist, panel);
  paintHead();
  show();
}

/** facesText counts the faces found in a photo, in words. */
function facesText(p) {
  return p.faceCount ? plural(p.faceCount, 'face') : 'No faces';
}

/** facesNote is the face count of an indexed photo, for its caption. */
function facesNote(p) {
  if (!p.facesIndexed) return null;
  return h('span.faces', { title: 'Faces found by face matching' }, facesText(p));
}

function stat(value, label, kind = '') {
  return h('li.stat', { class: kind }, h('b', typeof value === 'number' ? value.toLocaleString() : value), h('span', label));
}

// Photos: the uploader, then the photos with their processing state.
function photosTab(panel) {
  const grid = h('ul.grid#photo-grid', { 'aria-label': 'Photos' });
  const failedSlot = h('div');
  const more = h('button.btn', { type: 'button', hidden: true }, 'Show more photos');
  const countSlot = h('span.muted');
  const tiles = new Map(); // id -> {status, el}
  let photos = [];
  let cursor = '';
  let poll = null;

  // One uploader per page: it keeps working, and keeps its progress,
  // while other tabs are open.
  if (!sharedUploader) sharedUploader = uploader(projectID, { onUploaded: () => afterUpload() });
  const up = sharedUploader;
  afterUpload = () => { refresh(); ctx.refreshStats(); startPolling(); };

  // One source of truth for a photo's state: the server's, except while
  // this page is uploading the file, when the uploader's own state (the
  // one its progress list shows) is newer than the last list read.
  const uploading = () => new Map(up.files().map((f) => [f.id, f]));
  const stateOf = (p, files) => {
    const f = files.get(p.id);
    if (p.status !== 'uploading' || !f) return p.status;
    if (f.status === 'completing' || f.status === 'done') return 'processing';
    if (f.status === 'failed') return 'upload-failed';
    return f.status === 'uploading' ? 'sending' : 'queued';
  };
  const waitingText = (state, f) => ({
    sending: `Uploading ${f?.pct ?? 0}%`,
    queued: 'Waiting to upload',
    'upload-failed': 'Upload failed: retry it above',
    processing: 'Processing…',
  })[state] || 'Waiting for the upload';

  const tile = (p, i, state, f) => {
    const name = p.filename || `Photo ${i + 1}`;
    if (state === 'ready') {
      return h('li.tile', { dataset: { photoId: p.id, status: p.status } },
        thumb(p, name),
        h('button.open', { type: 'button', 'aria-label': `Open ${name}`, onclick: () => openAt(p.id) }),
        h('span.cap', h('span.name', name), facesNote(p)));
    }
    if (state === 'failed') {
      return h('li.tile', { dataset: { photoId: p.id, status: state } },
        h('div.ph.bad', h('strong', 'Could not process'), h('span', p.error || 'Unknown error'), h('span.small', name)));
    }
    return h('li.tile', { dataset: { photoId: p.id, status: state } },
      h('div.ph', h('span.spinner', { 'aria-hidden': 'true' }), h('span.what', waitingText(state, f)), h('span.small', name)));
  };

  const paint = () => {
    const keep = new Set();
    const files = uploading();
    // Files created by this page since the last list read are shown too.
    const listed = new Set(photos.map((p) => p.id));
    const shown = photos.concat([...files.values()].filter((f) => !listed.has(f.id))
      .map((f) => ({ id: f.id, filename: f.name, status: 'uploading' })));
    const els = shown.map((p, i) => {
      keep.add(p.id);
      const known = tiles.get(p.id);
      const state = stateOf(p, files);
      if (known && known.status === state) {
        if (state === 'sending') known.el.querySelector('.what').textContent = waitingText(state, files.get(p.id));
        // Faces are counted after processing: update the caption in place.
        const note = known.el.querySelector('.faces');
        if (p.facesIndexed && note?.textContent !== facesText(p)) {
          if (note) note.remove();
          known.el.querySelector('.cap')?.append(facesNote(p));
        }
        return known.el;
      }
      const el = tile(p, i, state, files.get(p.id));
      tiles.set(p.id, { status: state, el });
      return el;
    });
    for (const id of [...tiles.keys()]) if (!keep.has(id)) tiles.delete(id);
    // Reorder without touching tiles that stay, so images do not reload.
    els.forEach((el, i) => { if (grid.children[i] !== el) grid.insertBefore(el, grid.children[i] || null); });
    while (grid.children.length > els.length) grid.lastElementChild.remove();
    const s = project.stats || {};
    replace(countSlot, s.photos ? plural(s.photos, 'photo') : '');
    more.hidden = !cursor;
    const failed = photos.filter((p) => p.status === 'failed');
    replace(failedSlot, failed.length ? failedList(failed) : null);
    grid.hidden = !shown.length;
    emptyEl.hidden = !!shown.length;
  };

  const failedList = (failed) => h('section.section', { 'aria-labelledby': 'failed-h' },
    h('h3#failed-h', `${plural(failed.length, 'photo')} could not be processed`),
    h('p.muted.small', 'Check the file (is it a real, complete JPEG or PNG?), delete it, and upload it again.'),
    h('table.table', h('thead', h('tr', h('th', 'File'), h('th', 'Reason'), h('th', h('span.sr-only', 'Actions')))),
      h('tbody', failed.map((p) => {
        const b = h('button.btn.small.danger', { type: 'button' }, 'Delete');
        b.addEventListener('click', () => confirmInline(b, 'Delete this file?', 'Delete', async () => {
          await del(`${base}/photos/${encodeURIComponent(p.id)}`);
          photos = photos.filter((x) => x.id !== p.id);
          paint();
          ctx.refreshStats();
        }));
        return h('tr', h('td', { 'data-label': 'File' }, p.filename || p.id), h('td.error-text', { 'data-label': 'Reason' }, p.error || 'Unknown error'), h('td.actions', b));
      }))));

  const emptyEl = empty('No photos yet', 'Drop the event photos above. They are processed in the background: thumbnails, watermarked previews, and face matching.');

  let reads = 0;
  async function refresh() {
    // Re-read the pages loaded so far. Reads can overlap (the poller, an
    // upload finishing): only the latest one is painted.
    const limit = Math.max(200, photos.length);
    const read = ++reads;
    const page = await get(`${base}/photos?limit=${Math.min(500, limit)}`);
    if (read !== reads) return photos;
    photos = page.items;
    cursor = page.nextCursor || '';
    paint();
    return photos;
  }

  // With the built-in face engine (some photos already indexed), ready
  // photos whose faces are not counted yet; a count that stops moving for
  // a minute is left for the next visit.
  let indexed = -1;
  let indexedAt = 0;
  const indexing = () => {
    const n = photos.filter((p) => p.facesIndexed).length;
    if (n !== indexed) { indexed = n; indexedAt = Date.now(); }
    return n > 0 && photos.some((p) => p.status === 'ready' && !p.facesIndexed) && Date.now() - indexedAt < 60000;
  };

  function startPolling() {
    if (poll) return;
    poll = poller(async () => {
      await Promise.all([refresh(), ctx.refreshStats()]);
      const busyNow = photos.some((p) => p.status === 'processing' || p.status === 'uploading') || indexing() || up.dataset.state === 'busy';
      if (!busyNow) { poll = null; announce('All photos are processed.'); }
      return !busyNow;
    }, { every: 1500, max: 6000 });
  }

  more.addEventListener('click', () => busy(more, 'Loading…', async () => {
    const page = await get(`${base}/photos?limit=200&cursor=${encodeURIComponent(cursor)}`);
    photos = photos.concat(page.items);
    cursor = page.nextCursor || '';
    paint();
  }));

  function openAt(id) {
    const ready = photos.filter((p) => p.status === 'ready');
    openViewer(ready, Math.max(0, ready.findIndex((p) => p.id === id)), {
      label: `${project.name}: photos`,
      caption: (p) => p.filename || '',
      remove: {
        label: 'Delete photo', question: 'Delete this photo for everyone, with its matches?', yes: 'Delete', done: 'Photo deleted.',
        run: async (p) => {
          await del(`${base}/photos/${encodeURIComponent(p.id)}`);
          photos = photos.filter((x) => x.id !== p.id);
          ctx.refreshStats();
        },
      },
      onClose: () => paint(),
    });
  }

  replace(panel,
    h('section.section', { 'aria-labelledby': 'upload-h', style: { marginTop: 0 } }, h('h2#upload-h.sr-only', 'Upload photos'), up),
    h('section.section', { 'aria-labelledby': 'photos-h' },
      h('div.section-head', h('h2#photos-h', 'Photos'), countSlot),
      failedSlot, grid, emptyEl, h('p', { style: { textAlign: 'center', marginTop: '1rem' } }, more)));
  grid.hidden = true;
  emptyEl.hidden = true;
  up.addEventListener('change', paint);
  grid.before(h('div.loading#photos-loading', h('span.spinner', { 'aria-hidden': 'true' }), 'Loading photos…'));
  refresh()
    .then(() => {
      panel.querySelector('#photos-loading')?.remove();
      if (photos.some((p) => p.status === 'processing') || indexing()) startPolling();
    })
    .catch((err) => { panel.querySelector('#photos-loading')?.replaceWith(errorBox(err, () => location.reload())); });
  return () => {
    if (poll) poll.stop();
    up.removeEventListener('change', paint);
    afterUpload = () => ctx.refreshStats();
  };
}

// Settings: edit the project, or delete it.
function settingsTab(panel) {
  const save = h('button.btn.primary', { type: 'submit' }, 'Save changes');
  const form = h('form.card.form', { novalidate: true, 'aria-labelledby': 'settings-h' },
    h('h2#settings-h', 'Event details'),
    h('div.form-grid.two', projectFields(project, { full: true })),
    h('p.form-error', { role: 'alert', hidden: true }),
    h('div', save));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const p = await busy(save, 'Saving…', () => patch(base, readProject(form, { full: true })));
      Object.assign(project, p);
      ctx.repaintHead();
      setTitle(project.name);
      toast('Saved.', 'ok');
    } catch (err) {
      showFieldErrors(form, err);
    }
  });

  const confirmName = h('input#delete-confirm', { type: 'text', autocomplete: 'off' });
  const delBtn = h('button.btn.danger.solid', { type: 'submit', disabled: true }, 'Delete this project');
  confirmName.addEventListener('input', () => { delBtn.disabled = confirmName.value.trim() !== project.name; });
  const delForm = h('form.card.form', { 'aria-labelledby': 'danger-h', style: { borderColor: '#f0c4be' } },
    h('h2#danger-h', 'Delete the project'),
    h('p.muted', 'This removes its photos, attendees’ access, matches and orders for good. Stored files are cleaned up in the background.'),
    h('div.field', h('label', { for: 'delete-confirm' }, `Type the project name to confirm: `, h('strong', project.name)), confirmName),
    h('div', delBtn));
  delForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await busy(delBtn, 'Deleting…', () => del(base));
      location.assign('/admin');
    } catch (err) {
      toast(err.message, 'bad');
    }
  });
  replace(panel, h('div.split', form, h('div', faceForm(), delForm)));
}

// Face matching: how similar a face must be to an attendee's selfie for
// the photo to be theirs.
function faceForm() {
  const fmt = (v) => Number(v).toFixed(2);
  const input = h('input#p-threshold', { name: 'faceThreshold', type: 'number', min: '0.30', max: '0.95', step: '0.01', inputmode: 'decimal', value: fmt(threshold(project)) });
  // The slider is a pointer shortcut for the number, which keyboards and
  // screen readers use.
  const slider = h('input.slider', { type: 'range', min: '0.30', max: '0.95', step: '0.01', value: fmt(threshold(project)), tabindex: '-1', 'aria-hidden': 'true' });
  slider.addEventListener('input', () => { input.value = slider.value; });
  input.addEventListener('input', () => { if (input.value !== '' && !isNaN(input.value)) slider.value = input.value; });
  const status = h('p.small.threshold-now');
  const save = h('button.btn.primary', { type: 'submit' }, 'Save');
  const reset = h('button.btn', { type: 'button' }, 'Reset to default');
  const paint = () => {
    const custom = project.faceThreshold != null;
    replace(status, custom ? `Now ${fmt(project.faceThreshold)} for this event.` : `Now the default, ${fmt(DEFAULT_THRESHOLD)}.`);
    reset.disabled = !custom;
  };
  const hintID = 'p-threshold-hint';
  input.setAttribute('aria-describedby', hintID);
  const form = h('form.card.form#face-form', { novalidate: true, 'aria-labelledby': 'face-h' },
    h('h2#face-h', 'Face matching'),
    h('p.muted', 'How alike a face in a photo and an attendee’s selfie must be before the photo is theirs. Near misses wait in Matches for you to decide.'),
    h('div.field',
      h('label', { for: 'p-threshold' }, 'Match threshold'),
      h('div.threshold', input, slider),
      h('p.hint', { id: hintID }, `${fmt(DEFAULT_THRESHOLD)} default — higher means fewer matches and fewer mistakes. From 0.30 to 0.95.`)),
    status,
    h('p.form-error', { role: 'alert', hidden: true, tabindex: '-1' }),
    h('div.row', save, reset));

  const send = async (button, text, value, done) => {
    clearErrors(form);
    try {
      const p = await busy(button, text, () => patch(base, { faceThreshold: value }));
      Object.assign(project, p);
      input.value = slider.value = fmt(threshold(project));
      paint();
      toast(done(), 'ok');
    } catch (err) {
      showFieldErrors(form, err);
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim() === '' ? NaN : Number(input.value);
    if (!Number.isFinite(v)) {
      showFieldErrors(form, { fields: { faceThreshold: 'Enter a number like 0.63, or reset to the default.' } });
      return;
    }
    send(save, 'Saving…', v, () => `Face matching now needs ${fmt(project.faceThreshold ?? DEFAULT_THRESHOLD)} similarity. Matching runs again for everyone with a selfie.`);
  });
  reset.addEventListener('click', async () => {
    await send(reset, 'Resetting…', 0, () => `Back to the default, ${fmt(DEFAULT_THRESHOLD)}.`);
    if (reset.disabled) input.focus();
  });
  paint();
  return form;
}
