// Types of the zailai package, shared by its three entries (miniprogram.d.ts, node.d.ts,
// web.d.ts list what each exports). Nothing here needs the DOM: a mini-program project
// compiles them with miniprogram-api-typings alone.
//
// Names: every value the JS API hands out or takes (views, events, errors, options, themes)
// has camelCase keys. What is a wire or file format keeps its snake_case: rule files
// (`Config`), ops (`Op`, the body of POST /v1/sync and docs/ops.md), rule paths in errors.
// String values (event `type`, statuses, op types) are spelled as in those formats.

/** `YYYY-MM-DD`, a business date. */
export type DateString = string;
/** Epoch milliseconds. */
export type EpochMs = number;
/** `zh-CN`, `en`, or WeChat's own spelling (`zh_CN`, `en_US`, from wx.getAppBaseInfo().language). */
export type Locale = 'zh-CN' | 'zh_CN' | 'en' | 'en_US' | (string & {});

// ---- errors ------------------------------------------------------------------------------
// js/test/types.test.js checks these unions against every code the Rust core, the
// wasm bindings, the JS layer and the server can throw.

/** A rule refused an op, or a stored state, op or snapshot could not be read. */
export type RuleErrorCode =
  | 'DUPLICATE_OP' | 'OP_BEFORE_JOIN' | 'OP_TOO_OLD' | 'ALREADY_CHECKED_IN' | 'INSUFFICIENT_POINTS'
  | 'INVALID_DATE' | 'THEME_INVALID' | 'MAKEUP_NOT_PAST' | 'MAKEUP_BEFORE_JOIN' | 'MAKEUP_NOT_MISSED'
  | 'MAKEUP_WINDOW_EXCEEDED' | 'MAKEUP_LIMIT_REACHED' | 'FREEZE_LIMIT_REACHED' | 'UNKNOWN_ACTION'
  | 'UNKNOWN_TASK' | 'TASK_NOT_COMPLETED' | 'TASK_ALREADY_CLAIMED' | 'UNKNOWN_ITEM' | 'UNKNOWN_PLAN'
  | 'ORDER_EXISTS' | 'UNKNOWN_ORDER' | 'ORDER_ALREADY_CANCELLED' | 'DEDUCTION_TOO_LARGE'
  | 'DEDUCTION_NOT_EXACT' | 'NO_FREE_SERVICE_LEFT' | 'BAD_AMOUNT' | 'STATE_VERSION_UNSUPPORTED'
  | 'STATE_INVALID' | 'OP_INVALID' | 'OP_LOG_VERSION_UNSUPPORTED' | 'SNAPSHOT_MALFORMED'
  | 'SNAPSHOT_VERSION_UNSUPPORTED' | 'SNAPSHOT_UNKNOWN_KEY' | 'SNAPSHOT_BAD_SIGNATURE'
  | 'SNAPSHOT_OTHER_USER' | 'UNKNOWN_CARD_SET' | 'NOT_ALLOWED' | 'DEVICE_LIMIT' | 'CARDS_INCOMPLETE'
  | 'UNKNOWN_LOTTERY' | 'LOTTERY_CLOSED' | 'DRAW_LIMIT_REACHED' | 'DRAW_NOT_PENDING' | 'UNKNOWN_PRIZE'
  | 'LOTTERY_INVALID' | 'LOTTERY_NOT_REVEALED' | 'LOTTERY_MISMATCH' | 'UNKNOWN_HOLD' | 'HOLD_EXCEEDED'
  | 'REFUND_TOO_LARGE' | 'HOLD_LIMIT' | 'NO_MEMBERSHIP' | 'COUPON_NOT_HELD';

/** Raised by the package itself: arguments, rule files, storage, loading, the network. */
export type ClientErrorCode =
  | 'BAD_ARGUMENT' | 'CONFIG_INVALID' | 'CONFIG_TOO_NEW' | 'STORAGE_FULL' | 'STORAGE_CORRUPT'
  | 'STORAGE_UNREADABLE' | 'STORAGE_VERSION_UNSUPPORTED' | 'PENDING_OP_REFUSED' | 'LISTENER_FAILED'
  | 'CLIENT_CLOSED' | 'WASM_UNAVAILABLE' | 'NETWORK' | 'BAD_REPLY' | 'SESSION_USER_MISMATCH'
  | 'VERSION_NOT_SUPPORTED' | 'INTERNAL';

/** The server's answer (`{"error": {"code"}}`, `status` set), or `HTTP_<status>` from a proxy. */
export type ServerErrorCode =
  | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED' | 'REQUEST_TIMEOUT' | 'USER_BLOCKED' | 'UPSTREAM_UNAVAILABLE' | 'DEV_LOGIN_DISABLED'
  | 'IDEMPOTENCY_CONFLICT' | 'UNKNOWN_MEMBER' | 'ADMIN_DISABLED' | 'MERCHANT_DISABLED'
  | 'DEVICE_NOT_REGISTERED' | 'DEVICE_OTHER_MEMBER'
  | 'ORDER_OF_ANOTHER_MEMBER'
  // From the operator console (docs/console.md): logins, CSRF, roles, grants, operators, drafts.
  | 'BAD_LOGIN' | 'TOO_MANY_ATTEMPTS' | 'CSRF' | 'FORBIDDEN' | 'GRANT_CAP' | 'LAST_ADMIN'
  | 'NAME_TAKEN' | 'UNKNOWN_OPERATOR'
  | `HTTP_${number}`;

export type ZailaiErrorCode = RuleErrorCode | ClientErrorCode | ServerErrorCode;

export interface ConfigIssue {
  /** The rule path, as the rule file spells it (`points.daily_cap`). */
  path: string;
  reason: string;
}

/**
 * Every error the package throws, rejects with or emits: an `Error` whose `code` never
 * changes. `instanceof ZailaiError` holds for all of them, those the wasm module makes too;
 * `isZailaiError(e)` narrows an unknown catch value.
 */
