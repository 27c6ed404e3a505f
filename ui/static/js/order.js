// An attendee's order: its status (updating by itself), the offline
// payment note, and once paid the downloads, one by one or all in a zip.
import { get, getAll } from './api.js';
import { h, replace, view, loading, errorBox, empty, money, plural, pathID, setTitle, thumb, badge, banner, poller, when, announce } from './dom.js';
import { orderStatus, shortRef } from './sales.js';
import { icon } from './icons.js';
import { stripeCheckout } from './pay.js';

const orderID = pathID('purchases');
const orderURL = `/v1/purchases/${encodeURIComponent(orderID)}`;

export default function orderPage() {
  const root = view();
  const load = async () => {
    replace(root, loading('Loading your order…'));
    try {
      const order = await get(orderURL);
      const [project, photos] = await Promise.all([
        get(`/v1/projects/${encodeURIComponent(order.projectId)}`).catch(() => null),
        getAll(`/v1/projects/${encodeURIComponent(order.projectId)}/my-photos`).catch(() => []),
      ]);
      setTitle(`Order · ${order.packageName}`);
      render(root, order, project, photos);
    } catch (err) {
      if (err.status === 404) {
        replace(root, empty("We couldn't find this order", 'It may belong to another account. Log in with the email you used to buy.', h('a.btn', { href: '/app' }, 'My events')));
        return;
      }
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function render(root, order, project, photos) {
  const byID = new Map(photos.map((p) => [p.id, p]));
  const statusSlot = h('div', { 'aria-live': 'polite' });
  const dlSlot = h('div');
  const params = new URLSearchParams(location.search);
  const backHref = project ? `/app/projects/${encodeURIComponent(project.id)}` : '/app';
  let dlPoll = null;

  const heading = h('h1');
  const paintStatus = () => {
    heading.textContent = order.status === 'paid' ? 'Your photos are ready'
      : params.has('placed') && order.status === 'pending' ? 'Order placed' : 'Your order';
    const st = orderStatus(order);
    const items = [];
    if (order.status === 'pending' && order.payment === 'offline') {
      items.push(banner('warn', 'cash', `Pay ${money(order.amount, order.currency)} to the photographer directly`,
        h('div', h('p', `Online payment is not set up for this event. Pay the photographer in person or as they tell you, and mention order ${shortRef(order.id)}.`),
          h('p', 'Your photos unlock here as soon as they record your payment. This page updates by itself.'))));
    } else if (order.status === 'pending' && order.clientSecret) {
      // The payment still waits for the attendee: resume it here.
      items.push(params.get('redirect_status') === 'failed'
        ? banner('bad', 'alert', 'The payment did not go through', 'Nothing was charged. Try again below, with another card if need be.')
        : banner('info', 'lock', `Finish paying ${money(order.amount, order.currency)}`, 'Your order is saved. Pay below and your photos unlock as soon as the payment goes through.'));
    } else if (order.status === 'pending' && order.paymentError) {
      items.push(banner('bad', 'alert', 'The payment form is not available right now', order.paymentError.message,
        [h('button.btn.small', { type: 'button', onclick: () => location.reload() }, 'Try again')]));
    } else if (order.status === 'pending') {
      const failed = params.get('redirect_status') === 'failed';
      items.push(failed
        ? banner('bad', 'alert', 'The payment did not go through', 'Nothing was charged. You can try again with another card.', [h('a.btn.small', { href: backHref }, 'Try again')])
        : banner('info', 'clock', 'Confirming your payment…', 'This usually takes a few seconds. This page updates by itself.'));
    } else if (order.status === 'failed') {
      items.push(banner('bad', 'alert', 'The payment did not go through',
        (order.failureReason ? order.failureReason + ' ' : '') + 'Nothing was charged. You can try again.',
        [h('a.btn.small.primary', { href: backHref }, 'Try again')]));
    } else if (order.status === 'paid') {
      items.push(banner('ok', 'sparkle', 'Paid, thank you!', `Your full-resolution photos are below${order.paidAt ? ` (paid ${when(order.paidAt)})` : ''}.`));
    }
    replace(statusSlot,
      ...items,
      h('dl.summary.card',
        h('div', h('dt', 'Status'), h('dd', badge(st.label, st.kind))),
        h('div', h('dt', 'Package'), h('dd', order.packageName)),
        h('div', h('dt', 'Photos'), h('dd', order.photoIds?.length ? plural(order.photoIds.length, 'photo') : 'All your photos')),
        h('div', h('dt', 'Ordered'), h('dd', when(order.createdAt))),
        h('div', h('dt', 'Reference'), h('dd', shortRef(order.id))),
        h('div.total', h('dt', 'Total'), h('dd', money(order.amount, order.currency)))));
  };

  const paySlot = h('div', { style: { marginTop: '1rem' } });
  replace(root,
    h('a.back', { href: backHref }, `← ${project ? project.name : 'My events'}`),
    heading,
    statusSlot, paySlot, dlSlot);
  paintStatus();
  if (order.status === 'pending' && order.clientSecret) {
    stripeCheckout(paySlot, order, { fallback: false });
    return; // nothing changes until the attendee pays: the page reloads then
  }

  const startDownloads = () => {
    if (dlPoll) return;
    let last = null;
    dlPoll = poller(async () => {
      const d = await get(`${orderURL}/downloads`);
      paintDownloads(dlSlot, d, byID, last);
      last = d;
      if ((d.archive && !d.pending) || (!d.items.length && !d.pending)) {
        // Everything is ready: renew the links before they expire.
        setTimeout(() => { dlPoll = null; startDownloads(); }, 10 * 60 * 1000);
        return true;
      }
      return false;
    }, { every: 1500, max: 5000, grow: 1.25 });
    dlPoll.now();
  };

  if (order.status === 'paid') startDownloads();
  else if (order.status === 'pending') {
    const p = poller(async () => {
      const o = await get(orderURL);
      if (o.status === order.status) return false;
      Object.assign(order, o);
      paintStatus();
      if (o.status === 'paid') {
        announce('Payment received. Your photos are ready to download.');
        startDownloads();
      }
      return true;
    }, { every: 2000, max: 10000 });
    addEventListener('pagehide', () => p.stop());
  }
}

function paintDownloads(slot, d, byID, last) {
  const total = d.items.length + (d.pending || 0);
  const ready = d.items.length;
  const archive = d.archive;
  const changed = !last || last.items.length !== ready || !!last.archive !== !!archive;
  if (!changed && slot.firstChild) {
    // Refresh the links only (they expire after a while).
    for (const it of d.items) {
      const a = slot.querySelector(`a[data-photo-id="${CSS.escape(it.photoId)}"]`);
      if (a) a.href = it.url;
    }
    const all = slot.querySelector('#download-all');
    if (all && archive) all.href = archive.url;
    return;
  }
  if (!total) {
    replace(slot, empty('No files in this order', 'The photos in this order are no longer available. Contact the photographer.'));
    return;
  }
  const pct = Math.round((ready / total) * 100);
  const allBox = archive
    ? h('div.dl-all',
      h('a.btn.primary.block#download-all', { href: archive.url, download: 'photos.zip' }, icon('download', 20), archive.photoCount > 1 ? `Download all ${archive.photoCount} photos (zip)` : 'Download as a zip file'),
      h('p.small.muted', 'Links work for 15 minutes; this page renews them.'))
    : h('div.dl-all', { role: 'status' },
      h('p', h('strong', ready < total ? `Preparing your photos… ${ready} of ${total} ready` : 'Packing your zip file…')),
      h('div.progress', h('span', { style: { width: `${ready < total ? pct : 100}%` } })),
      h('p.small.muted', 'Full-resolution files without location data. Each photo can be downloaded as soon as it is ready.'));
  if (archive && last && !last.archive) announce('Your zip file is ready to download.');
  const tiles = d.items.map((it, i) => {
    const p = byID.get(it.photoId);
    return h('li.dl-item',
      p && p.urls?.thumb400 ? thumb(p, `Photo ${i + 1}`, '(min-width: 900px) 25vw, (min-width: 600px) 33vw, 50vw') : h('div.ph', 'Photo'),
      h('a.btn.small', { href: it.url, download: `photo-${i + 1}.jpg`, dataset: { photoId: it.photoId }, 'aria-label': `Download photo ${i + 1}` }, icon('download', 18), 'Download'));
  });
  for (let i = 0; i < (d.pending || 0); i++) {
    tiles.push(h('li.dl-item', h('div.ph', h('span.spinner', { 'aria-hidden': 'true' }), 'Preparing…')));
  }
  replace(slot, h('section.section', { 'aria-labelledby': 'dl-h' },
    h('div.section-head', h('h2#dl-h', 'Downloads'), h('span.muted', plural(total, 'photo'))),
    allBox,
    h('ul.dl-list#downloads', tiles)));
}
