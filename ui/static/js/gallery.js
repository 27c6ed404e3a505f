// The attendee's event page: the photos they are in, the viewer, packages
// to buy and their orders.
import { get, getAll, del, me } from './api.js';
import { h, replace, view, loading, errorBox, empty, day, money, plural, pathID, setTitle, thumb, badge, banner, poller, when, announce } from './dom.js';
import { loadSelfie, selfieBanner } from './selfiestate.js';
import { openViewer } from './viewer.js';
import { packageText, orderStatus } from './sales.js';

const projectID = pathID('projects');
const base = `/v1/projects/${encodeURIComponent(projectID)}`;

export default function gallery() {
  const root = view();
  const load = async () => {
    replace(root, loading('Loading your photos…'));
    try {
      const [project, user, selfie, photos, packages, orders] = await Promise.all([
        get(base), me(), loadSelfie(), getAll(`${base}/my-photos`), get(`${base}/packages`), get(`${base}/my-purchases`),
      ]);
      setTitle(project.name);
      render(root, { project, user, selfie, photos, packages: packages.items, orders: orders.items });
    } catch (err) {
      if (err.status === 404) {
        replace(root, empty("This event isn't available", 'It may have been removed, or your invitation was for another account.',
          h('a.btn', { href: '/app' }, 'Back to my events')));
        return;
      }
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function render(root, s) {
  const { project } = s;
  const bannerSlot = h('div');
  const photosSlot = h('div');
  const buySlot = h('div');
  const countSlot = h('span.muted');

  const paint = () => {
    replace(bannerSlot, s.user.role === 'operator'
      ? banner('info', 'info', 'This is the attendees’ view', h('p', 'Attendees see the photos they are in here. ',
        h('a', { href: `/admin/projects/${encodeURIComponent(project.id)}` }, 'Manage this project'), '.'))
      : selfieBanner(s.user, s.selfie, { quietWhenApproved: true }));
    replace(countSlot, s.photos.length ? plural(s.photos.length, 'photo') : '');
    replace(photosSlot, photoGrid(s));
    replace(buySlot, buySection(s));
  };

  replace(root,
    h('a.back', { href: '/app' }, '← My events'),
    h('div.page-head', h('div', h('h1', project.name), h('p.muted', { style: { margin: 0 } }, [day(project.date), project.location].filter(Boolean).join(' · ')))),
    bannerSlot,
    h('section.section', { 'aria-labelledby': 'photos-h' },
      h('div.section-head', h('h2#photos-h', 'Your photos'), countSlot),
      photosSlot),
    buySlot,
    s.orders.length ? ordersSection(s.orders) : null);
  paint();

  // While the selfie is checked, and for a while after it is approved
  // (matching runs just after), keep looking for photos.
  if (looking(s)) {
    const p = poller(async () => {
      const [selfie, photos] = await Promise.all([loadSelfie(), getAll(`${base}/my-photos`)]);
      const changed = photos.length !== s.photos.length || selfie?.status !== s.selfie?.status;
      s.selfie = selfie;
      s.photos = photos;
      if (changed) {
        paint();
        if (photos.length) announce(`We found ${plural(photos.length, 'photo')} of you.`);
      }
      return !looking(s);
    }, { every: 2000, max: 10000 });
    addEventListener('pagehide', () => p.stop());
  }

  function photoGrid(st) {
    if (!st.photos.length) {
      if (!st.selfie || st.selfie.status === 'rejected' || !st.user.consentAt) return null;
      if (looking(st)) return h('div.empty', h('div.loading', h('span.spinner', { 'aria-hidden': 'true' }), 'Looking for you in the photos…'));
      return empty('No photos of you yet', 'The photographer may still be adding photos. We will email you as soon as we find you in new ones.');
    }
    return h('ul.grid#my-photos', { 'aria-label': 'Photos you are in' }, st.photos.map((p, i) =>
      h('li.tile', { dataset: { photoId: p.id } },
        thumb(p, `Photo ${i + 1} of ${st.photos.length}`),
        h('button.open', { type: 'button', 'aria-label': `Open photo ${i + 1} of ${st.photos.length}`, onclick: () => openAt(i) }),
        p.purchased ? h('span.tag.right', badge('Bought', 'ok')) : null)));
  }

  function openAt(i) {
    openViewer(s.photos, i, {
      label: `${project.name}: your photos`,
      remove: {
        label: 'Not me', question: 'Not you? We will take it out of your photos.', yes: 'Remove it', done: 'Removed from your photos.',
        run: (p) => del(`/v1/me/tags/${encodeURIComponent(p.id)}`),
      },
      onClose: (idx) => {
        paint();
        const tiles = root.querySelectorAll('#my-photos button.open');
        tiles[Math.min(idx, tiles.length - 1)]?.focus();
      },
    });
  }
}

const opened = Date.now();

// looking reports whether photos may still turn up without anyone acting:
// the selfie is being checked, or it was approved and matching has not
// found anything yet (give it two minutes).
function looking(s) {
  if (!s.selfie || s.user.role === 'operator') return false;
  if (s.selfie.status === 'pending') return true;
  return s.selfie.status === 'approved' && !s.photos.length && Date.now() - opened < 120_000;
}

function buySection(s) {
  if (!s.photos.length) return null;
  const head = h('div.section-head', h('h2#buy-h', 'Buy your photos'));
  if (!s.packages.length) {
    return h('section.section', { 'aria-labelledby': 'buy-h' }, head,
      h('p.muted', 'The photographer has not put photos on sale yet. Check back soon.'));
  }
  const unbought = s.photos.filter((p) => !p.purchased).length;
  return h('section.section', { 'aria-labelledby': 'buy-h' }, head,
    h('p.muted', 'Full-resolution photos without the watermark, yours to download and keep.'),
    h('ul.pkgs', s.packages.map((pkg) => {
      const tooFew = pkg.kind === 'bundle' && s.photos.length < pkg.photoCount;
      const href = `/app/projects/${encodeURIComponent(s.project.id)}/buy/${encodeURIComponent(pkg.id)}`;
      return h('li.pkg', { dataset: { packageId: pkg.id } },
        h('h3', pkg.name),
        h('p.muted', { style: { margin: 0 } }, packageText(pkg, s.photos.length)),
        h('p.price', money(pkg.priceCents, pkg.currency)),
        tooFew
          ? h('p.small.muted', `You are in ${plural(s.photos.length, 'photo')}, fewer than this bundle holds.`)
          : h('a.btn.primary', { href }, pkg.kind === 'all' ? `Buy all ${s.photos.length}` : pkg.kind === 'single' ? 'Choose your photo' : `Choose ${pkg.photoCount} photos`));
    })),
    unbought === 0 ? h('p.small.muted', { style: { marginTop: '.75rem' } }, 'You already own every photo you are in.') : null);
}

function ordersSection(orders) {
  return h('section.section', { 'aria-labelledby': 'orders-h' },
    h('div.section-head', h('h2#orders-h', 'Your orders')),
    h('ul.cards', orders.map((o) => {
      const st = orderStatus(o);
      return h('li.pcard',
        h('h3', h('a.cover', { href: `/app/purchases/${encodeURIComponent(o.id)}` }, o.packageName)),
        h('p.meta', `${when(o.createdAt)} · ${money(o.amount, o.currency)}`),
        h('p.foot', badge(st.label, st.kind), o.status === 'paid' ? h('span.badge.info', 'Download →') : null));
    })));
}