export declare class ZailaiError extends Error {
  name: 'ZailaiError';
  code: ZailaiErrorCode;
  /** Where: the rule path of a config error's first problem, the argument or op field of an
   * op error, the request field of a BAD_REQUEST. */
  path?: string;
  /** CONFIG_INVALID: every problem of the rule file. */
  issues?: ConfigIssue[];
  /** PENDING_OP_REFUSED: the op. */
  op?: Op;
  /** Server errors: the HTTP status. */
  status?: number;
  /** RATE_LIMITED: how long the server asked to wait. */
  retryAfterMs?: number;
  cause?: unknown;
  constructor(code: ZailaiErrorCode, message: string);
}
/**
 * Web and Node entries: a rule file with `patch` over `base` (JSON Merge Patch: objects merge,
 * `null` deletes, arrays and values replace), e.g. over the package's `seed.json`. Check the
 * result with `zailai check --config FILE`.
 */
export declare function mergeConfig(base: Config, patch: ConfigPatch): Config;
/** A patch of a rule file: any part of it, `null` to delete a key. */
export type ConfigPatch = { [key: string]: unknown };

/** Whether `e` is an error of this package (any entry, any engine). */
export declare function isZailaiError(e: unknown): e is ZailaiError;

// ---- rules written from JS (Node entry only: a wasm module of its own, the core's validator) ----

/** The language of rule problems: Chinese or the core's English. */
export type RuleLang = 'zh' | 'en';
export interface RuleOptions {
  /** Default 'zh'. (The `zailai-rules` CLI defaults from LC_ALL / LC_MESSAGES / LANG.) */
  lang?: RuleLang;
}
/** One problem or warning: where (`tiers.levels[1].id`) and why, in `lang` and as the core wrote it. */
export interface RuleProblem extends ConfigIssue {
  /** The core's English text (stable: match on it, not on `message`). */
  reason: string;
  /** `reason` in the language asked for. */
  message: string;
}
export type RuleCheck =
  | { ok: true; hash: string; config: Config; warnings: RuleProblem[] }
  | { ok: false; code: 'CONFIG_INVALID' | 'CONFIG_TOO_NEW'; problems: RuleProblem[]; warnings: RuleProblem[] };
/** One difference between two rule sets: `before` absent when added, `after` when removed. */
export interface RuleChange {
  path: string;
  before?: unknown;
  after?: unknown;
}
/** Node entry: checks a rule file (JSON text or object) as `zailai check` does, every problem
 * at once, each with its path. Never throws for bad rules (BAD_ARGUMENT for a bad argument). */
export declare function checkRules(rules: string | Config, options?: RuleOptions): RuleCheck;
/** Node entry: the rules in the binary form `createClient({config})` takes (base64, the bytes
 * `zailai rules encode` prints) and their hash (`config_hash` of GET /v1/config). Throws
 * CONFIG_INVALID / CONFIG_TOO_NEW with every problem in `issues` (RuleProblem[]). */
export declare function encodeRules(rules: string | Config, options?: RuleOptions): { rules: string; hash: string; warnings: RuleProblem[] };
/** Node entry: binary rules (base64) back as the rule file, checked as a client checks them. */
export declare function decodeRules(rules: string, options?: RuleOptions): { config: Config; hash: string };
/** Node entry: what differs between two rule sets (rule files, objects or binary rules, read as
 * the core reads them), by rule path. */
export declare function diffRules(before: string | Config, after: string | Config, options?: RuleOptions): RuleChange[];
/** Node entry: a message of the core's rule checker (`reason`) in `lang` (default 'zh'). */
export declare function ruleMessage(reason: string, lang?: RuleLang): string;

// ---- rules -------------------------------------------------------------------------------

export type LocalText = Record<string, string>;

export interface Reward {
  points?: number;
  coupons?: string[];
  freezes?: number;
  tier_steps?: number;
  accelerators?: number;
}

export interface Conditions {
  active_days?: number;
  minutes?: number;
  tasks_completed?: number;
  spend_cents?: number;
  orders?: number;
  shares?: number;
}

export type Dimension = keyof Conditions;

export interface Benefits {
  discount_percent: number;
  free_services_per_month: number;
  checkin_points: number;
  lottery_weight: number;
  early_access_minutes: number;
}

export interface TierRule {
  id: string;
  name: LocalText;
  upgrade?: { mode: 'all' | 'any'; conditions: Conditions };
  benefits: Benefits;
}

export type TaskKind = 'daily' | 'growth' | 'newbie';
export type ClaimMode = 'auto' | 'manual';

export interface TaskRule {
  id: string;
  kind: TaskKind;
  title: LocalText;
  action: string;
  target: number;
  reward: Reward;
  claim: ClaimMode;
}

