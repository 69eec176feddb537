//! WeChat login (code2session) against a local fake of WeChat's endpoint: the real one cannot
//! be called from here. The fake answers like the documented API, by the code it is given.

use axum::http::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use zailai_server::serve::login::{SessionVerifier, WeChatLogin};

/// Serves canned code2session replies on a free port; records each request line.
fn fake_wechat() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
            }
            log.lock().unwrap().push(line.clone());
            let code = line
                .split(['?', '&', ' '])
                .find_map(|p| p.strip_prefix("js_code="))
                .unwrap_or("")
                .to_owned();
            let (status, body) = match code.as_str() {
                "good" => (
                    200,
                    json!({"openid": "o-abc", "session_key": "sk"}).to_string(),
                ),
                "used" => (
                    200,
                    json!({"errcode": 40163, "errmsg": "code been used"}).to_string(),
                ),
                "busy" => (
                    200,
                    json!({"errcode": -1, "errmsg": "system error"}).to_string(),
                ),
                "limit" => (
                    200,
                    json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"}).to_string(),
                ),
                "blocked" => (
                    200,
                    json!({"errcode": 40226, "errmsg": "high risk user"}).to_string(),
                ),
                _ => (502, "<html>bad gateway</html>".to_owned()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

async fn login(verifier: &WeChatLogin, code: &str) -> Result<String, (StatusCode, &'static str)> {
    verifier.verify(code).await.map_err(|e| (e.status, e.code))
}

#[tokio::test]
async fn code2session_maps_every_documented_answer() {
    let (url, seen) = fake_wechat();
    let wechat = WeChatLogin::new("wxapp".into(), "s3cret".into(), url);
    assert_eq!(wechat.field(), "code");
    assert_eq!(login(&wechat, "good").await, Ok("o-abc".to_owned()));
    let request = seen.lock().unwrap()[0].clone();
    assert!(request.starts_with("GET /sns/jscode2session?"), "{request}");
    for part in [
        "appid=wxapp",
        "secret=s3cret",
        "js_code=good",
        "grant_type=authorization_code",
    ] {
        assert!(request.contains(part), "{part} in {request}");
    }
    assert_eq!(
        login(&wechat, "used").await,
        Err((StatusCode::UNAUTHORIZED, "UNAUTHORIZED"))
    );
    assert_eq!(
        login(&wechat, "busy").await,
        Err((StatusCode::SERVICE_UNAVAILABLE, "UPSTREAM_UNAVAILABLE"))
    );
    assert_eq!(
        login(&wechat, "limit").await,
        Err((StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"))
    );
    assert_eq!(
        login(&wechat, "blocked").await,
        Err((StatusCode::FORBIDDEN, "USER_BLOCKED"))
    );
    assert_eq!(
        login(&wechat, "gateway").await,
        Err((StatusCode::SERVICE_UNAVAILABLE, "UPSTREAM_UNAVAILABLE"))
    );
    assert_eq!(
        login(&wechat, "").await,
        Err((StatusCode::BAD_REQUEST, "BAD_REQUEST"))
    );
    assert_eq!(
        login(&wechat, &"x".repeat(257)).await,
        Err((StatusCode::BAD_REQUEST, "BAD_REQUEST"))
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        6,
        "bad codes never reach WeChat"
    );
}

#[tokio::test]
async fn an_unreachable_wechat_is_a_retryable_503() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let wechat = WeChatLogin::new(
        "wxapp".into(),
        "s".into(),
        format!("http://127.0.0.1:{port}"),
    );
    let err = wechat.verify("good").await.unwrap_err();
    assert_eq!(
        (err.status, err.code),
        (StatusCode::SERVICE_UNAVAILABLE, "UPSTREAM_UNAVAILABLE")
    );
    assert_eq!(err.retry_after, Some(1));
}
