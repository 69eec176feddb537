//! The console's member routes in process (issue 28): exact figures at the boundaries of the
//! grant's checks and cap, what a grant and a revoke write (one `~console` op, the record's
//! version, the log row), and the list, page and op log read back from what the store holds.
//! `js/test/console-members.test.js` runs the same routes end to end with phones that sync.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use zailai::{Config, OpKind, State};
use zailai_server::serve::{self, App};
use zailai_server::store::{OpRow, Record, Store};

struct Console {
    app: Arc<App>,
    token: String,
}

async fn console(name: &str, grant_cap: u64) -> Console {
    let data_dir =
        std::env::temp_dir().join(format!("zailai-console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let opts = serve::Options {
        grant_cap,
        ..serve::Options::dev_on(data_dir)
    };
    let app = serve::app(opts).await.unwrap();
    let token = app.options.admin_token.clone().unwrap();
    Console { app, token }
}

impl Console {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let res = serve::router(self.app.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(body)).await
    }

    async fn grant(&self, user: &str, points: u64, reason: &str) -> (StatusCode, Value) {
        let path = format!("/v1/admin/members/{user}/grants");
        self.post(&path, json!({ "points": points, "reason": reason }))
            .await
    }

    async fn record(&self, user: &str) -> Record {
        self.app.store.load(user).await.unwrap().unwrap()
    }

    /// A member whose phone `phone` applied `ops` now (as a sync would), with their rows, and
    /// then the refused rows given.
    async fn member(&self, user: &str, ops: Vec<(&str, OpKind)>, refused: Vec<OpRow>) {
        let name = user.to_owned();
        let now = serve::now_ms();
        let ops: Vec<(String, OpKind)> = ops.into_iter().map(|(d, k)| (d.to_owned(), k)).collect();
        let fresh = move || Record {
            state: State::join(&Config::seed(), &name, now - 60_000),
            processed: Default::default(),
            server_version: 0,
        };
        self.app
            .store
            .transact(user, fresh, move |r: &mut Record| {
                let cfg = Config::seed();
                let mut rows = Vec::new();
                for (device, kind) in ops {
                    let (op, _) =
                        zailai::sync::server_op(&mut r.state, &cfg, &device, |_| kind, now)?;
                    rows.push(OpRow::of(&op, "applied".into()));
                }
                rows.extend(refused);
                r.server_version += 1;
                Ok::<_, zailai::RuleError>(((), rows))
            })
            .await
            .unwrap()
            .unwrap();
    }
}