/** A rule file (docs/config.md). */
export interface Config {
  schema_version: string;
  business_day: { utc_offset_minutes: number; day_start_hour: number };
  default_locale?: Locale;
  first_weekday?: number;
  offline_window_days: number;
  checkin: {
    streak_cycle: number;
    streak_bonuses: { day: number; reward: Reward }[];
    makeup: {
      cost_points: number;
      window: { kind: 'month' } | { kind: 'last_days'; days: number };
      monthly_limit: number;
      pays_missed_milestones: boolean;
    };
    freeze: { max_held: number };
  };
  points: {
    earning: Record<string, { points: number; daily_limit?: number }>;
    daily_cap: number;
    monthly_cap: number;
    expiry_months: number;
    reminder_days: number[];
    checkout: { points: number; cents: number; max_order_percent: number };
  };
  tiers: {
    evaluation: {
      active_days_window: number;
      minutes_window: number;
      shares_window: number;
      spend_window: number;
      orders_window: number;
    };
    downgrade: 'monthly_one_step' | 'never';
    levels: TierRule[];
    paid?: { id: string; tier: string; months: number; price_cents: number }[];
  };
  actions?: string[];
  /** Actions only the server records (`invite`); a device's track of one is NOT_ALLOWED. */
  witnessed_actions?: string[];
  tasks?: TaskRule[];
  newbie_days: number;
  catalog?: { id: string; name: LocalText; cost_points: number; reward: Reward }[];
  messages?: Record<string, Record<string, string>>;
  /** Time-boxed campaigns (docs/config.md). */
  campaigns?: { id: string; name: LocalText; start: DateString; days: number; checkin_multiplier?: number; action_multiplier?: number; tiers?: string[] }[];
  /** `zailai check` warns when more campaigns overlap in one week (default 2). */
  campaign_overlap_limit?: number;
  /** Collect-cards sets (集福卡), each following a campaign's window (docs/config.md). */
  cards?: {
    id: string; name: LocalText; campaign: string;
    kinds: { id: string; name: LocalText; weight: number }[];
    grants: { action: string; chance_percent: number }[];
    daily_limit: number; reward: Reward;
    /** Pity count (保底): a lacking kind after `pity − 1` chances in a row without one. */
    pity?: number;
  }[];
  /** Lotteries decided by the server from a committed seed (docs/lottery.md). */
  lotteries?: {
    id: string; name: LocalText; campaign: string; cost_points: number; daily_limit: number;
    total_weight: number;
    prizes: { id: string; name: LocalText; weight: number; stock: number; reward: Reward }[];
  }[];
  /** Segments, RFM bands, wake-up coupons, the high-potential offer (docs/config.md). */
  lifecycle?: {
    new_days?: number;
    dormant_days?: number[];
    returning_days?: number;
    wake_up_coupons?: string[];
    wake_up_valid_days?: number;
    rfm?: { recency_days: number[]; frequency_window: number; frequency_days: number[]; monetary_window: number; monetary_cents: number[] };
    high_value_score?: number;
    potential?: { campaigns_joined: number; campaign_spend_cents: number; accelerators: number };
  };
}

// ---- ops and events ----------------------------------------------------------------------

export type OpBody =
  | { type: 'check_in' }
  | { type: 'make_up'; date: DateString }
  | { type: 'track'; action: string; count?: number }
  | { type: 'session'; minutes: number }
  | { type: 'claim_task'; task: string }
  | { type: 'redeem'; item: string }
  | { type: 'use_service' }
  | { type: 'exchange_cards'; set: string }
  | { type: 'draw'; lottery: string }
  /** The ones below are written by the server only (devices starting with `~`: the merchant
   * API, operator grants, lottery settlements); a device's are refused with NOT_ALLOWED. */
  | { type: 'order'; order: string; amount_cents: number; points?: number; coupon?: string }
  | { type: 'cancel_order'; order: string }
  | { type: 'refund_order'; order: string; amount_cents?: number; points?: number }
  | { type: 'hold_points'; order: string; points: number; until: EpochMs }
  | { type: 'release_hold'; order: string }
  | { type: 'buy_membership'; plan: string }
  /** Takes a membership back (a refund, a chargeback): at once, or from the business day `from`. */
  | { type: 'revoke_membership'; plan: string; from?: DateString }
  | { type: 'grant'; points: number; coupon?: string; reason: string }
  | { type: 'settle_draw'; lottery: string; draw_device: string; draw_seq: number; prize?: string };

export interface Op {
  device: string;
  seq: number;
  at: EpochMs;
  op: OpBody;
}

export interface LotTake {
  lot: DateString;
  amount: number;
}

export type TierReason = 'upgrade' | 'boost' | 'paid' | 'paid_ended' | 'downgrade' | 'refund' | 'revoked';

/** A reward as views and events carry it (the rule file's `Reward`, in camelCase). */
export interface RewardView {
  points?: number;
  coupons?: string[];
  freezes?: number;
  tierSteps?: number;
  accelerators?: number;
}

/** A tier's benefits as views carry them (the rule file's `Benefits`, in camelCase). */
export interface BenefitsView {
  /** Price paid in percent (98 = 9.8折, 100 = no discount). */
  discountPercent: number;
  freeServicesPerMonth: number;
  checkinPoints: number;
  lotteryWeight: number;
  earlyAccessMinutes: number;
}

export type Event =
  | { type: 'checked_in'; date: DateString; streak: number }
  | { type: 'streak_milestone'; date: DateString; streak: number; cycleDay: number; reward: RewardView }
  | { type: 'made_up'; date: DateString; cost: number; streak: number }
  | { type: 'freeze_used'; dates: DateString[]; held: number }
  | { type: 'freezes_granted'; count: number; held: number; discarded: number }
  | { type: 'points_credited'; date: DateString; source: string; requested: number; granted: number; cut: number; cap?: 'daily' | 'monthly'; expires: DateString }
  | { type: 'points_debited'; date: DateString; reason: string; amount: number; lots: LotTake[] }
  | { type: 'points_restored'; reason: string; restored: number; expired: number; lots: LotTake[] }
  | { type: 'points_expired'; lot: DateString; amount: number }
  | { type: 'campaign_joined'; campaign: string; date: DateString }
  | { type: 'member_returned'; date: DateString; awayDays: number }
  | { type: 'coupon_granted'; coupon: string; source: string }
  | { type: 'card_granted'; set: string; kind: string; held: number; pity?: boolean }
  | { type: 'cards_exchanged'; set: string }
  | { type: 'draw_entered'; lottery: string; cost: number }
  | { type: 'draw_settled'; lottery: string; prize?: string }
  | { type: 'accelerators_granted'; count: number; source: string }
  | { type: 'action_tracked'; action: string; count: number }
  | { type: 'session_recorded'; minutes: number }
  | { type: 'task_completed'; task: string; date: DateString }
  | { type: 'task_claimed'; task: string; reward: RewardView }
  | { type: 'redeemed'; item: string; cost: number }
  | { type: 'order_placed'; order: string; amountCents: number; points: number; deductionCents: number; coupon?: string }
  /** `coupon`: the coupon the order used, given back (absent when none or expired by then). */
  | { type: 'order_cancelled'; order: string; coupon?: string }
  | { type: 'order_refunded'; order: string; amountCents: number; points: number }
  | { type: 'points_held'; order: string; points: number; until: EpochMs }
  | { type: 'hold_released'; order: string; points: number; expired: boolean }
  | { type: 'membership_started'; plan: string; tier: string; until: DateString }
  | { type: 'membership_ended'; plan: string }
  | { type: 'membership_revoked'; plan: string; from: DateString }
  | { type: 'tier_changed'; from: string; to: string; reason: TierReason }
  | { type: 'service_used'; left: number };

