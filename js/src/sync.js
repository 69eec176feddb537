// One sync of a client with the reference server (docs/sync.md): fetch the rules and keys once
// per process, push the pending ops in batches, verify the signed snapshot, rebase on it.
// Nothing pending is dropped unless the server's signed snapshot says it was processed.
import { zailaiError } from './errors.js';
import { DEVICE_SECRET_HEADER, PROTOCOL } from './remote.js';
import { ensureRegistered, forgetRegistration } from './device.js';
import { mergeVersions, offeredVersions, sameVersions } from './config.js';

const MAX_OPS_PER_PUSH = 500;
/** The binary rule format this build reads (`docs/binary.md`, "Rules"). */
const RULES_FORMAT = 3;

/** The midpoint of a request is the best local guess of when the server read its clock. */
function learnClock(c, serverTime, sentAt, receivedAt) {
  if (!Number.isFinite(serverTime)) return;
  c._clockOffset = Math.round(serverTime - (sentAt + receivedAt) / 2);
  c._dirty = true;
}

function badReply(what) {
  return zailaiError('BAD_REPLY', `the server's reply ${what}`);
}

/** GET /v1/config: keys trusted for this process, the server's rules, its clock. */
export async function refreshConfig(c) {
  const sentAt = c._clock();
  const reply = await c._remote.call('GET', `/v1/config?rules_formats=${RULES_FORMAT}`);
  c._live(); // closed while waiting: touch nothing (CLIENT_CLOSED)
  learnClock(c, reply.server_time, sentAt, c._clock());
  if (reply.protocol !== PROTOCOL) throw zailaiError('VERSION_NOT_SUPPORTED', `the server speaks protocol ${reply.protocol}, this client ${PROTOCOL}`);
  if (!Array.isArray(reply.keys)) throw badReply('has no keys');
  c._fetchedKeys = reply.keys.map(({ id, public: pub }) => ({ id, public: pub }));
  try {
    c._write('keys', JSON.stringify(c._fetchedKeys));
  } catch (_) {
    // Only a cache for offline launches; the next config fetch writes it again.
  }
  let rebuild = false;
  const offered = offeredVersions(reply);
  // A server that announces versions reads `rules_hash` in a push (older ones refuse unknown
  // fields).
  c._versionsAnnounced = Boolean(reply.version);
  if (c._rulesPinned) {
    // An app that pinned its own rules keeps them, and the server's word wins at every sync:
    // say so when they are not the server's.
    checkPinned(c, offered);
  } else if (typeof reply.config_hash === 'string') {
    const versions = mergeVersions(c._versions, offered);
    if (!sameVersions(versions, c._versions)) {
      try {
        if (reply.rules_format !== RULES_FORMAT || typeof reply.rules !== 'string') {
          throw zailaiError('VERSION_NOT_SUPPORTED', `the server sends no rules in binary format ${RULES_FORMAT} (it writes format ${reply.rules_format})`);
        }
        c._adoptVersions(versions); // CONFIG_* for rules this build cannot read
        rebuild = true;
      } catch (e) {
        // Keep the rules we have and go on syncing: the server's snapshot is the truth either
        // way. The app hears of it (an update of the mini-program reads the new rules).
        c._emit('error', e);
      }
    }
  }
  // A base loaded with cached keys is verified again with the keys just fetched: the member
  // keeps it if it verifies, sets it aside if not.
  if (c._snapshot && c._snapshot.provisional) {
    const again = c._acceptSnapshot(c._snapshot.text, c._trustedKeys(), 'stored');
    c._dirty = true;
    if (again) {
      again.wasm.free(); // the same bytes as the member's base
      c._snapshot.provisional = false;
    } else {
      c._snapshot = null;
      c._changed();
      c._reportRefused(c._member.dropBase(c.rules));
      rebuild = false;
    }
  }
  if (rebuild) c._rebuild();
}

/** Pinned rules: their hash when the server sends the same bytes (the binary form is
 * canonical), else RULES_DIFFER at once, from the client, when it could compare. */
function checkPinned(c, offered) {
  if (c._pinnedHash !== null) return; // named by the app: the server compares at each push
  const same = offered.find((v) => v.rules === c._pinnedText);
  if (same) c._pinnedHash = same.hash;
  else if (typeof offered[0].rules === 'string') c._serverWarning({ code: 'RULES_DIFFER', client: null, server: offered[0].hash });
}

