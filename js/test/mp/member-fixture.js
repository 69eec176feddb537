// A real member's client storage for the corrupted-storage scenario (./scenarios.js): the Node
// build of the package syncs one check-in with a real `zailai serve`, then keeps one op pending.
const { pkg: pkgDir } = require('../helpers.js');
const { startServer, call } = require('../server-helpers.js');

async function memberFixture(user = 'ios-member') {
  const pkg = require(pkgDir);
  const server = await startServer(['--dev']);
  try {
    const keys = (await call(server.url, '/v1/config')).json.keys.map(({ id, public: pub }) => ({ id, public: pub }));
    const storage = pkg.memoryStorage();
    const client = await pkg.createClient({
      storage,
      user,
      trustedKeys: keys,
      server: { url: server.url, transport: pkg.fetchTransport(), credentials: async () => ({ dev_user: user }), retry: { retries: 1, baseMs: 10, maxMs: 20 } },
    });
    client.checkIn();
    await client.sync();
    client.track('share');
    const entries = Object.fromEntries(storage.keys().map((k) => [k, storage.getItem(k)]));
    return { user, keys, entries };
  } finally {
    server.child.kill();
  }
}

module.exports = { memberFixture };