// ---- views -------------------------------------------------------------------------------

/** `checkoutQuote`: what a checkout page can offer before the merchant's backend decides. */
export interface CheckoutQuote {
  balance: number;
  maxPoints: number;
  deductionCents: number;
  payCents: number;
}

export type DayStatus =
  | 'checked' | 'made_up' | 'frozen' | 'missed' | 'makeup_available' | 'today_pending' | 'today_done'
  | 'future' | 'before_join' | 'outside_month';

export interface CalendarDay {
  date: DateString;
  day: number;
  status: DayStatus;
  points: number;
  milestone: boolean;
  coupon: boolean;
  makeupCost?: number;
}

export interface CalendarView {
  year: number;
  month: number;
  today: DateString;
  firstWeekday: number;
  streak: number;
  streakLabel: string;
  makeupsLeft: number;
  weeks: CalendarDay[][];
  /** Client views only: whether today is checked in ('done') or not yet ('pending'); null when
   * today is not in the month shown. */
  todayStatus: 'done' | 'pending' | null;
}

export interface TierInfo {
  index: number;
  id: string;
  name: string;
  benefits: BenefitsView;
}

export interface DimensionProgress {
  dimension: Dimension;
  current: number;
  target: number;
  remaining: number;
  percentage: number;
}

export interface TierProgress {
  tier: TierInfo;
  paidUntil?: DateString;
  next: TierInfo | null;
  mode?: 'all' | 'any';
  percentage: number;
  label: string;
  dimensions: DimensionProgress[];
}

export interface TaskView {
  id: string;
  kind: TaskKind;
  title: string;
  action: string;
  progress: number;
  target: number;
  percentage: number;
  status: 'in_progress' | 'claimable' | 'done' | 'expired';
  claim: ClaimMode;
  reward: RewardView;
}

export interface PointsSummary {
  balance: number;
  expiring: { date: DateString; points: number }[];
  expiringTotal: number;
  earnedToday: number;
  leftToday: number;
  earnedMonth: number;
  leftMonth: number;
  dailyCap: number;
  monthlyCap: number;
  ratePoints: number;
  rateCents: number;
  /** The largest share of an order points may pay, percent. */
  maxOrderPercent: number;
}

export interface Prompt {
  kind: 'points_expiring' | 'tier_reached' | 'streak_at_risk' | 'benefit_available';
  priority: number;
  text: string;
}

export interface Summary {
  user: string;
  joined: DateString;
  tier: string;
  earnedTier: string;
  balance: number;
  streak: number;
  checkins: number;
  freezes: number;
  accelerators: number;
  /** Coupons the member may use today, one per grant: none an order used, none expired. */
  coupons: string[];
  tasksCompleted: number;
  totals: { credited: number; cut: number; spent: number; restored: number; expired: number };
}

// ---- low-level bindings --------------------------------------------------------------------

export declare class Rules {
  /** Rules in the binary form, base64 (`zailai rules encode --config FILE`, or `rules` of
   * GET /v1/config); checked as a rule file is. Throws CONFIG_INVALID / CONFIG_TOO_NEW, or
   * BAD_ARGUMENT for a rule file's JSON (the CLI reads those). */
  constructor(rules: string);
  static seed(): Rules;
  /** Adds rules in the binary form as the version in effect from `effectiveFrom` (after every
   * version held): actions, replays and views at a time from then on take it, offline too
   * (docs/sync.md, "Rule versions on the phone"). Throws what the constructor throws, or
   * BAD_ARGUMENT for an instant not after the last version's. */
  schedule(rules: string, effectiveFrom: EpochMs): void;
  /** The locale views render in when `requested` is asked for (`zh_CN` → `zh-CN`, `en_US` → `en`,
   * unknown → the newest rules' default_locale). */
  locale(requested: string): string;
  /** `YYYY-MM-DD` of an instant in the business zone and day start of the rules in effect then. */
  businessDate(now: EpochMs): DateString;
  /** Checks a lottery's published record (JSON text of GET /v1/lotteries/{id}) against these
   * rules; `mine` are the indexes of `user`'s draws. Throws LOTTERY_NOT_REVEALED,
   * LOTTERY_MISMATCH, LOTTERY_INVALID or UNKNOWN_LOTTERY. */
  verifyLottery(record: string, user: string): LotteryVerification;
  free(): void;
}

export interface LotteryVerification {
  draws: number;
  /** Prizes won, by prize id. */
  won: Record<string, number>;
  mine: number[];
}

/** GET /v1/lotteries/{id}: the results so far, and the seed once revealed. */
export interface LotteryRecord {
  lottery: string;
  /** Hex SHA-512 of the seed, published before the first draw. */
  commitment: string;
  seed: string | null;
  /** When the seed is revealed (epoch ms). */
  revealAt: EpochMs | null;
  /** In decision order; `member` is a tag salted with the lottery's seed (docs/lottery.md). */
  draws: { member: string; device: string; seq: number; weight: number; prize: string | null }[];
  /** How many draws come before this page's first (0 for a whole record). */
  after: number;
  /** The `after` of the next page, or null on the last (`verifyLottery` reads them all). */
  next: number | null;
}

