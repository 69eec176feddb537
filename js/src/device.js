// The device's registration with the server (docs/sync.md, "Devices"). A member's history
// starts at the server's first contact with their device, and a mini-program's first launch is
// online, so a client with a server registers at its first launch, before any login: the
// server gives the device its id and a secret (kept under the client's `zailai:` keys) and
// records the time. Until then the client records no action (each would be dated before the
// registration, and refused); it retries with backoff until the server answers.
import { zailaiError } from './errors.js';
import { retryable } from './remote.js';

/** How long createClient waits for the first attempt before it hands the client over. */
const FIRST_ATTEMPT_MS = 5000;

/** A stored registration ({device, secret, registeredAt, user?}), or null when absent or unusable. */
export function readRegistration(raw) {
  let reg = null;
  try {
    reg = JSON.parse(raw);
  } catch (_) {
    return null;
  }
  const ok = reg && typeof reg.device === 'string' && reg.device && typeof reg.secret === 'string' && reg.secret && Number.isSafeInteger(reg.registeredAt);
  if (!ok) return null;
  // `user`: the member a client made without one learned at its first login (client.js).
  const user = typeof reg.user === 'string' && reg.user ? { user: reg.user } : {};
  return { device: reg.device, secret: reg.secret, registeredAt: reg.registeredAt, ...user };
}

/** One registration (`retry`: with the remote's retries, as a sync's requests are). */
async function registerOnce(c, retry) {
  const sentAt = c._clock();
  const reply = await (retry ? c._remote.call('POST', '/v1/device', {}) : c._remote.once('POST', '/v1/device', {}));
  c._live(); // closed while waiting: touch nothing
  const { device, secret, registered_at: registeredAt, server_time: serverTime } = reply;
  if (typeof device !== 'string' || !device || typeof secret !== 'string' || !secret || !Number.isSafeInteger(registeredAt)) {
    throw zailaiError('BAD_REPLY', 'POST /v1/device: the reply lacks device, secret or registered_at');
  }
  // The server's clock, as a sync learns it: the first ops follow it.
  if (Number.isFinite(serverTime)) c._clockOffset = Math.round(serverTime - (sentAt + c._clock()) / 2);
  c._adoptRegistration({ device, secret, registeredAt });
}

/**
 * Starts registering in the background until it succeeds (exponential backoff with jitter,
 * `Retry-After` honoured); errors a retry cannot mend (a reply that makes no sense, a 4xx) are
 * reported once as 'error'. Resolves when the first attempt is over (or after
 * FIRST_ATTEMPT_MS), so createClient hands over a registered client when the server answers.
 */
export function startRegistration(c) {
  let attempt = 0;
  let reported = false;
  let first;
  const firstDone = new Promise((resolve) => (first = resolve));
  const tryOnce = () => {
    c._registerTimer = null;
    if (c._closed || c._registration) return first();
    registerOnce(c, false).then(first, (e) => {
      first();
      if (c._closed || c._registration) return;
      if (!retryable(e) && !reported) {
        reported = true;
        c._emit('error', e);
      }
      const { baseMs, maxMs } = c._remote.retry;
      const backoff = Math.min(maxMs, baseMs * 2 ** Math.min(attempt++, 30));
      const wait = e.retryAfterMs !== undefined ? Math.min(maxMs, e.retryAfterMs) : backoff / 2 + Math.random() * (backoff / 2);
      c._registerTimer = setTimeout(tryOnce, wait);
      // In Node, a client that cannot reach its server must not keep the process alive.
      if (typeof c._registerTimer.unref === 'function') c._registerTimer.unref();
    });
  };
  tryOnce();
  let timer;
  const bounded = new Promise((resolve) => (timer = setTimeout(resolve, FIRST_ATTEMPT_MS)));
  return Promise.race([firstDone, bounded]).finally(() => clearTimeout(timer));
}

/** Before a sync: the registration, made now (with retries) if the background has not yet. */
export async function ensureRegistered(c) {
  if (c._registration) return c._registration;
  if (c._registerTimer) {
    clearTimeout(c._registerTimer);
    c._registerTimer = null;
  }
  try {
    await registerOnce(c, true);
  } catch (e) {
    if (!c._closed) startRegistration(c); // keep trying in the background
    throw e;
  }
  return c._registration;
}

/** The server no longer knows this device (its database was reset): register a new one. */
export function forgetRegistration(c) {
  c._registration = null;
  try {
    c._storage.removeItem(`${c._prefix}device`);
  } catch (_) {
    // Registering again overwrites it.
  }
  startRegistration(c);
}

/** Refuses an action before the device is registered: it would be dated before. */
export function requireRegistration(c) {
  if (c._remote && !c._registration) {
    throw zailaiError('DEVICE_NOT_REGISTERED', 'this device is still registering with the server (a first launch must be online): try again in a moment');
  }
}
