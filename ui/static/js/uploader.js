// The photo uploader: drop or pick many files (folders too); they are
// announced in batches of up to 200, sent straight to storage by a few
// parallel PUTs with per-file and overall progress, then completed. Failed
// files can be retried one by one or all at once.
import { post, putFile } from './api.js';
import { h, bytes, plural, announce } from './dom.js';
import { icon } from './icons.js';

const BATCH = 200;
const PARALLEL = 4;
const TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };

/**
 * uploader returns the uploader element for a project. onUploaded runs
 * (at most every second or so) after files are completed. The element's
 * files() lists the files this page is uploading with their state, and it
 * fires "change" whenever one changes: the photo grid shows these files
 * from the same state as the progress list, so the two always agree.
 */
export function uploader(projectID, { onUploaded } = {}) {
  const base = `/v1/projects/${encodeURIComponent(projectID)}/photos`;
  const items = [];
  let workers = 0;
  let creating = null;
  let notifyTimer = 0;

  const input = h('input#photo-files', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,.jpg,.jpeg,.png', 'aria-describedby': 'drop-hint' });
  const zone = h('label.dropzone', { for: 'photo-files' },
    h('span.big-icon', icon('upload', 32)),
    h('span.big', 'Drop photos here, or choose files'),
    h('span.hint#drop-hint', 'JPEG or PNG, as many as you like. Folders work too.'),
    input);
  const bar = h('span');
  const summaryText = h('strong');
  const detail = h('span.small.muted');
  const retryAll = h('button.btn.small', { type: 'button', hidden: true }, 'Retry failed');
  const clearDone = h('button.btn.small.ghost', { type: 'button', hidden: true }, 'Clear the list');
  const summary = h('div.upl-summary', { hidden: true, role: 'group', 'aria-label': 'Upload progress' },
    h('div.row', h('span', { 'aria-live': 'polite' }, summaryText), h('span.row', retryAll, clearDone)),
    h('div.progress', { role: 'progressbar', 'aria-label': 'All files', 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar),
    detail);
  const list = h('ul.upl-list#upload-list', { hidden: true, 'aria-label': 'Files' });
  const el = h('div.uploader', zone, summary, list);
  // The files the server knows (they have an id), in the order it lists them.
  el.files = () => items.filter((x) => x.id).map((x) => ({
    id: x.id, name: x.file.name, status: x.status,
    pct: x.file.size ? Math.round((x.loaded / x.file.size) * 100) : 0,
  })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    add(await droppedFiles(e.dataTransfer));
  });
  retryAll.addEventListener('click', () => items.filter((it) => it.status === 'failed').forEach(retry));
  clearDone.addEventListener('click', () => {
    for (let i = items.length - 1; i >= 0; i--) {
      if (['done', 'skipped'].includes(items[i].status)) { items[i].row.remove(); items.splice(i, 1); }
    }
    paint();
  });
  addEventListener('beforeunload', (e) => {
    if (items.some((it) => ['queued', 'creating', 'ready', 'uploading', 'completing'].includes(it.status))) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  function add(files) {
    if (!files.length) return;
    for (const file of files) {
      const type = contentType(file);
      const it = { file, type, loaded: 0, status: type ? 'queued' : 'skipped', error: type ? '' : 'Not a JPEG or PNG photo.' };
      it.bar = h('span');
      it.state = h('span.small.muted');
      it.why = h('span.why', { hidden: true });
      it.retry = h('button.btn.small', { type: 'button', hidden: true, onclick: () => retry(it) }, 'Retry');
      it.row = h('li', { dataset: { status: it.status } },
        h('span.name', { title: file.name }, file.name),
        h('span.row', it.state, it.retry),
        h('div.progress', it.bar), it.why);
      items.push(it);
      list.append(it.row);
      paintItem(it);
    }
    list.hidden = summary.hidden = false;
    paint();
    announce(`${plural(files.length, 'file')} added to the upload.`);
    kick();
  }

  function kick() {
    while (workers < PARALLEL && items.some((it) => it.status === 'queued' || it.status === 'ready')) {
      workers++;
      work().finally(() => { workers--; paint(); });
    }
  }

  async function work() {
    for (;;) {
      const it = items.find((x) => x.status === 'ready');
      if (it) { await send(it); continue; }
      if (creating) { await creating; continue; }
      if (!items.some((x) => x.status === 'queued')) return;
      creating = createBatch().finally(() => { creating = null; });
      await creating;
    }
  }

  // createBatch announces up to 200 files and gets their upload URLs.
  async function createBatch() {
    const batch = items.filter((x) => x.status === 'queued').slice(0, BATCH);
    batch.forEach((x) => setStatus(x, 'creating'));
    try {
      const out = await post(base, { files: batch.map((x) => ({ filename: x.file.name, contentType: x.type, size: x.file.size })) });
      out.items.forEach((r, i) => { batch[i].id = r.id; batch[i].upload = r.upload; setStatus(batch[i], 'ready'); });
    } catch (err) {
      const bad = Object.keys(err.fields || {}).map((k) => /^files\[(\d+)\]$/.exec(k)).filter(Boolean);
      if (err.status === 400 && bad.length) {
        // Drop the refused files, send the rest again.
        for (const m of bad) fail(batch[+m[1]], err.fields[m[0]], false);
        batch.forEach((x) => { if (x.status === 'creating') setStatus(x, 'queued'); });
      } else {
        batch.forEach((x) => fail(x, err.message, true));
      }
    }
  }

  async function send(it) {
    if (new Date(it.upload.expiresAt).getTime() - Date.now() < 60_000) {
      // The link ran out while the file waited its turn: ask for a new one.
      it.id = it.upload = undefined;
      setStatus(it, 'queued');
      return;
    }
    setStatus(it, 'uploading');
    try {
      // A dropped connection or a storage hiccup gets one more try at once.
      for (let attempt = 1; ; attempt++) {
        try {
          await putFile(it.upload, it.file, { onProgress: (done) => { it.loaded = done; paintItem(it); paintSoon(); } });
          break;
        } catch (err) {
          // Upload URLs write once: 412 means an earlier try got through.
          if (err.status === 412) break;
          if (attempt >= 2 || !(err.status === 0 || err.status >= 500)) throw err;
          it.loaded = 0;
          paintItem(it);
          await new Promise((r) => setTimeout(r, 800));
        }
      }
      it.loaded = it.file.size;
      setStatus(it, 'completing');
      await post(`${base}/${encodeURIComponent(it.id)}/complete`);
      setStatus(it, 'done');
      notify();
    } catch (err) {
      it.loaded = 0;
      fail(it, err.message, true);
    }
  }

  function fail(it, why, retryable) {
    it.error = why;
    it.retryable = retryable;
    setStatus(it, 'failed');
  }

  function retry(it) {
    if (it.status !== 'failed') return;
    it.error = '';
    const fresh = it.upload && new Date(it.upload.expiresAt).getTime() - Date.now() > 60_000;
    if (!fresh) { it.id = undefined; it.upload = undefined; }
    setStatus(it, it.upload ? 'ready' : 'queued');
    kick();
  }

  function setStatus(it, status) {
    it.status = status;
    it.row.dataset.status = status;
    paintItem(it);
    paintSoon();
  }

  const label = { queued: 'Waiting', creating: 'Preparing', ready: 'Waiting', uploading: '', completing: 'Finishing', done: 'Uploaded', failed: 'Failed', skipped: 'Skipped' };
  function paintItem(it) {
    const pct = it.file.size ? Math.round((it.loaded / it.file.size) * 100) : 0;
    it.bar.style.width = `${it.status === 'done' ? 100 : pct}%`;
    it.bar.parentElement.className = 'progress' + (it.status === 'done' ? ' ok' : it.status === 'failed' ? ' bad' : '');
    it.state.textContent = it.status === 'uploading' ? `${pct}% of ${bytes(it.file.size)}` : label[it.status];
    it.why.textContent = it.error;
    it.why.hidden = !it.error;
    it.retry.hidden = !(it.status === 'failed' && it.retryable !== false);
  }

  let paintQueued = false;
  function paintSoon() {
    if (paintQueued) return;
    paintQueued = true;
    requestAnimationFrame(() => { paintQueued = false; paint(); });
  }

  function paint() {
    const live = items.filter((x) => x.status !== 'skipped');
    const total = live.reduce((s, x) => s + x.file.size, 0);
    const sent = live.reduce((s, x) => s + (x.status === 'done' ? x.file.size : x.loaded), 0);
    const done = live.filter((x) => x.status === 'done').length;
    const failed = items.filter((x) => x.status === 'failed').length;
    const skipped = items.filter((x) => x.status === 'skipped').length;
    const active = live.length - done - failed;
    const pct = total ? Math.round((sent / total) * 100) : 0;
    bar.style.width = `${pct}%`;
    bar.parentElement.setAttribute('aria-valuenow', String(pct));
    bar.parentElement.className = 'progress' + (active === 0 && failed === 0 && live.length ? ' ok' : '');
    summaryText.textContent = active > 0
      ? `Uploading ${done} of ${live.length}…`
      : failed ? `${plural(done, 'photo')} uploaded, ${failed} failed` : `${plural(done, 'photo')} uploaded`;
    el.dataset.state = active > 0 ? 'busy' : failed ? 'failed' : 'done';
    const parts = [`${bytes(sent)} of ${bytes(total)}`];
    if (skipped) parts.push(`${plural(skipped, 'file')} skipped (not JPEG or PNG)`);
    if (active === 0 && done) parts.push('Thumbnails and face matching follow in the background.');
    detail.textContent = parts.join(' · ');
    retryAll.hidden = !items.some((x) => x.status === 'failed' && x.retryable !== false);
    clearDone.hidden = active > 0 || !items.length;
    // Once everything is through, the per-file list has done its job.
    list.hidden = !items.length || (active === 0 && failed === 0);
    summary.hidden = !items.length;
    el.dispatchEvent(new Event('change'));
  }

  function notify() {
    if (notifyTimer) return;
    notifyTimer = setTimeout(() => { notifyTimer = 0; onUploaded?.(); }, 800);
  }

  return el;
}

function contentType(file) {
  if (file.type === 'image/jpeg' || file.type === 'image/png') return file.type;
  if (file.type && file.type !== 'application/octet-stream') return '';
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return TYPES[ext] || '';
}

// droppedFiles reads the files of a drop, walking dropped folders.
async function droppedFiles(dt) {
  const entries = [...(dt.items || [])].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...(dt.files || [])];
  const out = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) {
    try { await walk(e); } catch { /* unreadable entry: skip it */ }
  }
  return out.filter((f) => !f.name.startsWith('.'));
}
