//! A member's state. Written with serde in a versioned form (`v`), read back by `read.rs`;
//! every map is a `BTreeMap` so that the same ops always give byte-identical JSON.

mod read;

use crate::binary::codec::{binary_enum, Decode, Encode};
use crate::binary::read::{Reader, Res};
use crate::day::{Day, MonthIndex};
use crate::error::{ErrorCode, RuleError};
use crate::vecmap::VecMap;
use serde::Serialize;

/// The state format version this build writes and reads.
/// 2 added `holds`, `month_spent` and the orders' `refunded_cents` and `tier_before` (the
/// JSON reader still reads 1: those fields were empty or zero then); 3 `CardHolding::dry`;
/// 4 the coupon an order used (`CouponGrant::used`, `Order::coupon`).
pub const STATE_VERSION: u32 = 4;

/// `Serialize` is derived (JSON, and the server's postcard: the field order is the binary
/// layout, `docs/binary.md`); the crate's codec reads and writes the binary form
/// (`binary_codec!` below), `read.rs` reads the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct State {
    pub v: u32,
    pub user: String,
    /// Business day the member joined.
    pub joined: Day,
    /// Newest `at` applied (epoch ms): the state's notion of "now" for time effects.
    pub clock: i64,
    /// Business day up to which time effects (expiry, month-start downgrade) have run.
    pub advanced_to: Day,
    /// Last applied seq per device.
    pub devices: VecMap<String, u32>,
    pub checkins: VecMap<Day, CheckinRecord>,
    /// Make-ups made, by the month in which they were made.
    pub makeups: VecMap<MonthIndex, u32>,
    pub freezes: u16,
    /// Live points by the business day they were earned (one lot a day, same expiry).
    pub lots: VecMap<Day, Lot>,
    pub balance: u64,
    pub debits: Vec<Debit>,
    /// Recent per-day activity, kept for the longest window the rules look back on.
    pub days: VecMap<Day, DayStats>,
    /// Points counted against the monthly cap, by month (recent months only).
    pub month_earned: VecMap<MonthIndex, u32>,
    pub tasks: VecMap<String, TaskState>,
    pub tasks_completed: u32,
    /// Earned tier (index into `tiers.levels`).
    pub tier: u8,
    pub paid: Option<PaidTerm>,
    /// The effective tier last reported, and the day it was reached.
    pub tier_reached: (u8, Day),
    pub coupons: Vec<CouponGrant>,
    pub accelerators: u16,
    pub orders: VecMap<String, Order>,
    /// Free services used, by month.
    pub services_used: VecMap<MonthIndex, u32>,
    /// Campaigns taken part in (older JSON states may lack this and the four fields after it).
    pub campaigns: VecMap<String, CampaignEntry>,
    /// The last day the member came back after being dormant (None when never).
    pub returned: Option<Day>,
    /// One-time offers made, by id, with the day.
    pub offers: VecMap<String, Day>,
    /// Collect-cards progress by set id.
    pub cards: VecMap<String, CardHolding>,
    /// Lottery draws, oldest first.
    pub draws: Vec<DrawRecord>,
    pub totals: Totals,
    /// Points held for unpaid orders, by order id (`docs/merchant.md`).
    pub holds: VecMap<String, Hold>,
    /// Points spent (debits less what came back), by month (recent months only, as
    /// `month_earned`): the monthly report's figure, kept apart so old debits can leave.
    /// u32 like `month_earned` (saturating): one map type less in the wasm module.
    pub month_spent: VecMap<MonthIndex, u32>,
}

/// Points set aside for an order before payment: already debited, so nothing else can spend
/// them; restored to their lots when released or when `until` passes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Hold {
    /// Index into `debits` of the points held.
    pub debit: usize,
    /// Epoch ms from which the hold no longer holds.
    pub until: i64,
}

/// A member's cards of one set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CardHolding {
    /// Chances taken so far: the index of the next one, which decides it (`engine::cards`).
    pub chances: u32,
    /// Cards held by kind id.
    pub held: VecMap<String, u16>,
    /// The business day `today` counts cards for.
    pub day: Day,
    pub today: u16,
    /// Full sets handed in.
    pub exchanged: u16,
    /// Chances in a row, the latest last, that brought no kind the member lacked: the pity
    /// count (`CardSet::pity`) guarantees a lacking kind after `pity − 1` of them.
    pub dry: u16,
}

