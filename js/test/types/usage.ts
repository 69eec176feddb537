// Compiled with tsc --strict against the built package's types. Each @ts-expect-error must
// be an error: if a type degraded to `any`, tsc reports the directive as unused and fails.
import { createClient, fetchTransport, load, memoryStorage, wxStorage, type Event, type SyncResult, type ZailaiError } from 'zailai';
import { checkRules, decodeRules, diffRules, encodeRules, ruleMessage, type RuleChange, type RuleProblem } from 'zailai';

async function page(wxApi: Parameters<typeof wxStorage>[0]) {
  const client = await createClient({ storage: wxStorage(wxApi), user: 'u', locale: 'zh-CN' });
  const events: Event[] = client.checkIn();
  for (const e of events) {
    if (e.type === 'points_credited') {
      const granted: number = e.granted;
      const cap: 'daily' | 'monthly' | undefined = e.cap;
      void granted, cap;
    }
    // @ts-expect-error `streak` exists only on some events
    void e.streak;
  }
  const cal = client.calendar();
  const firstStatus: string = cal.weeks[0][0].status;
  // @ts-expect-error a status is one of the listed strings
  const bad: typeof cal.weeks[0][0]['status'] = 'sleeping';
  const progress = client.tierProgress();
  const pct: number = progress.percentage;
  const next: string | undefined = progress.next?.id;
  client.on('error', (e: ZailaiError) => {
    const code: string = e.code;
    void code;
  });
  client.on('warning', (w) => {
    if (w.code === 'RULES_DIFFER') {
      const held: string | null = w.client;
      const server: string = w.server;
      void held, server;
    }
    // @ts-expect-error only RULES_DIFFER names the hashes
    void w.server;
  });
  // @ts-expect-error make-up takes a date string
  client.makeUp(20261101);
  // @ts-expect-error unknown event name
  client.on('click', () => {});
  const offer: number = client.checkoutQuote(20000).maxPoints;
  // @ts-expect-error the client records no orders: the merchant's backend does
  client.order('A-1', 20000);
  void offer;
  const summary = client.pointsSummary();
  const expiring: { date: string; points: number }[] = summary.expiring;
  void firstStatus, bad, pct, next, expiring;
}

async function node() {
  const client = await createClient({ storage: memoryStorage({ quotaBytes: 1000 }), now: () => Date.now() });
  // @ts-expect-error storage is required
  await createClient({});
  // @ts-expect-error an adapter has getItem, setItem and removeItem
  await createClient({ storage: { getItem: () => null } });
  const balance = client.summary().balance.toFixed(0);
  const written: boolean = client.close(); // the next createClient for this storage reads it again
  const store: object | undefined = wxStorage({ getStorageSync: () => '', setStorageSync: () => {}, removeStorageSync: () => {} }).store;
  void written, store;
  return balance;
}

async function synced() {
  const client = await createClient({
    storage: memoryStorage(),
    user: 'u1',
    trustedKeys: [{ id: 'k1', public: 'AAAA' }],
    server: { url: 'http://127.0.0.1:8787', transport: fetchTransport(), credentials: () => ({ dev_user: 'u1' }) },
  });
  const result: SyncResult = await client.sync();
  for (const r of result.rejected) {
    const code: string = r.code;
    const seq: number = r.op.seq;
    void code, seq;
  }
  // @ts-expect-error the server needs a transport
  await createClient({ storage: memoryStorage(), server: { url: 'http://x', credentials: () => ({}) } });
  const version: number = client.serverVersion;
  return version;
}

/** The device replica a client drives, used directly. */
async function device(): Promise<string> {
  const { Rules, Member } = await load();
  const rules = Rules.seed();
  rules.schedule('…the binary form…', Date.parse('2027-02-06T16:00:00Z')); // 春节, 00:00 UTC+8
  // @ts-expect-error an instant is epoch ms, not a date string
  rules.schedule('…', '2027-02-07');
  const m = Member.open(rules, 'u', undefined, 'phone', Date.now(), 0, undefined, undefined);
  const events: string = m.record(rules, Date.now(), 'check_in', undefined, 0);
  // @ts-expect-error grants come from the server, not a device's record()
  m.record(rules, Date.now(), 'grant', undefined, 0);
  // @ts-expect-error orders are the merchant's (docs/merchant.md), not a device's record()
  m.record(rules, Date.now(), 'order', 'A-1', 0);
  const appended: string | undefined = m.pendingAppended();
  const seq: number = m.seq;
  void events, appended, seq;
  const push = m.pushJSON();
  m.free();
  return push;
}

/** Rules written from JS: check, encode, pin. */
async function pinned(text: string): Promise<string> {
  const checked = checkRules(text, { lang: 'en' });
  if (!checked.ok) {
    const where: string[] = checked.problems.map((p: RuleProblem) => `${p.path}: ${p.message} (${p.reason})`);
    // @ts-expect-error a refused check has no hash
    void checked.hash;
    return where.join('\n');
  }
  const { rules, hash } = encodeRules(checked.config);
  const back: string = decodeRules(rules, { lang: 'zh' }).hash;
  const changes: RuleChange[] = diffRules(text, rules);
  // @ts-expect-error 'zh' or 'en' only
  checkRules(text, { lang: 'fr' });
  const c = await createClient({ config: rules, storage: memoryStorage() });
  c.close();
  return `${hash} ${back} ${changes.length} ${ruleMessage('must be at least 1')}`;
}

void page, node, synced, device, pinned;