fn refused_check_in(device: &str, seq: u32) -> OpRow {
    let op =
        json!({"device": device, "seq": seq, "at": serve::now_ms(), "op": {"type": "check_in"}});
    OpRow {
        device: device.into(),
        seq,
        at: serve::now_ms(),
        op: op.to_string(),
        result: "ALREADY_CHECKED_IN".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_writes_one_console_op_within_the_cap_and_says_what_is_left() {
    let c = console("grant", 300).await;
    c.member("ann", vec![("phone", OpKind::CheckIn {})], vec![])
        .await;
    let start = c.record("ann").await;
    let balance = start.state.balance;

    let (status, body) = c.grant("ann", 200, "补偿").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["balance_before"], balance);
    assert_eq!(body["balance_after"], balance + 200);
    assert_eq!(body["cap"], json!({"limit": 300, "used": 200, "left": 100}));
    assert_eq!(body["op"]["device"], "~console");
    assert_eq!(body["op"]["seq"], 1);
    assert_eq!(
        body["op"]["op"],
        json!({"type": "grant", "points": 200, "reason": "补偿"})
    );
    let after = c.record("ann").await;
    assert_eq!(after.state.balance, balance + 200);
    assert_eq!(after.server_version, start.server_version + 1);
    let rows = c.app.store.ops("ann").await.unwrap();
    let last = rows.last().unwrap();
    assert_eq!(
        (last.device.as_str(), last.seq, last.result.as_str()),
        ("~console", 1, "applied")
    );

    // Up to the cap exactly, then not one point more; a refused grant writes nothing.
    let (status, body) = c.grant("ann", 100, "rest").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cap"], json!({"limit": 300, "used": 300, "left": 0}));
    assert_eq!(body["op"]["seq"], 2);
    let (status, body) = c.grant("ann", 1, "more").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "GRANT_CAP");
    assert_eq!(body["error"]["path"], "points");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("300 points a business day, 300 granted today, 0 left"),
        "{message}"
    );
    assert_eq!(c.record("ann").await.state.balance, balance + 300);
    assert_eq!(c.app.store.ops("ann").await.unwrap().len(), rows.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_grants_are_named_and_neither_written_nor_charged() {
    let c = console("bad-grants", 2_000_000).await;
    c.member("bo", vec![("phone", OpKind::CheckIn {})], vec![])
        .await;
    let version = c.record("bo").await.server_version;
    for (points, reason, path) in [
        (0, "x", "points"),
        (1_000_001, "x", "points"),
        (5, "", "reason"),
        (5, " \t", "reason"),
        (5, "line\nbreak", "reason"),
        (5, &"x".repeat(65), "reason"),
    ] {
        let (status, body) = c.grant("bo", points, reason).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{points} {reason:?}");
        assert_eq!(body["error"]["path"], path, "{body}");
    }
    let (status, body) = c.grant("nobody", 5, "x").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(c.record("bo").await.server_version, version);
    // The largest grant and the longest reason pass; nothing above was charged.
    let (status, body) = c.grant("bo", 1_000_000, &"补".repeat(64)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cap"]["used"], 1_000_000);
    let (status, body) = c.grant("bo", 1, "x").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["cap"],
        json!({"limit": 2_000_000, "used": 1_000_001, "left": 999_999})
    );
}

/// A coupon, with points or alone: one `grant` op with the coupon, within the actor's coupon
/// cap (`--coupon-cap`), counted apart from points; bad coupon ids are named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_grant_is_one_op_within_a_cap_of_its_own() {
    let data_dir =
        std::env::temp_dir().join(format!("zailai-console-coupons-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let opts = serve::Options {
        grant_cap: 100,
        coupon_cap: 2,
        ..serve::Options::dev_on(data_dir)
    };
    let app = serve::app(opts).await.unwrap();
    let token = app.options.admin_token.clone().unwrap();
    let c = Console { app, token };
    c.member("cy", vec![("phone", OpKind::CheckIn {})], vec![])
        .await;
    let balance = c.record("cy").await.state.balance;
    let path = "/v1/admin/members/cy/grants";

    let (status, body) = c
        .post(path, json!({"coupon": "comp_10", "reason": "迟到补偿"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["op"]["op"],
        json!({"type": "grant", "points": 0, "coupon": "comp_10", "reason": "迟到补偿"})
    );
    assert_eq!(body["balance_after"], balance);
    assert_eq!(body["cap"], json!({"limit": 100, "used": 0, "left": 100}));
    assert_eq!(
        body["coupon_cap"],
        json!({"limit": 2, "used": 1, "left": 1})
    );
    let (status, body) = c
        .post(
            path,
            json!({"points": 100, "coupon": "comp_10", "reason": "r"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["coupon_cap"]["left"], 0);
    let state = c.record("cy").await.state;
    assert_eq!(state.balance, balance + 100);
    let coupons: Vec<_> = state.coupons.iter().map(|g| g.source.as_str()).collect();
    assert_eq!(coupons, ["grant:迟到补偿", "grant:r"]);

    // A third coupon passes its cap: named at `coupon`, nothing written.
    let version = c.record("cy").await.server_version;
    let (status, body) = c
        .post(path, json!({"coupon": "comp_10", "reason": "r"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "GRANT_CAP");
    assert_eq!(body["error"]["path"], "coupon");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("a coupon would pass") && message.contains("2 coupons a business day"),
        "{message}"
    );
    for (coupon, why) in [
        (json!(""), "empty"),
        (json!(" comp"), "a surrounding space"),
        (json!("a\u{7}b"), "a control character"),
        (json!("x".repeat(65)), "too long"),
    ] {
        let (status, body) = c.post(path, json!({"coupon": coupon, "reason": "r"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["error"]["path"], "coupon", "{why}");
    }
    assert_eq!(c.record("cy").await.server_version, version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_revokes_a_membership_and_the_tier_drops_at_once() {
    let c = console("revoke", 5000).await;
    let buy = OpKind::BuyMembership {
        plan: "yearly".into(),
    };
    c.member(
        "cy",
        vec![("phone", OpKind::CheckIn {}), ("~merchant", buy)],
        vec![],
    )
    .await;
    let (_, page) = c.get("/v1/admin/members/cy").await;
    assert_eq!(page["memberships"][0]["plan"], "yearly");
    assert_eq!(page["memberships"][0]["tier"], "gold");
    let version = c.record("cy").await.server_version;

    let (status, body) = c
        .post("/v1/admin/members/cy/revoke", json!({"plan": "yearly"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tier_before"], "gold");
    assert_eq!(body["tier_after"], "regular");
    assert_eq!(body["op"]["device"], "~console");
    assert_eq!(body["op"]["op"]["type"], "revoke_membership");
    assert!(
        !body["events"].as_array().unwrap().is_empty(),
        "the revoke's events: {body}"
    );
    let after = c.record("cy").await;
    assert_eq!(after.server_version, version + 1);
    assert_eq!(after.state.devices.get("~console"), Some(&1));
    let (_, page) = c.get("/v1/admin/members/cy").await;
    assert_eq!(page["memberships"], json!([]));
    assert_eq!(page["summary"]["tier"], "regular");

    // Again: no running membership; the core's refusal, nothing written.
    let (status, body) = c
        .post("/v1/admin/members/cy/revoke", json!({"plan": "yearly"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "NO_MEMBERSHIP");
    assert_eq!(c.record("cy").await.server_version, version + 1);
    for plan in [String::new(), "p".repeat(129)] {
        let (status, body) = c
            .post("/v1/admin/members/cy/revoke", json!({ "plan": plan }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["path"], "plan");
    }
    let (status, _) = c
        .post(
            "/v1/admin/members/cy/revoke",
            json!({"plan": "p".repeat(128)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "128 bytes pass");
    let (status, _) = c
        .post("/v1/admin/members/nobody/revoke", json!({"plan": "yearly"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(c.app.store.load("nobody").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_by_prefix_with_each_members_figures() {
    let c = console("list", 5000).await;
    for i in 0..25 {
        c.member(&format!("m{i:02}"), vec![], vec![]).await;
    }
    let track = OpKind::Track {
        action: "share".into(),
        count: 1,
    };
    c.member(
        "k1",
        vec![("phone", OpKind::CheckIn {}), ("phone", track)],
        vec![refused_check_in("phone", 3)],
    )
    .await;
    let (status, all) = c.get("/v1/admin/members?q=m").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total"], 25);
    assert_eq!(
        (all["offset"].clone(), all["limit"].clone()),
        (json!(0), json!(20))
    );
    assert_eq!(all["members"].as_array().unwrap().len(), 20);
    let (_, rest) = c.get("/v1/admin/members?q=m&offset=20&limit=100").await;
    let ids: Vec<&str> = rest["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["m20", "m21", "m22", "m23", "m24"]);
    for bad in ["limit=101", "limit=0", "offset=x", "q=m&q=n", "what=1"] {
        let (status, _) = c.get(&format!("/v1/admin/members?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (_, k) = c.get("/v1/admin/members?q=k").await;
    let row = &k["members"][0];
    let record = c.record("k1").await;
    assert_eq!(row["user"], "k1");
    assert_eq!(row["balance"], record.state.balance);
    assert!(record.state.balance > 0);
    assert_eq!(row["tier"], "regular");
    assert_eq!(row["ops"], 3, "two applied, one refused");
    let today = zailai::day::Date::from_day(Config::seed().clock().day_of(serve::now_ms()));
    assert_eq!(row["last_day"], today.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_page_and_op_log_show_what_the_state_and_log_hold() {
    let c = console("page", 5000).await;
    let hold = |at| OpKind::HoldPoints {
        order: "H-1".into(),
        points: 5,
        until: at + 600_000,
    };
    let now = serve::now_ms();
    let order = OpKind::Order {
        order: "O-1".into(),
        amount_cents: 10_000,
        points: 0,
        coupon: None,
    };
    c.member(
        "dee",
        vec![
            ("phone", OpKind::CheckIn {}),
            (
                "pad",
                OpKind::Track {
                    action: "share".into(),
                    count: 1,
                },
            ),
            ("~merchant", hold(now)),
            ("~merchant", order),
        ],
        vec![refused_check_in("pad", 2)],
    )
    .await;
    let (status, page) = c.get("/v1/admin/members/dee").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let record = c.record("dee").await;
    // The issue-14 fields, kept.
    assert_eq!(page["user"], "dee");
    assert_eq!(page["server_version"], record.server_version);
    assert_eq!(page["ops"], 5);
    assert_eq!(page["summary"]["balance"], record.state.balance);
    // The console's.
    let lots = page["lots"].as_array().unwrap();
    let total: u64 = lots.iter().map(|l| l["points"].as_u64().unwrap()).sum();
    assert_eq!(total, record.state.balance);
    assert_eq!(
        page["devices"],
        json!([{"device": "pad", "seq": 1}, {"device": "phone", "seq": 1}, {"device": "~merchant", "seq": 2}])
    );
    assert_eq!(page["holds"][0]["order"], "H-1");
    assert_eq!(page["holds"][0]["points"], 5);
    assert_eq!(page["holds"][0]["until"], now + 600_000);
    assert_eq!(page["orders"][0]["order"], "O-1");
    assert_eq!(page["orders"][0]["amount_cents"], 10_000);
    assert_eq!(page["orders"][0]["paid_cents"], 10_000);
    assert_eq!(page["orders"][0]["points"], 0);
    assert_eq!(page["orders"][0]["cancelled"], false);
    assert_eq!(page["tier"]["tier"]["id"], "regular");
    assert_eq!(page["tier"]["next"]["id"], "silver");
    assert_eq!(page["memberships"], json!([]));
    assert!(page["coupons"].is_array());

    let (_, log) = c.get("/v1/admin/members/dee/ops").await;
    assert_eq!(log["total"], 5);
    let kinds: Vec<(&str, &str)> = log["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["op"]["op"]["type"].as_str().unwrap(),
                o["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("check_in", "refused"),
            ("order", "applied"),
            ("hold_points", "applied"),
            ("track", "applied"),
            ("check_in", "applied"),
        ]
    );
    assert_eq!(log["ops"][0]["error"], "ALREADY_CHECKED_IN");
    assert!(log["ops"][0].get("events").is_none());
    assert!(log["ops"][1].get("error").is_none());
    let events = |i: usize| -> Vec<String> {
        log["ops"][i]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        events(4).contains(&"checked_in".to_owned()),
        "{:?}",
        events(4)
    );
    assert!(
        events(1).contains(&"order_placed".to_owned()),
        "{:?}",
        events(1)
    );
    let (_, page2) = c.get("/v1/admin/members/dee/ops?offset=3&limit=1").await;
    assert_eq!(page2["ops"].as_array().unwrap().len(), 1);
    assert_eq!(page2["ops"][0]["op"]["op"]["type"], "track");
    assert_eq!(page2["ops"][0]["device"], "pad");
    let (status, _) = c.get("/v1/admin/members/nobody/ops").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = c.get("/v1/admin/members/dee/ops?limit=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lots_past_their_last_day_are_no_longer_shown() {
    let c = console("expired", 5000).await;
    let long_ago = serve::now_ms() - 400 * 86_400_000;
    let fresh = move || Record {
        state: State::join(&Config::seed(), "old", long_ago),
        processed: Default::default(),
        server_version: 0,
    };
    c.app
        .store
        .transact("old", fresh, move |r: &mut Record| {
            let cfg = Config::seed();
            let check_in = |_| OpKind::CheckIn {};
            let (op, _) = zailai::sync::server_op(&mut r.state, &cfg, "phone", check_in, long_ago)?;
            r.server_version += 1;
            Ok::<_, zailai::RuleError>(((), vec![OpRow::of(&op, "applied".into())]))
        })
        .await
        .unwrap()
        .unwrap();
    let record = c.record("old").await;
    assert_eq!(record.state.lots.len(), 1, "no op has expired it yet");
    assert!(record.state.balance > 0);
    let (_, page) = c.get("/v1/admin/members/old").await;
    assert_eq!(page["lots"], json!([]));
    assert_eq!(page["summary"]["balance"], 0);
}
