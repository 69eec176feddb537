//! The scorecard's facts of a commit (issue 27): points issued by source, spent, restored and
//! expired, coupons granted and used, free services used and money paid for orders, each on
//! its business day; the change of the points in lots by their last usable day; a campaign's
//! points (`docs/report.md`, "The scorecard").
//!
//! Pure, like `facts.rs`. Amounts are differences of the member's state around each applied
//! op: a commit of one op needs no more than the states before and after it; a commit of
//! several (an offline push) applies them again from the state before, each under the rule
//! version in effect at its `at`, to tell them apart. The report's replay reference derives
//! the same amounts from the ops' events instead (`report::facts`), so the differential test
//! checks one derivation against the other.

use crate::op_log::OpRow;
use std::borrow::Cow;
use std::collections::BTreeMap;
use zailai::day::Day;
use zailai::{Op, OpKind, State};

/// The amount kinds that are not `issued:<source>` or `coupons:<id>`.
pub const SPENT: &str = "spent";
pub const RESTORED: &str = "restored";
pub const EXPIRED: &str = "expired";
pub const SPEND_CENTS: &str = "spend_cents";
pub const SERVICES: &str = "services";
pub const COUPONS_USED: &str = "coupons_used";
/// Prefixes: points credited by the op named after it; coupons of the id after it granted.
pub const ISSUED: &str = "issued:";
pub const COUPONS: &str = "coupons:";

/// Amounts by (business day, kind); zero sums are left out when turned into changes.
pub type Amounts = BTreeMap<(Day, String), i64>;

/// What earned a credit: the op's type (`check_in`, `claim_task`, `grant`…), a tracked
/// action by its name (`action:open`).
pub fn source(op: &OpKind) -> String {
    match op {
        OpKind::Track { action, .. } => format!("action:{action}"),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default(),
    }
}

fn add(out: &mut Amounts, day: Day, kind: impl Into<String>, n: i64) {
    if n != 0 {
        *out.entry((day, kind.into())).or_default() += n;
    }
}

fn delta(after: u64, before: u64) -> i64 {
    after as i64 - before as i64
}

/// Money an order brings, cents: paid less refunded, nothing once it no longer counts.
fn net_cents(o: &zailai::state::Order) -> i64 {
    if o.cancelled {
        0
    } else {
        o.paid_cents.saturating_sub(o.refunded_cents) as i64
    }
}

/// The amounts one applied op changed, `day` being its business day.
pub fn op_amounts(out: &mut Amounts, op: &OpKind, day: Day, before: &State, after: &State) {
    let (b, a) = (&before.totals, &after.totals);
    let credited = delta(a.credited, b.credited);
    if credited != 0 {
        add(out, day, format!("{ISSUED}{}", source(op)), credited);
    }
    add(out, day, SPENT, delta(a.spent, b.spent));
    add(out, day, RESTORED, delta(a.restored, b.restored));
    // A lot past its last usable day runs out the day after it, whenever the member's next op
    // records it: the ledger's balance on a day then does not wait for the member to return.
    // What else expired (points a reversal gave back to a lot already past) is the op's.
    let mut lapsed = 0;
    // (Expiry takes whole lots whose last day is before the day the op advanced the state to;
    // nothing else removes a lot with points left.)
    let ran_out = |(earned, lot): &(&Day, &zailai::state::Lot)| {
        lot.expires < after.advanced_to && !after.lots.contains_key(earned)
    };
    for (_, lot) in before.lots.iter().filter(ran_out) {
        add(out, lot.expires + 1, EXPIRED, lot.remaining as i64);
        lapsed += lot.remaining as i64;
    }
    add(out, day, EXPIRED, delta(a.expired, b.expired) - lapsed);
    // Orders by id, on the order's own day: a refund takes from the day it was bought. An
    // order that left the state (archived) changed nothing.
    for (id, o) in after.orders.iter() {
        let was = before.orders.get(id).map_or(0, net_cents);
        add(out, o.day, SPEND_CENTS, net_cents(o) - was);
    }
    // Months that left the state are not uses given back.
    for (month, used) in after.services_used.iter() {
        let was = before.services_used.get(month).copied().unwrap_or(0);
        add(out, day, SERVICES, i64::from(*used) - i64::from(was));
    }
    // Grants by (coupon, day): old ones leave the state (archive) while new ones are today's.
    let mut grants: BTreeMap<(&str, Day), i64> = BTreeMap::new();
    for c in &after.coupons {
        *grants.entry((&c.coupon, c.day)).or_default() += 1;
    }
    for c in &before.coupons {
        *grants.entry((&c.coupon, c.day)).or_default() -= 1;
    }
    for ((coupon, _), n) in &grants {
        // Fewer of a (coupon, day) than before: archived, not granted.
        add(out, day, format!("{COUPONS}{coupon}"), (*n).max(0));
    }
    // Grants an order used (or a cancel gave back), among the (coupon, day)s still held: a
    // grant that left the state (archived) is neither.
    let mut used: BTreeMap<(&str, Day), i64> = BTreeMap::new();
    for c in after.coupons.iter().filter(|c| c.used.is_some()) {
        *used.entry((&c.coupon, c.day)).or_default() += 1;
    }
    for c in before.coupons.iter().filter(|c| c.used.is_some()) {
        *used.entry((&c.coupon, c.day)).or_default() -= 1;
    }
    let held = |key: &(&str, Day)| {
        after
            .coupons
            .iter()
            .any(|c| (c.coupon.as_str(), c.day) == *key)
    };
    let net: i64 = used.iter().filter(|(k, _)| held(k)).map(|(_, n)| n).sum();
    add(out, day, COUPONS_USED, net);
}

