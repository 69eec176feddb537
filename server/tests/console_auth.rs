//! Console logins, roles, CSRF, throttling and the audit log, against a real `zailai serve
//! --dev` over HTTP (docs/console.md, "Operators and roles"). The client is a few lines of
//! HTTP/1.1 so that every header, cookies included, is exactly what the test sends.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    addr: String,
    admin_token: String,
    dev_password: String,
    dir: std::path::PathBuf,
}

impl Server {
    /// Stops this server and starts another on the same data dir.
    fn restart(mut self) -> Server {
        let dir = std::mem::take(&mut self.dir);
        drop(self);
        start_on(dir)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn start(name: &str) -> Server {
    let dir = std::env::temp_dir().join(format!("zailai-console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    start_on(dir)
}

/// A dev server on `dir` as it is (a restart keeps its data).
fn start_on(dir: std::path::PathBuf) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(["serve", "--dev", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut addr, mut admin_token, mut dev_password) = (None, None, None);
    let mut line = String::new();
    while dev_password.is_none() {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "server stopped");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_owned);
        } else if let Some(rest) = line.trim().strip_prefix("dev admin token:") {
            admin_token = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.trim().strip_prefix("dev console login:") {
            let mut words = rest.split_whitespace();
            assert_eq!(words.next(), Some("dev"));
            assert_eq!(words.next(), Some("/"));
            dev_password = words.next().map(str::to_owned);
            assert!(line.contains("/console/)"), "{line}");
        }
    }
    Server {
        child,
        addr: addr.unwrap(),
        admin_token: admin_token.unwrap(),
        dev_password: dev_password.unwrap(),
        dir,
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a request proves who sends it.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// A session cookie and the X-CSRF-Token sent with it (if any).
    Cookie(&'a str, Option<&'a str>),
}

fn call(s: &Server, method: &str, path: &str, auth: Auth, body: Option<Value>) -> Reply {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        s.addr,
        body.len()
    );
    match auth {
        Auth::None => {}
        Auth::Bearer(t) => head += &format!("Authorization: Bearer {t}\r\n"),
        Auth::Cookie(c, csrf) => {
            head += &format!("Cookie: theme=dark; zailai_console={c}\r\n");
            if let Some(csrf) = csrf {
                head += &format!("X-CSRF-Token: {csrf}\r\n");
            }
        }
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
}

/// Logs in: (cookie token, csrf).
fn login(s: &Server, name: &str, password: &str) -> (String, String) {
    let r = call(
        s,
        "POST",
        "/v1/console/session",
        Auth::None,
        Some(json!({"name": name, "password": password})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let set = r.header("set-cookie").unwrap().to_owned();
    let token = set
        .strip_prefix("zailai_console=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (token, r.json()["csrf"].as_str().unwrap().to_owned())
}

const PASSWORD: &str = "a long enough password";

fn add_operator(s: &Server, name: &str, role: &str) {
    let body = json!({"name": name, "role": role, "password": PASSWORD});
    let r = call(
        s,
        "POST",
        "/v1/admin/operators",
        Auth::Bearer(&s.admin_token),
        Some(body),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn what_if_body() -> Value {
    json!({"candidate": zailai::Config::seed(), "from": "2026-11-01", "to": "2026-11-02"})
}

#[test]
fn login_sets_a_strict_http_only_cookie_and_get_gives_the_session_back() {
    let s = start("login");
    // Not logged in: 401 and how to log in (the console tells "log in" from this).
    let anonymous = call(&s, "GET", "/v1/admin/rules", Auth::None, None);
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "UNAUTHORIZED".into())
    );
    assert!(anonymous.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/v1/console/session"));
    let r = call(
        &s,
        "POST",
        "/v1/console/session",
        Auth::None,
        Some(json!({"name": "dev", "password": s.dev_password})),
    );
    assert_eq!(r.status, 200);
    let set = r.header("set-cookie").unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(!set.contains("Secure"), "dev mode is plain HTTP: {set}");
    let body = r.json();
    assert_eq!(
        (body["name"].as_str(), body["role"].as_str()),
        (Some("dev"), Some("admin"))
    );
    let (token, csrf) = login(&s, "dev", &s.dev_password);
    let again = call(
        &s,
        "GET",
        "/v1/console/session",
        Auth::Cookie(&token, None),
        None,
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["csrf"].as_str(), Some(csrf.as_str()));
    assert_eq!(
        call(&s, "GET", "/v1/console/session", Auth::None, None).status,
        401
    );

    // Logging out needs the CSRF token, clears the cookie, and ends the session.
    let refused = call(
        &s,
        "DELETE",
        "/v1/console/session",
        Auth::Cookie(&token, None),
        None,
    );
    assert_eq!((refused.status, refused.code().as_str()), (403, "CSRF"));
    let out = call(
        &s,
        "DELETE",
        "/v1/console/session",
        Auth::Cookie(&token, Some(&csrf)),
        None,
    );
    assert_eq!(out.status, 200);
    assert_eq!(out.json(), json!({"ok": true}));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let gone = call(
        &s,
        "GET",
        "/v1/admin/rules",
        Auth::Cookie(&token, None),
        None,
    );
    assert_eq!(gone.status, 401);
}

/// The roles table of docs/console.md, through the extractors.
#[test]
fn each_role_reaches_what_its_role_allows_and_no_more() {
    let s = start("roles");
    add_operator(&s, "vera", "viewer");
    add_operator(&s, "olga", "operator");
    let (viewer, viewer_csrf) = login(&s, "vera", PASSWORD);
    let (operator, operator_csrf) = login(&s, "olga", PASSWORD);
    let (admin, admin_csrf) = login(&s, "dev", &s.dev_password);
    let as_viewer = Auth::Cookie(&viewer, Some(&viewer_csrf));
    let as_operator = Auth::Cookie(&operator, Some(&operator_csrf));
    let as_admin = Auth::Cookie(&admin, Some(&admin_csrf));

    for who in [as_viewer, as_operator, as_admin] {
        assert_eq!(call(&s, "GET", "/v1/admin/rules", who, None).status, 200);
        assert_eq!(call(&s, "GET", "/v1/admin/audit", who, None).status, 200);
    }
    let r = call(
        &s,
        "POST",
        "/v1/admin/rules/what-if",
        as_viewer,
        Some(what_if_body()),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "FORBIDDEN"));
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("operator role"));
    for who in [as_operator, as_admin] {
        let r = call(
            &s,
            "POST",
            "/v1/admin/rules/what-if",
            who,
            Some(what_if_body()),
        );
        assert_ne!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
        assert_ne!(r.status, 401);
    }
    // A change beyond campaigns (an operator may schedule campaigns only: versions::scope).
    let mut rules = serde_json::to_value(zailai::Config::seed()).unwrap();
    rules["points"]["daily_cap"] = json!(150);
    let publish = json!({"rules": rules, "effective_from": 0, "author": "x"});
    for (path, body) in [
        ("/v1/admin/rules", Some(publish)),
        ("/v1/admin/rules/1/rollback", Some(json!({}))),
        (
            "/v1/admin/operators",
            Some(json!({"name": "x1", "role": "viewer", "password": PASSWORD})),
        ),
        ("/v1/admin/operators/vera", Some(json!({"disabled": true}))),
    ] {
        let r = call(&s, "POST", path, as_operator, body.clone());
        assert_eq!((r.status, r.code().as_str()), (403, "FORBIDDEN"), "{path}");
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin role"));
        let r = call(&s, "POST", path, as_admin, body);
        assert_ne!(
            r.status,
            403,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let r = call(&s, "GET", "/v1/admin/operators", as_operator, None);
    assert_eq!(r.status, 403);
    let r = call(&s, "GET", "/v1/admin/operators", as_admin, None);
    let listed = r.json();
    let names: Vec<&str> = listed["operators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "olga", "vera", "x1"]);
    assert!(!r.body.windows(8).any(|w| w == b"argon2id"), "never a hash");
}

#[test]
fn cookie_writes_need_the_sessions_csrf_token_and_bearer_calls_do_not() {
    let s = start("csrf");
    add_operator(&s, "olga", "operator");
    let (token, csrf) = login(&s, "olga", PASSWORD);
    let (_, other_csrf) = login(&s, "dev", &s.dev_password);
    for sent in [None, Some("wrong"), Some(other_csrf.as_str())] {
        let r = call(
            &s,
            "POST",
            "/v1/admin/rules/what-if",
            Auth::Cookie(&token, sent),
            Some(what_if_body()),
        );
        assert_eq!((r.status, r.code().as_str()), (403, "CSRF"), "{sent:?}");
    }
    let r = call(
        &s,
        "POST",
        "/v1/admin/rules/what-if",
        Auth::Cookie(&token, Some(&csrf)),
        Some(what_if_body()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = call(
        &s,
        "POST",
        "/v1/admin/rules/what-if",
        Auth::Bearer(&s.admin_token),
        Some(what_if_body()),
    );
    assert_eq!(r.status, 200, "bearer: no cookie to forge, no CSRF");
    let r = call(
        &s,
        "GET",
        "/v1/admin/rules",
        Auth::Cookie(&token, None),
        None,
    );
    assert_eq!(r.status, 200, "reads need none");
}

#[test]
fn failed_logins_are_throttled_per_name_and_per_address_and_unknown_names_cost_the_same() {
    let s = start("throttle");
    add_operator(&s, "olga", "operator");
    let attempt = |name: &str, password: &str| {
        call(
            &s,
            "POST",
            "/v1/console/session",
            Auth::None,
            Some(json!({"name": name, "password": password})),
        )
    };
    // An unknown name, a wrong password: the same answer (and the same argon2 work, which
    // `operators::tests::the_decoy_costs_what_a_real_hash_costs` checks without a clock).
    for name in ["olga", "nobody-at-all"] {
        let r = attempt(name, "wrong password!!");
        assert_eq!((r.status, r.code().as_str()), (401, "BAD_LOGIN"), "{name}");
    }
    for _ in 0..4 {
        assert_eq!(attempt("olga", "wrong password!!").code(), "BAD_LOGIN");
    }
    let r = attempt("olga", PASSWORD);
    assert_eq!(
        (r.status, r.code().as_str()),
        (429, "TOO_MANY_ATTEMPTS"),
        "5 failures, then even the right password waits"
    );
    assert!(r.header("retry-after").is_some());
    // Another name still logs in; the address has 20 failures in all (6 spent above).
    login(&s, "dev", &s.dev_password);
    for i in 0..14 {
        assert_eq!(
            attempt(&format!("guess{i}"), "wrong password!!").code(),
            "BAD_LOGIN",
            "{i}"
        );
    }
    assert_eq!(attempt("dev", &s.dev_password).code(), "TOO_MANY_ATTEMPTS");
}

#[test]
fn a_disabled_operator_is_out_at_once_and_the_audit_log_shows_before_and_after() {
    let s = start("disable");
    add_operator(&s, "olga", "operator");
    let (token, _) = login(&s, "olga", PASSWORD);
    let (admin, admin_csrf) = login(&s, "dev", &s.dev_password);
    assert_eq!(
        call(
            &s,
            "GET",
            "/v1/admin/rules",
            Auth::Cookie(&token, None),
            None
        )
        .status,
        200
    );
    let r = call(
        &s,
        "POST",
        "/v1/admin/operators/olga",
        Auth::Cookie(&admin, Some(&admin_csrf)),
        Some(json!({"disabled": true})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["operator"]["disabled"], json!(true));
    assert_eq!(
        call(
            &s,
            "GET",
            "/v1/admin/rules",
            Auth::Cookie(&token, None),
            None
        )
        .status,
        401
    );
    let r = call(
        &s,
        "POST",
        "/v1/console/session",
        Auth::None,
        Some(json!({"name": "olga", "password": PASSWORD})),
    );
    assert_eq!(r.code(), "BAD_LOGIN");
    let unknown = call(
        &s,
        "POST",
        "/v1/admin/operators/nobody",
        Auth::Bearer(&s.admin_token),
        Some(json!({"disabled": true})),
    );
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "UNKNOWN_OPERATOR")
    );

    let log = call(
        &s,
        "GET",
        "/v1/admin/audit?target=operator:olga&action=operator.change",
        Auth::Bearer(&s.admin_token),
        None,
    )
    .json();
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], "dev");
    assert_eq!(entry["role"], "admin");
    assert_eq!(entry["address"], "127.0.0.1");
    assert_eq!(entry["before"]["disabled"], json!(false));
    assert_eq!(entry["after"]["disabled"], json!(true));
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    let all = call(
        &s,
        "GET",
        "/v1/admin/audit?limit=2",
        Auth::Bearer(&s.admin_token),
        None,
    )
    .json();
    let actions: Vec<&str> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["console.login_failed", "operator.change"],
        "newest first"
    );
    let next = all["next"].as_i64().unwrap();
    let older = call(
        &s,
        "GET",
        &format!("/v1/admin/audit?limit=2&after={next}"),
        Auth::Bearer(&s.admin_token),
        None,
    )
    .json();
    assert_eq!(older["entries"][0]["action"], "console.login");
    let csv = call(
        &s,
        "GET",
        "/v1/admin/audit.csv?target=operator:olga",
        Auth::Bearer(&s.admin_token),
        None,
    );
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.starts_with("\u{feff}id,at,actor,role,action,target,before,after,address\r\n"));
    assert!(
        text.contains(",operator.change,operator:olga,\"{\"\"created_at\"\""),
        "{text}"
    );
    assert!(!text.contains("argon2"), "never a hash");
    // The last enabled admin can be neither disabled nor demoted; once another admin
    // exists, it can.
    for change in [json!({"disabled": true}), json!({"role": "operator"})] {
        let r = call(
            &s,
            "POST",
            "/v1/admin/operators/dev",
            Auth::Bearer(&s.admin_token),
            Some(change),
        );
        assert_eq!((r.status, r.code().as_str()), (409, "LAST_ADMIN"));
    }
    add_operator(&s, "ada", "admin");
    let r = call(
        &s,
        "POST",
        "/v1/admin/operators/dev",
        Auth::Bearer(&s.admin_token),
        Some(json!({"role": "operator"})),
    );
    assert_eq!(r.json()["operator"]["role"], json!("operator"));
}

/// The dev login is made once and kept across restarts; a password file replaced since (an
/// old database, a new file) is followed, so the printed login always works.
#[test]
fn the_dev_login_is_kept_across_restarts_and_follows_its_file() {
    let s = start("devlogin");
    let first = s.dev_password.clone();
    login(&s, "dev", &first);
    let s = s.restart();
    assert_eq!(s.dev_password, first, "kept");
    login(&s, "dev", &first);
    let file = s.dir.join("dev.console-password");
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "a-new-dev-password").unwrap();
    let s = s.restart();
    assert_eq!(s.dev_password, "a-new-dev-password");
    login(&s, "dev", "a-new-dev-password");
    let r = call(
        &s,
        "POST",
        "/v1/console/session",
        Auth::None,
        Some(json!({"name": "dev", "password": first})),
    );
    assert_eq!(r.code(), "BAD_LOGIN", "the old one no longer works");
}
