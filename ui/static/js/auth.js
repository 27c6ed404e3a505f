// Log in, forgotten password, new password, and sign-up from an invite.
import { get, post, setCSRF } from './api.js';
import { h, replace, busy, clearErrors, showFieldErrors, showPasswordToggles, view } from './dom.js';

export default function auth(page) {
  const root = view();
  showPasswordToggles(root);
  ({ login, forgot, reset, invite })[page](root);
}

function params() { return new URLSearchParams(location.search); }

function homeOf(user) { return user.role === 'operator' ? '/admin' : '/app'; }

function onSubmit(form, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type=submit]');
    try {
      await busy(button, button.textContent, () => fn(new FormData(form)));
    } catch (err) {
      showFieldErrors(form, err);
    }
  });
}

function login(root) {
  const form = root.querySelector('#login-form');
  const email = params().get('email');
  if (email) form.email.value = email;
  (email ? form.password : form.email).focus();
  onSubmit(form, async (fd) => {
    const out = await post('/v1/auth/login', { email: fd.get('email'), password: fd.get('password') });
    setCSRF(out.csrfToken);
    // The server vetted ?next= (safeNext) into data-next: a path on this site.
    location.assign(form.dataset.next || homeOf(out.user));
  });
}

function forgot(root) {
  const form = root.querySelector('#forgot-form');
  form.email.focus();
  onSubmit(form, async (fd) => {
    const out = await post('/v1/auth/password-reset', { email: fd.get('email') });
    const done = h('div', { role: 'status', tabindex: '-1' },
      h('h1', 'Check your email'),
      h('p', out?.message || "If an account exists for that address, we've sent a link to reset the password."),
      h('p.muted', "The link works for one hour. Nothing arrived? Check your spam folder, or ask again in a few minutes."),
      h('p.below', h('a', { href: '/login' }, 'Back to log in')));
    replace(root, done);
    done.focus();
  });
}

function reset(root) {
  const form = root.querySelector('#reset-form');
  const token = params().get('token');
  if (!token) return missingToken(root, 'This reset link is incomplete.', 'Open the link from the email again, or ask for a new one.', '/forgot', 'Ask for a new link');
  form.password.focus();
  onSubmit(form, async (fd) => {
    await post('/v1/auth/password-reset/confirm', { token, password: fd.get('password') });
    const done = h('div', { role: 'status', tabindex: '-1' },
      h('h1', 'Password changed'),
      h('p', 'Your new password is ready. Log in with it now.'),
      h('a.btn.primary.block', { href: '/login' }, 'Log in'));
    replace(root, done);
    done.focus();
  });
}

async function invite(root) {
  const form = root.querySelector('#invite-form');
  const token = params().get('token');
  if (!token) return missingToken(root, 'This invitation link is incomplete.', 'Open the link from your invitation email again. If it still fails, ask the photographer to send a new one.');
  // Greet the guest by their event, or explain a link that no longer works.
  root.setAttribute('aria-busy', 'true');
  try {
    const inv = await get(`/v1/invites/${encodeURIComponent(token)}`);
    root.querySelector('h1').textContent = `You're invited to ${inv.projectName}`;
    root.querySelector('.eyebrow').textContent = `${inv.studioName} invites you`;
    root.querySelector('#invite-intro').textContent = `The photos of ${inv.projectName} are here. Create your account, then take a quick selfie and we'll find every photo you're in.`;
    form.email.value = inv.email;
    form.email.closest('.field').hidden = false;
  } catch (err) {
    if (err.status === 404 || err.status === 410) {
      root.removeAttribute('aria-busy');
      return deadInvite(root, err);
    }
    // Throttled or offline: the form still works on its own.
  }
  root.removeAttribute('aria-busy');
  form.querySelector('[name=name]').focus();
  onSubmit(form, async (fd) => {
    try {
      const out = await post('/v1/invites/accept', { token, password: fd.get('password'), name: fd.get('name') });
      setCSRF(out.csrfToken);
      location.assign('/app/selfie?welcome=1');
    } catch (err) {
      if (err.code === 'account_exists') {
        err.message = 'You already have an account with this email. Log in instead; the event is waiting in your account.';
      }
      if (err.code === 'invalid_token') {
        deadInvite(root, err);
        return;
      }
      throw err;
    }
  });
}

// deadInvite explains an invitation link that cannot be used, and what to
// do instead: log in if it was used, or ask for a new one.
function deadInvite(root, err) {
  const used = err.code === 'invite_used';
  const title = used ? 'This invitation has already been used'
    : err.code === 'invite_expired' ? 'This invitation has expired'
      : 'This invitation no longer works';
  replace(root,
    h('h1', { tabindex: '-1' }, title),
    h('p', err.code === 'invite_expired' ? 'Invitation links stop working after a while, or when the photographer withdraws them.' : err.message),
    used
      ? h('a.btn.primary.block', { href: '/login' }, 'Log in')
      : [h('p', h('strong', 'Ask the photographer to resend your invitation.'), ' They can send you a fresh link in a moment.'),
        h('p.below', 'Already created your account? ', h('a', { href: '/login' }, 'Log in'), '.')]);
  root.querySelector('h1').focus();
}

function missingToken(root, title, text, href = '/login', label = 'Go to log in') {
  replace(root, h('h1', title), h('p.muted', text), h('a.btn.primary.block', { href }, label));
}
