mod common;

use common::{as_json, at, find, Member};
use serde_json::json;
use zailai::view::{self, TaskStatus};
use zailai::ErrorCode;

fn status(m: &Member, id: &str, now: i64) -> (TaskStatus, u64) {
    let t = view::tasks(&m.state, &m.cfg, now, "zh-CN")
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    (t.status, t.progress)
}

#[test]
fn daily_tasks_reset_at_the_business_day() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let ev = as_json(&m.track(at(2026, 11, 1, 23, 0), "query"));
    assert_eq!(find(&ev, "task_completed").unwrap()["task"], "daily_query");
    assert_eq!(
        find(&ev, "points_credited").unwrap()["source"],
        "task:daily_query"
    );
    assert_eq!(
        status(&m, "daily_query", at(2026, 11, 1, 23, 30)),
        (TaskStatus::Done, 1)
    );
    assert!(find(
        &as_json(&m.track(at(2026, 11, 1, 23, 59), "query")),
        "task_completed"
    )
    .is_none());
    assert_eq!(
        status(&m, "daily_query", at(2026, 11, 2, 0, 0)),
        (TaskStatus::InProgress, 0)
    );
    assert!(find(
        &as_json(&m.track(at(2026, 11, 2, 0, 0), "query")),
        "task_completed"
    )
    .is_some());
}

#[test]
fn growth_tasks_accumulate_and_manual_ones_wait_for_a_claim() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    for d in 1..=9 {
        m.track(at(2026, 11, d, 9, 0), "open");
        m.track(at(2026, 11, d, 9, 5), "open"); // a second open the same day is not a new use
    }
    assert_eq!(
        status(&m, "growth_use_10", at(2026, 11, 9, 10, 0)),
        (TaskStatus::InProgress, 9)
    );
    let err = m
        .op(
            at(2026, 11, 9, 10, 0),
            json!({"type": "claim_task", "task": "growth_use_10"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::TaskNotCompleted);
    m.track(at(2026, 11, 10, 9, 0), "open");
    assert_eq!(
        status(&m, "growth_use_10", at(2026, 11, 10, 10, 0)),
        (TaskStatus::Claimable, 10)
    );
    let ev = as_json(&m.ok(
        at(2026, 11, 10, 10, 0),
        json!({"type": "claim_task", "task": "growth_use_10"}),
    ));
    assert_eq!(find(&ev, "points_credited").unwrap()["granted"], 50);
    let err = m
        .op(
            at(2026, 11, 10, 10, 1),
            json!({"type": "claim_task", "task": "growth_use_10"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::TaskAlreadyClaimed);
    let err = m
        .op(
            at(2026, 11, 10, 10, 1),
            json!({"type": "claim_task", "task": "nope"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownTask);
}

#[test]
fn invite_task_rewards_points_and_a_tier_step() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.track(at(2026, 11, 1, 9, 0), "invite");
    let ev = as_json(&m.ok(
        at(2026, 11, 1, 9, 1),
        json!({"type": "claim_task", "task": "growth_invite"}),
    ));
    assert_eq!(find(&ev, "tier_changed").unwrap()["reason"], "boost");
    assert_eq!(m.state.tier, 1);
}

#[test]
fn newbie_tasks_close_after_the_first_days() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    assert_eq!(
        status(&m, "newbie_core", at(2026, 11, 7, 23, 0)),
        (TaskStatus::InProgress, 0)
    );
    assert_eq!(
        status(&m, "newbie_core", at(2026, 11, 8, 0, 0)),
        (TaskStatus::Expired, 0)
    );
    let ev = as_json(&m.track(at(2026, 11, 8, 9, 0), "core_action"));
    assert!(find(&ev, "task_completed").is_none());

    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let ev = as_json(&m.track(at(2026, 11, 7, 23, 0), "core_action"));
    assert_eq!(
        find(&ev, "coupon_granted").unwrap()["coupon"],
        "newbie_5_yuan"
    );
    assert_eq!(
        status(&m, "newbie_core", at(2026, 11, 20, 0, 0)),
        (TaskStatus::Done, 1)
    );
}

#[test]
fn completed_tasks_count_toward_the_tier_dimension() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.track(at(2026, 11, 1, 9, 0), "query");
    m.track(at(2026, 11, 1, 9, 0), "browse_guide");
    m.track(at(2026, 11, 1, 9, 0), "profile_complete");
    assert_eq!(m.state.tasks_completed, 3);
}
