//! Subscription-message candidates: only the kinds a member agreed to, and only on the days
//! they are due (30 and 7 days before points expire, a streak at risk, a new tier).

use serde_json::json;
use zailai::{Config, Op, State};
use zailai_server::messages::for_member;

/// Epoch ms of `hour`:00 on a day in UTC+8.
fn at(y: i32, m: u8, d: u8, hour: i64) -> i64 {
    i64::from(zailai::day::days_from_civil(y, m, d)) * 86_400_000 + (hour - 8) * 3_600_000
}

fn member(cfg: &Config, ops: &[(i64, serde_json::Value)]) -> State {
    let mut st = State::join(cfg, "m1", ops[0].0);
    for (i, (t, body)) in ops.iter().enumerate() {
        // Money is the merchant's (a `~` device); everything else the phone's.
        let probe = json!({"device": "~merchant", "seq": 1, "at": t, "op": body});
        let server = Op::from_json(&probe.to_string()).unwrap().op.server_only();
        let device = if server { "~merchant" } else { "p" };
        let op = Op::from_json(
            &json!({"device": device, "seq": i + 1, "at": t, "op": body}).to_string(),
        )
        .unwrap();
        st.apply(cfg, &op).unwrap();
    }
    st
}

const ALL: [&str; 3] = ["points_expiring", "streak_reminder", "tier_up"];

#[test]
fn points_expiring_30_and_7_days_before_only() {
    let cfg = Config::seed();
    // 5 points earned 2026-01-10 expire after 12 months: last usable day 2027-01-10.
    let st = member(&cfg, &[(at(2026, 1, 10, 9), json!({"type": "check_in"}))]);
    let kinds = |y, m, d| -> Vec<&str> {
        for_member(&st, &cfg, at(y, m, d, 10), &ALL)
            .iter()
            .map(|c| c.kind)
            .collect()
    };
    assert!(
        kinds(2026, 12, 11).contains(&"points_expiring"),
        "30 days before"
    );
    assert!(
        !kinds(2026, 12, 12).contains(&"points_expiring"),
        "29 days before: not again"
    );
    let c = for_member(&st, &cfg, at(2027, 1, 3, 10), &ALL);
    let exp = c.iter().find(|c| c.kind == "points_expiring").unwrap();
    assert_eq!(
        exp.data,
        json!({"points": 5, "date": "2027-01-10", "days": 7})
    );
    assert_eq!(exp.text, "您有 5 积分即将过期(2027-01-10)");
    assert!(
        for_member(&st, &cfg, at(2027, 1, 3, 10), &["tier_up"]).is_empty(),
        "no consent, no message"
    );
}

#[test]
fn streak_reminders_and_tier_ups() {
    let cfg = Config::seed();
    let st = member(
        &cfg,
        &[
            (at(2026, 11, 1, 9), json!({"type": "check_in"})),
            (at(2026, 11, 2, 9), json!({"type": "check_in"})),
            (
                at(2026, 11, 2, 10),
                json!({"type": "buy_membership", "plan": "monthly"}),
            ),
        ],
    );
    let on = |d, h| for_member(&st, &cfg, at(2026, 11, d, h), &ALL);
    let today = on(3, 20);
    let streak = today.iter().find(|c| c.kind == "streak_reminder").unwrap();
    assert_eq!(streak.data, json!({"streak": 2}));
    let tier = today.iter().find(|c| c.kind == "tier_up").unwrap();
    assert_eq!(tier.data["tier"], "白银会员");
    assert!(
        on(4, 20).iter().all(|c| c.kind != "tier_up"),
        "only the day after"
    );
    assert!(on(5, 20).is_empty(), "the streak broke on the 3rd");
}
