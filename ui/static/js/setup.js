// The first operator's account, from the one-time setup link in the log.
import { post, setCSRF } from './api.js';
import { h, replace, busy, clearErrors, showFieldErrors, showPasswordToggles, view } from './dom.js';

export default function setup() {
  const root = view();
  const form = root.querySelector('#setup-form');
  if (!form) return;
  showPasswordToggles(root);
  const token = decodeURIComponent(location.pathname.split('/')[2] || '');
  form.email.focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type=submit]');
    try {
      await busy(button, 'Creating…', async () => {
        const out = await post('/v1/setup', { token, email: form.email.value, password: form.password.value, name: form.name.value });
        setCSRF(out.csrfToken);
        location.assign('/admin');
      });
    } catch (err) {
      if (err.code === 'already_set_up' || err.code === 'invalid_token') {
        replace(root, h('h1#setup-dead', { tabindex: '-1' }, 'This setup link no longer works'), h('p', err.message),
          h('a.btn.primary.block', { href: err.code === 'already_set_up' ? '/login' : '/' }, err.code === 'already_set_up' ? 'Log in' : 'Open the welcome page'));
        root.querySelector('h1').focus();
        return;
      }
      showFieldErrors(form, err);
    }
  });
}
