//! The rules helper's routes (issue 28) through the router, as the console calls them with
//! the admin bearer token: validate, templates, lotteries, the messages CSV, publish.

use super::{app, routes, Options};
use crate::store::{DrawEntry, Store};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

async fn dev_app(name: &str) -> Arc<super::App> {
    let dir = std::env::temp_dir().join(format!("zailai-console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = Options::dev_on(dir);
    app(opts).await.unwrap()
}

/// (status, headers, body text) of `method path` with the admin token.
async fn call(
    app: &Arc<super::App>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let token = app.options.admin_token.clone().unwrap();
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = routes::router(app.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

async fn json_of(
    app: &Arc<super::App>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, _, text) = call(app, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap())
}

fn seed() -> Value {
    serde_json::to_value(zailai::Config::seed()).unwrap()
}

/// Publishes (as the admin token) the seed with a lower daily cap, 11 minutes from now: a
/// change beyond campaigns, which only an admin may publish.
async fn publish_lower_daily_cap(app: &Arc<super::App>) -> (StatusCode, Value) {
    let mut cap = seed();
    cap["points"]["daily_cap"] = json!(150);
    let body =
        json!({ "rules": cap, "effective_from": super::now_ms() + 11 * 60_000, "author": "test" });
    json_of(app, "POST", "/v1/admin/rules", Some(body)).await
}

#[tokio::test]
async fn validate_answers_a_summary_or_every_problem_at_its_path() {
    let app = dev_app("validate").await;
    let path = "/v1/admin/rules/validate";
    let (status, ok) = json_of(&app, "POST", path, Some(json!({ "rules": seed() }))).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["ok"], true);
    assert_eq!(
        ok["hash"],
        json!(zailai::snapshot::config_hash(&zailai::Config::seed()))
    );
    assert_eq!(ok["summary"]["campaigns"][0]["id"], "spring_festival_2027");
    assert_eq!(ok["base"]["number"], 1);
    assert_eq!(ok["changes"], 0);
    assert_eq!(ok["needs_role"], "operator");

    let mut bad = seed();
    bad["points"]["expiry_months"] = json!(0);
    bad["tiers"]["paid"][0]["tier"] = json!("platinum");
    let (status, e) = json_of(&app, "POST", path, Some(json!({ "rules": bad }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["code"], "CONFIG_INVALID");
    let problems: Vec<(&str, &str)> = e["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["message"].as_str().unwrap()))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, "points.expiry_months");
    assert!(problems[0].1.contains("between 1 and 120"), "{problems:?}");
    assert_eq!(problems[1].0, "tiers.paid[0].tier");
    assert_eq!(e["error"]["path"], "points.expiry_months");

    // What publishing would strand (a task members may hold), unless the mapping retires it.
    let mut fewer = seed();
    let task = fewer["tasks"].as_array_mut().unwrap().remove(0);
    let (status, e) = json_of(&app, "POST", path, Some(json!({ "rules": fewer }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["code"], "RULES_STRAND_STATE");
    let retire = format!("tasks.{}", task["id"].as_str().unwrap());
    assert_eq!(e["error"]["problems"][0]["path"], json!(retire));
    let mapped = json!({ "rules": fewer, "mapping": { "retire": [retire] } });
    let (status, ok) = json_of(&app, "POST", path, Some(mapped)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["needs_role"], "admin");
    assert_eq!(ok["beyond_campaigns"], json!([retire]));
    assert_eq!(ok["changes"], 1);
    assert_eq!(
        ok["summary"]["tasks"]["total"],
        fewer["tasks"].as_array().unwrap().len()
    );

    // A mapping field that does not exist; a body field that does not.
    let (status, e) = json_of(
        &app,
        "POST",
        path,
        Some(json!({ "rules": seed(), "mapping": { "drop": [] } })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["problems"][0]["path"], "mapping");
    let (status, e) = json_of(
        &app,
        "POST",
        path,
        Some(json!({ "rules": seed(), "author": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");

    // With `effective_from`, the schedule as publishing checks it.
    let soon = super::now_ms() + 9 * 60_000;
    let (status, e) = json_of(
        &app,
        "POST",
        path,
        Some(json!({ "rules": seed(), "effective_from": soon })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["code"], "BAD_SCHEDULE");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lead time"),
        "{e}"
    );
    let later = super::now_ms() + 11 * 60_000;
    let (status, ok) = json_of(
        &app,
        "POST",
        path,
        Some(json!({ "rules": seed(), "effective_from": later })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let (status, e) = json_of(
        &app,
        "POST",
        path,
        Some(json!({ "rules": seed(), "effective_from": "tomorrow" })),
    )
    .await;
    assert_eq!(
        (status, &e["error"]["path"]),
        (StatusCode::BAD_REQUEST, &json!("effective_from"))
    );

    // Nothing stored.
    assert_eq!(app.store.rule_versions(0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn templates_lotteries_and_an_admins_publish() {
    let app = dev_app("templates").await;
    let (status, t) = json_of(&app, "GET", "/v1/admin/campaign-templates", None).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = t["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["spring_cards", "double_11", "member_day"]);

    let (status, l) = json_of(&app, "GET", "/v1/admin/lotteries", None).await;
    assert_eq!(status, StatusCode::OK);
    let draw = &l["lotteries"][0];
    assert_eq!(draw["id"], "spring_draw_2027");
    assert_eq!(draw["draws"], 0);
    assert_eq!(draw["commitment"].as_str().unwrap().len(), 128);
    assert_eq!(draw["revealed"], false, "the seed campaign is in 2027");
    assert_eq!(draw["seed"], Value::Null);
    assert_eq!(
        draw["stock"][0],
        json!({"prize": "gift", "name": {"zh-CN": "新春礼盒", "en": "New Year gift box"}, "total": 20, "won": 0, "left": 20})
    );
    // A draw recorded: the count and the stock left follow.
    let entry = DrawEntry {
        member: "m".into(),
        device: "d".into(),
        seq: 1,
        weight: 1,
        prize: None,
    };
    app.store
        .lottery_draw("spring_draw_2027", entry, |_| Some("gift".to_owned()))
        .await
        .unwrap();
    let (_, l) = json_of(&app, "GET", "/v1/admin/lotteries", None).await;
    assert_eq!(l["lotteries"][0]["draws"], 1);
    assert_eq!(l["lotteries"][0]["stock"][0]["left"], 19);
    assert_eq!(l["lotteries"][0]["stock"][1]["left"], 1000);

    // The admin token publishes a change beyond campaigns.
    let (status, v) = publish_lower_daily_cap(&app).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["number"], 2);
}

#[tokio::test]
async fn the_messages_csv_has_a_bom_a_header_and_the_paging_of_the_json() {
    let app = dev_app("csv").await;
    for user in ["a", "b"] {
        app.store
            .put_consent(user, "streak_reminder", true, 1)
            .await
            .unwrap();
    }
    let (status, headers, text) = call(&app, "GET", "/v1/admin/messages.csv?limit=1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"messages-"));
    assert_eq!(
        headers["x-next-after"], "a",
        "a page of one member: the next starts after `a`"
    );
    // Members with no state yet have no candidate: the header line alone.
    assert_eq!(
        text,
        "\u{feff}user,kind,text,points,date,days,streak,tier,since\r\n"
    );
    let (status, headers, _) = call(&app, "GET", "/v1/admin/messages.csv?after=a", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("x-next-after").is_none());
    // A member id that is no header value (`乙`, before `甲` in byte order) at a page's
    // end: URL-encoded, and taken back as `after`.
    for user in ["甲", "乙"] {
        app.store
            .put_consent(user, "tier_up", true, 1)
            .await
            .unwrap();
    }
    let (_, headers, _) = call(&app, "GET", "/v1/admin/messages.csv?after=b&limit=1", None).await;
    assert_eq!(headers["x-next-after"], "%E4%B9%99");
    let (status, headers, _) = call(
        &app,
        "GET",
        "/v1/admin/messages.csv?after=%E4%B9%99&limit=1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("x-next-after").is_none(), "甲 was the last");
    let (status, _, text) = call(&app, "GET", "/v1/admin/messages.csv?limit=5001", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
}

/// How each refusal of a publish is answered: an operator's change beyond campaigns is 403.
#[test]
fn a_forbidden_publish_is_403_with_its_reason() {
    use crate::versions::PublishError;
    let e = super::rules_admin::refused(PublishError::Forbidden("why".to_owned()));
    assert_eq!(
        (e.status, e.code, e.message.as_str()),
        (StatusCode::FORBIDDEN, "FORBIDDEN", "why")
    );
    let e = super::rules_admin::refused(PublishError::Raced);
    assert_eq!(e.status, StatusCode::CONFLICT);
    let e = super::rules_admin::refused(PublishError::Schedule("soon".to_owned()));
    assert_eq!(
        (e.status, e.code),
        (StatusCode::UNPROCESSABLE_ENTITY, "BAD_SCHEDULE")
    );
}

/// A write committed stands even when its audit entry cannot be stored: an error answer would
/// make the operator retry (a grant twice). The entry goes to stderr instead.
#[tokio::test]
async fn a_write_answers_its_success_when_the_audit_log_cannot_take_it() {
    let app = dev_app("audit-lost").await;
    let db = app.options.data_dir.join("zailai.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TABLE audit_log")
        .unwrap();
    let (status, v) = publish_lower_daily_cap(&app).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["number"], 2);
    let (_, listed) = json_of(&app, "GET", "/v1/admin/rules", None).await;
    assert_eq!(listed["versions"].as_array().unwrap().len(), 2);
    // The log itself says it cannot be read, rather than showing an empty history.
    let (status, _, _) = call(&app, "GET", "/v1/admin/audit", None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}
