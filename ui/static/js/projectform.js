// The project form, for creating a project and for its settings. When the
// server has a Google key, the location field suggests places, and picking
// one fills in its coordinates and preselects its time zone; otherwise the
// fields are plain.
import { h, field, announce } from './dom.js';
import { get } from './api.js';

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
  const location = locationInput(p.location || '');
  const lat = h('input', { type: 'hidden', name: 'latitude', value: p.latitude ?? '' });
  const lng = h('input', { type: 'hidden', name: 'longitude', value: p.longitude ?? '' });
  const locationField = field('Location', location);
  locationField.append(lat, lng);
  const tzNote = h('p.hint', { id: 'p-timezone-note', hidden: true }, 'Time zone set from the place — change it if needed');
  const tzField = field('Time zone', tzSelect, 'Where the event takes place.');
  tzField.append(tzNote);
  tzSelect.addEventListener('change', () => { tzNote.hidden = true; });
  placeSearch({ location, lat, lng, tzSelect, tzNote });
  const fields = [
    h('div.full', field('Event name', h('input', { name: 'name', id: 'p-name', type: 'text', required: true, maxlength: 200, value: p.name || '', placeholder: 'Anna & Tom’s wedding', autocomplete: 'off' }))),
    field('Date', h('input', { name: 'date', id: 'p-date', type: 'date', required: true, value: p.date || ymd })),
    locationField,
    tzField,
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
  const lat = parseFloat(fd.get('latitude'));
  const lng = parseFloat(fd.get('longitude'));
  if (Number.isFinite(lat) && Number.isFinite(lng)) Object.assign(body, { latitude: lat, longitude: lng });
  if (full) {
    body.watermarkText = fd.get('watermarkText');
    body.galleryVisibility = fd.get('galleryVisibility');
  }
  return body;
}

function locationInput(value) {
  return h('input', { name: 'location', id: 'p-location', type: 'text', maxlength: 300, value, placeholder: 'Château de Lourmarin' });
}

// Location search. Everything here fails quietly: without a key, or when
// Google's script cannot load (offline, a bad or restricted key), the
// location field stays a plain text field.

let placesLib; // a promise of Google's places library, or of null
const attached = new Map(); // location input → how to make it plain again

function places() {
  placesLib ??= get('/v1/config', { redirectOn401: false })
    .then((cfg) => (cfg && cfg.placesKey ? loadMaps(cfg.placesKey) : null))
    .catch(() => null);
  return placesLib;
}

function loadMaps(key) {
  return new Promise((resolve) => {
    const done = (lib) => { clearTimeout(timer); resolve(lib); };
    const timer = setTimeout(() => done(null), 15000);
    window.lightboxMapsReady = async () => {
      try {
        const maps = window.google.maps;
        done(maps.importLibrary ? await maps.importLibrary('places') : maps.places);
      } catch {
        done(null);
      }
    };
    // Google calls this when it refuses the key (wrong referrer, API not
    // enabled): put the plain fields back instead of its error state.
    window.gm_authFailure = () => {
      placesLib = Promise.resolve(null);
      done(null);
      for (const plain of attached.values()) plain();
      attached.clear();
    };
    const src = 'https://maps.googleapis.com/maps/api/js?key=' + encodeURIComponent(key)
      + '&libraries=places&loading=async&callback=lightboxMapsReady';
    const script = h('script', { src, async: true });
    script.addEventListener('error', () => done(null));
    document.head.append(script);
  });
}

async function placeSearch({ location, lat, lng, tzSelect, tzNote }) {
  // A typed location has no known coordinates until a place is picked.
  const typed = () => { lat.value = ''; lng.value = ''; };
  location.addEventListener('input', typed);
  const lib = await places();
  if (!lib) return;
  const placeholder = location.placeholder;
  let ac;
  try {
    ac = new lib.Autocomplete(location, { fields: ['name', 'formatted_address', 'geometry'] });
  } catch {
    return;
  }
  location.placeholder = placeholder; // Google puts its own in
  attached.set(location, () => {
    try { window.google.maps.event.clearInstanceListeners(ac); } catch { /* nothing to clear */ }
    const plain = locationInput(location.value);
    plain.addEventListener('input', typed);
    location.replaceWith(plain);
  });
  // Enter picks a suggestion; it must not submit the form too.
  location.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && [...document.querySelectorAll('.pac-container')].some((el) => el.offsetParent !== null)) ev.preventDefault();
  });
  let asked = 0;
  ac.addListener('place_changed', async () => {
    tzNote.hidden = true;
    const place = ac.getPlace();
    const at = place && place.geometry && place.geometry.location;
    if (!at) return; // Enter on text that matched no suggestion
    location.value = placeText(place).slice(0, 300);
    lat.value = String(at.lat());
    lng.value = String(at.lng());
    const n = ++asked;
    try {
      const { timeZoneId } = await get(`/v1/timezone?lat=${encodeURIComponent(lat.value)}&lng=${encodeURIComponent(lng.value)}`, { redirectOn401: false });
      if (n !== asked || !timeZoneId) return;
      if (![...tzSelect.options].some((o) => o.value === timeZoneId)) {
        tzSelect.prepend(h('option', { value: timeZoneId }, timeZoneId.replace(/_/g, ' ')));
      }
      tzSelect.value = timeZoneId;
      tzNote.hidden = false;
      announce(tzNote.textContent);
    } catch {
      // No zone (at sea, lookup down): the operator picks it as before.
    }
  });
}

// placeText is how a picked place reads in the location field: its name,
// then its address unless the address already starts with the name.
function placeText(place) {
  const name = (place.name || '').trim();
  const addr = (place.formatted_address || '').trim();
  if (!name) return addr;
  if (!addr || addr.startsWith(name)) return addr || name;
  return `${name}, ${addr}`;
}
