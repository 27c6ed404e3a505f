// The attendee's start page: their events and where face matching stands.
import { get, me } from './api.js';
import { h, replace, view, empty, errorBox, day, poller, loading, banner } from './dom.js';
import { loadSelfie, selfieBanner } from './selfiestate.js';

export default async function home() {
  const root = view();
  const load = async () => {
    replace(root, loading());
    try {
      const [user, projects, selfie] = await Promise.all([me(), get('/v1/projects'), loadSelfie()]);
      render(root, user, projects.items, selfie);
    } catch (err) {
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function render(root, user, projects, selfie) {
  const first = (user.name || '').split(' ')[0];
  const bannerSlot = h('div');
  const setBanner = (s) => replace(bannerSlot, user.role === 'operator' ? null : selfieBanner(user, s));
  setBanner(selfie);
  replace(root,
    h('div.page-head', h('div', h('p.eyebrow', first ? `Hi ${first}` : 'Welcome'), h('h1', 'My events'))),
    user.role === 'operator'
      ? banner('info', 'info', 'You are logged in as a photographer', h('p', h('a', { href: '/admin' }, 'Go to your projects'), '.'))
      : null,
    bannerSlot,
    projects.length === 0
      ? empty('No events yet', 'When a photographer invites you, the event appears here. Open the link in your invitation email to join.')
      : h('ul.cards', { 'aria-label': 'Your events' }, projects.map(eventCard)));

  if (selfie && (selfie.status === 'pending' || selfie.status === 'uploading')) {
    const p = poller(async () => {
      const s = await loadSelfie();
      if (s && s.status !== 'pending' && s.status !== 'uploading') {
        setBanner(s);
        return true;
      }
      return false;
    }, { every: 2500 });
    addEventListener('pagehide', () => p.stop());
  }
}

function eventCard(p) {
  return h('li.pcard',
    h('div.swatch', { 'aria-hidden': 'true' }),
    h('h2', h('a.cover', { href: `/app/projects/${encodeURIComponent(p.id)}` }, p.name)),
    h('p.meta', [day(p.date), p.location].filter(Boolean).join(' · ')),
    h('p.foot', h('span.badge.info', 'See my photos →')));
}
