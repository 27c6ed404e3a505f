// The attendee's face-matching state, shown as a banner on several pages.
import { get } from './api.js';
import { h, banner } from './dom.js';

/** loadSelfie returns the current selfie, or null when there is none. */
export async function loadSelfie() {
  try {
    return await get('/v1/me/selfie');
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

/**
 * selfieBanner says where face matching stands and what to do next, in
 * plain words. It returns null when all is well and nothing needs saying.
 */
export function selfieBanner(user, selfie, { quietWhenApproved = false } = {}) {
  const go = (label, primary = true) => h('a.btn.small', { href: '/app/selfie', class: primary ? 'primary' : '' }, label);
  if (!user.consentAt || !selfie) {
    return banner('info', 'face', 'Find your photos with a selfie',
      'Take one quick selfie and we will show you every photo you appear in. It takes under a minute.',
      [go(user.consentAt ? 'Take my selfie' : 'Get started')]);
  }
  switch (selfie.status) {
    case 'pending':
    case 'uploading':
      return banner('warn', 'clock', 'We are looking for you in the photos',
        selfie.matching === false
          ? 'Face matching is not switched on yet. Your photos will appear here as soon as the photographer turns it on.'
          : 'This usually takes less than a minute. This page updates by itself.');
    case 'rejected':
      return banner('bad', 'eyeoff', "Your selfie didn't work",
        (selfie.rejectionText || 'We could not use that picture.') + ' Try another one.',
        [go('Take a new selfie')]);
    case 'approved':
      return quietWhenApproved ? null : banner('ok', 'check', 'Face matching is on',
        'New photos you appear in show up here automatically.', [go('Change selfie', false)]);
    default:
      return null;
  }
}
