// Consent and selfie: agree to face matching, take a selfie with the phone's
// camera (a live preview where the browser allows it, else the camera app
// through the file input), upload it and follow the check.
import { get, post, del, me, putFile } from './api.js';
import { h, replace, view, loading, errorBox, banner, busy, announce, toast, poller, confirmInline } from './dom.js';
import { loadSelfie } from './selfiestate.js';
import { icon } from './icons.js';

let root;
let user;
let stream = null;
let statusPoll = null;

export default async function selfiePage() {
  root = view();
  addEventListener('pagehide', stopCamera);
  const load = async () => {
    replace(root, loading());
    try {
      const [u, selfie] = await Promise.all([me(), loadSelfie()]);
      user = u;
      if (user.role === 'operator') {
        replace(root, banner('info', 'info', 'Selfies are for attendees', 'You are logged in as a photographer.', [h('a.btn.small', { href: '/admin' }, 'Go to your projects')]));
        return;
      }
      if (!user.consentAt) return consentStep();
      if (!selfie || selfie.status === 'rejected') return captureStep(selfie);
      return statusStep(selfie);
    } catch (err) {
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function steps(current) {
  const names = ['Agree', 'Selfie', 'Photos'];
  return h('ol.steps', { 'aria-label': 'Progress' }, names.map((n, i) =>
    h('li', { class: i < current ? 'done' : '', 'aria-current': i === current ? 'step' : null }, `${i + 1}. ${n}`)));
}

function welcome() {
  if (!new URLSearchParams(location.search).has('welcome')) return null;
  return banner('ok', 'sparkle', 'Your account is ready', 'Two quick steps and you will see your photos.');
}

function head(title, lead) {
  return [h('h1', { tabindex: '-1' }, title), lead ? h('p.muted', lead) : null];
}

function focusHeading() { root.querySelector('h1')?.focus(); }

// Step 1: explicit consent to face matching, in the server's own words.
function consentStep() {
  const box = h('input#consent', { type: 'checkbox', name: 'faceMatching', required: true });
  const err = h('p.form-error', { role: 'alert', hidden: true });
  const button = h('button.btn.primary.block', { type: 'submit' }, 'Agree and continue');
  const form = h('form.form', { novalidate: true },
    h('div.consent', h('label.check', { for: 'consent' }, box, h('span', user.consentWording))),
    err, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!box.checked) {
      err.textContent = 'Tick the box to agree, or come back later: nothing is matched without your agreement.';
      err.hidden = false;
      box.focus();
      return;
    }
    try {
      await busy(button, 'Saving…', () => post('/v1/me/consent', { faceMatching: true }));
      user.consentAt = new Date().toISOString();
      announce('Thanks. Now take your selfie.');
      captureStep(null);
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
    }
  });
  replace(root, h('section.card', welcome(), steps(0),
    ...head('Find your photos with your face', 'We compare one selfie with the event photos to find the ones you are in.'),
    h('ul.tips', h('li', 'Only you see the photos you are in.'), h('li', 'Your selfie is used for this and nothing else.'),
      h('li', 'You can delete your selfie and face data at any time.')),
    h('div', { style: { marginTop: '1rem' } }, form)));
  focusHeading();
}

// Step 2: take or choose the selfie, check it, upload it.
function captureStep(previous) {
  stopCamera();
  const stage = h('div.selfie-stage', { 'aria-live': 'polite' });
  const actions = h('div.selfie-actions');
  const status = h('p.muted.small', { role: 'status', style: { textAlign: 'center', minHeight: '1.5em', margin: '.75rem 0 0' } });
  const fileInput = h('input#selfie-file.sr-only', { type: 'file', accept: 'image/*', capture: 'user', name: 'selfie' });
  let picked = null; // { blob, url }

  const placeholder = () => replace(stage, h('div', { style: { textAlign: 'center', padding: '1rem' } },
    icon('smile', 56), h('p', 'Your selfie appears here')));

  const chooseButtons = () => {
    const list = [];
    if (navigator.mediaDevices?.getUserMedia) {
      list.push(h('button.btn.primary.block', { type: 'button', onclick: openCamera }, icon('camera', 20), 'Open the camera'));
    }
    list.push(h('label.btn.block', { for: 'selfie-file', class: list.length ? '' : 'primary' },
      list.length ? 'Choose a photo instead' : [icon('camera', 20), 'Take or choose a photo']));
    replace(actions, ...list, fileInput);
  };

  const showPicked = (p) => {
    if (picked) URL.revokeObjectURL(picked.url);
    picked = p;
    replace(stage, h('img', { src: p.url, alt: 'Your selfie', width: 300, height: 400 }));
    const use = h('button.btn.primary.block#use-selfie', { type: 'button', onclick: () => upload(use) }, 'Use this photo');
    replace(actions,
      use,
      h('button.btn.block', { type: 'button', onclick: () => { stopCamera(); placeholder(); chooseButtons(); status.textContent = ''; } }, 'Retake'),
      fileInput);
    status.textContent = 'Looks good? Make sure your whole face is visible and sharp.';
    use.focus();
  };

  async function openCamera() {
    status.textContent = 'Starting the camera…';
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 1280 } }, audio: false });
    } catch (e) {
      stream = null;
      status.textContent = e.name === 'NotAllowedError'
        ? 'The camera is blocked. Allow it in your browser settings, or take a photo with the button below.'
        : 'We could not start the camera. Take or choose a photo with the button below.';
      return;
    }
    const video = h('video.mirror', { autoplay: true, muted: true, playsinline: true, 'aria-label': 'Camera preview' });
    video.srcObject = stream;
    replace(stage, video, h('div.oval', { 'aria-hidden': 'true' }));
    const snap = h('button.btn.primary.block', { type: 'button' }, 'Take the selfie');
    snap.addEventListener('click', async () => {
      const blob = await frameToJPEG(video);
      stopCamera();
      if (blob) showPicked({ blob, url: URL.createObjectURL(blob) });
    });
    replace(actions, snap, h('button.btn.block', { type: 'button', onclick: () => { stopCamera(); placeholder(); chooseButtons(); status.textContent = ''; } }, 'Cancel'), fileInput);
    status.textContent = 'Center your face in the oval, in good light, then take the selfie.';
    snap.focus();
  }

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    stopCamera();
    status.textContent = 'Preparing your photo…';
    try {
      const blob = await prepare(file);
      showPicked({ blob, url: URL.createObjectURL(blob) });
    } catch (e) {
      status.textContent = e.message;
      placeholder();
      chooseButtons();
    }
  });

  async function upload(button) {
    const blob = picked.blob;
    await busy(button, 'Uploading…', async () => {
      try {
        status.textContent = 'Uploading your selfie…';
        const created = await post('/v1/selfies', { contentType: blob.type, size: blob.size });
        await putFile(created.upload, blob, {
          onProgress: (done, total) => { status.textContent = `Uploading your selfie… ${Math.round((done / total) * 100)}%`; },
        });
        await post(`/v1/selfies/${encodeURIComponent(created.id)}/complete`);
        announce('Selfie uploaded. Checking it now.');
        statusStep({ status: 'pending' });
      } catch (e) {
        if (e.code === 'consent_required') return consentStep();
        status.textContent = '';
        toast(`${e.message} Your selfie was not sent; try again.`, 'bad');
      }
    });
  }

  replace(root, h('section.card',
    steps(1),
    ...head(previous ? 'Try another selfie' : 'Take a selfie', 'Face the camera in good light, on your own, without sunglasses.'),
    previous && previous.status === 'rejected'
      ? banner('bad', 'eyeoff', "That selfie didn't work", previous.rejectionText || 'We could not use that picture.')
      : null,
    stage, status, actions,
    h('p.small.muted', { style: { textAlign: 'center', marginTop: '1rem' } }, 'Your selfie is only used to find your photos. You can delete it at any time.')));
  placeholder();
  chooseButtons();
  focusHeading();
}

