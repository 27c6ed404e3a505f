// Online payment with Stripe's Payment Element, shared by the checkout
// (right after ordering) and the order page (resuming a payment later).
import { h, replace, money, busy, banner, toast } from './dom.js';
import { icon } from './icons.js';

/**
 * stripeCheckout mounts the Payment Element in slot for an order with a
 * clientSecret and confirms the payment; the order page takes over after.
 * fallback is shown, with a link to the order, if Stripe.js cannot load.
 */
export async function stripeCheckout(slot, order, { fallback = true } = {}) {
  const key = order.publishableKey || document.querySelector('meta[name="stripe-key"]')?.content;
  replace(slot, h('div.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), 'Loading the secure payment form…'));
  let stripe;
  try {
    const Stripe = await loadStripe();
    stripe = Stripe(key);
  } catch (err) {
    replace(slot, banner('bad', 'alert', 'The payment form did not load',
      'Check your connection (or an ad blocker) and try again. Your order is saved.',
      [fallback
        ? h('a.btn.small', { href: `/app/purchases/${encodeURIComponent(order.id)}` }, 'See the order')
        : h('button.btn.small', { type: 'button', onclick: () => location.reload() }, 'Try again')]));
    return;
  }
  const elements = stripe.elements({
    clientSecret: order.clientSecret,
    appearance: { theme: 'stripe', variables: { colorPrimary: '#3350c4', borderRadius: '10px', fontFamily: 'system-ui, sans-serif' } },
  });
  const mount = h('div#payment-element');
  const err = h('p.form-error', { role: 'alert', hidden: true });
  const payBtn = h('button.btn.primary.block#pay', { type: 'submit' }, `Pay ${money(order.amount, order.currency)}`);
  const form = h('form.form#payment-form', mount, err, payBtn,
    h('p.small.muted.row', { style: { justifyContent: 'center', gap: '.35rem' } }, icon('lock', 16), 'Payments are processed securely by Stripe.'));
  replace(slot, form);
  elements.create('payment', { layout: 'tabs' }).mount(mount);
  const orderPage = `${location.origin}/app/purchases/${encodeURIComponent(order.id)}`;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    err.hidden = true;
    busy(payBtn, 'Paying…', async () => {
      const res = await stripe.confirmPayment({ elements, confirmParams: { return_url: orderPage }, redirect: 'if_required' });
      if (res.error) {
        err.textContent = res.error.message || 'The payment did not go through. Check the details and try again.';
        err.hidden = false;
        return;
      }
      toast('Payment sent. Unlocking your photos…', 'ok');
      location.assign(orderPage);
    });
  });
}

let stripePromise;
function loadStripe() {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  if (!stripePromise) {
    stripePromise = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'https://js.stripe.com/v3';
      s.async = true;
      s.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error('Stripe.js did not start')));
      s.onerror = () => { stripePromise = null; reject(new Error('Stripe.js did not load')); };
      document.head.append(s);
    });
  }
  return stripePromise;
}

/** paymentNote tells the attendee, before ordering, how they will pay. */
export function paymentNote(config, amount) {
  if (!config) return null;
  if (config.payments === 'stripe') {
    return banner('info', 'lock', 'Pay online',
      `Pay ${amount} by card on the next step, securely with Stripe. Your photos unlock as soon as the payment goes through.`);
  }
  return banner('warn', 'cash', 'Pay the photographer directly',
    `Online payment is not set up for this event. Place your order, then pay ${amount} to the photographer in person or as they tell you; your photos unlock as soon as they record it.`);
}
