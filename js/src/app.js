// One client per mini-program, shared by every page and component, which records use by itself:
// `track('open')` when the app comes to the foreground (the first of each business day makes it
// an active day, a tier dimension) and `session(minutes)` when it goes to the background
// (minutes, another). Without these the tier bar of a member who uses the app daily never moves.
import { zailaiError } from './errors.js';

/** Longest session recorded at one hide: a phone left with the app open overnight is not use. */
const MAX_MINUTES_PER_HIDE = 240;

let shared = null; // Promise<Client> of startApp
const waiting = []; // resolvers of getClient() calls made before startApp

/**
 * Starts the app's client: `createClient(options)` with wx storage by default, then tracks use
 * on show and hide, and syncs on show when a server is configured. Call once, in App.onLaunch;
 * later calls return the first client.
 */
export function makeStartApp(createClient, helpers) {
  return function startApp(options = {}, wxApi = globalThis.wx) {
    if (shared) return shared;
    shared = createClient({ storage: helpers.wxStorage(wxApi), ...options }).then((client) => {
      trackUse(client, wxApi);
      if (options.server) {
        helpers.syncOnShow(client, wxApi);
        client.sync().catch((e) => client._emit('error', e)); // offline at launch is fine: reported, retried on show
      }
      return client;
    });
    shared.catch(() => (shared = null)); // a failed start may be retried
    for (const resolve of waiting.splice(0)) resolve(shared);
    return shared;
  };
}

/** The app's client (startApp's), waiting for startApp when a page asks first. */
export function getClient() {
  return shared || new Promise((resolve) => waiting.push(resolve));
}

function trackUse(client, wxApi) {
  let shownAt = client._clock(); // onLaunch runs as the app is shown
  let openedOn = null;
  const open = () => {
    const today = client.rules.businessDate(client._now());
    if (openedOn === today) return; // one 'open' a business day and runtime is what the rules count
    // Not counted when refused (a device still registering): the next show records it.
    if (act(() => client.track('open'))) openedOn = today;
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
