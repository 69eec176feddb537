// One client per mini-program, shared by every page and component, which records use by itself:
// `track('open')` when the app comes to the foreground (the first of each business day makes it
// an active day, a tier dimension) and `session(minutes)` when it goes to the background
// (minutes, another). Without these the tier bar of a member who uses the app daily never moves.
// With a server, a sync soon after actions too (./usage.js).
import { syncSoonAfterActions, trackUse } from './usage.js';

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
        if (options.syncDelayMs !== 0) syncSoonAfterActions(client, wxApi, options.syncDelayMs);
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
