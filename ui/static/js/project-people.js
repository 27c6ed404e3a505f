// The project's people: bulk invites (pasted or from a CSV file), invite
// status with resend and revoke, the attendees, and their matches.
import { get, getAll, post, del } from './api.js';
import { h, replace, loading, errorBox, empty, when, plural, thumb, badge, busy, banner, toast, confirmInline } from './dom.js';

const skipWords = {
  invalid_email: 'not a valid address',
  duplicate: 'listed twice',
  already_member: 'already an attendee',
  already_invited: 'already invited',
};

const inviteStatus = {
  pending: ['Invited', 'info'],
  accepted: ['Joined', 'ok'],
  revoked: ['Revoked', ''],
  expired: ['Expired', 'warn'],
};

const selfieWords = {
  '': ['No selfie yet', ''],
  pending: ['Selfie pending', 'warn'],
  approved: ['Selfie approved', 'ok'],
  rejected: ['Selfie rejected', 'bad'],
};

/** peopleTab renders invites and attendees. */
export function peopleTab(panel, ctx) {
  const invitesSlot = h('div', loading('Loading invites…'));
  const membersSlot = h('div', loading('Loading attendees…'));
  const resultSlot = h('div', { 'aria-live': 'polite' });

  const loadLists = async () => {
    try {
      const [inv, mem] = await Promise.all([get(`${ctx.base}/invites`), get(`${ctx.base}/attendees`)]);
      replace(invitesSlot, invitesTable(inv.items));
      replace(membersSlot, membersTable(mem.items));
      return inv.items;
    } catch (err) {
      replace(invitesSlot, errorBox(err, loadLists));
      replace(membersSlot);
      return [];
    }
  };

  // Invite emails go out in the background: refresh until none is queued.
  let timer = 0;
  const follow = async () => {
    clearTimeout(timer);
    const items = await loadLists();
    if (items.some((i) => i.emailStatus === 'queued' && i.status === 'pending')) timer = setTimeout(follow, 2000);
  };

  const textarea = h('textarea#invite-text', { name: 'text', rows: 5, placeholder: 'anna@example.com\nTom Martin <tom@example.com>', spellcheck: 'false' });
  const file = h('input#invite-file.sr-only', { type: 'file', accept: '.csv,.txt,text/csv,text/plain' });
  const fileNote = h('span.small.muted');
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    if (f.size > 2 * 1024 * 1024) { toast('That file is too large. Split it into smaller files.', 'bad'); return; }
    textarea.value = await f.text();
    fileNote.textContent = `Loaded ${f.name}. Check the list, then send.`;
    textarea.focus();
  });
  const send = h('button.btn.primary', { type: 'submit' }, 'Send invitations');
  const form = h('form.card.form#invite-form', { novalidate: true, 'aria-labelledby': 'invite-h' },
    h('h2#invite-h', 'Invite attendees'),
    h('div.field',
      h('label', { for: 'invite-text' }, 'Email addresses'),
      textarea,
      h('p.hint', 'One per line, or separated by commas. “Name <email>” works too, and so does a CSV file with an “email” column.')),
    h('div.row', h('label.btn.small', { for: 'invite-file' }, 'Choose a CSV file…'), file, fileNote),
    h('p.form-error', { role: 'alert', hidden: true }),
    h('div', send),
    resultSlot);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = textarea.value.trim();
    form.querySelector('.form-error').hidden = true;
    if (!text) {
      const e = form.querySelector('.form-error');
      e.textContent = 'Paste at least one email address, or choose a CSV file.';
      e.hidden = false;
      textarea.focus();
      return;
    }
    try {
      const out = await busy(send, 'Sending…', () => post(`${ctx.base}/invites`, { text }));
      replace(resultSlot, inviteResult(out));
      if (out.invited.length) textarea.value = out.skipped.filter((s) => s.reason === 'invalid_email').map((s) => s.email).join('\n');
      fileNote.textContent = '';
      follow();
      ctx.refreshStats();
    } catch (err) {
      const e = form.querySelector('.form-error');
      e.textContent = Object.values(err.fields || {})[0] || err.message;
      e.hidden = false;
    }
  });

  function invitesTable(items) {
    if (!items.length) return empty('No invitations yet', 'Paste the guests’ email addresses above; each gets a personal sign-up link.');
    return h('table.table#invites',
      h('thead', h('tr', h('th', 'Email'), h('th', 'Status'), h('th', 'Email delivery'), h('th', 'Expires'), h('th', h('span.sr-only', 'Actions')))),
      h('tbody', items.map((inv) => {
        const [label, kind] = inviteStatus[inv.status] || [inv.status, ''];
        const actions = [];
        if (inv.status === 'pending' || inv.status === 'expired') {
          const b = h('button.btn.small', { type: 'button' }, 'Resend');
          b.addEventListener('click', () => busy(b, 'Sending…', async () => {
            try {
              await post(`${ctx.base}/invites/${encodeURIComponent(inv.id)}/resend`);
              toast(`Invitation sent again to ${inv.email}.`, 'ok');
              follow();
            } catch (err) { toast(err.message, 'bad'); }
          }));
          actions.push(b);
        }
        if (inv.status === 'pending') {
          const b = h('button.btn.small.danger', { type: 'button' }, 'Revoke');
          b.addEventListener('click', () => confirmInline(b, 'Revoke?', 'Revoke', async () => {
            await del(`${ctx.base}/invites/${encodeURIComponent(inv.id)}`);
            toast(`The link sent to ${inv.email} no longer works.`, 'ok');
            follow();
          }));
          actions.push(b);
        }
        const delivery = inv.status === 'accepted' ? h('span.muted', '—')
          : inv.emailStatus === 'failed' ? h('span', badge('Not delivered', 'bad'), h('div.error-text', inv.emailError || ''))
            : inv.emailStatus === 'queued' ? badge('Sending…', 'warn')
              : h('span', badge('Sent', 'ok'), inv.sends > 1 ? h('span.small.muted', ` ×${inv.sends}`) : null);
        return h('tr', { dataset: { email: inv.email, status: inv.status } },
          h('td', { 'data-label': 'Email' }, h('div', inv.email), inv.name ? h('div.small.muted', inv.name) : null),
          h('td', { 'data-label': 'Status' }, badge(label, kind)),
          h('td', { 'data-label': 'Email delivery' }, delivery),
          h('td', { 'data-label': 'Expires' }, inv.status === 'accepted' ? `Joined ${when(inv.acceptedAt)}` : when(inv.expiresAt)),
          h('td.actions', actions));
      })));
  }

  function membersTable(items) {
    if (!items.length) return empty('No attendees yet', 'Attendees appear here once they accept their invitation.');
    return h('table.table#attendees',
      h('thead', h('tr', h('th', 'Attendee'), h('th', 'Face matching'), h('th.num', 'Matches'), h('th', 'Joined'))),
      h('tbody', items.map((m) => {
        const [label, kind] = selfieWords[m.selfieStatus] || [m.selfieStatus, ''];
        return h('tr',
          h('td', { 'data-label': 'Attendee' }, h('div', m.name || m.email), m.name ? h('div.small.muted', m.email) : null),
          h('td', { 'data-label': 'Face matching' }, badge(label, kind)),
          h('td.num', { 'data-label': 'Matches' }, String(m.tags)),
          h('td', { 'data-label': 'Joined' }, when(m.joinedAt)));
      })));
  }

  replace(panel,
    h('div.split', form, h('div',
      h('section', { 'aria-labelledby': 'members-h' }, h('div.section-head', h('h2#members-h', 'Attendees')), membersSlot))),
    h('section.section', { 'aria-labelledby': 'invites-h' }, h('div.section-head', h('h2#invites-h', 'Invitations')), invitesSlot));
  follow();
  return () => clearTimeout(timer);
}

