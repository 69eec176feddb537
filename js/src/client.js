// The client for front-end developers: one member's offline state on one device, persisted in
// the given storage, with actions, views and change/reward/error events. Rules live in the
// wasm core; this file owns storage, time and wording-free plumbing only.
import { zailaiError } from './errors.js';
import { Remote } from './remote.js';
import { syncOnce } from './sync.js';
import { readRegistration, requireRegistration, startRegistration } from './device.js';
import { buildRules, storedVersions, versionIndexAt } from './config.js';
import { PendingLog } from './pending-log.js';
import { monthCells, monthView } from './month.js';
import { dropCheckpoint, loadCheckpoint, maybeCheckpoint } from './checkpoint.js';

export const STORAGE_FORMAT = 1;
/** Default frequency caps of promptToShow(): one prompt a day, each kind at most this often. */
const PROMPT_CAPS = { perDay: 1, minDaysBetween: { points_expiring: 3, streak_at_risk: 1, tier_reached: 1, benefit_available: 7 } };

/** Whole days from one YYYY-MM-DD to another. */
/** A JSON value with every object key in camelCase (`points_earned` -> `pointsEarned`). */
export function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!value || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value)) out[key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = camelKeys(value[key]);
  return out;
}

/** `todayStatus`: 'done' or 'pending' when today is in the month shown, else null. */
function withTodayStatus(view) {
  let status = null;
  for (const week of view.weeks) for (const d of week) if (d.date === view.today && d.status !== 'outside_month') status = d.status === 'today_done' ? 'done' : 'pending';
  view.todayStatus = status;
  return view;
}

function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
const REWARD_EVENTS = new Set(['points_credited', 'coupon_granted', 'streak_milestone', 'task_claimed', 'tier_changed', 'freezes_granted', 'accelerators_granted', 'card_granted', 'draw_settled']);

/** What RULES_DIFFER tells the app (docs/config.md, "Pinned rules and the server's"). */
export function rulesDiffer(client, server) {
  const short = (h) => (typeof h === 'string' ? h.slice(0, 12) : 'unknown');
  return `the rules this app holds (${short(client)}) are not the server's (${short(server)}): the server applies its own to every op, and its snapshot replaces what this phone computed at each sync; pin the server's rules (zailai rules encode) or pin none`;
}

/** Checks a key list ([{id, public}]) given by the app. */
function checkKeys(keys, name) {
  if (!Array.isArray(keys) || keys.some((k) => !k || typeof k.id !== 'string' || typeof k.public !== 'string')) {
    throw zailaiError('BAD_ARGUMENT', `${name} must be an array of {id, public} (base64 public keys)`);
  }
  return keys.map(({ id, public: pub }) => ({ id, public: pub }));
}

/** An action's text argument: a string, else OP_INVALID (the core checks lengths). Errors
 * name the JS argument, in the message and as `path`. */
function text(name, value) {
  if (typeof value !== 'string') throw zailaiError('OP_INVALID', `${name}: must be a string`, { path: name });
  return value;
}

/** An action's amount argument: a number (the core checks that it is whole cents in range). */
function amount(name, value) {
  if (typeof value !== 'number') throw zailaiError('BAD_ARGUMENT', `${name}: must be a number of cents`);
  return value;
}

/** The core's limits (src/engine/mod.rs MAX_TRACK_COUNT, MAX_SESSION_MINUTES). */
export const MAX_TRACK_COUNT = 1000;
export const MAX_SESSION_MINUTES = 1440;

/** An action's whole-number argument: not a whole number is OP_INVALID, out of 1…max is the
 * core's BAD_AMOUNT; both name the JS argument and the real range. */
function whole(name, value, max) {
  if (Number.isInteger(value) && value >= 1 && value <= max) return value; // the message only for an error
  const message = `${name}: must be a whole number from 1 to ${max}`;
  if (!Number.isInteger(value)) throw zailaiError('OP_INVALID', message, { path: name });
  throw zailaiError('BAD_AMOUNT', message, { path: name });
}

/** The argument an action's op field came from, for errors (`path`) and their messages. */
const ARGUMENT = {
  make_up: { date: 'date' },
  track: { action: 'action', count: 'count' },
  session: { minutes: 'minutes' },
  claim_task: { task: 'task' },
  redeem: { item: 'item' },
  exchange_cards: { set: 'set' },
  draw: { lottery: 'lottery' },
};

/** A core error of an action, told in the JS API's terms: `op.count: …` becomes `count: …`
 * with `path: 'count'`; a rule's refusal names the action's argument as `path`. */
function inArguments(e, type) {
  const args = ARGUMENT[type];
  if (!args || !e || typeof e.message !== 'string') return e;
  const field = /^op\.(\w+)/.exec(e.message);
  const name = field ? args[field[1]] : Object.values(args)[0];
  if (!name) return e;
  if (field) e.message = name + e.message.slice(field[0].length);
  if (e.path === undefined && (field || e.code !== 'INSUFFICIENT_POINTS')) e.path = name;
  return e;
}

/** A new device's id: random only. Device ids are public in lottery records, so an id must
 * not tell when the app was installed (it used to start with the time). */
function defaultDeviceId() {
  const part = () => Math.floor(Math.random() * 2 ** 32).toString(36).padStart(7, '0');
  return `d${part()}${part()}`;
}

