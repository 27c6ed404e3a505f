// Checkout: choose the photos a package holds, then pay with Stripe's
// Payment Element, or learn how to pay the photographer directly.
import { get, getAll, post } from './api.js';
import { h, replace, view, loading, errorBox, empty, money, plural, pathID, setTitle, thumb, badge, busy, banner } from './dom.js';
import { packageText } from './sales.js';
import { stripeCheckout, paymentNote } from './pay.js';

const projectID = pathID('projects');
const packageID = pathID('buy');
const base = `/v1/projects/${encodeURIComponent(projectID)}`;
const back = `/app/projects/${encodeURIComponent(projectID)}`;

let root;

export default function buy() {
  root = view();
  const load = async () => {
    replace(root, loading());
    try {
      const [project, packages, photos, config] = await Promise.all([get(base), get(`${base}/packages`), getAll(`${base}/my-photos`),
        get('/v1/config').catch(() => null)]);
      setTitle(`Checkout · ${project.name}`);
      const pkg = packages.items.find((p) => p.id === packageID);
      if (!pkg) {
        replace(root, empty('This package is no longer on sale', 'The photographer may have changed the prices. Have a look at what is on offer now.',
          h('a.btn.primary', { href: back }, 'Back to my photos')));
        return;
      }
      if (pkg.kind === 'all') return review({ project, pkg, photos, config, chosen: [] });
      choose({ project, pkg, photos, config });
    } catch (err) {
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function header(s, title) {
  return [h('a.back', { href: back }, `← ${s.project.name}`), h('h1', { tabindex: '-1' }, title)];
}

// Step 1 (single and bundle): choose exactly photoCount photos.
function choose(s, preset = []) {
  const need = s.pkg.photoCount;
  if (!s.photos.length) {
    replace(root, ...header(s, s.pkg.name), empty('No photos to choose from yet', 'Once we find you in the event photos, you can choose them here.', h('a.btn', { href: back }, 'Back')));
    return;
  }
  const single = need === 1;
  const chosen = new Set(preset);
  const count = h('span', { 'aria-live': 'polite' });
  // Why Continue cannot be pressed yet, or how to change a full choice.
  const why = h('div.small#continue-why', { 'aria-live': 'polite' });
  const next = h('button.btn.primary#continue', { type: 'button', 'aria-describedby': 'continue-why' }, 'Continue');
  const inputs = [];
  const update = () => {
    count.textContent = single
      ? (chosen.size ? 'Photo chosen' : 'Choose your photo')
      : `${chosen.size} of ${need} chosen`;
    next.disabled = chosen.size !== need;
    const left = need - chosen.size;
    why.textContent = left > 0
      ? (single ? 'Tap a photo to choose it, then continue.' : `Choose ${plural(left, 'more photo')} to continue.`)
      : single ? 'Tap another photo to choose it instead.' : 'To swap a photo, tap a chosen one to remove it first.';
    why.className = 'small' + (left > 0 ? ' why-not' : ' muted');
    for (const i of inputs) {
      if (!single) i.disabled = !i.checked && chosen.size >= need;
      i.closest('li').classList.toggle('chosen', i.checked);
    }
  };
  const grid = h('ul.grid#choose-photos', { 'aria-label': single ? 'Choose one photo' : `Choose ${need} photos` },
    s.photos.map((p, i) => {
      const input = h('input', {
        type: single ? 'radio' : 'checkbox', name: 'photo', value: p.id,
        'aria-label': `Photo ${i + 1}${p.purchased ? ' (already bought)' : ''}`,
        checked: chosen.has(p.id),
      });
      input.addEventListener('change', () => {
        if (single) chosen.clear();
        if (input.checked) chosen.add(p.id); else chosen.delete(p.id);
        update();
      });
      inputs.push(input);
      return h('li.tile.pick', { dataset: { photoId: p.id } }, input, thumb(p, ''), h('span.tick', { 'aria-hidden': 'true' }),
        p.purchased ? h('span.tag', badge('Bought', 'ok')) : null);
    }));
  next.addEventListener('click', () => review({ ...s, chosen: s.photos.filter((p) => chosen.has(p.id)) }));
  replace(root, ...header(s, single ? 'Choose your photo' : `Choose ${need} photos`),
    h('p.muted', `${s.pkg.name}: ${packageText(s.pkg)} for ${money(s.pkg.priceCents, s.pkg.currency)}${!s.config ? '' : online(s) ? ', paid online' : ', paid to the photographer'}. Tap a photo to choose it.`),
    grid,
    h('div.actionbar', h('div.grow', h('strong', count), h('div.small.muted', money(s.pkg.priceCents, s.pkg.currency)), why), next));
  update();
  root.querySelector('h1').focus();
}

// Step 2: review, create the order, then pay.
function review(s) {
  const n = s.pkg.kind === 'all' ? s.photos.length : s.chosen.length;
  const pay = h('button.btn.primary.block#place-order', { type: 'button' }, online(s) ? 'Continue to payment' : 'Place my order');
  const errSlot = h('div', { role: 'alert' });
  const payment = h('div');
  const thumbs = s.chosen.length
    ? h('ul.grid', { 'aria-label': 'Your choice', style: { marginBottom: '1rem' } }, s.chosen.map((p, i) => h('li.tile', thumb(p, `Chosen photo ${i + 1}`))))
    : null;
  pay.addEventListener('click', () => busy(pay, 'Creating your order…', async () => {
    replace(errSlot);
    try {
      const order = await post('/v1/purchases', {
        projectId: s.project.id, packageId: s.pkg.id,
        photoIds: s.pkg.kind === 'all' ? undefined : s.chosen.map((p) => p.id),
      });
      if (order.payment === 'offline' || !order.clientSecret) {
        location.assign(`/app/purchases/${encodeURIComponent(order.id)}?placed=1`);
        return;
      }
      pay.remove();
      replace(root.querySelector('#payment-mode'));
      await stripeCheckout(payment, order);
    } catch (err) {
      const title = err.status === 402 ? 'Your card was declined'
        : err.status === 503 ? 'Payments are unavailable right now' : 'We could not create your order';
      replace(errSlot, banner('bad', 'alert', title, err.message));
    }
  }));
  replace(root, ...header(s, 'Checkout'),
    h('section.card.checkout',
      h('h2', 'Your order'),
      thumbs,
      h('dl.summary',
        h('div', h('dt', 'Package'), h('dd', s.pkg.name)),
        h('div', h('dt', 'Photos'), h('dd', plural(n, 'photo'))),
        h('div', h('dt', 'Format'), h('dd', 'Full resolution, no watermark')),
        h('div.total', h('dt', 'Total'), h('dd', money(s.pkg.priceCents, s.pkg.currency)))),
      h('div#payment-mode', { dataset: { mode: online(s) ? 'stripe' : 'offline' } }, paymentNote(s.config, money(s.pkg.priceCents, s.pkg.currency))),
      errSlot, payment, pay,
      s.pkg.kind !== 'all' ? h('button.btn.ghost.block', { type: 'button', style: { marginTop: '.5rem' }, onclick: () => choose(s, s.chosen.map((p) => p.id)) }, 'Change my choice') : null));
  root.querySelector('h1').focus();
}

// online reports whether the order will be paid online at checkout.
function online(s) { return s.config?.payments === 'stripe'; }
