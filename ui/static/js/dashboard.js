// The operator's dashboard: projects with their numbers, and a new project.
import { get, post } from './api.js';
import { h, replace, view, loading, errorBox, empty, day, money, plural, busy, clearErrors, showFieldErrors, banner } from './dom.js';
import { projectFields, readProject } from './projectform.js';

export default function dashboard() {
  const root = view();
  const load = async () => {
    replace(root, loading('Loading your projects…'));
    try {
      const [projects, health] = await Promise.all([get('/v1/projects'), get('/v1/health').catch(() => null)]);
      render(root, projects.items, health);
    } catch (err) {
      replace(root, errorBox(err, load));
    }
  };
  load();
}

function render(root, projects, health) {
  const formSlot = h('div');
  const emptySlot = h('div');
  const newBtn = h('button.btn.primary#new-project', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'new-project-form' }, '+ New project');
  const toggle = (open) => {
    newBtn.setAttribute('aria-expanded', String(open));
    replace(emptySlot, !open && !projects.length
      ? empty('Create your first project', 'A project is one event: upload its photos, invite the attendees, and they find and buy the photos they are in.',
        h('button.btn.primary', { type: 'button', onclick: () => toggle(true) }, '+ New project'))
      : null);
    if (!open) { replace(formSlot); newBtn.focus(); return; }
    const form = newProjectForm(() => toggle(false), !projects.length);
    replace(formSlot, form);
    form.querySelector('input').focus();
  };
  newBtn.addEventListener('click', () => toggle(newBtn.getAttribute('aria-expanded') !== 'true'));

  const notes = [];
  if (health && health.failedJobs > 0) {
    notes.push(banner('bad', 'alert', `${plural(health.failedJobs, 'job')} failed`,
      'Some background work ran out of retries (emails, photo processing or face matching).', [h('a.btn.small', { href: '/admin/jobs' }, 'Review and retry')]));
  }
  if (health && health.queue && health.queue.backlog > 0) {
    notes.push(banner('info', 'clock', `Working on ${plural(health.queue.backlog, 'task')}`, 'Photos are processed and emails sent in the background.'));
  }

  const totals = projects.reduce((t, p) => {
    const s = p.stats || {};
    t.photos += s.photos || 0; t.attendees += s.attendees || 0; t.orders += s.paidOrders || 0;
    return t;
  }, { photos: 0, attendees: 0, orders: 0 });

  replace(root,
    h('div.page-head', h('h1', 'Projects'), h('div.actions', newBtn)),
    formSlot,
    ...notes,
    projects.length ? h('ul.stats', { 'aria-label': 'Totals' },
      stat(projects.length, 'projects'), stat(totals.photos, 'photos'), stat(totals.attendees, 'attendees'), stat(totals.orders, 'paid orders')) : null,
    projects.length ? h('ul.cards.three#projects', projects.map(projectCard)) : emptySlot);
  toggle(!projects.length);
}

function stat(n, label) { return h('li.stat', h('b', Number(n).toLocaleString()), h('span', label)); }

function projectCard(p) {
  const s = p.stats || {};
  const chips = [
    h('span.badge', plural(s.photos || 0, 'photo')),
    s.processing ? h('span.badge.warn', `${s.processing} processing`) : null,
    s.failed ? h('span.badge.bad', `${s.failed} failed`) : null,
    h('span.badge', plural(s.attendees || 0, 'attendee')),
    h('span.badge', plural(s.tags || 0, 'match', 'matches')),
    s.paidOrders ? h('span.badge.ok', `${plural(s.paidOrders, 'sale')} · ${money(s.revenue || 0, p.currency)}`) : null,
  ];
  return h('li.pcard', { dataset: { projectId: p.id } },
    p.cover ? cover(p.cover) : h('div.swatch', { 'aria-hidden': 'true' }),
    h('h2', h('a.cover', { href: `/admin/projects/${encodeURIComponent(p.id)}` }, p.name)),
    h('p.meta', [day(p.date), p.location].filter(Boolean).join(' · ')),
    h('p.foot', chips));
}

// cover is the project's first ready photo, cropped to a banner; the
// project's name is the card's link text, so the picture stays silent.
function cover(photo) {
  const w = photo.width || 400;
  const hgt = photo.height || 225;
  const scale = 400 / Math.max(w, hgt);
  return h('img.pcover', {
    src: photo.urls.thumb400,
    srcset: `${photo.urls.thumb400} 400w, ${photo.urls.thumb800} 800w`,
    sizes: '(min-width: 900px) 33vw, 100vw',
    width: Math.round(w * scale),
    height: Math.round(hgt * scale),
    loading: 'lazy',
    decoding: 'async',
    alt: '',
  });
}

function newProjectForm(onCancel, first) {
  const submit = h('button.btn.primary', { type: 'submit' }, 'Create project');
  const form = h('form.card.form#new-project-form', { novalidate: true, 'aria-labelledby': 'np-h', style: { marginBottom: '1rem' } },
    h('h2#np-h', first ? 'Create your first project' : 'New project'),
    first ? h('p.muted', { style: { margin: 0 } }, 'A project is one event. Next you upload its photos and invite the guests.') : null,
    h('div.form-grid.two', projectFields()),
    h('p.form-error', { role: 'alert', hidden: true }),
    h('div.row', submit, h('button.btn.ghost', { type: 'button', onclick: onCancel }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const p = await busy(submit, 'Creating…', () => post('/v1/projects', readProject(form)));
      location.assign(`/admin/projects/${encodeURIComponent(p.id)}#photos`);
    } catch (err) {
      showFieldErrors(form, err);
    }
  });
  return form;
}