/** Verifies the reply's snapshot; an unknown key is worth one config fetch (rotation). */
async function verifyReplySnapshot(c, text) {
  const source = "the server's";
  try {
    try {
      return c._verifySnapshot(text, c._trustedKeys(), source);
    } catch (e) {
      if (e.code !== 'SNAPSHOT_UNKNOWN_KEY') throw e;
      await refreshConfig(c);
      return c._verifySnapshot(text, c._trustedKeys(), source);
    }
  } catch (e) {
    c._quarantine('snapshot', text, e); // reported; the ops stay pending and are sent again
    throw e;
  }
}

/** One push (the member's body: its oldest pending ops on its base) and the rebase on the
 * verified reply. */
async function pushBatch(c, push, secret) {
  const sentAt = c._clock();
  let reply;
  try {
    reply = await c._remote.authed('POST', '/v1/sync', push, sentAt, { headers: { [DEVICE_SECRET_HEADER]: secret } });
  } catch (e) {
    // The server lost this device (a reset database): register anew; nothing pending is lost
    // here, though ops dated before the new registration will be refused.
    if (e.code === 'DEVICE_NOT_REGISTERED' && !c._closed) forgetRegistration(c);
    throw e;
  }
  c._live(); // closed while waiting: the ops stay pending in storage for the next client
  learnClock(c, reply.server_time, sentAt, c._clock());
  if (!Array.isArray(reply.acked) || !Array.isArray(reply.rejected) || typeof reply.snapshot !== 'string') {
    throw badReply('lacks acked, rejected or snapshot');
  }
  const snapshot = await verifyReplySnapshot(c, reply.snapshot);
  const member = c._live();
  const bySeq = new Map(push.ops.map((op) => [op.seq, op]));
  const rejected = reply.rejected.map((r) => ({ op: bySeq.get(r.seq) || { device: c.deviceId, seq: r.seq }, code: r.code, detail: r.detail }));
  c._snapshot = { text: snapshot.text, head: snapshot.head, provisional: false };
  c._changed();
  c._reportRefused(member.rebase(c.rules, snapshot.wasm)); // takes the verified base, drops what it acknowledges
  c._dirty = true;
  c._persist();
  c._pruneVersions(); // versions no pending op is dated under any more
  if (Array.isArray(reply.warnings)) for (const w of reply.warnings) c._serverWarning(w);
  return { acked: reply.acked, rejected };
}

/** Why the ops are not pushed: they are another member's than the session's. */
function mismatch(c, user) {
  if (!c._anonymous) return `the session is for user '${user}', this client keeps '${c.user}': create the client with user '${user}'`;
  return `the session is for user '${user}', but this device's ops belong to '${c.user}', the member of its first login (a device serves one member): log in as '${c.user}', or give the other member a client of its own (createClient({user: '${user}'}), its own storage keys and device)`;
}

/** The whole sync: config once, then batches until nothing the server has not seen is left. */
export async function syncOnce(c) {
  try {
    if (!c._fetchedKeys) await refreshConfig(c);
    const { secret } = await ensureRegistered(c);
    const session = await c._remote.token(c._clock());
    // A client made without `user` takes the member of its first login (client.js _adoptUser).
    if (session.user !== c.user && !c._adoptUser(session.user)) {
      throw zailaiError('SESSION_USER_MISMATCH', mismatch(c, session.user));
    }
    const result = { acked: [], rejected: [], serverVersion: 0 };
    // Always one push, even with nothing pending: it brings the other devices' ops.
    for (let first = true; ; first = false) {
      const push = JSON.parse(c._live().pushJSON());
      // Only a member's first sync can credit an invite: once this device holds a server
      // snapshot, the code would only cost the server a lookup.
      if (c._invitedBy && !c.serverVersion) push.invited_by = c._invitedBy;
      // The rules this client holds, for the server to compare (RULES_DIFFER in the reply).
      const rulesHash = c._versionsAnnounced ? c._heldRulesHash() : null;
      if (rulesHash) push.rules_hash = rulesHash;
      if (!first && push.ops.length === 0) break;
      const { acked, rejected } = await pushBatch(c, push, secret);
      result.acked.push(...acked);
      result.rejected.push(...rejected);
      if (push.ops.length < MAX_OPS_PER_PUSH) break;
    }
    result.serverVersion = c.serverVersion;
    c._emit('sync', result);
    c._emit('change', { op: null, events: [], sync: result });
    return result;
  } catch (e) {
    c._persist(); // a learned clock offset or refreshed rules survive a failed push (not once closed)
    throw e;
  }
}
