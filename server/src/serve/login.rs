//! Who is logging in: `POST /v1/session` hands its body to a [`SessionVerifier`], which answers
//! with the member's id. Two exist: the dev login (`{"dev_user"}`, `--dev` only) and WeChat's
//! `code2session` (`{"code"}` from `wx.login`, with `--wechat-appid` and a secret).

use super::error::ApiError;
use axum::http::StatusCode;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type Verified<'a> = Pin<Box<dyn Future<Output = Result<String, ApiError>> + Send + 'a>>;

/// Turns a login body into a member id.
pub trait SessionVerifier: Send + Sync {
    /// The body field this verifier reads (`dev_user`, `code`): the route picks by it.
    fn field(&self) -> &'static str;
    /// The member id for `value` (the field's value), or why not.
    fn verify<'a>(&'a self, value: &'a str) -> Verified<'a>;
}

fn check_id<'a>(field: &str, id: &'a str) -> Result<&'a str, ApiError> {
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            field,
            "1–128 bytes, no control characters",
        ));
    }
    Ok(id)
}

/// Trusts the name it is given: for tests and the demo, never in production.
pub struct DevLogin;

impl SessionVerifier for DevLogin {
    fn field(&self) -> &'static str {
        "dev_user"
    }

    fn verify<'a>(&'a self, user: &'a str) -> Verified<'a> {
        Box::pin(async move { check_id("dev_user", user).map(str::to_owned) })
    }
}

/// WeChat's `code2session`: exchanges the code of `wx.login` for the user's openid
/// (`GET {api}/sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`).
/// The `session_key` it also returns is not kept: zailai signs its own snapshots and needs no
/// WeChat-encrypted data.
#[derive(Clone)]
pub struct WeChatLogin {
    pub appid: String,
    secret: String,
    /// `https://api.weixin.qq.com`, or a local fake in tests.
    pub api: String,
    agent: ureq::Agent,
}

impl WeChatLogin {
    pub fn new(appid: String, secret: String, api: String) -> WeChatLogin {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into();
        WeChatLogin {
            appid,
            secret,
            api: api.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// The blocking call (ureq); run on tokio's blocking pool by `verify`.
    fn code2session(&self, code: &str) -> Result<String, ApiError> {
        let unavailable = |why: String| {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "UPSTREAM_UNAVAILABLE",
                format!("WeChat code2session: {why}"),
            );
            e.retry_after = Some(1);
            e
        };
        let mut res = self
            .agent
            .get(format!("{}/sns/jscode2session", self.api))
            .query("appid", &self.appid)
            .query("secret", &self.secret)
            .query("js_code", code)
            .query("grant_type", "authorization_code")
            .call()
            .map_err(|e| unavailable(e.to_string()))?;
        let status = res.status();
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| unavailable(e.to_string()))?;
        if !status.is_success() {
            return Err(unavailable(format!("HTTP {status}")));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| unavailable("the reply is not JSON".to_owned()))?;
        let errcode = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
        let errmsg = v.get("errmsg").and_then(Value::as_str).unwrap_or("");
        match errcode {
            0 => {
                let openid = v.get("openid").and_then(Value::as_str).unwrap_or("");
                check_id("code", openid)
                    .map(str::to_owned)
                    .map_err(|_| unavailable("no openid in the reply".to_owned()))
            }
            // Invalid or already used code: log in again with a new one.
            40029 | 40163 => Err(ApiError::unauthorized(format!(
                "login code refused by WeChat ({errcode} {errmsg}): call wx.login again"
            ))),
            45011 => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMITED",
                    format!("WeChat rate limit ({errcode} {errmsg})"),
                );
                e.retry_after = Some(1);
                Err(e)
            }
            40226 => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "USER_BLOCKED",
                format!("WeChat risk control blocked this user ({errcode} {errmsg})"),
            )),
            // -1 (system busy) and anything new: worth a retry later.
            _ => Err(unavailable(format!("errcode {errcode} {errmsg}"))),
        }
    }
}

impl SessionVerifier for WeChatLogin {
    fn field(&self) -> &'static str {
        "code"
    }

    fn verify<'a>(&'a self, code: &'a str) -> Verified<'a> {
        Box::pin(async move {
            let code = Some(code)
                .filter(|c| !c.is_empty() && c.len() <= 256)
                .ok_or_else(|| {
                    ApiError::bad_request("BAD_REQUEST", "code", "the code from wx.login")
                })?
                .to_owned();
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.code2session(&code))
                .await
                .map_err(ApiError::internal)?
        })
    }
}
