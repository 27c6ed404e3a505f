// The full-screen photo viewer: ←/→ and swipe to move, Esc to close, and
// a "not me" action for a wrong match.
import { h, replace, announce, toast } from './dom.js';

/**
 * openViewer shows photos[index]. opts.remove, when given, adds a button
 * that takes the photo out of the list after a confirmation:
 * {label, question, yes, done, run(photo) -> Promise}. opts.caption(photo)
 * returns extra text for the top bar; opts.onClose(index) runs on close.
 */
export function openViewer(photos, index, opts = {}) {
  const opener = document.activeElement;
  let i = index;
  const img = h('img', { alt: '', decoding: 'async' });
  const counter = h('span.counter', { 'aria-live': 'polite' });
  const caption = h('span.small', { style: { opacity: 0.85, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } });
  const prev = h('button.vbtn.nav-btn.prev', { type: 'button', 'aria-label': 'Previous photo', title: 'Previous (←)' }, '‹');
  const next = h('button.vbtn.nav-btn.next', { type: 'button', 'aria-label': 'Next photo', title: 'Next (→)' }, '›');
  const close = h('button.vbtn', { type: 'button', 'aria-label': 'Close the viewer', title: 'Close (Esc)' }, '✕');
  const bottom = h('div.bar.bottom-bar');
  const stage = h('div.stage', img);
  const dialog = h('dialog.viewer', { 'aria-label': opts.label || 'Photo viewer' },
    stage, h('div.bar.top-bar', h('div.titles', counter, caption), close), prev, next, bottom);
  document.body.append(dialog);

  const rm = opts.remove;
  const removeButton = () => {
    if (!rm) return null;
    const b = h('button.vbtn.warn#viewer-remove', { type: 'button' }, rm.label);
    b.addEventListener('click', () => askRemove());
    return b;
  };
  const actions = () => replace(bottom, removeButton());

  function askRemove() {
    const yes = h('button.vbtn.warn', { type: 'button' }, rm.yes);
    const no = h('button.vbtn', { type: 'button' }, 'Cancel');
    replace(bottom, h('div.confirm', { role: 'group', 'aria-label': rm.question },
      h('span', rm.question), yes, no));
    yes.focus();
    no.addEventListener('click', () => { actions(); bottom.querySelector('.warn')?.focus(); });
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await rm.run(photos[i]);
        photos.splice(i, 1);
        announce(rm.done);
        toast(rm.done, 'ok');
        if (!photos.length) { dialog.close(); return; }
        show(Math.min(i, photos.length - 1));
        actions();
      } catch (err) {
        toast(err.message, 'bad');
        actions();
      }
    });
  }

  function show(n) {
    i = (n + photos.length) % photos.length;
    const p = photos[i];
    img.style.transform = '';
    img.src = p.urls.watermarked || p.urls.thumb800;
    if (p.width && p.height) { img.width = p.width; img.height = p.height; }
    img.alt = `Photo ${i + 1} of ${photos.length}`;
    counter.textContent = `${i + 1} / ${photos.length}`;
    caption.textContent = opts.caption ? opts.caption(p) : '';
    prev.hidden = next.hidden = photos.length < 2;
    dialog.dataset.index = String(i);
    dialog.dataset.photoId = p.id;
    for (const k of [i + 1, i - 1]) {
      const q = photos[(k + photos.length) % photos.length];
      if (q && q !== p) new Image().src = q.urls.watermarked || q.urls.thumb800;
    }
  }

  prev.addEventListener('click', () => show(i - 1));
  next.addEventListener('click', () => show(i + 1));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (e) => {
    if (e.target.closest('.confirm') || e.target.closest('input, textarea')) return;
    if (e.key === 'ArrowLeft') { e.preventDefault(); show(i - 1); }
    if (e.key === 'ArrowRight') { e.preventDefault(); show(i + 1); }
  });

  // Swipe: follow the finger, then move on past a threshold.
  let startX = 0;
  let startY = 0;
  let dragging = false;
  stage.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse') return;
    dragging = true;
    startX = e.clientX;
    startY = e.clientY;
  });
  stage.addEventListener('pointermove', (e) => {
    if (!dragging) return;
    const dx = e.clientX - startX;
    if (Math.abs(dx) > Math.abs(e.clientY - startY)) img.style.transform = `translateX(${dx}px)`;
  });
  const end = (e) => {
    if (!dragging) return;
    dragging = false;
    const dx = e.clientX - startX;
    const dy = e.clientY - startY;
    img.style.transform = '';
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) && photos.length > 1) show(dx < 0 ? i + 1 : i - 1);
  };
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', () => { dragging = false; img.style.transform = ''; });

  dialog.addEventListener('close', () => {
    dialog.remove();
    document.documentElement.style.overflow = '';
    if (opts.onClose) opts.onClose(i, photos);
    if (opener && opener.isConnected) opener.focus();
  });

  show(i);
  actions();
  document.documentElement.style.overflow = 'hidden';
  dialog.showModal();
  close.focus();
  return dialog;
}