/** A calendar day in the shape of Vant Weapp's van-calendar formatter day. */
export interface CalendarCell {
  date: DateString;
  /** 'selected' (checked in), 'disabled' (padding, before joining, future) or ''. */
  type: '' | 'selected' | 'disabled';
  text: string;
  /** A milestone's reward, e.g. '+15'. */
  topInfo: string;
  /** The status in words ('已签', '可补签', …) or a future day's points. */
  bottomInfo: string;
  /** 'zl-day zl-<status>' plus 'zl-milestone' / 'zl-coupon'. */
  className: string;
}

/** Colours (#rgb, #rrggbb, #rrggbbaa) and sizes (px) of rendered calendars and bars. */
export interface Theme {
  background?: string;
  text?: string;
  muted?: string;
  checked?: string;
  madeUp?: string;
  frozen?: string;
  missed?: string;
  makeupAvailable?: string;
  today?: string;
  accent?: string;
  track?: string;
  fill?: string;
  cell?: number;
  gap?: number;
  radius?: number;
  fontSize?: number;
  fontFamily?: string;
  barWidth?: number;
  barHeight?: number;
}

/** One Canvas 2D draw command, in CSS pixels (docs/render.md). */
export type DrawCommand =
  | ['fill', string]
  | ['rect', number, number, number, number, number]
  | ['stroke', string, number]
  | ['strokeRect', number, number, number, number, number]
  | ['font', number, 'bold' | 'normal']
  | ['text', string, number, number, 'left' | 'center' | 'right'];