/** Refuses what cannot be a storage adapter, naming what is missing. */
function checkStorage(storage) {
  if (!storage) throw zailaiError('BAD_ARGUMENT', 'createClient needs a storage adapter (wxStorage, localStorageAdapter or memoryStorage)');
  const missing = ['getItem', 'setItem', 'removeItem'].filter((name) => typeof storage[name] !== 'function');
  if (missing.length) throw zailaiError('BAD_ARGUMENT', `the storage adapter has no ${missing.join(', ')}: use wxStorage, localStorageAdapter or memoryStorage, or write all three`);
}

export function makeClientFactory(loadBindings, defaults = {}) {
  // One client per (store, user) in this JS runtime: two clients over the same keys would each
  // write their own pending log and lose the other's ops. Adapters name the store they write to
  // as `store` (wxStorage(wx) → wx), so two adapters over one store count as one.
  const open = new WeakMap();
  /**
   * Creates a client, or gives the one already open for the same storage and user (its options
   * stand). Options: `config` (object or JSON text; the seed preset when absent), `storage` (an
   * adapter), `user` (id, default 'local'), `now` (() => epoch ms), `locale`, `deviceId`
   * (() => string), `trustedKeys` ([{id, public}] pinned in the code package), `server`
   * ({url, transport, credentials, retry}) to sync with, plus whatever the loader takes
   * (`wasmPath`).
   */
  return async function createClient(options = {}) {
    checkStorage(options.storage);
    const store = options.storage.store || options.storage;
    const user = options.user === undefined ? 'local' : String(options.user);
    let clients = open.get(store);
    if (!clients) open.set(store, (clients = new Map()));
    options = { ...defaults, ...options };
    if (!clients.has(user)) {
      const release = () => clients.delete(user);
      // A client with a server registers its device first (device.js): handed over once the
      // first attempt is done, so a first launch (online) records its first action registered.
      const made = loadBindings(options).then(async (bindings) => {
        const client = new Client(bindings, options, release);
        if (client._remote && !client._registration) await startRegistration(client);
        return client;
      });
      made.catch(release);
      clients.set(user, { made, options });
      return made;
    }
    const first = clients.get(user);
    // Values, not identities: pages often build their options inline.
    const serverUrl = (o) => o.server && o.server.url;
    const differ = ['locale', 'config'].filter((k) => options[k] !== first.options[k]);
    if (serverUrl(options) !== serverUrl(first.options)) differ.push('server');
    if (differ.length) first.made.then((c) => c._warn('OPTIONS_IGNORED', `createClient for user '${user}' again, with other ${differ.join(', ')}: the first client and its options stand`), () => {});
    return first.made;
  };
}

class Client {
  constructor({ Rules, Member, Snapshot, progressSVG }, options, release) {
    this._release = release;
    this._Rules = Rules;
    this._progressSVG = progressSVG;
    this._Member = Member;
    this._Snapshot = Snapshot;
    this._listeners = { change: [], reward: [], error: [], sync: [], warning: [] };
    this._debug = Boolean(options.debug);
    this._pendingWarnings = [];
    this._clock = typeof options.now === 'function' ? options.now : () => Date.now();
    this.locale = options.locale;
    // Sent with every push; the server counts it only at the member's first sync.
    this._invitedBy = options.invitedBy === undefined ? undefined : text('invitedBy', options.invitedBy);
    // Pinned rules come in the binary form (`zailai rules encode --config FILE` prints it): a
    // rule file is checked by the CLI, and the phone needs no JSON reader for it.
    const config = options.config;
    this._rulesPinned = config !== undefined;
    if (config !== undefined && typeof config !== 'string') {
      throw zailaiError('BAD_ARGUMENT', 'config: pass the rules as `zailai rules encode --config FILE` prints them (a string), not a rule file');
    }
    // Without pinned rules, the stored ones or the seed preset, once storage is read (_restoreRules).
    this.rules = config === undefined ? null : new Rules(config);
    // The hash of pinned rules, sent with each push so the server can say when they are not
    // its own (RULES_DIFFER): named by the app, or learned when the server sends the same bytes.
    this._pinnedText = config === undefined ? null : config.trim();
    this._pinnedHash = options.rulesHash === undefined ? null : options.rulesHash;
    if (this._pinnedHash !== null && (config === undefined || !/^[0-9a-f]{64}$/.test(this._pinnedHash))) {
      throw zailaiError('BAD_ARGUMENT', 'rulesHash: the 64 hex digits of the pinned rules\' config_hash, with config');
    }
    this._warned = new Set(); // warnings of the server already passed on, once each
    this._pinnedKeys = checkKeys(options.trustedKeys || [], 'trustedKeys');
    this._fetchedKeys = null; // from /v1/config in this process: trusted like pinned ones
    this.user = options.user === undefined ? 'local' : String(options.user);
    this._storage = options.storage;
    this._prefix = `zailai:${encodeURIComponent(this.user)}:`;
    // No user with a server: the member is this device's, whoever logs in first (_adoptUser);
    // its keys stay under 'local', and the id learned is kept with the device's registration.
    this._anonymous = options.user === undefined && Boolean(options.server);
    this._newDeviceId = options.deviceId || defaultDeviceId;
    const caps = options.promptCaps || {};
    this._promptCaps = { perDay: caps.perDay ?? PROMPT_CAPS.perDay, minDaysBetween: { ...PROMPT_CAPS.minDaysBetween, ...caps.minDaysBetween } };
    this._pendingErrors = [];
    this._remote = options.server
      ? new Remote({ ...options.server, session: { load: () => this._readJSON('session'), save: (v) => this._saveSession(v) } })
      : null;
    this._syncing = null;
    this._views = new Map(); // the month views last computed (_monthView)
    if (this._anonymous) this.user = (readRegistration(this._read('device')) || {}).user || this.user;
    this._restore();
    this._checkLocale();
  }

