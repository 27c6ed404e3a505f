// The JSON API client: same-origin cookies, the session's CSRF token on
// unsafe requests, errors as ApiError with the server's message.

/** ApiError carries the API's error: status, code, message and fields. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || defaultMessage(status));
    this.status = status;
    this.code = e.code || 'error';
    this.fields = e.fields || {};
  }
}

function defaultMessage(status) {
  if (status === 0) return "We couldn't reach the server. Check your connection and try again.";
  if (status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
  if (status === 404) return "We couldn't find that. It may have been removed.";
  return 'That did not work. Please try again.';
}

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || '';

/** setCSRF replaces the token, after a login on the same page. */
export function setCSRF(token) { csrfToken = token || ''; }

/** api sends one request and returns the decoded JSON (null when empty). */
export async function api(method, path, body, { signal, redirectOn401 = true } = {}) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, opts);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, null);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && redirectOn401 && !path.startsWith('/v1/auth/') && !path.startsWith('/v1/invites/')) {
      location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/** getAll follows nextCursor until the list ends (or max items). */
export async function getAll(path, max = 5000) {
  const items = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await get(`${path}${sep}limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    items.push(...(page.items || []));
    if (!page.nextCursor || items.length >= max) return items;
    cursor = page.nextCursor;
  }
}

/**
 * putFile sends a file to a presigned upload with exactly its headers and
 * reports progress; it resolves on 2xx and rejects with an Error whose
 * message is written for people.
 */
export function putFile(upload, file, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || 'PUT', upload.url);
    for (const [k, v] of Object.entries(upload.headers || {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const why = xhr.status === 403 ? 'The upload link expired or was refused.'
        : xhr.status === 413 ? 'The file is larger than the server accepts.'
          : `The storage server answered ${xhr.status}.`;
      reject(Object.assign(new Error(why), { status: xhr.status }));
    };
    xhr.onerror = () => reject(Object.assign(new Error('The connection dropped during the upload.'), { status: 0 }));
    xhr.onabort = () => reject(Object.assign(new Error('Upload cancelled.'), { status: -1, name: 'AbortError' }));
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** me returns the signed-in user (with consentWording), cached per page. */
let meCache;
export function me() {
  if (!meCache) meCache = get('/v1/me');
  return meCache;
}