/** The subset of CanvasRenderingContext2D the replay uses (mini-program and web alike). */
export interface Canvas2D {
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  font: string;
  textAlign: unknown;
  textBaseline: unknown;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  arcTo(x1: number, y1: number, x2: number, y2: number, r: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  scale(x: number, y: number): void;
}
export declare const POSTER_SIZE: { width: number; height: number };
export declare function drawCommands(ctx: Canvas2D, commands: DrawCommand[] | string, options?: { fontFamily?: string }): void;
export declare function drawOnCanvas(canvas: { width: number; height: number; getContext(kind: '2d'): unknown }, commands: DrawCommand[] | string, options?: { pixelRatio?: number; fontFamily?: string }): Canvas2D;
/** Mini-program entry: draws the client's poster on `<canvas type="2d">` matching `selector` in `page`. */
export declare function drawPoster(page: unknown, selector: string, client: Client, options?: { theme?: Theme }, wx?: WxApi): Promise<unknown>;

/** `data:image/svg+xml;base64,…` for <image src> (mini-program) or <img src>. */
export declare function svgDataUri(svg: string): string;

export interface CampaignView {
  id: string;
  name: string;
  start: DateString;
  /** Last business day. */
  end: DateString;
  /** When this member may start (earlier for tiers with early access). */
  opensAt: EpochMs;
  status: 'upcoming' | 'active' | 'ended';
  eligible: boolean;
  joined: boolean;
  checkinMultiplier: number;
  actionMultiplier: number;
  /** Collect-cards sets running with the campaign (absent when none). */
  cards?: CardSetView[];
  lotteries?: LotteryView[];
}

/** The monthly report (会员月报), GET /v1/me/report. */
export interface MonthlyReport {
  year: number;
  month: number;
  user: string;
  /** null when the month is older than the state keeps per-month totals. */
  pointsEarned: number | null;
  pointsSpent: number;
  checkins: number;
  longestStreak: number;
  balance: number;
  tier: TierInfo;
  tierLabel: string;
  tierPercentage: number;
  /** The tier's benefits on the first day of next month. */
  nextMonth: TierInfo;
}

export interface CardSetView {
  id: string;
  name: string;
  kinds: { id: string; name: string; held: number }[];
  /** Kinds held, as a bar ("3/5"). */
  progress: ProgressValue;
  /** One of every kind is held: exchangeCards(id) pays now. */
  complete: boolean;
  exchanged: number;
  todayLeft: number;
}

export interface LotteryView {
  id: string;
  name: string;
  costPoints: number;
  /** Draws still allowed today (0 outside the campaign). */
  drawsLeft: number;
  /** Newest first; `pending` until the server has decided (after a sync). */
  draws: { date: DateString; pending: boolean; prize?: string }[];
}

export interface CatalogEntry {
  id: string;
  name: string;
  costPoints: number;
  affordable: boolean;
}

/** For van-progress / t-progress. */
export interface ProgressValue {
  percentage: number;
  label: string;
}

export interface ProgressValues {
  tier: ProgressValue;
  /** Towards the next streak milestone. */
  streak: ProgressValue;
  tasks: (ProgressValue & { id: string; title: string })[];
}

/** A kind of action `Member.record` takes: an op type (docs/ops.md) a device may record. */
export type ActionKind = 'check_in' | 'make_up' | 'track' | 'session' | 'claim_task' | 'redeem' | 'use_service' | 'exchange_cards' | 'draw';

/** A pending op the rules refused on a replay (it stays pending: the server decides). */
export interface RefusedOp {
  op: Op;
  code: RuleErrorCode;
  detail: string;
}

/**
 * A member as a device holds them: the verified base, the pending ops, the device and its
 * sequence (the core's replica), with the views. `createClient` drives one; the methods below
 * the views are what it uses.
 */
export declare class Member {
  static join(rules: Rules, user: string, joinedAt: EpochMs): Member;
  /** What a device stored: device (else the newest pending op's, else newDevice), last seq, the
   * verified base (consumed), the stored pending log (pendingText()'s format) and the local
   * checkpoint checkpoint() gave for this base and rules (used if it covers the start of this
   * log exactly: checkpointCovered). */
  static open(rules: Rules, user: string, device: string | undefined, newDevice: string, joinedAt: EpochMs, seq: number, base: Snapshot | undefined, pending: string | undefined, checkpoint?: string): Member;
  /** Pending ops the checkpoint given to open covered (0: not used, every op replayed). */
  readonly checkpointCovered: number;
  /** The state with every pending op replayed, base64 (docs/binary.md, "Local checkpoint"):
   * for the next open with the same base and rules. Never signed, never sent. */
  checkpoint(): string;
  readonly device: string;
  readonly seq: number;
  readonly baseVersion: number;
  /** One user action as this device's next op; events as JSON text. `id`: the date, action,
   * task, item, set or lottery; `count`: track count or session minutes. Throws the rule's
   * coded error and changes nothing. */
  record(rules: Rules, at: EpochMs, kind: ActionKind, id: string | undefined, count: number): string;
  /** The pending log as stored: `zailai-ops/2`, then one op a line in the binary form,
   * base64 (docs/binary.md). `zailai-ops/1` (JSON lines) is still read at open. */
  pendingText(): string;
  /** The stored log opened was not kept as it was (the earlier format, lines set aside):
   * write pendingText() now. */
  readonly pendingRewritten: boolean;
  /** What the pending log gained since the last pendingText()/pendingAppended(), or undefined
   * when it was rewritten since (take pendingText() again). */
  pendingAppended(): string | undefined;
  /** The pending ops as a JSON array, oldest first. */
  pendingJSON(): string;
  /** RefusedOp[] as JSON, from the last open, rebase or rebuild; cleared by the call. */
  takeRefusedJSON(): string;
  /** [{line, text, detail}] as JSON: stored pending lines that could not be read (line 0: the
   * whole log is of another format). Cleared by the call. */
  takeDamagedJSON(): string;
  /** The body of the next POST /v1/sync, as JSON text. */
  pushJSON(): string;
  /** Takes a verified reply snapshot (consumed) as the base; RefusedOp[] as JSON. */
  rebase(rules: Rules, snapshot: Snapshot): string;
  /** Replays the pending ops under `rules`; RefusedOp[] as JSON. */
  rebuild(rules: Rules): string;
  /** Sets the base aside and replays the pending ops on the join state; RefusedOp[] as JSON. */
  dropBase(rules: Rules): string;
  /** An independent copy (a what-if preview); free it when done. */
  copy(): Member;
  stateJSON(): string;
  readonly user: string;
  lastSeq(device: string): number;
  apply(rules: Rules, op: Op | string): Event[];
  applyJSON(rules: Rules, op: string): string;
  calendar(rules: Rules, year: number, month: number, now: EpochMs, locale?: Locale): Omit<CalendarView, 'todayStatus'>;
  calendarCells(rules: Rules, year: number, month: number, now: EpochMs, locale?: Locale): CalendarCell[];
  /** The month in numbers (layout: src/view/compact.rs) that `calendar` and `calendarCells` are built from. */
  monthWords(rules: Rules, year: number, month: number, now: EpochMs, locale?: Locale): Uint32Array;
  progress(rules: Rules, now: EpochMs, locale?: Locale): ProgressValues;
  tierProgress(rules: Rules, now: EpochMs, locale?: Locale): TierProgress;
  tasks(rules: Rules, now: EpochMs, locale?: Locale): TaskView[];
  pointsSummary(rules: Rules, now: EpochMs): PointsSummary;
  prompts(rules: Rules, now: EpochMs, locale?: Locale): Prompt[];
  summary(rules: Rules, now: EpochMs): Summary;
  free(): void;
}

export interface TrustedKey {
  id: string;
  /** Base64 of the 32-byte Ed25519 public key. */
  public: string;
}

export declare class Snapshot {
  /** Verifies base64 snapshot bytes; throws SNAPSHOT_MALFORMED, SNAPSHOT_VERSION_UNSUPPORTED,
   * SNAPSHOT_UNKNOWN_KEY, SNAPSHOT_BAD_SIGNATURE or STATE_INVALID. `keys` is TrustedKey[] as JSON. */
  static verify(keys: string, snapshot: string): Snapshot;
  /** The member it is of. */
  readonly user: string;
  readonly serverVersion: number;
  /** The signed state as a member without a device. */
  member(): Member;
  free(): void;
}

export interface Bindings {
  Rules: typeof Rules;
  Member: typeof Member;
  Snapshot: typeof Snapshot;
  /** Node entry only: bytes of the module's linear memory now. */
  wasmMemoryBytes?: () => number;
}

// ---- storage and client ------------------------------------------------------------------

export interface StorageAdapter {
  getItem(key: string): string | null;
  /** Throws a ZailaiError with code STORAGE_FULL when the store refuses the write. */
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  /** The object the adapter writes to (wxStorage(wx): wx): createClient keeps one client per
   * (store, user), so two adapters over one store count as one. Absent: the adapter itself. */
  store?: object;
}

export interface WxStorageApi {
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
  removeStorageSync(key: string): void;
}

export declare function memoryStorage(options?: { quotaBytes?: number }): StorageAdapter & { keys(): string[]; setQuota(bytes: number): void };
/** What localStorageAdapter needs of Web Storage (window.localStorage fits). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
/** Web and Node entries: over `localStorage` (default) or any Web Storage. */
export declare function localStorageAdapter(ls?: WebStorageLike): StorageAdapter;
export declare function wxStorage(wx?: WxStorageApi): StorageAdapter;

// ---- sync ----------------------------------------------------------------------------------

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
}

/** Resolves for every HTTP answer (4xx/5xx too); rejects with code NETWORK when none came. */
export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface WxRequestApi {
  request(options: {
    url: string;
    method: 'GET' | 'POST';
    header: Record<string, string>;
    data: string;
    dataType: string;
    responseType: 'text';
    timeout: number;
    success(res: { statusCode: number; header: Record<string, string>; data: unknown }): void;
    fail(err: { errMsg: string }): void;
  }): unknown;
}

