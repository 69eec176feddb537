//! The report's activity is the member's own (RULES.md, "Activity and time"): a day on which
//! only the merchant or the server wrote for a member is no active day and no return.

use zailai::op::MERCHANT_DEVICE;
use zailai::sync::server_op;
use zailai::{Config, Op, OpKind, State};
use zailai_server::facts::{changes, return_bit, FactRules, Summary};
use zailai_server::store::OpRow;

const DAY: i64 = 86_400_000;
/// 2026-11-02 10:00 UTC+8.
const T: i64 = 1_793_584_800_000;

#[test]
fn a_day_only_the_merchant_wrote_on_is_no_active_day_and_no_return() {
    let cfg = Config::seed();
    let rules = FactRules::of(&cfg);
    let mut st = State::join(&cfg, "u1", T);
    let joined = cfg.clock().day_of(T);
    let before = Summary::of(&rules, &st);
    // The day after joining: the merchant's order only.
    let order = |_| OpKind::Order {
        order: "A".into(),
        amount_cents: 60_000,
        points: 0,
        coupon: None,
    };
    let (op, _) = server_op(&mut st, &cfg, MERCHANT_DEVICE, order, T + DAY).unwrap();
    let rows = [OpRow::of(&op, "applied".into())];
    let c = changes(&rules, Some(&before), &st, &rows);
    assert!(c.days.is_empty(), "{:?}", c.days);
    assert_eq!(c.returned, 0);
    // The order made the member gold that day: the tier timeline still changes from it.
    assert_eq!(c.tiers.as_ref().map(|t| t.0), Some(joined + 1));
    // The member's own op that day is the return.
    let before = Summary::of(&rules, &st);
    let open = Op {
        device: "phone".into(),
        seq: 1,
        at: T + DAY + 60_000,
        op: OpKind::Track {
            action: "open".into(),
            count: 1,
        },
    };
    st.apply(&cfg, &open).unwrap();
    let rows = [OpRow::of(&open, "applied".into())];
    let c = changes(&rules, Some(&before), &st, &rows);
    assert_eq!(c.days, [joined + 1]);
    assert_eq!(c.returned, return_bit(1));
    assert_ne!(c.returned, 0);
}
