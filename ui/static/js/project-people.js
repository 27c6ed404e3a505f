// The project's people: bulk invites (pasted or from a CSV file), invite
// status with resend and revoke, the attendees, and their matches, with the
// borderline ones waiting for a yes or no.
import { get, getAll, post, del } from './api.js';
import { h, replace, loading, errorBox, empty, when, plural, thumb, badge, busy, banner, toast, confirmInline } from './dom.js';
import { openViewer } from './viewer.js';

/** DEFAULT_THRESHOLD is the face engine's similarity for a match when the
 * project keeps the default. */
export const DEFAULT_THRESHOLD = 0.63;

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

/** threshold is the similarity from which the project's photos are tagged. */
export function threshold(project) {
  return project?.faceThreshold || DEFAULT_THRESHOLD;
}

/** pct formats a similarity as a whole percentage. */
const pct = (sim) => `${Math.round(sim * 100)}%`;

/** closeness says in words how near a borderline match came. */
function closeness(sim, limit) {
  return `${limit - sim <= 0.03 ? 'Close match' : 'Possible match'} — ${pct(sim)} similar`;
}

/** tagsTab shows the borderline matches waiting for a decision, then, per
 * attendee, the photos they were matched in; a wrong match can be removed. */
export function tagsTab(panel, ctx) {
  replace(panel, loading('Loading matches…'));
  const reviewSlot = h('div');
  const matchSlot = h('div');
  let tags = [];
  let reviews = [];
  let byID = new Map();

  const load = async () => {
    try {
      const [t, photos, revs] = await Promise.all([
        get(`${ctx.base}/tags`),
        getAll(`${ctx.base}/photos?status=ready`, 2000),
        get(`${ctx.base}/face-reviews`),
      ]);
      tags = t.items;
      reviews = revs.items;
      byID = new Map(photos.map((p) => [p.id, p]));
      ctx.setReviewCount?.(reviews.length);
      replace(panel, reviewSlot, matchSlot);
      renderReviews();
      renderMatches();
    } catch (err) {
      replace(panel, errorBox(err, load));
    }
  };

  const limit = () => threshold(ctx.project);
  const who = (r) => r.userName || r.userEmail;
  const photoOf = (r) => {
    const p = byID.get(r.photoId);
    return { id: r.photoId, filename: p?.filename || '', width: p?.width, height: p?.height, urls: r.urls };
  };

  const renderReviews = () => {
    if (!reviews.length) { replace(reviewSlot); return; }
    replace(reviewSlot, h('section.section#to-review', { 'aria-labelledby': 'review-h', style: { marginTop: 0 } },
      h('div.section-head', h('h2#review-h', 'To review ', badge(String(reviews.length), 'warn'))),
      h('p.muted', `Face matching wasn’t sure about these: each came close to the ${pct(limit())} similarity it needs to tag an attendee, so you decide.`),
      h('ul.reviews#reviews', reviews.map(reviewItem))));
  };

  // faceRing centres the square crop on the face the match is about and
  // circles it: with object-fit: cover and object-position at the face's
  // centre, that centre lands at the same percentages of the square.
  const faceRing = (img, box) => {
    if (!box) return null;
    const [x, y, w, hgt] = box;
    const cx = (x + w / 2) * 100;
    const cy = (y + hgt / 2) * 100;
    img.style.objectPosition = `${cx}% ${cy}%`;
    const ring = h('span.face-ring', { 'aria-hidden': 'true', hidden: true });
    const place = () => {
      const aspect = img.naturalWidth / img.naturalHeight;
      if (!Number.isFinite(aspect) || aspect <= 0) return;
      const rw = w * 100 * Math.max(aspect, 1);
      const rh = hgt * 100 * Math.max(1 / aspect, 1);
      Object.assign(ring.style, { left: `${cx - rw / 2}%`, top: `${cy - rh / 2}%`, width: `${rw}%`, height: `${rh}%` });
      ring.hidden = false;
    };
    if (img.complete && img.naturalWidth) place(); else img.addEventListener('load', place, { once: true });
    return ring;
  };

  const reviewItem = (r) => {
    const p = photoOf(r);
    const name = who(r);
    const about = `${name}${p.filename ? ` in ${p.filename}` : ''}`;
    const yes = h('button.btn.small.primary', { type: 'button', 'aria-label': `It’s them: ${about}`, dataset: { decision: 'accept' } }, 'It’s them');
    const no = h('button.btn.small', { type: 'button', 'aria-label': `Not them: ${about}`, dataset: { decision: 'dismiss' } }, 'Not them');
    const img = thumb(p, p.filename ? `${p.filename}, possibly ${name}` : `Possibly ${name}`, '(min-width: 700px) 15rem, 50vw');
    const li = h('li.review', { dataset: { reviewId: r.id, photoId: r.photoId } },
      h('div.shot', img, faceRing(img, r.faceBox),
        h('button.open', { type: 'button', 'aria-label': `View ${p.filename || 'the photo'} larger`, onclick: () => viewAt(r.id) })),
      h('div.body',
        h('p.who', h('strong', name), r.userName ? h('span.small.muted', r.userEmail) : null),
        h('p.small.sim', closeness(r.similarity, limit())),
        h('div.review-actions', yes, no)));
    yes.addEventListener('click', () => decide(r, 'accept', yes, no, li));
    no.addEventListener('click', () => decide(r, 'dismiss', no, yes, li));
    return li;
  };

  const viewAt = (id) => openViewer(reviews.map(photoOf), Math.max(0, reviews.findIndex((r) => r.id === id)), {
    label: 'Photos to review',
    caption: (p) => {
      const r = reviews.find((x) => x.photoId === p.id);
      return r ? `${who(r)} · ${closeness(r.similarity, limit())}` : '';
    },
  });

  const decide = async (r, decision, button, other, li) => {
    other.disabled = true;
    let done;
    try {
      done = await busy(button, decision === 'accept' ? 'Adding…' : 'Dismissing…', () =>
        post(`/v1/face-reviews/${encodeURIComponent(r.id)}`, { decision }));
    } catch (err) {
      toast(err.message, 'bad');
      other.disabled = false;
      button.focus();
      return;
    }
    const name = who(r);
    let msg;
    if (done.status === 'accepted') {
      const t = await get(`${ctx.base}/tags`).catch(() => null);
      if (t) tags = t.items;
      const tagged = tags.some((x) => x.photoId === r.photoId && x.userId === r.userId && x.status === 'confirmed');
      msg = decision !== 'accept' ? `Someone had already accepted this photo for ${name}.`
        : tagged ? `Added to ${name}’s photos.` : `${name} had removed this photo themselves, so it stays out of their gallery.`;
      ctx.refreshStats();
    } else {
      msg = decision !== 'dismiss' ? `Someone had already dismissed this photo for ${name}.` : `Dismissed. This photo won’t be suggested for ${name} again.`;
    }
    // Take the photo out of the list and move focus to the next one
    // waiting, or to the confirmed matches when none is left.
    const items = [...reviewSlot.querySelectorAll('li.review')];
    const at = items.indexOf(li);
    const next = items[at + 1] || items[at - 1];
    reviews = reviews.filter((x) => x.id !== r.id);
    ctx.setReviewCount?.(reviews.length);
    renderMatches();
    toast(msg, 'ok');
    if (reviews.length) {
      li.remove();
      reviewSlot.querySelector('#review-h .badge').textContent = String(reviews.length);
      next?.querySelector(`button[data-decision="${decision}"]`)?.focus();
    } else {
      renderReviews();
      (matchSlot.querySelector('#matches-h') || panel).focus();
    }
  };

  const renderMatches = () => {
    const confirmed = tags.filter((t) => t.status === 'confirmed');
    const removed = tags.filter((t) => t.status !== 'confirmed');
    const head = h('div.section-head', h('h2#matches-h', { tabindex: '-1' }, 'Confirmed matches'));
    if (!tags.length) {
      replace(matchSlot, reviews.length
        ? h('section.section', { 'aria-labelledby': 'matches-h' }, head, h('p.muted', 'None yet. Photos you accept above appear here.'))
        : empty('No matches yet', 'Matches appear once attendees take their selfie and photos are processed.'));
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
        renderMatches();
        matchSlot.querySelector('#matches-h')?.focus();
        ctx.refreshStats();
      }));
      return h('li.dl-item', { dataset: { tagId: t.id, photoId: t.photoId, userId: t.userId } },
        p ? thumb(p, p.filename || 'Photo', '(min-width: 900px) 17vw, 50vw') : h('div.ph', 'Photo removed'),
        h('div.row', { style: { padding: '.5rem', justifyContent: 'space-between' } }, h('span.small.muted', p?.filename || ''), b));
    };
    replace(matchSlot, h('section', { 'aria-labelledby': 'matches-h', class: reviews.length ? 'section' : '' },
      head,
      h('p.muted', `${plural(confirmed.length, 'match', 'matches')} for ${plural(people.size, 'attendee')}. Remove a wrong one and the attendee no longer sees that photo.`),
      [...people.values()].map((u) => h('section.section', { style: { marginTop: '1rem' } },
        h('div.section-head', h('h3', u.name || u.email, u.name ? h('span.small.muted', { style: { fontWeight: 400 } }, ` · ${u.email}`) : null), h('span.muted', plural(u.tags.length, 'photo'))),
        h('ul.dl-list.tags', u.tags.map(item)))),
      removed.length ? h('details.section', h('summary', plural(removed.length, 'removed match', 'removed matches')),
        h('ul.small', removed.map((t) => h('li', `${t.userName || t.userEmail}: ${byID.get(t.photoId)?.filename || 'a photo'} (removed by ${t.removedBy === 'attendee' ? 'the attendee' : 'an operator'}, ${when(t.createdAt)})`)))) : null));
  };
  load();
}