/** What fetchTransport needs of `fetch` (the global one fits). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: unknown }) => Promise<{
  status: number;
  headers: { forEach(callback: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;
/** Web and Node entries: over `fetch` (default: the global one). */
export declare function fetchTransport(fetchImpl?: FetchLike): Transport;
export declare function wxTransport(wx?: WxRequestApi): Transport;

export interface ServerOptions {
  /** Base URL of `zailai serve`, e.g. https://api.example.com */
  url: string;
  transport: Transport;
  /** The body of POST /v1/session: `{code}` from wx.login (see wxLoginCredentials) or `{dev_user}`. */
  credentials: () => Promise<Record<string, string>> | Record<string, string>;
  /** Retries on NETWORK, 5xx and 429: default {retries: 4, baseMs: 500, maxMs: 30000}. */
  retry?: { retries?: number; baseMs?: number; maxMs?: number };
}

export interface RejectedOp {
  op: Op;
  /** Why: TOO_OLD, CLOCK_AHEAD, NOT_ALLOWED or a rule's code (ALREADY_CHECKED_IN, …). */
  code: string;
  detail?: string;
}

export interface SyncResult {
  acked: number[];
  rejected: RejectedOp[];
  serverVersion: number;
}

/** A local-Date day as van-calendar's formatter and t-calendar's format pass it. */
export interface CalendarHookDay {
  date: Date;
  type?: string;
  [key: string]: unknown;
}
/**
 * van-calendar's `formatter` (bind it through data: `formatter="{{ formatter }}"`). The cell
 * decides `type`: only checked-in or made-up days are `selected`, so the component's own
 * selection (today, by default) never looks like a check-in; its disabled days stay disabled.
 */
export declare function vantFormatter(cells: CalendarCell[]): <D extends CalendarHookDay>(day: D) => D;
/** t-calendar's `format`, as `vantFormatter` (infos as `prefix`/`suffix`). */
export declare function tdesignFormat(cells: CalendarCell[]): <D extends CalendarHookDay>(day: D) => D;

/**
 * Mini-program entry: starts the app's one client (call it in App.onLaunch): createClient with
 * `wxStorage(wx)` unless `storage` is given, then `track('open')` when the app shows (once a
 * business day) and `session(minutes)` when it hides (at most 240 a time), which the tier's
 * active-days and minutes conditions count; with a server, a sync at launch and on every show.
 * Later calls resolve to the same client. The components (`zailai/checkin-calendar/index`, …)
 * use this client.
 */
export declare function startApp(options?: Partial<ClientOptions> & StartAppOptions, wx?: WxApi): Promise<Client>;
/** startApp's own options, beside createClient's. */
export interface StartAppOptions {
  /** With a server: sync this long after the last action (at most 10 s after the first);
   * default 2000, 0 for none (docs/sync.md, "When the client syncs"). */
  syncDelayMs?: number;
}
/**
 * The `wx` object: miniprogram-api-typings' `WechatMiniprogram.Wx` when the project has that
 * package (the declaration below merges into it), any object otherwise.
 */
export type WxApi = WechatMiniprogram.Wx;
declare global {
  namespace WechatMiniprogram {
    // Empty: merges into miniprogram-api-typings' Wx where present.
    interface Wx {}
  }
}

/** Mini-program entry: the client of startApp (waits for it when asked first). */
export declare function getClient(): Promise<Client>;

/** Mini-program entry: credentials from wx.login. */
export declare function wxLoginCredentials(wx?: WxApi): () => Promise<{ code: string }>;
/** Mini-program entry: sync on wx.onAppShow and when the network returns; returns stop(). */
export declare function syncOnShow(client: Client, wx?: WxApi): () => void;

export interface LoadOptions {
  /** Mini-program: path of the module in the code package (default /miniprogram_npm/zailai/zailai.wasm.br). */
  wasmPath?: string;
  /** Browser: URL of zailai.wasm (default: next to the module). */
  wasmUrl?: string | { readonly href: string };
}

export interface ClientOptions extends LoadOptions {
  /** Rules pinned by the app, as `zailai rules encode --config FILE` prints them (the binary
   * form, base64); the seed preset, then the server's rules, when absent. */
  config?: string;
  /** The `config_hash` of the pinned rules (64 hex digits; `hash` of GET /v1/config, or of
   * `zailai rules list`): sent with each push, so the server can say when they are not its own
   * (`RULES_DIFFER`). Without it the client learns it when the server sends the same bytes, and
   * warns by itself when it sends others. Only with `config`. */
  rulesHash?: string;
  storage: StorageAdapter;
  /** Member id; each member's data is kept under its own keys. Without it and with a
   * `server`, the member is this device's: `user` reads 'local' until the first login adopts
   * the device's ops into the session's member, then that member's id (docs/sync.md, "Members
   * before they log in"). Without either, 'local'. */
  user?: string;
  /** The clock, epoch ms. Default Date.now. */
  now?: () => EpochMs;
  locale?: Locale;
  /** Makes the id of a new device (without a server: with one, the server gives the id when
   * the device registers at its first launch, docs/sync.md "Devices"). */
  deviceId?: () => string;
  /** The invite code this member arrived with (from the shared page's query): sent with each
   * push; the server credits its owner once, at this member's first sync. */
  invitedBy?: string;
  /** Warnings to the console too (default: on in a mini-program's development version). */
  debug?: boolean;
  /** Public keys pinned in the code package: stored snapshots are verified with them at load. */
  trustedKeys?: TrustedKey[];
  /** The server to sync with. The client registers its device there first (POST /v1/device,
   * before any login; createClient waits for the first attempt, up to 5 s) and retries until
   * it succeeds; until then actions throw DEVICE_NOT_REGISTERED. */
  server?: ServerOptions;
  /** promptToShow() caps: prompts per business day (1) and days between two of a kind. */
  promptCaps?: { perDay?: number; minDaysBetween?: Partial<Record<'points_expiring' | 'streak_at_risk' | 'tier_reached' | 'benefit_available', number>> };
}

