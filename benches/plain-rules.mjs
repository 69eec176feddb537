// Check-in, streak and points written the way a mini-program developer would write them in
// plain JS, for the seed's numbers: base 5 a check-in, +10 on streak day 3 and +30 on day 7 of
// each 7-day cycle, make-ups for 10 points within the month (3 a month), earning rules with
// per-day limits, caps of 100 a day and 2000 a month. No tiers, tasks, campaigns or expiry:
// the benchmark feeds only ops whose outcome these rules fully decide, and
// `checkAgainstEngine` compares this with the wasm engine op by op, so the speed comparison
// is between two implementations of the same rules.

const DAY = 86_400_000;
const ZONE = 8 * 3_600_000;
const EARNING = { open: [10, 1], core_action: [15, Infinity], share: [30, 1], review: [20, Infinity] };

const dayOf = (at) => Math.floor((at + ZONE) / DAY);
const monthOf = (day) => new Date(day * DAY).toISOString().slice(0, 7);
const dayOfDate = (s) => Math.floor(Date.parse(`${s}T00:00:00Z`) / DAY);

export class PlainMember {
  constructor(joinedAt) {
    this.joined = dayOf(joinedAt);
    this.marks = new Set();
    this.balance = 0;
    this.earnedDay = new Map();
    this.earnedMonth = new Map();
    this.ruleCounts = new Map();
    this.makeups = new Map();
  }

  credit(day, amount) {
    const dayRoom = 100 - (this.earnedDay.get(day) || 0);
    const monthRoom = 2000 - (this.earnedMonth.get(monthOf(day)) || 0);
    const granted = Math.max(0, Math.min(amount, dayRoom, monthRoom));
    this.earnedDay.set(day, (this.earnedDay.get(day) || 0) + granted);
    this.earnedMonth.set(monthOf(day), (this.earnedMonth.get(monthOf(day)) || 0) + granted);
    this.balance += granted;
  }

  streakEnding(day) {
    let n = 0;
    while (this.marks.has(day - n)) n++;
    return n;
  }

  /** Applies `{at, op}`; returns null or the refusal's code, like the engine's. */
  apply({ at, op }) {
    const day = dayOf(at);
    if (op.type === 'check_in') {
      if (this.marks.has(day)) return 'ALREADY_CHECKED_IN';
      this.marks.add(day);
      this.credit(day, 5);
      const position = ((this.streakEnding(day) - 1) % 7) + 1;
      if (position === 3) this.credit(day, 10);
      if (position === 7) this.credit(day, 30);
      return null;
    }
    if (op.type === 'make_up') {
      const target = dayOfDate(op.date);
      if (target >= day) return 'MAKEUP_NOT_PAST';
      if (target < this.joined) return 'MAKEUP_BEFORE_JOIN';
      if (this.marks.has(target)) return 'MAKEUP_NOT_MISSED';
      if (monthOf(target) !== monthOf(day)) return 'MAKEUP_WINDOW_EXCEEDED';
      if ((this.makeups.get(monthOf(day)) || 0) >= 3) return 'MAKEUP_LIMIT_REACHED';
      if (this.balance < 10) return 'INSUFFICIENT_POINTS';
      this.balance -= 10;
      this.makeups.set(monthOf(day), (this.makeups.get(monthOf(day)) || 0) + 1);
      this.marks.add(target);
      return null;
    }
    if (op.type === 'track') {
      const [points, limit] = EARNING[op.action];
      const key = `${day}:${op.action}`;
      const used = this.ruleCounts.get(key) || 0;
      if (used < limit) {
        this.ruleCounts.set(key, used + 1);
        this.credit(day, points);
      }
      return null;
    }
    throw new Error(`plain rules do not know ${op.type}`);
  }

  streak(today) {
    return this.streakEnding(today) || this.streakEnding(today - 1);
  }
}

/** Random ops over `days` days that only these rules decide (no `open`, so no tier moves). */
export function randomOps(rnd, start, days) {
  const ops = [];
  let seq = 0;
  for (let d = 0; d < days; d++) {
    const n = Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) {
      const at = start + d * DAY + Math.floor(((i + rnd()) / n) * (DAY - 60_000));
      const r = rnd();
      let op;
      if (r < 0.35) op = { type: 'check_in' };
      else if (r < 0.5) op = { type: 'make_up', date: new Date((dayOf(at) - 1 - Math.floor(rnd() * 6)) * DAY).toISOString().slice(0, 10) };
      else op = { type: 'track', action: ['core_action', 'share', 'review'][Math.floor(rnd() * 3)] };
      ops.push({ device: 'plain', seq: ++seq, at, op });
    }
  }
  return ops;
}

/** The seed rules these plain ones implement: the seed without its tasks (whose rewards the
 * plain rules do not model) and without its Spring Festival extras. */
export function plainRulesConfig(seed) {
  const cfg = structuredClone(seed);
  delete cfg.tasks;
  delete cfg.cards;
  delete cfg.lotteries;
  delete cfg.campaigns;
  return cfg;
}

/** Runs `sequences` random sequences through both and throws on the first difference. */
export function checkAgainstEngine({ Rules, Member }, rules, rnd, sequences = 200) {
  let compared = 0;
  for (let s = 0; s < sequences; s++) {
    const start = Date.UTC(2026, 0, 1 + Math.floor(rnd() * 300), 1, 0);
    const ops = randomOps(rnd, start, 20 + Math.floor(rnd() * 60));
    const plain = new PlainMember(start);
    const engine = Member.join(rules, 'plain', start);
    for (const op of ops) {
      let code = null;
      try {
        engine.apply(rules, op);
      } catch (e) {
        code = e.code;
      }
      const mine = plain.apply(op);
      const summary = engine.summary(rules, op.at);
      if (mine !== code || plain.balance !== summary.balance || plain.streak(dayOf(op.at)) !== summary.streak) {
        throw new Error(`plain JS and engine differ at ${JSON.stringify(op)}: ${mine}/${code}, balance ${plain.balance}/${summary.balance}, streak ${plain.streak(dayOf(op.at))}/${summary.streak}`);
      }
      compared++;
    }
    engine.free();
  }
  return compared;
}