// Step 3: the check and the match.
function statusStep(selfie) {
  stopCamera();
  if (statusPoll) statusPoll.stop();
  const slot = h('div', { 'aria-live': 'polite' });
  const privacy = h('section.section',
    h('h2', 'Your face data'),
    h('p.muted', 'Delete your selfie and stop face matching whenever you like. Photos found so far disappear from your list; you can take a new selfie later.'));
  const delBtn = h('button.btn.danger', { type: 'button' }, 'Delete my selfie and face data');
  delBtn.addEventListener('click', () => confirmInline(delBtn, 'Delete your selfie, face data and matches?', 'Delete', async () => {
    await del('/v1/me/consent');
    user.consentAt = null;
    toast('Your selfie and face data are deleted.', 'ok');
    consentStep();
  }));
  privacy.append(delBtn);

  const render = async (s) => {
    if (s.status === 'approved') {
      const projects = (await get('/v1/projects').catch(() => ({ items: [] }))).items;
      const target = projects.length === 1 ? `/app/projects/${encodeURIComponent(projects[0].id)}` : '/app';
      const h1 = root.querySelector('h1');
      if (h1) h1.textContent = "You're all set";
      replace(slot,
        h('div', { style: { textAlign: 'center' } },
          h('div.big-icon.ok', icon('sparkle', 48)),
          h('p.muted', 'Your selfie is approved. Your photos are on the event page, and new ones appear as the photographer adds them.'),
          h('a.btn.primary.block#see-photos', { href: target }, 'See my photos'),
          h('button.btn.block', { type: 'button', style: { marginTop: '.6rem' }, onclick: () => captureStep(null) }, 'Take a new selfie')));
      announce('Your selfie is approved.');
      return true;
    }
    if (s.status === 'rejected') {
      captureStep(s);
      announce(`Your selfie didn't work. ${s.rejectionText || ''}`);
      return true;
    }
    replace(slot, h('div', { style: { textAlign: 'center' } },
      h('div.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), 'Checking your selfie…'),
      h('div.progress.indeterminate', h('span')),
      h('p.muted', { style: { marginTop: '1rem' } }, s.matching === false
        ? 'Face matching is not switched on yet. Your photos will appear as soon as the photographer turns it on. You can leave this page.'
        : 'This usually takes a few seconds. You can leave this page; we will keep looking.')));
    return false;
  };

  replace(root, h('section.card', steps(2), ...head('Finding your photos'), slot), privacy);
  focusHeading();
  render(selfie).then((done) => {
    if (done) return;
    statusPoll = poller(async () => {
      const s = await loadSelfie();
      return s ? render(s) : false;
    }, { every: 1500, max: 8000 });
  });
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
}

// frameToJPEG captures the video's current frame, un-mirrored.
async function frameToJPEG(video) {
  const w = video.videoWidth;
  const hgt = video.videoHeight;
  if (!w || !hgt) return null;
  const c = document.createElement('canvas');
  const scale = Math.min(1, 1600 / Math.max(w, hgt));
  c.width = Math.round(w * scale);
  c.height = Math.round(hgt * scale);
  c.getContext('2d').drawImage(video, 0, 0, c.width, c.height);
  return new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', 0.92));
}

// prepare turns any picture the browser can read into an upright JPEG of
// at most 1600 px; a JPEG or PNG it cannot decode goes as it is.
async function prepare(file) {
  if (!file.type.startsWith('image/') && file.type !== '') throw new Error('That file is not a picture. Choose a photo.');
  try {
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
    const c = document.createElement('canvas');
    c.width = Math.round(bmp.width * scale);
    c.height = Math.round(bmp.height * scale);
    c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
    bmp.close?.();
    const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', 0.92));
    if (blob) return blob;
  } catch (e) {
    // Fall through: send the original if the server accepts its type.
  }
  if (file.type === 'image/jpeg' || file.type === 'image/png') return file;
  throw new Error('This picture format is not supported. Take the selfie with the camera, or choose a JPEG or PNG photo.');
}