/** A 'warning' event. */
export type ZailaiWarning =
  | {
      /** LOCALE_FALLBACK: the rules cannot show `locale`, not even in its language.
       * OPTIONS_IGNORED: createClient again for an open (storage, user) with other options. */
      code: 'LOCALE_FALLBACK' | 'OPTIONS_IGNORED';
      message: string;
    }
  | RulesDifferWarning;

/** The rules this app holds are not the server's (pinned rules, or rules this build could not
 * take): the server's win at every sync (docs/config.md, "Pinned rules and the server's").
 * Told once per client for each pair of hashes. */
export interface RulesDifferWarning {
  code: 'RULES_DIFFER';
  message: string;
  /** `config_hash` of the rules the client holds; null for pinned rules whose hash it was not
   * told (it compared their bytes with the server's itself). */
  client: string | null;
  /** `config_hash` of the server's rules in effect. */
  server: string;
}

export interface ChangeEvent {
  /** null when the change came from a sync. */
  op: Op | null;
  events: Event[];
  sync?: SyncResult;
}

export interface Client {
  readonly rules: Rules;
  /** The member: createClient's `user`; without one (and with a server) 'local' until the
   * first login, then the session's member. */
  readonly user: string;
  /** True until the first login names this device's member (made without `user`, with a
   * server); a 'change' event follows the login that ends it. */
  readonly anonymous: boolean;
  readonly deviceId: string;
  locale?: Locale;
  on(name: 'change' | 'reward', listener: (change: ChangeEvent) => void): () => void;
  on(name: 'error', listener: (error: ZailaiError) => void): () => void;
  on(name: 'sync', listener: (result: SyncResult) => void): () => void;
  /** Something to know that breaks nothing (also on the console with `debug`). */
  on(name: 'warning', listener: (warning: ZailaiWarning) => void): () => void;
  /** Pushes the pending ops and rebases on the server's signed snapshot. */
  sync(): Promise<SyncResult>;
  /** Server version of the base snapshot; 0 before the first sync. */
  readonly serverVersion: number;
  /** Added to the local clock so op times follow the server's. */
  readonly clockOffset: number;
  /** Whether the client syncs with a server (`server` given): sync and verifyLottery need one. */
  readonly hasServer: boolean;
  checkIn(): Event[];
  makeUp(date: DateString): Event[];
  track(action: string, count?: number): Event[];
  session(minutes: number): Event[];
  claimTask(task: string): Event[];
  redeem(item: string): Event[];
  /** The most points an order of `amountCents` may deduct now, offline. Orders, refunds and
   * memberships are recorded by the merchant's backend (docs/merchant.md), not the phone. */
  checkoutQuote(amountCents: number): CheckoutQuote;
  useService(): Event[];
  /** Hands in one card of every kind of a collect-cards set for its reward. */
  exchangeCards(set: string): Event[];
  /** Pays for one lottery draw; it stays pending until a sync lets the server decide it. */
  draw(lottery: string): Event[];
  /** The monthly report (会员月报) from the server for `month` (YYYY-MM, default this business
   * month); `{svg: true}` resolves to the report card as SVG text. */
  /** This member's invite code (GET /v1/me/invite): share it; a new member's first sync with
   * createClient({invitedBy: code}) credits this member with one invite. */
  inviteCode(): Promise<string>;
  monthlyReport(options?: { month?: string }): Promise<MonthlyReport>;
  monthlyReport(options: { month?: string; svg: true }): Promise<string>;
  /** Fetches GET /v1/lotteries/{id} and verifies every result against the rules (活动结果公示). */
  verifyLottery(lottery: string): Promise<LotteryVerification & { record: LotteryRecord }>;
  calendar(year?: number, month?: number): CalendarView;
  /** The month as Vant-shaped cells for setData (van-calendar formatter, t-calendar format). */
  calendarCells(year?: number, month?: number): CalendarCell[];
  progress(): ProgressValues;
  /** The month as an SVG string; throws THEME_INVALID for a bad colour or size. */
  calendarSVG(options?: { year?: number; month?: number; theme?: Theme }): string;
  progressSVG(value: ProgressValue, options?: { theme?: Theme }): string;
  /** The share poster (streak, points, tier, this month) as Canvas 2D draw commands. */
  posterCommands(options?: { theme?: Theme }): DrawCommand[];
  tierProgress(): TierProgress;
  tasks(): TaskView[];
  pointsSummary(): PointsSummary;
  /** The points catalog (config `catalog`) with names in the locale. */
  catalog(): CatalogEntry[];
  /** Campaigns running, coming or ended within 30 days, as this member sees them. */
  campaigns(): CampaignView[];
  prompts(): Prompt[];
  /** The one prompt to show now under the frequency caps (remembered as shown), or null. */
  promptToShow(): Prompt | null;
  summary(): Summary;
  pendingOps(): Op[];
  stateJSON(): string;
  /** Writes what a full store refused earlier; returns whether storage is up to date. */
  flush(): boolean;
  /** Writes what is pending and lets go of the storage: the next createClient for the same
   * storage and user reads it again. Later calls throw CLIENT_CLOSED. */
  close(): boolean;
}

export declare function load(options?: LoadOptions): Promise<Bindings>;
/** Node only. */
export declare function loadSync(): Bindings;
/** One client per (storage, user) in a JS runtime: a second call for the same storage and user
 * resolves to the first client (its options stand). Rejects with BAD_ARGUMENT for a storage
 * adapter without getItem, setItem or removeItem. */
export declare function createClient(options: ClientOptions): Promise<Client>;
