// The project form, for creating a project and for its settings.
import { h, field } from './dom.js';

const currencies = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'NZD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'JPY', 'BRL', 'MXN', 'ZAR', 'INR', 'SGD', 'HKD'];

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

function guessCurrency(tz) {
  if (tz === 'Europe/London') return 'GBP';
  if (tz === 'Europe/Zurich') return 'CHF';
  if (tz.startsWith('Europe/')) return 'EUR';
  if (tz.startsWith('America/')) return 'USD';
  if (tz.startsWith('Australia/')) return 'AUD';
  return 'EUR';
}

function zones() {
  try { return Intl.supportedValuesOf('timeZone'); } catch { return []; }
}

/** projectFields returns the inputs for a project, filled from p. */
export function projectFields(p = {}, { full = false } = {}) {
  const tz = p.timezone || browserZone();
  const today = new Date();
  const ymd = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const zoneList = zones();
  if (!zoneList.includes(tz)) zoneList.unshift(tz);
  const tzSelect = h('select', { name: 'timezone', id: 'p-timezone', required: true, value: tz },
    zoneList.map((z) => h('option', { value: z }, z.replace(/_/g, ' '))));
  const fields = [
    h('div.full', field('Event name', h('input', { name: 'name', id: 'p-name', type: 'text', required: true, maxlength: 200, value: p.name || '', placeholder: 'Anna & Tom’s wedding', autocomplete: 'off' }))),
    field('Date', h('input', { name: 'date', id: 'p-date', type: 'date', required: true, value: p.date || ymd })),
    field('Location', h('input', { name: 'location', id: 'p-location', type: 'text', maxlength: 300, value: p.location || '', placeholder: 'Château de Lourmarin' })),
    field('Time zone', tzSelect, 'Where the event takes place.'),
    field('Currency', h('input', { name: 'currency', id: 'p-currency', type: 'text', required: true, maxlength: 3, list: 'currency-list', value: p.currency || guessCurrency(tz), autocapitalize: 'characters', style: { textTransform: 'uppercase' } },
    ), 'Three letters, like EUR or USD. Packages are priced in it.'),
    h('datalist#currency-list', currencies.map((c) => h('option', { value: c }))),
  ];
  if (full) {
    fields.push(
      field('Watermark text', h('input', { name: 'watermarkText', id: 'p-watermark', type: 'text', maxlength: 80, value: p.watermarkText || '' }), 'Shown across previews until a photo is bought.'),
      field('Attendees see', h('select', { name: 'galleryVisibility', id: 'p-visibility', value: p.galleryVisibility || 'tagged' },
        h('option', { value: 'tagged' }, 'Only the photos they are in'),
        h('option', { value: 'all' }, 'All photos of the event'))),
    );
  }
  return fields;
}

/** readProject returns the JSON body from the form. */
export function readProject(form, { full = false } = {}) {
  const fd = new FormData(form);
  const body = {
    name: fd.get('name'), date: fd.get('date'), location: fd.get('location'),
    timezone: fd.get('timezone'), currency: String(fd.get('currency') || '').toUpperCase(),
  };
  if (full) {
    body.watermarkText = fd.get('watermarkText');
    body.galleryVisibility = fd.get('galleryVisibility');
  }
  return body;
}
