// Lightbox: each page is a shell that one module fills from the JSON API.
import { api } from './js/api.js';
import { toast } from './js/dom.js';

const views = {
  login: () => import('./js/auth.js'),
  forgot: () => import('./js/auth.js'),
  reset: () => import('./js/auth.js'),
  invite: () => import('./js/auth.js'),
  setup: () => import('./js/setup.js'),
  home: () => import('./js/home.js'),
  selfie: () => import('./js/selfie.js'),
  gallery: () => import('./js/gallery.js'),
  buy: () => import('./js/buy.js'),
  order: () => import('./js/order.js'),
  admin: () => import('./js/dashboard.js'),
  project: () => import('./js/project.js'),
  jobs: () => import('./js/ops.js'),
  outbox: () => import('./js/ops.js'),
};

document.addEventListener('click', async (ev) => {
  const btn = ev.target.closest('[data-action="logout"]');
  if (!btn) return;
  btn.disabled = true;
  try {
    await api('POST', '/v1/auth/logout');
  } catch (err) {
    // The session may already be gone; logging out is still the right end.
  }
  location.assign('/login');
});

const page = document.body.dataset.page;
if (views[page]) {
  views[page]()
    .then((m) => m.default(page))
    .catch((err) => {
      console.error(err);
      toast('Something went wrong while loading this page. Reload to try again.', 'bad');
    });
}
