// What startApp does around the member's actions, by itself: `track('open')` once per business
// day (remembered in storage, so a relaunch the same day records none), `session(minutes)` on
// each hide, and, with a server, a sync soon after actions (debounced: a burst of taps is one
// request; docs/sync.md, "When the client syncs").
import { zailaiError } from './errors.js';

/** Longest session recorded at one hide: a phone left with the app open overnight is not use. */
const MAX_MINUTES_PER_HIDE = 240;
/** A sync this long after the last action (startApp's `syncDelayMs`)… */
export const SYNC_DELAY_MS = 2000;
/** …but no later than this after the first action not yet synced. */
const SYNC_MAX_WAIT_MS = 10000;

/** Records an open a business day and session minutes on hide (the tier counts both). */
export function trackUse(client, wxApi) {
  let shownAt = client._clock(); // onLaunch runs as the app is shown
  // The business day of the last open recorded, kept beside the member's data (under its
  // prefix, which stays `zailai:local:` for a client made without `user`, also once its first
  // login names the member): the README's "one open a day" holds across relaunches too.
  const key = `${client._prefix}opened`;
  const storage = client._storage;
  const open = () => {
    const today = client.rules.businessDate(client._now());
    if (readDay(storage, key) === today) return;
    // Not counted when refused (a device still registering): the next show records it.
    if (act(() => client.track('open'))) writeDay(storage, key, today, client);
  };
  const act = (fn) => {
    try {
      fn();
      return true;
    } catch (e) {
      client._emit('error', e && e.code ? e : zailaiError('BAD_ARGUMENT', String(e)));
      return false;
    }
  };
  open();
  if (typeof wxApi.onAppShow === 'function') {
    wxApi.onAppShow(() => {
      shownAt = client._clock();
      open();
    });
  }
  if (typeof wxApi.onAppHide === 'function') {
    wxApi.onAppHide(() => {
      const minutes = Math.min(MAX_MINUTES_PER_HIDE, Math.floor((client._clock() - shownAt) / 60000));
      if (minutes >= 1) act(() => client.session(minutes));
      shownAt = client._clock();
    });
  }
}

function readDay(storage, key) {
  try {
    return storage.getItem(key);
  } catch (_) {
    return null; // unreadable: record the open (one too many beats none)
  }
}

function writeDay(storage, key, day, client) {
  try {
    storage.setItem(key, day);
  } catch (e) {
    client._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e)));
  }
}

/**
 * With a server: a sync `delayMs` after the last action (at most SYNC_MAX_WAIT_MS after the
 * first), while the network is up; offline, the sync on the network's return (syncOnShow)
 * carries them. Nothing is sent when a sync in between (on show, by the page) took every op.
 * Returns a function that stops it.
 */
export function syncSoonAfterActions(client, wxApi, delayMs = SYNC_DELAY_MS) {
  let timer = null;
  let first = 0;
  let online = true;
  const onNetwork = (res) => (online = Boolean(res && res.isConnected));
  if (typeof wxApi.onNetworkStatusChange === 'function') wxApi.onNetworkStatusChange(onNetwork);
  if (typeof wxApi.getNetworkType === 'function') {
    wxApi.getNetworkType({ success: (res) => (online = Boolean(res) && res.networkType !== 'none') });
  }
  const run = () => {
    timer = null;
    try {
      if (!client.pendingOps().length) return;
    } catch (_) {
      return; // closed meanwhile (CLIENT_CLOSED): nothing to send
    }
    client.sync().catch((e) => client._emit('error', e));
  };
  const off = client.on('change', (change) => {
    if (!change || !change.op || !online) return; // a sync's own rebuild, or offline
    const now = Date.now();
    if (timer === null) first = now;
    else clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, Math.min(delayMs, first + SYNC_MAX_WAIT_MS - now)));
  });
  return () => {
    off();
    if (timer !== null) clearTimeout(timer);
    if (typeof wxApi.offNetworkStatusChange === 'function') wxApi.offNetworkStatusChange(onNetwork);
  };
}
