// The project's sales: packages (create, retire) and orders (mark paid).
import { get, post, patch } from './api.js';
import { h, replace, loading, errorBox, empty, when, money, plural, toMinor, badge, busy, clearErrors, showFieldErrors, toast, confirmInline, field } from './dom.js';
import { kindLabel, orderStatus, shortRef } from './sales.js';

/** packagesTab lists the packages and creates new ones. */
export function packagesTab(panel, ctx) {
  const cur = ctx.project.currency;
  const listSlot = h('div', loading('Loading packages…'));
  const load = async () => {
    try {
      const out = await get(`${ctx.base}/packages?retired=true`);
      replace(listSlot, table(out.items));
    } catch (err) {
      replace(listSlot, errorBox(err, load));
    }
  };

  const kind = h('select', { name: 'kind', id: 'pkg-kind' },
    h('option', { value: 'single' }, 'A single photo of their choice'),
    h('option', { value: 'bundle' }, 'A bundle of photos of their choice'),
    h('option', { value: 'all' }, 'All the photos they are in'));
  const count = h('input', { name: 'photoCount', id: 'pkg-count', type: 'number', min: 2, max: 1000, value: '5', inputmode: 'numeric' });
  const countField = field('Photos in the bundle', count);
  countField.hidden = true;
  kind.addEventListener('change', () => { countField.hidden = kind.value !== 'bundle'; });
  const price = h('input', { name: 'priceCents', id: 'pkg-price', type: 'text', inputmode: 'decimal', required: true, placeholder: '9.00', autocomplete: 'off' });
  const create = h('button.btn.primary', { type: 'submit' }, 'Add package');
  const form = h('form.card.form#package-form', { novalidate: true, 'aria-labelledby': 'pkg-h' },
    h('h2#pkg-h', 'New package'),
    field('Name', h('input', { name: 'name', id: 'pkg-name', type: 'text', required: true, maxlength: 100, placeholder: 'Digital single' })),
    field('What it holds', kind),
    countField,
    field(`Price (${cur})`, price, 'What the attendee pays, taxes included.'),
    h('p.form-error', { role: 'alert', hidden: true }),
    h('div', create));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const cents = toMinor(price.value, cur);
    if (Number.isNaN(cents)) {
      showFieldErrors(form, { fields: { priceCents: 'Enter a price like 9.50.' } });
      return;
    }
    const body = { name: form.querySelector('[name=name]').value, kind: kind.value, priceCents: cents, currency: cur };
    if (kind.value === 'bundle') body.photoCount = parseInt(count.value, 10) || 0;
    try {
      await busy(create, 'Adding…', () => post(`${ctx.base}/packages`, body));
      toast(`${body.name} is on sale.`, 'ok');
      form.reset();
      countField.hidden = true;
      load();
    } catch (err) {
      showFieldErrors(form, err);
    }
  });

  function table(items) {
    if (!items.length) return empty('No packages yet', 'Add at least one package so attendees can buy their photos.');
    return h('table.table#packages',
      h('thead', h('tr', h('th', 'Package'), h('th', 'Holds'), h('th.num', 'Price'), h('th', 'Status'), h('th', h('span.sr-only', 'Actions')))),
      h('tbody', items.map((p) => {
        const retired = !!p.retiredAt;
        const b = h('button.btn.small', { type: 'button', class: retired ? '' : 'danger' }, retired ? 'Put back on sale' : 'Retire');
        const toggle = async () => {
          await patch(`${ctx.base}/packages/${encodeURIComponent(p.id)}`, { retired: !retired });
          toast(retired ? `${p.name} is on sale again.` : `${p.name} is retired. Existing orders are not affected.`, 'ok');
          load();
        };
        b.addEventListener('click', () => (retired ? busy(b, 'Saving…', () => toggle().catch((e) => toast(e.message, 'bad')))
          : confirmInline(b, 'Stop selling it?', 'Retire', toggle)));
        return h('tr', { class: retired ? 'retired' : '', dataset: { packageId: p.id } },
          h('td', { 'data-label': 'Package' }, p.name),
          h('td', { 'data-label': 'Holds' }, kindLabel(p)),
          h('td.num', { 'data-label': 'Price' }, money(p.priceCents, p.currency)),
          h('td', { 'data-label': 'Status' }, retired ? badge('Retired', '') : badge('On sale', 'ok')),
          h('td.actions', b));
      })));
  }

  replace(panel, h('div.split', h('section', { 'aria-labelledby': 'pkgs-h' }, h('div.section-head', h('h2#pkgs-h', 'Packages')), listSlot), form));
  load();
}

/** ordersTab lists the project's orders; pending ones can be marked paid. */
export function ordersTab(panel, ctx) {
  replace(panel, loading('Loading orders…'));
  let timer = 0;
  const load = async () => {
    clearTimeout(timer);
    try {
      const out = await get(`${ctx.base}/purchases`);
      render(out.items);
      // New orders arrive while the page is open: look again now and then.
      timer = setTimeout(load, 15000);
    } catch (err) {
      replace(panel, errorBox(err, load));
    }
  };
  const render = (items) => {
    if (!items.length) {
      replace(panel, empty('No orders yet', 'Orders appear here when attendees buy a package. Without online payments, you record each payment here.'));
      return;
    }
    const paid = items.filter((o) => o.status === 'paid');
    const pending = items.filter((o) => o.status === 'pending');
    const revenue = paid.reduce((s, o) => s + o.amount, 0);
    replace(panel,
      h('p.muted', `${plural(paid.length, 'paid order')} · ${money(revenue, ctx.project.currency)}` +
        (pending.length ? ` · ${plural(pending.length, 'order')} awaiting payment` : '')),
      h('table.table#orders',
        h('thead', h('tr', h('th', 'Ordered'), h('th', 'Attendee'), h('th', 'Package'), h('th.num', 'Amount'), h('th', 'Status'), h('th', h('span.sr-only', 'Actions')))),
        h('tbody', items.map((o) => {
          const st = orderStatus(o);
          const cell = h('td.actions');
          if (o.status === 'pending') {
            const b = h('button.btn.small.primary', { type: 'button', dataset: { orderId: o.id } }, 'Mark paid');
            b.addEventListener('click', () => confirmInline(b, `Received ${money(o.amount, o.currency)}?`, 'Mark paid', async () => {
              await post(`/v1/purchases/${encodeURIComponent(o.id)}/mark-paid`);
              toast(`Payment recorded. ${o.userEmail || 'The attendee'} can download now.`, 'ok');
              load();
              ctx.refreshStats();
            }, { danger: false }));
            cell.append(b);
          }
          return h('tr', { dataset: { orderId: o.id, status: o.status } },
            h('td', { 'data-label': 'Ordered' }, h('div', when(o.createdAt)), h('div.small.muted', `Ref. ${shortRef(o.id)}`)),
            h('td', { 'data-label': 'Attendee' }, o.userEmail || o.userId),
            h('td', { 'data-label': 'Package' }, o.packageName, h('div.small.muted', o.photoIds?.length ? plural(o.photoIds.length, 'photo') : 'All their photos')),
            h('td.num', { 'data-label': 'Amount' }, money(o.amount, o.currency)),
            h('td', { 'data-label': 'Status' }, badge(st.label, st.kind), h('div.small.muted', o.payment === 'offline' ? 'Pay in person' : 'Card (Stripe)'),
              o.failureReason ? h('div.error-text', o.failureReason) : null),
            cell);
        }))));
  };
  load();
  return () => clearTimeout(timer);
}
