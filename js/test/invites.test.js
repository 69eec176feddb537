// Invites the server witnesses, against the real `zailai serve`: a member's code; a new
// member's first sync with it credits the inviter once; nothing else does (later syncs,
// members who were there already, one's own code, unknown codes, a device's own `track`).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, call, openSnapshot } = require('./server-helpers.js');

test('an invite counts once, only for a new member who arrives with the code', async (t) => {
  const { url, child } = await startServer(['--dev']);
  t.after(() => child.kill());
  const login = async (user) => (tokens[user] = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token);
  const push = (token, device, ops, invited_by) =>
    call(url, '/v1/sync', { method: 'POST', token, body: { protocol: 1, device, base_version: 0, snapshot_formats: [4], ops, ...(invited_by === undefined ? {} : { invited_by }) } });
  const open = (seq) => ({ device: 'p', seq, at: Date.now(), op: { type: 'track', action: 'open' } });
  const keys = (await call(url, '/v1/config')).json.keys;
  const tokens = {};
  // Invites recorded for `user`: the invite task's progress in their signed state.
  const invites = async (user) => {
    const reply = await push(tokens[user], 'p', []);
    const task = openSnapshot(reply.json.snapshot, keys).state.tasks.growth_invite;
    return task ? task.progress : 0;
  };

  const alice = await login('alice');
  assert.equal((await push(alice, 'p', [open(1)])).status, 200);
  const code = (await call(url, '/v1/me/invite', { token: alice })).json.code;
  assert.match(code, /^[2-9A-HJ-NP-Z]{8}$/);
  assert.equal((await call(url, '/v1/me/invite', { token: alice })).json.code, code, 'the same code every time');
  assert.equal((await call(url, '/v1/me/invite')).status, 401);

  // A device cannot record an invite itself.
  const forged = await push(alice, 'p', [{ device: 'p', seq: 2, at: Date.now(), op: { type: 'track', action: 'invite' } }]);
  assert.deepEqual(forged.json.rejected.map((r) => r.code), ['NOT_ALLOWED']);
  assert.equal(await invites('alice'), 0);

  // Bob is new and arrives with Alice's code: one invite, however often his phone resends it.
  const bob = await login('bob');
  assert.equal((await push(bob, 'p', [open(1)], code)).status, 200);
  assert.equal((await push(bob, 'p', [open(2)], code)).status, 200);
  assert.equal(await invites('alice'), 1);

  // Carol was a member before she saw the code: no invite. Dave uses his own code: none.
  const carol = await login('carol');
  await push(carol, 'p', [open(1)]);
  await push(carol, 'p', [open(2)], code);
  const dave = await login('dave');
  const daveCode = (await call(url, '/v1/me/invite', { token: dave })).json.code;
  await push(dave, 'p', [open(1)], daveCode);
  assert.equal(await invites('dave'), 0, 'no invite of oneself');
  // An unknown code changes nothing and does not hold up the sync.
  const erin = await login('erin');
  assert.equal((await push(erin, 'p', [open(1)], 'NOSUCHCD')).status, 200);
  assert.equal(await invites('alice'), 1);

  // A malformed code is a bad request with its path.
  const bad = await push(await login('fay'), 'p', [], '');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.path, 'invited_by');
});

test('a client sends its invite code until it holds a server snapshot, then never again', async (t) => {
  const zailai = require(require('./helpers.js').pkg);
  const { url, child } = await startServer(['--dev']);
  t.after(() => child.kill());
  const sent = [];
  const base = zailai.fetchTransport();
  const transport = {
    request: (req) => {
      if (req.url.endsWith('/v1/sync')) sent.push('invited_by' in JSON.parse(req.body));
      return base.request(req);
    },
  };
  const server = (user) => ({ url, transport, credentials: async () => ({ dev_user: user }), retry: { retries: 0 } });
  const host = await zailai.createClient({ storage: zailai.memoryStorage(), user: 'host', server: server('host') });
  await host.sync();
  const code = await host.inviteCode();
  const storage = zailai.memoryStorage();
  const guest = await zailai.createClient({ storage, user: 'guest', invitedBy: code, server: server('guest') });
  guest.checkIn();
  await guest.sync();
  await guest.sync();
  // The app passes the launch code again after a restart: the stored snapshot says not new.
  const restarted = await zailai.createClient({ storage, user: 'guest', invitedBy: code, server: server('guest') });
  await restarted.sync();
  assert.deepEqual(sent, [false, true, false, false]);
  const progress = (await host.sync(), host.tasks().find((task) => task.id === 'growth_invite').progress);
  assert.equal(progress, 1, 'the one send credited the host');
});
