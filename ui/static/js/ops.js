// Operations: failed background jobs with retry, and the embedded outbox.
import { get, post } from './api.js';
import { h, replace, view, loading, errorBox, empty, when, ago, plural, busy, toast, linkify } from './dom.js';

const kindWords = {
  process_photo: 'Process a photo',
  process_selfie: 'Check a selfie',
  cluster_faces: 'Match faces',
  notify_user_invited: 'Invitation email',
  notify_password_reset_requested: 'Password reset email',
  notify_user_tagged: 'New photos email',
  notify_purchase_confirmed: 'Order confirmation email',
  cleanup_project_storage: 'Clean up storage',
  prepare_purchase: 'Prepare downloads',
  index_faces: 'Find faces in a photo',
};

export default function ops(page) {
  const root = view();
  (page === 'jobs' ? jobs : outbox)(root);
}

function jobs(root) {
  const load = async () => {
    replace(root, h('h1', 'Failed jobs'), loading());
    try {
      const out = await get('/v1/jobs?state=failed');
      render(out.items);
    } catch (err) {
      replace(root, h('h1', 'Failed jobs'), errorBox(err, load));
    }
  };
  const render = (items) => {
    const open = items.filter((j) => !j.retriedAt);
    replace(root,
      h('div.page-head', h('h1', 'Failed jobs'), h('div.actions', h('button.btn', { type: 'button', onclick: load }, 'Refresh'))),
      h('p.muted', 'Background work that ran out of retries. Fix the cause (a mail or face service setting, a broken file), then retry.'),
      !items.length
        ? empty('No failed jobs', 'Everything in the background ran fine.')
        : h('table.table#failed-jobs',
          h('thead', h('tr', h('th', 'Job'), h('th', 'Last error'), h('th.num', 'Tries'), h('th', 'Failed'), h('th', h('span.sr-only', 'Actions')))),
          h('tbody', items.map((j) => {
            const cell = h('td.actions');
            if (j.retriedAt) cell.append(h('span.badge.info', `Retried ${ago(j.retriedAt)}`));
            else {
              const b = h('button.btn.small.primary', { type: 'button' }, 'Retry');
              b.addEventListener('click', () => busy(b, 'Queuing…', async () => {
                try {
                  await post(`/v1/jobs/${encodeURIComponent(j.id)}/retry`);
                  toast(`${j.subject || kindWords[j.kind] || j.kind}: queued again.`, 'ok');
                  j.retriedAt = new Date().toISOString();
                  render(items);
                } catch (err) { toast(err.message, 'bad'); }
              }));
              cell.append(b);
            }
            return h('tr', { dataset: { jobId: j.id } },
              h('td', { 'data-label': 'Job' }, h('div.jobsubj', j.subject || kindWords[j.kind] || j.kind),
                h('div.small.muted', { title: j.kind }, kindWords[j.kind] || j.kind)),
              h('td.error-text', { 'data-label': 'Last error' }, j.error || '—'),
              h('td.num', { 'data-label': 'Tries' }, String(j.attempts)),
              h('td', { 'data-label': 'Failed' }, h('time', { datetime: j.failedAt, title: when(j.failedAt) }, ago(j.failedAt))),
              cell);
          }))),
      open.length > 1 ? h('p', { style: { marginTop: '1rem' } }, retryAllButton(open, () => load())) : null);
  };
  load();
}

function retryAllButton(open, done) {
  const b = h('button.btn', { type: 'button' }, `Retry all ${open.length}`);
  b.addEventListener('click', () => busy(b, 'Queuing…', async () => {
    let ok = 0;
    for (const j of open) {
      try { await post(`/v1/jobs/${encodeURIComponent(j.id)}/retry`); ok++; } catch { /* counted below */ }
    }
    toast(`${plural(ok, 'job')} queued again${ok < open.length ? `, ${open.length - ok} could not be` : ''}.`, ok === open.length ? 'ok' : 'bad');
    done();
  }));
  return b;
}

function outbox(root) {
  const load = async () => {
    replace(root, h('h1', 'Outbox'), loading());
    try {
      const out = await get('/v1/outbox');
      render(out.items);
    } catch (err) {
      replace(root, h('h1', 'Outbox'), errorBox(err, load));
    }
  };
  const render = (items) => {
    replace(root,
      h('div.page-head', h('h1', 'Outbox'), h('div.actions', h('button.btn', { type: 'button', onclick: load }, 'Refresh'))),
      h('p.muted', 'No mail provider is set up, so emails are kept here instead of being sent. Forward an invitation link by hand, or set RESEND_API_KEY to send them.'),
      !items.length
        ? empty('The outbox is empty', 'Invitations, password resets and order confirmations appear here.')
        : h('div#outbox', items.map((m) => h('details.mail', { dataset: { kind: m.kind, to: m.to } },
          h('summary',
            h('span.subj', m.subject),
            h('span.to', `To ${m.to} · ${kindWords[m.kind] || m.kind}`),
            h('time', { datetime: m.createdAt, title: when(m.createdAt) }, ago(m.createdAt))),
          h('div.body',
            h('div.pre', linkify(m.text || '')),
            copyLinks(m.text || ''))))));
  };
  load();
}

// copyLinks offers a copy button for each link of an email.
function copyLinks(text) {
  const links = [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) || [])];
  if (!links.length || !navigator.clipboard) return null;
  return h('div.links', links.map((l) => {
    const b = h('button.btn.small', { type: 'button' }, `Copy ${new URL(l).pathname === '/invite' ? 'invitation' : ''} link`.replace('  ', ' '));
    b.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(l);
        toast('Link copied.', 'ok');
      } catch {
        toast('Copying is blocked here; select the link and copy it.', 'bad');
      }
    });
    return b;
  }));
}