/// Campaign windows: id, first day, number of days.
pub type Windows = [(String, Day, u16)];

/// The points an op credited to a member taking part in a campaign (after the op), on a day
/// of its window: the campaign's cost in points (`scorecard::roi`).
pub fn campaign_points(
    out: &mut BTreeMap<String, i64>,
    windows: &Windows,
    day: Day,
    (before, after): (&State, &State),
) {
    let credited = delta(after.totals.credited, before.totals.credited);
    for (id, first, days) in windows {
        let during = (*first..*first + i32::from(*days)).contains(&day);
        if credited != 0 && during && after.campaigns.contains_key(id) {
            *out.entry(id.clone()).or_default() += credited;
        }
    }
}

/// The amounts of a commit, and the points it credited in each campaign (`campaign_points`):
/// `before` the member's state before it (the new record's for a new member), `after` the
/// state it commits, `rows` its op rows; `config_at` names the rules an op was applied
/// under, `day_of` an op's business day.
pub fn commit_amounts<'c>(
    config_at: impl Fn(i64) -> &'c zailai::Config,
    day_of: impl Fn(i64) -> Day,
    windows: &Windows,
    (before, after): (&State, &State),
    rows: &[OpRow],
) -> (Amounts, BTreeMap<String, i64>) {
    let applied: Vec<Op> = rows
        .iter()
        .filter(|r| r.result == "applied")
        .filter_map(|r| Op::from_json(&r.op).ok())
        .collect();
    let mut out = Amounts::new();
    let mut points = BTreeMap::new();
    let mut record = |op: &Op, (prev, next): (&State, &State)| {
        let day = day_of(op.at);
        op_amounts(&mut out, &op.op, day, prev, next);
        campaign_points(&mut points, windows, day, (prev, next));
    };
    // The state after the last op is `after` itself: only the ones before it apply again.
    if let Some((last, earlier)) = applied.split_last() {
        let mut prev: Cow<State> = Cow::Borrowed(before);
        for op in earlier {
            let mut next = prev.clone().into_owned();
            // Applied once already by the same rules: it applies again the same way.
            let _ = next.apply(config_at(op.at), op);
            record(op, (&prev, &next));
            prev = Cow::Owned(next);
        }
        record(last, (&prev, after));
    }
    (out, points)
}

/// How a commit changed the points in lots, by last usable day: (day, change).
pub fn lot_changes(before: &State, after: &State) -> Vec<(Day, i64)> {
    let mut by_day: BTreeMap<Day, i64> = BTreeMap::new();
    for lot in after.lots.values() {
        *by_day.entry(lot.expires).or_default() += lot.remaining as i64;
    }
    for lot in before.lots.values() {
        *by_day.entry(lot.expires).or_default() -= lot.remaining as i64;
    }
    by_day.into_iter().filter(|(_, n)| *n != 0).collect()
}