function inviteResult(out) {
  const invited = out.invited.length;
  const list = out.skipped.length ? h('ul.small', { style: { margin: '.4rem 0 0', paddingLeft: '1.2rem' } },
    out.skipped.map((s) => h('li', h('strong', s.email), ` — ${skipWords[s.reason] || s.reason}`))) : null;
  if (!invited) return banner('warn', 'info', 'Nobody new to invite', list || 'Every address was skipped.');
  return banner('ok', 'mail', `${plural(invited, 'invitation')} on the way`,
    out.skipped.length ? h('div', h('p', `${plural(out.skipped.length, 'address', 'addresses')} skipped:`), list) : 'Each guest gets a personal link to sign up.');
}

/** tagsTab shows, per attendee, the photos they were matched in; a wrong
 * match can be removed. */
export function tagsTab(panel, ctx) {
  replace(panel, loading('Loading matches…'));
  const load = async () => {
    try {
      const [tags, photos] = await Promise.all([get(`${ctx.base}/tags`), getAll(`${ctx.base}/photos?status=ready`, 2000)]);
      const byID = new Map(photos.map((p) => [p.id, p]));
      render(tags.items, byID);
    } catch (err) {
      replace(panel, errorBox(err, load));
    }
  };
  const render = (tags, byID) => {
    const confirmed = tags.filter((t) => t.status === 'confirmed');
    const removed = tags.filter((t) => t.status !== 'confirmed');
    if (!tags.length) {
      replace(panel, empty('No matches yet', 'Matches appear once attendees take their selfie and photos are processed.'));
      return;
    }
    const people = new Map();
    for (const t of confirmed) {
      if (!people.has(t.userId)) people.set(t.userId, { name: t.userName, email: t.userEmail, tags: [] });
      people.get(t.userId).tags.push(t);
    }
    const item = (t) => {
      const p = byID.get(t.photoId);
      const b = h('button.btn.small.danger', { type: 'button' }, 'Remove');
      b.addEventListener('click', () => confirmInline(b, 'Not them?', 'Remove', async () => {
        await del(`/v1/tags/${encodeURIComponent(t.id)}`);
        t.status = 'removed';
        t.removedBy = 'operator';
        toast('Match removed.', 'ok');
        render(tags, byID);
        ctx.refreshStats();
      }));
      return h('li.dl-item', { dataset: { tagId: t.id } },
        p ? thumb(p, p.filename || 'Photo', '(min-width: 900px) 17vw, 50vw') : h('div.ph', 'Photo removed'),
        h('div.row', { style: { padding: '.5rem', justifyContent: 'space-between' } }, h('span.small.muted', p?.filename || ''), b));
    };
    replace(panel,
      h('p.muted', `${plural(confirmed.length, 'match', 'matches')} for ${plural(people.size, 'attendee')}. Remove a wrong one and the attendee no longer sees that photo.`),
      [...people.values()].map((u) => h('section.section', { style: { marginTop: '1rem' } },
        h('div.section-head', h('h3', u.name || u.email, u.name ? h('span.small.muted', { style: { fontWeight: 400 } }, ` · ${u.email}`) : null), h('span.muted', plural(u.tags.length, 'photo'))),
        h('ul.dl-list.tags', u.tags.map(item)))),
      removed.length ? h('details.section', h('summary', plural(removed.length, 'removed match', 'removed matches')),
        h('ul.small', removed.map((t) => h('li', `${t.userName || t.userEmail}: ${byID.get(t.photoId)?.filename || 'a photo'} (removed by ${t.removedBy === 'attendee' ? 'the attendee' : 'an operator'}, ${when(t.createdAt)})`)))) : null);
  };
  load();
}
