// A heavy member's year as ops (about 2,000), the same for every benchmark: the wasm client in
// Node, the plain-JS rules and the native core (benches/core.rs reads the JSON this writes).
// Seeded (mulberry32), so every run and every machine replays the same year.

const DAY = 86_400_000;
/** 2026-01-05 09:00 UTC+8: the year starts on a Monday morning in the rules' zone. */
export const START = Date.UTC(2026, 0, 5, 1, 0);

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const date = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** `{user, joined_at, ops}` (the orders as the merchant's `~merchant` ops, the rest the
 * phone's `bench` ops): a daily user who checks in most days, shares, uses the core
 * feature, buys every week or so, makes up a missed day now and then, and plays the Spring
 * Festival cards and lottery. */
export function heavyYear(seed = 1) {
  const rnd = mulberry32(seed);
  const ops = [];
  let seq = 0;
  let merchantSeq = 0;
  const push = (at, op) => ops.push({ device: 'bench', seq: ++seq, at, op });
  // Orders are the merchant's, written by the server's merchant API (docs/merchant.md).
  const merchant = (at, op) => ops.push({ device: '~merchant', seq: ++merchantSeq, at, op });
  let missed = null;
  for (let d = 0; d < 365; d++) {
    const day = START + d * DAY;
    let t = day + Math.floor(rnd() * 3_600_000);
    const next = () => (t += 60_000 + Math.floor(rnd() * 600_000));
    push(next(), { type: 'track', action: 'open' });
    if (rnd() < 0.9) push(next(), { type: 'check_in' });
    else missed = day;
    if (missed !== null && missed !== day && date(missed).slice(0, 7) === date(day).slice(0, 7) && rnd() < 0.5) {
      push(next(), { type: 'make_up', date: date(missed) });
      missed = null;
    }
    if (rnd() < 0.4) push(next(), { type: 'track', action: 'share' });
    const core = Math.floor(rnd() * 3);
    for (let i = 0; i < core; i++) push(next(), { type: 'track', action: 'core_action' });
    if (rnd() < 0.5) push(next(), { type: 'track', action: 'query' });
    if (rnd() < 0.3) push(next(), { type: 'track', action: 'browse_guide' });
    push(next(), { type: 'session', minutes: 3 + Math.floor(rnd() * 27) });
    if (d % 7 === 3) merchant(next(), { type: 'order', order: `o${d}`, amount_cents: 5000 + Math.floor(rnd() * 25000), points: 0 });
    if (d === 12) push(next(), { type: 'claim_task', task: 'growth_use_10' });
    if (d % 60 === 30) push(next(), { type: 'redeem', item: 'streak_freeze' });
    if (date(day) >= '2027-02-06' && date(day) <= '2027-02-12') push(next(), { type: 'draw', lottery: 'spring_draw_2027' });
  }
  return { user: 'heavy', joined_at: START, ops };
}

// `node benches/heavy-year.mjs OUT.json` writes the year for the native bench.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync } = await import('node:fs');
  const year = heavyYear();
  writeFileSync(process.argv[2], JSON.stringify(year));
  console.log(`${year.ops.length} ops → ${process.argv[2]}`);
}