/// One lottery draw: paid at once, decided by the server (`docs/lottery.md`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DrawRecord {
    pub lottery: String,
    /// The draw op's id, which (with the member) the server's decision hashes.
    pub device: String,
    pub seq: u32,
    pub day: Day,
    /// The tier's lottery weight when the draw was made.
    pub weight: u16,
    pub settled: bool,
    pub prize: Option<String>,
}

/// A member's part in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CampaignEntry {
    /// Business day of the first op in the campaign.
    pub joined: Day,
    /// Ops that counted in it (check-ins, earning actions, orders).
    pub actions: u32,
    /// Paid for orders placed while it ran, cents.
    pub spend_cents: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    #[default]
    Checked,
    MadeUp,
    Frozen,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CheckinRecord {
    pub mark: Mark,
    /// Points this day's check-in, make-up milestone or freeze granted.
    pub points: u32,
    /// Cycle day of the milestone paid on this day, if any.
    pub milestone: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Lot {
    /// Last business day on which the lot can be used.
    pub expires: Day,
    pub remaining: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Debit {
    pub day: Day,
    pub reason: String,
    pub amount: u32,
    /// (lot earned day, amount) in the order taken.
    pub takes: Vec<(Day, u32)>,
    pub reversed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DayStats {
    pub opens: u32,
    pub minutes: u32,
    pub shares: u32,
    pub spend_cents: u64,
    pub orders: u32,
    /// Points counted against the daily cap.
    pub earned: u32,
    /// Credits per earning rule, for per-rule daily limits, and cards granted per set
    /// (`cards:SET`, for the set's `daily_limit`).
    pub rule_counts: VecMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TaskState {
    /// Progress toward the target (for daily tasks: on `day`).
    pub progress: u64,
    /// Daily tasks: the business day `progress` belongs to.
    pub day: Day,
    pub completed: bool,
    pub claimed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PaidTerm {
    pub plan: String,
    pub tier: u8,
    /// Last business day of the term.
    pub until: Day,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CouponGrant {
    pub coupon: String,
    pub day: Day,
    pub source: String,
    /// Last business day it can be used (wake-up coupons); absent: no limit of ours.
    pub expires: Option<Day>,
    /// The business day of the order that used it; None while the member may still use it
    /// (a cancelled order gives it back, `docs/rules.md`).
    pub used: Option<Day>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Order {
    pub day: Day,
    pub amount_cents: u64,
    pub paid_cents: u64,
    /// Index into `debits` of the points deduction, if any.
    pub debit: Option<usize>,
    /// Cancelled, or refunded in whole: it no longer counts.
    pub cancelled: bool,
    /// Money refunded so far (partial refunds), out of `paid_cents`.
    pub refunded_cents: u64,
    /// The earned tier before the order: a refund never leaves the member above what they
    /// would hold without it (RULES.md, tiers).
    pub tier_before: u8,
    /// Index into `coupons` of the grant the order used, if any.
    pub coupon: Option<usize>,
}

/// Lifetime totals for audits: `credited + restored = balance + spent + expired`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub credited: u64,
    pub cut: u64,
    pub spent: u64,
    pub restored: u64,
    pub expired: u64,
}

impl Default for State {
    fn default() -> State {
        State::new("", 0, 0)
    }
}

impl State {
    /// A new member who joined at `joined_at` (epoch ms).
    pub fn new(user: &str, joined_day: Day, joined_at: i64) -> State {
        State {
            v: STATE_VERSION,
            user: user.to_owned(),
            joined: joined_day,
            clock: joined_at,
            advanced_to: joined_day,
            devices: VecMap::new(),
            checkins: VecMap::new(),
            makeups: VecMap::new(),
            freezes: 0,
            lots: VecMap::new(),
            balance: 0,
            debits: Vec::new(),
            days: VecMap::new(),
            month_earned: VecMap::new(),
            tasks: VecMap::new(),
            tasks_completed: 0,
            tier: 0,
            paid: None,
            tier_reached: (0, joined_day),
            coupons: Vec::new(),
            accelerators: 0,
            orders: VecMap::new(),
            services_used: VecMap::new(),
            campaigns: VecMap::new(),
            returned: None,
            offers: VecMap::new(),
            cards: VecMap::new(),
            draws: Vec::new(),
            totals: Totals::default(),
            holds: VecMap::new(),
            month_spent: VecMap::new(),
        }
    }

    /// Cold in the wasm module (`stateJSON()`: debugging and tools; devices store the binary
    /// form): built for size.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes stored state; refuses other format versions with `STATE_VERSION_UNSUPPORTED`
    /// and anything malformed with `STATE_INVALID`, naming the path.
    pub fn from_json(json: &str) -> Result<State, RuleError> {
        let value: crate::json::Value = crate::json::parse(json)
            .map_err(|e| RuleError::new(ErrorCode::StateInvalid, e.to_string()))?;
        State::from_value(&value, "")
    }

    /// `from_json` for a state inside a larger document, at `path`.
    pub fn from_value(value: &crate::json::Value, path: &str) -> Result<State, RuleError> {
        let invalid = |detail: String| RuleError::new(ErrorCode::StateInvalid, detail);
        match value.get("v").and_then(crate::json::Value::as_u64) {
            // v1 and v2 lack only fields that were empty or 0 then: read as if they were.
            Some(v) if (1..=u64::from(STATE_VERSION)).contains(&v) => {}
            Some(v) => {
                return Err(RuleError::new(
                    ErrorCode::StateVersionUnsupported,
                    format!("state format v{v} (this build reads v{STATE_VERSION})"),
                ))
            }
            None => return Err(invalid("no readable version `v`".to_owned())),
        }
        let state = read::state(value, path).map_err(|i| {
            invalid(if i.path.is_empty() {
                i.reason
            } else {
                format!("{}: {}", i.path, i.reason)
            })
        })?;
        state.check_consistent()?;
        Ok(state)
    }

    /// The state in the binary encoding (`docs/binary.md`): what devices store and snapshots
    /// carry. Starts with `v`, like the JSON.
    pub fn to_binary(&self) -> Vec<u8> {
        crate::binary::encode(self)
    }

    /// Decodes `to_binary` bytes, with the same errors as `from_json`.
    pub fn from_binary(bytes: &[u8]) -> Result<State, RuleError> {
        let state: State = crate::binary::codec::from_bytes(version_checked(bytes)?)
            .map_err(|e| RuleError::new(ErrorCode::StateInvalid, format!("binary state: {e}")))?;
        state.check_consistent()?;
        Ok(state)
    }

    /// Checks the invariants a decoded state must hold, so a corrupted one is refused whole.
    /// Once per decoded state: built for size.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub(crate) fn check_consistent(&self) -> Result<(), RuleError> {
        let live: u64 = self.lots.values().map(|l| l.remaining).sum();
        if live != self.balance {
            return Err(RuleError::new(
                ErrorCode::StateInvalid,
                format!(
                    "balance {} differs from the sum of lots {live}",
                    self.balance
                ),
            ));
        }
        for (id, order) in &self.orders {
            let missing = if order.debit.is_some_and(|i| i >= self.debits.len()) {
                "debit"
            } else if order.coupon.is_some_and(|i| i >= self.coupons.len()) {
                "coupon"
            } else {
                continue;
            };
            return Err(RuleError::new(
                ErrorCode::StateInvalid,
                format!("order `{id}` points at a missing {missing}"),
            ));
        }
        for (id, hold) in &self.holds {
            if hold.debit >= self.debits.len() {
                return Err(RuleError::new(
                    ErrorCode::StateInvalid,
                    format!("hold `{id}` points at a missing debit"),
                ));
            }
        }
        Ok(())
    }
}

/// `bytes` if they start with this build's state version, else the coded refusal.
fn version_checked(bytes: &[u8]) -> Result<&[u8], RuleError> {
    match Reader::new(bytes).varint(32) {
        Ok(v) if v == u64::from(STATE_VERSION) => Ok(bytes),
        Ok(v) => Err(RuleError::new(
            ErrorCode::StateVersionUnsupported,
            format!("state format v{v} (this build reads v{STATE_VERSION})"),
        )),
        Err(e) => Err(RuleError::new(
            ErrorCode::StateInvalid,
            format!("binary state: no version: {e}"),
        )),
    }
}

/// The binary form (postcard layout: the fields in declaration order), read and written with
/// the crate's own codec (`binary::codec`) for `State` and each of its records. Not serde's
/// derive: a derived reader drops the fields read so far at every early return (quadratic
/// code: 23 KB of wasm for `State` alone), and a serializer for postcard's format would carry a
/// second copy of every `Serialize` impl (24 KB). Reading fills a default value field by field
/// (one drop path). The server still writes with postcard (`to_binary`); the tests check that
/// both write the same bytes. JSON is read by `read.rs`.
macro_rules! binary_codec {
    ($($ty:ident { $($field:ident)* })*) => {$(
        impl Encode for $ty {
            #[cfg_attr(zailai_cold_size, optimize(size))]
            fn encode(&self, out: &mut Vec<u8>) {
                let $ty { $($field),* } = self;
                $(Encode::encode($field, out);)*
            }
        }

        impl Decode for $ty {
            #[cfg_attr(zailai_cold_size, optimize(size))]
            fn decode(r: &mut Reader) -> Res<$ty> {
                let mut value = $ty::default();
                $(value.$field = Decode::decode(r)?;)*
                Ok(value)
            }
        }

        impl $ty {
            /// The fields in the order the binary form has them.
            #[cfg(test)]
            pub(crate) const BINARY_FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }
    )*};
}

binary_codec! {
    State {
        v user joined clock advanced_to devices checkins makeups freezes lots balance debits
        days month_earned tasks tasks_completed tier paid tier_reached coupons accelerators
        orders services_used campaigns returned offers cards draws totals holds month_spent
    }
    Hold { debit until }
    CardHolding { chances held day today exchanged dry }
    DrawRecord { lottery device seq day weight settled prize }
    CampaignEntry { joined actions spend_cents }
    CheckinRecord { mark points milestone }
    Lot { expires remaining }
    Debit { day reason amount takes reversed }
    DayStats { opens minutes shares spend_cents orders earned rule_counts }
    TaskState { progress day completed claimed }
    PaidTerm { plan tier until }
    CouponGrant { coupon day source expires used }
    Order { day amount_cents paid_cents debit cancelled refunded_cents tier_before coupon }
    Totals { credited cut spent restored expired }
}

binary_enum! {
    Mark { Checked MadeUp Frozen }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reader names every field, in the order `Serialize` writes them (the JSON's order):
    /// a field left out or two swapped would read silently wrong.
    #[test]
    fn binary_readers_name_every_field_in_order() {
        fn check<T: Default + Serialize>(fields: &[&str]) {
            let json = serde_json::to_string(&T::default()).unwrap();
            let keys = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
                .unwrap()
                .len();
            assert_eq!(keys, fields.len(), "{json}");
            let at: Vec<usize> = fields
                .iter()
                .map(|f| json.find(&format!("\"{f}\":")).expect(f))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{fields:?} in {json}");
        }
        check::<State>(State::BINARY_FIELDS);
        check::<CardHolding>(CardHolding::BINARY_FIELDS);
        check::<DrawRecord>(DrawRecord::BINARY_FIELDS);
        check::<CampaignEntry>(CampaignEntry::BINARY_FIELDS);
        check::<CheckinRecord>(CheckinRecord::BINARY_FIELDS);
        check::<Lot>(Lot::BINARY_FIELDS);
        check::<Debit>(Debit::BINARY_FIELDS);
        check::<DayStats>(DayStats::BINARY_FIELDS);
        check::<TaskState>(TaskState::BINARY_FIELDS);
        check::<PaidTerm>(PaidTerm::BINARY_FIELDS);
        check::<CouponGrant>(CouponGrant::BINARY_FIELDS);
        check::<Order>(Order::BINARY_FIELDS);
        check::<Hold>(Hold::BINARY_FIELDS);
        check::<Totals>(Totals::BINARY_FIELDS);
    }

    /// A state with every field, map, list and option filled (negative days, numbers past
    /// one varint byte, text beyond ASCII).
    fn every_field() -> State {
        let mut s = State::new("会员-7", -3, -1_700_000_000_123);
        s.clock = 1_790_000_000_000;
        s.advanced_to = 20_400;
        s.devices.insert("a".into(), 300);
        s.devices.insert("b".into(), u32::MAX);
        s.checkins.insert(
            -2,
            CheckinRecord {
                mark: Mark::Frozen,
                points: 0,
                milestone: None,
            },
        );
        s.checkins.insert(
            20_399,
            CheckinRecord {
                mark: Mark::MadeUp,
                points: 5,
                milestone: Some(7),
            },
        );
        s.checkins.insert(
            20_400,
            CheckinRecord {
                mark: Mark::Checked,
                points: 200,
                milestone: None,
            },
        );
        s.makeups.insert(670, 2);
        s.freezes = 3;
        s.lots.insert(
            20_399,
            Lot {
                expires: 20_764,
                remaining: 5,
            },
        );
        s.lots.insert(
            20_400,
            Lot {
                expires: 20_765,
                remaining: 1_000_000,
            },
        );
        s.balance = 1_000_005;
        s.debits.push(Debit {
            day: 20_400,
            reason: "兑换".into(),
            amount: 30,
            takes: vec![(20_399, 10), (-1, 20)],
            reversed: true,
        });
        s.debits.push(Debit::default());
        let mut rule_counts = VecMap::new();
        rule_counts.insert("cards:s".to_owned(), 2);
        s.days.insert(
            20_400,
            DayStats {
                opens: 1,
                minutes: 300,
                shares: 2,
                spend_cents: u64::MAX,
                orders: 4,
                earned: 90,
                rule_counts,
            },
        );
        s.month_earned.insert(670, 129);
        s.tasks.insert(
            "t".into(),
            TaskState {
                progress: 3,
                day: 20_400,
                completed: true,
                claimed: false,
            },
        );
        s.tasks_completed = 9;
        s.tier = 2;
        s.paid = Some(PaidTerm {
            plan: "vip".into(),
            tier: 3,
            until: 20_800,
        });
        s.tier_reached = (3, 20_100);
        s.coupons.push(CouponGrant {
            coupon: "c".into(),
            day: 20_400,
            source: "wake".into(),
            expires: Some(20_430),
            used: Some(20_401),
        });
        s.coupons.push(CouponGrant::default());
        s.accelerators = 1;
        s.orders.insert(
            "o1".into(),
            Order {
                day: 20_400,
                amount_cents: 9_900,
                paid_cents: 8_000,
                debit: Some(1),
                cancelled: true,
                refunded_cents: 100,
                tier_before: 1,
                coupon: Some(0),
            },
        );
        s.orders.insert("o2".into(), Order::default());
        s.services_used.insert(670, 1);
        s.campaigns.insert(
            "spring".into(),
            CampaignEntry {
                joined: 20_390,
                actions: 12,
                spend_cents: 5_000,
            },
        );
        s.returned = Some(20_300);
        s.offers.insert("welcome".into(), -5);
        let mut held = VecMap::new();
        held.insert("k1".to_owned(), 2);
        s.cards.insert(
            "s".into(),
            CardHolding {
                chances: 8,
                held,
                day: 20_400,
                today: 2,
                exchanged: 1,
                dry: 4,
            },
        );
        s.draws.push(DrawRecord {
            lottery: "l".into(),
            device: "a".into(),
            seq: 200,
            day: 20_400,
            weight: 3,
            settled: true,
            prize: Some("p".into()),
        });
        s.draws.push(DrawRecord::default());
        s.totals = Totals {
            credited: 1,
            cut: 2,
            spent: 3,
            restored: 4,
            expired: u64::MAX,
        };
        s.holds.insert(
            "o1".into(),
            Hold {
                debit: 1,
                until: -5,
            },
        );
        s.month_spent.insert(669, 30);
        s
    }

    /// The crate's codec writes exactly postcard's bytes for `Serialize` (what the server
    /// signs), and reads them back whole.
    #[test]
    fn the_codec_writes_and_reads_postcards_bytes() {
        for state in [State::default(), every_field()] {
            let ours = crate::binary::codec::to_bytes(&state);
            assert_eq!(ours, postcard::to_allocvec(&state).unwrap());
            assert_eq!(ours, state.to_binary());
            assert_eq!(State::from_binary(&ours).unwrap(), state);
        }
    }
}