  /** True until the first login names this device's member (a client made without `user`,
   * with a server): a page shows 登录 or hides what needs a known member. A 'change' event
   * follows the login that ends it. */
  get anonymous() {
    return this._anonymous && this.user === 'local';
  }

  /** The caller's clock corrected by the offset learned from the server's time. */
  _now() {
    return this._clock() + this._clockOffset;
  }

  // ---- events ----------------------------------------------------------------------------

  /** Subscribes to 'change', 'reward', 'error', 'sync' or 'warning'; returns the unsubscribe
   * function. */
  on(name, listener) {
    const list = this._listeners[name];
    if (!list) throw zailaiError('BAD_ARGUMENT', `unknown event '${name}': use change, reward, error, sync or warning`);
    list.push(listener);
    if (name === 'warning') for (const w of this._pendingWarnings.splice(0)) this._emit('warning', w);
    // Problems found while restoring happen before anyone could listen: deliver them now.
    if (name === 'error' && this._pendingErrors.length) {
      const errors = this._pendingErrors.splice(0);
      for (const e of errors) this._emit('error', e);
    }
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * Something a developer should know that breaks nothing: a 'warning' event ({code, message}),
   * and console.warn with `debug` (on by default in a mini-program's development version).
   */
  _warn(code, message, extra) {
    const warning = { code, message, ...extra };
    if (this._debug && typeof console !== 'undefined') console.warn(`[zailai] ${code}: ${message}`);
    if (this._listeners.warning.length) this._emit('warning', warning);
    else if (this._pendingWarnings.length < 20) this._pendingWarnings.push(warning); // kept for a listener to come
  }

  /** A locale the rules cannot show (not even in its language) falls back: say so. */
  _checkLocale() {
    if (this.locale === undefined) return;
    const shown = this.rules.locale(String(this.locale));
    const language = (l) => String(l).split(/[-_]/)[0].toLowerCase();
    if (language(shown) !== language(this.locale)) {
      this._warn('LOCALE_FALLBACK', `locale '${this.locale}' is not in the rules: texts are shown in '${shown}' (docs/config.md, "Locales")`);
    }
  }

  _emit(name, payload) {
    if (name === 'error' && this._listeners.error.length === 0) {
      this._pendingErrors.push(payload);
      return;
    }
    for (const listener of [...this._listeners[name]]) {
      try {
        listener(payload);
      } catch (e) {
        // A page's listener must not break the client.
        if (name !== 'error') this._emit('error', zailaiError('LISTENER_FAILED', `a '${name}' listener threw: ${e && e.message}`, { cause: e }));
      }
    }
  }

  // ---- storage ---------------------------------------------------------------------------

  _read(key) {
    try {
      return this._storage.getItem(this._prefix + key);
    } catch (e) {
      this._emit('error', zailaiError('STORAGE_UNREADABLE', `cannot read ${key}: ${e && e.message}`));
      return null;
    }
  }

  _write(key, value) {
    // A closed client never writes again: another client may own these keys now.
    this._live();
    this._storage.setItem(this._prefix + key, value);
  }

  /** Keeps data this build cannot use under another key, so nothing is destroyed. */
  _quarantine(key, raw, error) {
    this._emit('error', error);
    try {
      this._write(`quarantine:${key}:${this._now()}`, raw);
    } catch (_) {
      // A full store cannot keep the copy; the error above already reported the problem.
    }
  }

  _readJSON(key) {
    const raw = this._read(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw);
    } catch (_) {
      return null;
    }
  }

  _saveSession(session) {
    if (this._closed) return;
    try {
      if (session) this._write('session', JSON.stringify(session));
      else this._storage.removeItem(this._prefix + 'session');
    } catch (e) {
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e)));
    }
  }

  _restore() {
    this._clockOffset = 0;
    const now = this._clock();
    let meta = null;
    const rawMeta = this._read('meta');
    if (rawMeta !== null) {
      try {
        meta = JSON.parse(rawMeta);
        if (!meta || meta.v !== STORAGE_FORMAT) {
          this._quarantine('meta', rawMeta, zailaiError('STORAGE_VERSION_UNSUPPORTED', `stored meta has format ${meta && meta.v}, this build reads ${STORAGE_FORMAT}`));
          meta = null;
        }
      } catch (e) {
        this._quarantine('meta', rawMeta, zailaiError('STORAGE_CORRUPT', `stored meta is not JSON: ${e.message}`));
        meta = null;
      }
    }
    // A date JS can hold (an edited meta must not make every launch fail).
    this._joinedAt = meta && Number.isSafeInteger(meta.joinedAt) && Math.abs(meta.joinedAt) <= 8.64e15 ? meta.joinedAt : now;
    this._clockOffset = meta && Number.isFinite(meta.clockOffset) ? meta.clockOffset : 0;
    this._restoreRules();

    // The base is the last snapshot the server signed. Trust never comes from storage: it is
    // verified with the pinned keys, else provisionally with the keys the last /v1/config
    // gave and again once this process has fetched them.
    this._snapshot = null;
    let base;
    const raw = this._read('snapshot');
    this._storedSnapshot = raw;
    if (raw !== null) {
      const keys = this._pinnedKeys.length ? this._pinnedKeys : this._readJSON('keys') || [];
      // Checked whole on arrival; here all but its signature, verified right after the first
      // paint (_checkStoredSignature): the Ed25519 check is most of an open on an iPhone.
      const accepted = this._acceptSnapshot(raw, keys, 'stored', true);
      if (accepted) {
        this._signatureLater = { text: raw, keys };
        this._signatureTimer = setTimeout(() => this._checkStoredSignature(), 0);
        base = accepted.wasm; // handed over to the member below
        this._snapshot = { text: accepted.text, head: accepted.head, provisional: this._pinnedKeys.length === 0 };
      }
    }
    // The member in wasm holds the base, the pending ops, the device and its sequence. Lost
    // meta must not orphan pending ops: the device of the newest pending op is kept.
    // A registered device (device.js) records under the id the server gave it.
    this._registration = this._remote ? readRegistration(this._read('device')) : null;
    const stored = meta && typeof meta.device === 'string' && meta.device ? meta.device : undefined;
    const device = this._registration ? this._registration.device : stored;
    const seq = meta && Number.isInteger(meta.seq) && meta.seq >= 0 && meta.seq <= 0xffffffff ? meta.seq : 0;
    this._log = new PendingLog({ read: (k) => this._read(k), write: (k, v) => this._write(k, v), remove: (k) => this._storage.removeItem(this._prefix + k) });
    const rawPending = this._log.load();
    // The local checkpoint, if it fits this member, base and rules: only the ops after it are
    // replayed (checkpoint.js).
    const checkpoint = loadCheckpoint(this);
    this._member = this._Member.open(this.rules, this.user, device, device ? '' : this._newDeviceId(), this._joinedAt, seq, base, rawPending === null ? undefined : rawPending, checkpoint ? checkpoint.state : undefined);
    this.deviceId = this._member.device;
    const setAside = this._reportDamaged(rawPending);
    // A tap leaves the seq in the pending log only (`_persist`): ops set aside may have held
    // the last seqs given, which must never be handed out again (the server would take a new
    // op under one as already processed). Opened again past them (storage damage only).
    if (setAside > 0) {
      const again = this._snapshot && this._acceptSnapshot(this._snapshot.text, this._pinnedKeys.length ? this._pinnedKeys : this._readJSON('keys') || [], 'stored', true);
      const past = this._member.seq + setAside;
      this._member.free();
      this._member = this._Member.open(this.rules, this.user, this.deviceId, '', this._joinedAt, past, again ? again.wasm : undefined, rawPending);
    }
    const covered = this._member.checkpointCovered > 0;
    this._reportRefused(this._member.takeRefusedJSON(), covered ? checkpoint.refused : undefined);
    if (covered) this._checkpointed = checkpoint.covered;
    // Nothing is written at open unless storage needs mending: a new device or format, a
    // pending line set aside, a snapshot dropped.
    // A pending log of an earlier build's layout is written in this one (pending-log.js).
    const metaKept = this._metaText() === rawMeta;
    this._metaStored = metaKept ? this._metaFields() : null;
    this._dirty = !metaKept || this._member.pendingRewritten || (rawPending !== null && !this._log.appendable) || (this._snapshot ? this._snapshot.text : null) !== raw;
    this._persist();
    maybeCheckpoint(this);
  }

  /**
   * The stored snapshot's signature, left at open for after the first paint (the page's
   * first render runs before this timer): verified now. One that does not verify is set
   * aside and the member rebuilt from a fresh join, as at an open (docs/security.md).
   */
  _checkStoredSignature() {
    const later = this._signatureLater;
    this._signatureLater = null;
    if (!later || this._closed || !this._snapshot || this._snapshot.text !== later.text) return; // a sync replaced it
    try {
      this._verifySnapshot(later.text, later.keys, 'stored').wasm.free();
    } catch (e) {
      this._quarantine('snapshot', later.text, e);
      this._snapshot = null;
      this._reopen(this.deviceId, this._member.seq, undefined, this._member.pendingText());
    }
  }

  /** Keeps aside what the member could not read of the stored pending log; true if anything. */
  _reportDamaged(rawPending) {
    const damaged = JSON.parse(this._member.takeDamagedJSON());
    let ops = 0; // at most
    for (const d of damaged) {
      if (d.line === 0) this._quarantine('pending', rawPending, zailaiError('STORAGE_VERSION_UNSUPPORTED', d.detail));
      else this._quarantine(`pending-line-${d.line}`, d.text, zailaiError('STORAGE_CORRUPT', `pending op on line ${d.line} is unreadable: ${d.detail}`));
      ops += d.line === 0 ? rawPending.split('\n').length : 1;
    }
    return ops;
  }

  /** Reports pending ops the rules refused on a replay (they stay pending: the server decides),
   * after those the local checkpoint the open started from had kept (`covered`). Any other
   * replay (a rebase, a rebuild, a reopen) leaves the stored checkpoint stale. */
  _reportRefused(json, covered) {
    const refused = (covered || []).concat(JSON.parse(json));
    this._replayRefused = refused; // for the next checkpoint
    if (!covered) dropCheckpoint(this);
    for (const { op, code, detail } of refused) {
      this._emit('error', zailaiError('PENDING_OP_REFUSED', `pending op ${op.device}#${op.seq} no longer applies: ${code}: ${detail}`, { op, cause: zailaiError(code, detail) }));
    }
  }

  /** Rules the server sent earlier (unless the app pinned its own): every version stored,
   * so a version scheduled for later takes effect on time with no network. */
  _restoreRules() {
    this._versions = null;
    if (this._rulesPinned) return;
    // Rules stored by earlier builds (as JSON) are fetched again at the next sync. Stored
    // versions were checked when they arrived (_adoptVersions): read, not checked again.
    const versions = storedVersions(this._readJSON('rules'));
    if (versions) {
      try {
        this.rules = buildRules(this._Rules, versions, true);
        this._versions = versions;
        return;
      } catch (e) {
        this._emit('error', e);
      }
    }
    this.rules = this._Rules.seed(); // only when no rules are stored or pinned
  }

  /** Takes the server's versions: the rules rebuilt from them, stored, the pending ops
   * replayed (each under the version in effect at its `at`). Throws what `Rules` throws. */
  _adoptVersions(versions) {
    const rules = buildRules(this._Rules, versions);
    this.rules.free();
    this.rules = rules;
    this._versions = versions;
    this._storeVersions();
  }

  _storeVersions() {
    try {
      this._write('rules', JSON.stringify({ versions: this._versions }));
    } catch (e) {
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e))); // in use; stored next time
    }
  }

  /** Stores no version older than the one in effect at the oldest instant still replayed (a
   * pending op's, or the join without a base): the next launch decodes no more than it needs.
   * The rules in memory keep them until then. */
  _pruneVersions() {
    const versions = this._versions;
    const now = this._now();
    if (!versions || versionIndexAt(versions, now) === 0) return;
    let oldest = this._snapshot ? now : Math.min(now, this._joinedAt);
    for (const op of JSON.parse(this._member.pendingJSON())) oldest = Math.min(oldest, op.at);
    const keep = versionIndexAt(versions, oldest);
    if (keep === 0) return;
    this._versions = versions.slice(keep);
    this._storeVersions();
  }

  /** The config_hash of the rules in effect now as this client holds them, or null when it
   * cannot know (the seed preset; pinned rules it was not told the hash of). */
  _heldRulesHash() {
    if (this._rulesPinned) return this._pinnedHash;
    return this._versions ? this._versions[versionIndexAt(this._versions, this._now())].hash : null;
  }

  /** A warning of the server (a sync reply's `warnings`), passed on once per client. */
  _serverWarning(w) {
    if (!w || typeof w !== 'object' || typeof w.code !== 'string') return;
    const key = JSON.stringify(w);
    if (this._warned.has(key)) return;
    this._warned.add(key);
    const { code, message, ...extra } = w;
    this._warn(code, code === 'RULES_DIFFER' ? rulesDiffer(w.client, w.server) : String(message || code), extra);
  }

  /** The keys trusted now: pinned ones and those fetched from the server in this process. */
  _trustedKeys() {
    return [...this._pinnedKeys, ...(this._fetchedKeys || [])];
  }

  /** Verifies snapshot text with `keys`; returns {text, head, wasm} or throws a coded Error. */
  _verifySnapshot(text, keys, source, signatureLater = false) {
    let wasm;
    try {
      wasm = this._Snapshot.verify(JSON.stringify(keys), text, signatureLater);
    } catch (e) {
      throw zailaiError(e.code || 'SNAPSHOT_MALFORMED', `${source} snapshot refused: ${e.message}`, { cause: e });
    }
    const head = { user: wasm.user, serverVersion: wasm.serverVersion };
    if (head.user !== this.user) {
      wasm.free();
      throw zailaiError('SNAPSHOT_OTHER_USER', `${source} snapshot is of user '${head.user}', this client is '${this.user}'`);
    }
    return { text, head, wasm };
  }

  /** `_verifySnapshot`, or null after reporting why and keeping the text aside. */
  _acceptSnapshot(text, keys, source, signatureLater = false) {
    try {
      return this._verifySnapshot(text, keys, source, signatureLater);
    } catch (e) {
      this._quarantine('snapshot', text, e);
      return null;
    }
  }

  /** Replays the pending ops on the base under the current rules (after they changed). */
  _rebuild() {
    this._changed();
    this._reportRefused(this._member.rebuild(this.rules));
  }

  _persist() {
    if (this._closed) return false;
    if (!this._dirty) return true;
    try {
      const seq = this._member.seq; // one call into the module
      this._savePending(seq);
      // The snapshot is large and changes only with a sync: written only when it changed.
      const text = this._snapshot ? this._snapshot.text : null;
      if (text !== this._storedSnapshot) {
        if (text === null) this._storage.removeItem(this._prefix + 'snapshot');
        else this._write('snapshot', text);
        this._storedSnapshot = text;
      }
      // An action's seq is stored with its op, the last line appended (Member.open takes the
      // larger of meta's and the log's): meta is written when anything else in it changed, or
      // after the log was rewritten.
      const m = this._metaStored;
      if (!m || m.seq !== seq || m.device !== this.deviceId || m.joinedAt !== this._joinedAt || m.user !== this.user || m.clockOffset !== this._clockOffset) {
        const fields = this._metaFields();
        this._write('meta', JSON.stringify(fields));
        this._metaStored = fields;
      }
      this._dirty = false;
      return true;
    } catch (e) {
      // Everything stays in memory and is written again on the next change or flush().
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e)));
      return false;
    }
  }

  /** Stores what actions appended to the pending log (pending-log.js: O(1) an action), or
   * the whole log after a rebase or rebuild rewrote it, or when the layout asks for it. */
  _savePending(seq) {
    const appended = this._log.appendable ? this._member.pendingAppended() : undefined;
    if (appended === undefined || (appended !== '' && !this._log.append(appended))) {
      this._log.rewrite(this._member.pendingText());
      if (this._metaStored) this._metaStored.seq = -1; // the ops holding the seq may be gone: meta holds it again
    }
    this._log.save();
    // The last line appended is the latest action's op: storage holds the member's seq.
    if (appended && this._metaStored && this._metaStored.seq !== -1) this._metaStored.seq = seq;
  }

  _metaFields() {
    return { v: STORAGE_FORMAT, device: this.deviceId, seq: this._member.seq, joinedAt: this._joinedAt, user: this.user, clockOffset: this._clockOffset };
  }

  _metaText() {
    return JSON.stringify(this._metaFields());
  }

  /** Writes anything a full store refused earlier. Returns whether storage is up to date. */
  flush() {
    return this._persist();
  }

  /**
   * Writes what is pending, frees the client's wasm memory and lets go of its storage: the next
   * createClient for this storage and user reads storage again (a relaunch). Later calls on
   * this client throw CLIENT_CLOSED. Returns whether storage was up to date.
   */
  close() {
    if (this._closed) return true;
    const written = this._persist();
    this._closed = true;
    if (this._registerTimer) clearTimeout(this._registerTimer); // no timers at all where no server is set
    if (this._signatureTimer) clearTimeout(this._signatureTimer);
    if (this._checkpointTimer) clearTimeout(this._checkpointTimer);
    this._release();
    this._member.free();
    return written;
  }

  /**
   * Takes the server's registration of this device (device.js): stored, and the member
   * re-opened under the device's id. Ops recorded before (only a build from before
   * registrations could have) are dated before it and cannot count: kept aside and reported.
   */
  _adoptRegistration(reg) {
    const member = this._live();
    if (this._anonymous && this.user !== 'local') reg = { ...reg, user: this.user }; // a re-registration keeps the member
    this._registration = reg;
    try {
      this._write('device', JSON.stringify(reg));
    } catch (e) {
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e))); // registered again at the next launch
    }
    if (member.device === reg.device) return;
    const pending = JSON.parse(member.pendingJSON());
    if (pending.length) {
      this._quarantine('pending-before-registration', member.pendingText(), zailaiError('PENDING_OP_REFUSED', `${pending.length} ops recorded before this device registered with the server are dated before its registration and cannot count (TOO_OLD): kept aside`));
    }
    let base;
    if (this._snapshot) {
      const keys = this._pinnedKeys.length ? this._pinnedKeys : [...(this._fetchedKeys || []), ...(this._readJSON('keys') || [])];
      const again = this._acceptSnapshot(this._snapshot.text, keys, 'stored');
      if (again) base = again.wasm;
      else this._snapshot = null;
    }
    if (!base) this._joinedAt = reg.registeredAt; // a new member's history starts here
    this.deviceId = reg.device;
    this._reopen(reg.device, 0, base, undefined);
  }

  /**
   * The first login of a client made without `user` (docs/sync.md, "Members before they log
   * in"): this device's member is the session's. Only before any snapshot (a client that synced
   * holds its member). Pending ops name their device, not their member: they are replayed as
   * they are on a member of that id, and the push that follows hands them to the server, which
   * binds the device to that member once it checks the device's secret.
   */
  _adoptUser(user) {
    if (!this._anonymous || this.user !== 'local' || this._snapshot || !this._registration) return false;
    const member = this._live();
    this.user = user;
    this._registration = { ...this._registration, user };
    try {
      this._write('device', JSON.stringify(this._registration));
    } catch (e) {
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e))); // adopted again at the next login
    }
    this._reopen(member.device, member.seq, undefined, member.pendingText());
    return true;
  }

  /**
   * The member opened again in place of the live one (another member id, device or base,
   * `pending`: the log to replay on it): its refused ops reported with the views already
   * fresh, storage brought up to date, pages told.
   */
  _reopen(device, seq, base, pending) {
    const old = this._member;
    this._member = this._Member.open(this.rules, this.user, device, '', this._joinedAt, seq, base, pending);
    old.free();
    this._changed();
    this._reportRefused(this._member.takeRefusedJSON());
    this._dirty = true;
    this._persist();
    this._emit('change', { op: null, events: [] });
  }

  /** The member, unless the client was closed. */
  _live() {
    if (this._closed) throw zailaiError('CLIENT_CLOSED', 'this client was closed: create a new one');
    return this._member;
  }

  // ---- actions ---------------------------------------------------------------------------

  /** Records an action as one typed call into the member (`Member.record`): it builds the op,
   * applies it and appends it to the pending log, or throws a coded Error and changes nothing. */
  _act(body, id, times = 0) {
    const member = this._live();
    requireRegistration(this);
    const at = this._now();
    let recorded;
    try {
      recorded = member.record(this.rules, at, body.type, id, times);
    } catch (e) {
      throw inArguments(e, body.type);
    }
    const events = JSON.parse(recorded);
    this._changed();
    this._dirty = true;
    this._persist();
    maybeCheckpoint(this);
    const listened = this._listeners.change.length || this._listeners.reward.length;
    const op = listened ? { device: this.deviceId, seq: member.seq, at, op: body } : null;
    if (this._listeners.change.length) this._emit('change', { op, events });
    if (this._listeners.reward.length) {
      const rewards = events.filter((e) => REWARD_EVENTS.has(e.type) && !(e.type === 'points_credited' && e.granted === 0));
      if (rewards.length) this._emit('reward', { op, events: rewards });
    }
    return events;
  }

  checkIn() {
    return this._act({ type: 'check_in' });
  }
  /** Makes up (补签) a missed day, `YYYY-MM-DD`. */
  makeUp(date) {
    return this._act({ type: 'make_up', date }, text('date', date));
  }
  track(action, times = 1) {
    return this._act({ type: 'track', action, count: times }, text('action', action), whole('count', times, MAX_TRACK_COUNT));
  }
  session(minutes) {
    return this._act({ type: 'session', minutes }, undefined, whole('minutes', minutes, MAX_SESSION_MINUTES));
  }
  claimTask(task) {
    return this._act({ type: 'claim_task', task }, text('task', task));
  }
  redeem(item) {
    return this._act({ type: 'redeem', item }, text('item', item));
  }
  /**
   * What a checkout page may offer offline: `{balance, maxPoints, deductionCents,
   * payCents}` for an order of `amountCents`. Orders themselves are the merchant's: its
   * backend records them through the server's merchant API (docs/merchant.md), and the
   * phone sees them at its next sync.
   */
  checkoutQuote(amountCents) {
    amount('amountCents', amountCents);
    if (!Number.isInteger(amountCents) || amountCents < 1 || amountCents > 1e10) {
      throw zailaiError('BAD_AMOUNT', 'amountCents: must be whole cents from 1 to 10000000000');
    }
    // The arithmetic of the core's view::checkout_quote, here to keep 1.7 KB out of the wasm
    // module; every number stays below 2^53 (js/test/merchant.test.js compares it with the
    // server's quote). Points come in steps worth whole cents.
    const { balance, ratePoints: rp, rateCents: rc, maxOrderPercent: pct } = this.pointsSummary();
    const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
    const step = rp / gcd(rp, rc);
    const most = Math.min(Math.floor((Math.floor((amountCents * pct) / 100) * rp) / rc), balance, 0xffffffff);
    const maxPoints = most - (most % step);
    const deductionCents = (maxPoints * rc) / rp;
    return { balance, maxPoints, deductionCents, payCents: amountCents - deductionCents };
  }
  useService() {
    return this._act({ type: 'use_service' });
  }
  /** Hands in a full set of cards (集福卡) for the set's reward. */
  exchangeCards(set) {
    return this._act({ type: 'exchange_cards', set }, text('set', set));
  }
  /** Pays for a lottery draw; the server decides it at the next sync. */
  draw(lottery) {
    return this._act({ type: 'draw', lottery }, text('lottery', lottery));
  }

  /**
   * The member's monthly report (会员月报) from the server's state, for `month` (`YYYY-MM`,
   * default: this business month): points earned and spent, check-ins, tier progress, next
   * month's benefits. `{svg: true}` gives the report card as SVG text (for svgDataUri). Needs a
   * server; 404 NOT_FOUND before the member's first sync.
   */
  async monthlyReport({ month, svg = false } = {}) {
    if (!this._remote) throw zailaiError('BAD_ARGUMENT', 'monthlyReport needs createClient({server: {...}})');
    const now = this._now();
    const m = month === undefined ? this.rules.businessDate(now).slice(0, 7) : String(month);
    const locale = this.locale ? `&locale=${encodeURIComponent(this.locale)}` : '';
    const path = `/v1/me/report${svg ? '.svg' : ''}?month=${encodeURIComponent(m)}${locale}`;
    const report = await this._remote.authed('GET', path, undefined, now, { text: svg });
    return svg ? report : camelKeys(report); // the HTTP body is snake_case, the JS API camelCase
  }

  /**
   * This member's invite code (to put in a shared page's path, e.g. `?inviter=CODE`). The
   * server credits the code's owner when a new member's first sync carries it:
   * createClient({invitedBy: CODE}) on the invitee's phone. Invites are the server's word,
   * never a device's: `track('invite')` is refused NOT_ALLOWED.
   */
  async inviteCode() {
    if (!this._remote) throw zailaiError('BAD_ARGUMENT', 'inviteCode needs createClient({server: {...}})');
    return (await this._remote.authed('GET', '/v1/me/invite', undefined, this._now())).code;
  }

  /**
   * Fetches a lottery's public record and checks every result against the rules: resolves to
   * {draws, won, mine, record}; rejects with LOTTERY_NOT_REVEALED before the seed is out, or
   * LOTTERY_MISMATCH naming the draw that does not check out.
   */
  async verifyLottery(lottery) {
    if (!this._remote) throw zailaiError('BAD_ARGUMENT', 'verifyLottery needs createClient({server: {...}})');
    // The record comes in pages of up to 1000 draws; stock is counted along all of them.
    const path = `/v1/lotteries/${encodeURIComponent(lottery)}`;
    const record = await this._remote.call('GET', path);
    for (let next = record.next; next != null; ) {
      const page = await this._remote.call('GET', `${path}?after=${next}`);
      if (page.after !== record.draws.length) throw zailaiError('LOTTERY_INVALID', `page after ${page.after} does not follow draw ${record.draws.length}`);
      record.draws.push(...page.draws);
      next = page.next;
    }
    record.next = null;
    return { ...this.rules.verifyLottery(JSON.stringify(record), this.user), record: camelKeys(record) }; // the HTTP body, in the JS API's names
  }

  // ---- sync ------------------------------------------------------------------------------

  /**
   * Sends the pending ops and rebases on the server's signed snapshot. Resolves to
   * {acked, rejected: [{op, code, detail}], serverVersion}; rejects with a coded Error when the
   * server cannot be reached after the retries (nothing is lost: the ops stay pending).
   * Concurrent calls share one sync.
   */
  sync() {
    if (!this._remote) return Promise.reject(zailaiError('BAD_ARGUMENT', 'sync needs createClient({server: {url, transport, credentials}})'));
    if (this._closed) return Promise.reject(zailaiError('CLIENT_CLOSED', 'this client was closed: create a new one'));
    if (!this._syncing) {
      this._syncing = syncOnce(this).finally(() => {
        this._syncing = null;
        if (!this._closed) maybeCheckpoint(this);
      });
    }
    return this._syncing;
  }

  /** The server version of the current base snapshot (0 before the first sync). */
  get serverVersion() {
    return this._snapshot ? this._snapshot.head.serverVersion : 0;
  }

  /** Whether the client syncs with a server (createClient({server})): what sync, verifyLottery
   * and the components' verify action need. */
  get hasServer() {
    return Boolean(this._remote);
  }

  /** Milliseconds added to the local clock so op times follow the server's clock. */
  get clockOffset() {
    return this._clockOffset;
  }

  // ---- views -----------------------------------------------------------------------------

  /** The month grid; defaults to the current business month. */
  calendar(year, month) {
    return withTodayStatus(monthView(this._monthWords(year, month)));
  }
  _month(year, month, now) {
    if (year !== undefined) return [year, month];
    const today = this.rules.businessDate(now); // YYYY-MM-DD in the rules' zone
    return [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  }
  /**
   * A month view, from the last one computed when nothing it depends on changed. A page
   * renders far more often than the state changes, and the month views depend only on the
   * state, the rules, the month, the business day and the locale (not the time of day): the
   * cache is emptied by every action, rebase and rebuild (`_changed`). It keeps what the module
   * answered (the month's numbers, an SVG string), never an object handed out: calendar() and
   * calendarCells() build new objects from the same numbers, so a page may change what it gets.
   */
  _monthView(name, year, month, extra, compute) {
    this._live(); // a closed client answers nothing, not even from the cache
    const now = this._now();
    const today = this.rules.businessDate(now);
    if (year === undefined) [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
    // A version taking effect mid-day changes the views too.
    const version = this._versions ? versionIndexAt(this._versions, now) : 0;
    const key = `${year}-${month}|${today}|${version}|${this.locale}|${extra}`;
    const kept = this._views.get(name);
    if (kept && kept.key === key) return kept.value;
    const value = compute(year, month, now);
    this._views.set(name, { key, value });
    return value;
  }
  /** Forgets the month views: the state or the rules changed. */
  _changed() {
    if (this._views.size) this._views.clear();
  }
  /** The month as Vant-shaped cells for setData; defaults to the current business month. */
  calendarCells(year, month) {
    return monthCells(this._monthWords(year, month));
  }
  /** The month's numbers (src/view/compact.rs), one computation for the grid and the cells. */
  _monthWords(year, month) {
    return this._monthView('month', year, month, '', (y, m, now) => this._live().monthWords(this.rules, y, m, now, this.locale));
  }
  /** The month as an SVG string (`theme`: colours and sizes, see docs/render.md). */
  calendarSVG({ year, month, theme } = {}) {
    const themeText = theme === undefined ? undefined : JSON.stringify(theme);
    return this._monthView('svg', year, month, themeText, (y, m, now) => this._live().calendarSVG(this.rules, y, m, now, this.locale, themeText));
  }
  /** The share poster as Canvas 2D draw commands (replay with drawOnCanvas / drawPoster). */
  posterCommands({ theme } = {}) {
    return JSON.parse(this._live().poster(this.rules, this._now(), this.locale, theme === undefined ? undefined : JSON.stringify(theme)));
  }
  /** A progress bar ({percentage, label}, e.g. from progress()) as an SVG string. */
  progressSVG(value, { theme } = {}) {
    const pct = Math.max(0, Math.min(100, Math.round(Number(value.percentage) || 0)));
    return this._progressSVG(pct, String(value.label || ''), theme === undefined ? undefined : JSON.stringify(theme));
  }
  /** Progress values ({percentage, label}) for tier, next streak milestone and each task. */
  progress() {
    return this._live().progress(this.rules, this._now(), this.locale);
  }
  tierProgress() {
    return this._live().tierProgress(this.rules, this._now(), this.locale);
  }
  tasks() {
    return this._live().tasks(this.rules, this._now(), this.locale);
  }
  /** Campaigns running, coming or just ended, with whether this member may join and did. */
  campaigns() {
    return this._live().campaigns(this.rules, this._now(), this.locale);
  }
  /** The points catalog with what the member can afford now. */
  catalog() {
    return this._live().catalog(this.rules, this._now(), this.locale);
  }
  pointsSummary() {
    return this._live().pointsSummary(this.rules, this._now());
  }
  prompts() {
    return this._live().prompts(this.rules, this._now(), this.locale);
  }
  /**
   * The one prompt to show as the page opens, or null: the most important one (lowest
   * priority) that the frequency caps allow, remembered in storage as shown. Caps:
   * createClient({promptCaps: {perDay, minDaysBetween: {kind: days}}}).
   */
  promptToShow() {
    const today = this.rules.businessDate(this._now());
    const log = this._readJSON('prompts') || {};
    const last = log.last && typeof log.last === 'object' ? log.last : {};
    const count = log.day === today && Number.isInteger(log.count) ? log.count : 0;
    if (count >= this._promptCaps.perDay) return null;
    const prompt = this.prompts().find((p) => {
      const seen = last[p.kind];
      return !seen || daysBetween(seen, today) >= (this._promptCaps.minDaysBetween[p.kind] ?? 1);
    });
    if (!prompt) return null;
    try {
      this._write('prompts', JSON.stringify({ day: today, count: count + 1, last: { ...last, [prompt.kind]: today } }));
    } catch (e) {
      this._emit('error', e && e.code ? e : zailaiError('STORAGE_FULL', String(e)));
    }
    return prompt;
  }
  summary() {
    return this._live().summary(this.rules, this._now());
  }
  /** Ops not yet acknowledged by a server, oldest first. */
  pendingOps() {
    return JSON.parse(this._live().pendingJSON());
  }
  /** The member's state as canonical JSON. */
  stateJSON() {
    return this._live().stateJSON();
  }
}
