// Words for packages and orders, shared by the attendee and operator pages.
import { plural } from './dom.js';

/** packageText describes what a package holds. */
export function packageText(pkg, tagged) {
  switch (pkg.kind) {
    case 'single': return 'One photo of your choice';
    case 'bundle': return `${pkg.photoCount} photos of your choice`;
    case 'all': return tagged == null ? 'Every photo the attendee is in' : `All ${plural(tagged, 'photo')} you are in`;
    default: return '';
  }
}

/** kindLabel is the short name of a package kind (backoffice). */
export function kindLabel(pkg) {
  switch (pkg.kind) {
    case 'single': return 'Single photo';
    case 'bundle': return `Bundle of ${pkg.photoCount}`;
    case 'all': return 'All their photos';
    default: return pkg.kind;
  }
}

/** orderStatus is an order's status for people, with a badge colour. */
export function orderStatus(o) {
  switch (o.status) {
    case 'paid': return { label: 'Paid', kind: 'ok' };
    case 'failed': return { label: 'Payment failed', kind: 'bad' };
    case 'pending': return { label: o.payment === 'offline' || o.clientSecret ? 'Awaiting payment' : 'Processing payment', kind: 'warn' };
    default: return { label: o.status, kind: '' };
  }
}

/** shortRef is the part of an order id people can read out to each other. */
export function shortRef(id) {
  return id.replace(/^[a-z]+_/, '').slice(-8).toUpperCase();
}
