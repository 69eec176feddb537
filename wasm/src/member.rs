//! `Member`: one member as a device holds them (the core's `Replica`: base, pending ops,
//! device and sequence, and the state they make), the actions recorded on it and the views
//! over it. The device side (open, typed actions, push, rebase) is in `device.rs`.

use crate::convert::{bad_argument, rule_error, time_ms, to_js};
use crate::rules::Rules;
use wasm_bindgen::prelude::*;
use zailai::pending::DamagedLine;
use zailai::replica::{Refused, Replica};
use zailai::{render, view, Config, Op};

#[wasm_bindgen]
pub struct Member {
    pub(crate) replica: Replica,
    /// The pending log as stored (`pending::pending_text`), kept in step with each action so
    /// that persisting appends nothing but the new op's line.
    pub(crate) pending_text: String,
    /// How much of `pending_text` JS holds (`pendingText`, `pendingAppended`); `None` after a
    /// rewrite (rebase, rebuild), when JS must take the whole text again.
    pub(crate) handed: Option<usize>,
    /// Pending ops the rules refused at the last open, rebase or rebuild, not yet taken.
    pub(crate) refused: Vec<Refused>,
    /// Lines of the stored pending log that could not be read at open, not yet taken.
    pub(crate) damaged: Vec<DamagedLine>,
    /// The stored pending log opened was not kept as it was (an earlier format, lines set
    /// aside): the client writes the whole log again.
    pub(crate) pending_rewritten: bool,
    /// Pending ops the local checkpoint covered at open (0: none was used).
    pub(crate) covered: u32,
}

/// The locale views use (`Config::locale`: WeChat's `zh_CN` is `zh-CN`, `en_US` is `en`).
#[inline(never)]
fn locale_or<'a>(config: &'a Config, locale: &'a Option<String>) -> &'a str {
    config.locale(locale.as_deref())
}

impl Member {
    pub(crate) fn from_replica(replica: Replica) -> Member {
        let text = zailai::pending::pending_text(replica.pending());
        Member::with_text(replica, text)
    }

    /// `replica` with its pending log's text as stored (`pending::pending_text` of its ops).
    pub(crate) fn with_text(replica: Replica, pending_text: String) -> Member {
        Member {
            pending_text,
            handed: None,
            replica,
            refused: Vec::new(),
            damaged: Vec::new(),
            pending_rewritten: false,
            covered: 0,
        }
    }

    fn state(&self) -> &zailai::State {
        self.replica.state()
    }
}

#[wasm_bindgen]
impl Member {
    /// A new member who joined at `joinedAt` (epoch ms).
    pub fn join(rules: &Rules, user: &str, joined_at: f64) -> Result<Member, JsValue> {
        if user.is_empty() || user.len() > 128 {
            return Err(bad_argument("user must be 1–128 bytes"));
        }
        let joined_at = time_ms("joinedAt", joined_at)?;
        Ok(Member::from_replica(Replica::new(
            &rules.timeline,
            user,
            "",
            joined_at,
        )))
    }

    /// An independent copy (a what-if preview: apply ops to it, free it).
    pub fn copy(&self) -> Member {
        Member::from_replica(self.replica.duplicate())
    }

    /// The state as canonical JSON (byte-identical for the same ops).
    #[wasm_bindgen(js_name = "stateJSON")]
    pub fn state_json(&self) -> String {
        self.state().to_json()
    }

    #[wasm_bindgen(getter)]
    pub fn user(&self) -> String {
        self.state().user.clone()
    }

    /// Last applied seq of `device` (0 when none).
    #[wasm_bindgen(js_name = "lastSeq")]
    pub fn last_seq(&self, device: &str) -> u32 {
        self.state().devices.get(device).copied().unwrap_or(0)
    }

    /// Applies an op (JSON text) without recording it; returns its events as JSON text, or
    /// throws with the rule's `code` and leaves the member unchanged. `Member.apply` (an object
    /// in, objects out) is this, written in JS (js/src/bindings.js): 1.6 KB less module.
    #[wasm_bindgen(js_name = "applyJSON")]
    pub fn apply_json(&mut self, rules: &Rules, op: &str) -> Result<String, JsValue> {
        let op = Op::from_json(op).map_err(rule_error)?;
        let events = self
            .replica
            .apply_unrecorded(&rules.timeline, &op)
            .map_err(rule_error)?;
        serde_json::to_string(&events).map_err(|e| bad_argument(&e.to_string()))
    }

    /// The month in numbers (`view::month_words`): `Member.calendar` and `Member.calendarCells`
    /// are built from it in JS (js/src/month.js), one array across instead of 42 objects' JSON.
    #[wasm_bindgen(js_name = "monthWords")]
    pub fn month_words(
        &self,
        rules: &Rules,
        year: i32,
        month: u8,
        now: f64,
        locale: Option<String>,
    ) -> Result<Vec<u32>, JsValue> {
        let (cfg, now) = rules.at(now)?;
        let locale = locale_or(cfg, &locale);
        let cal = self.month(cfg, year, month, now, locale)?;
        Ok(view::month_words(&cal, cfg, locale))
    }

    #[wasm_bindgen(js_name = "tierProgress")]
    pub fn tier_progress(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::tier_progress(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    pub fn tasks(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::tasks(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    #[wasm_bindgen(js_name = "pointsSummary")]
    pub fn points_summary(&self, rules: &Rules, now: f64) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::points_summary(self.state(), cfg, now))
    }

    pub fn prompts(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::prompts(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    pub fn summary(&self, rules: &Rules, now: f64) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::summary(self.state(), cfg, now))
    }

    /// `{tier, streak, tasks}` progress values (`percentage` 0–100 and `label`).
    pub fn progress(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::progress_values(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    /// The month as an SVG string; `theme` is JSON (every field optional, `THEME_INVALID`).
    #[wasm_bindgen(js_name = "calendarSVG")]
    pub fn calendar_svg(
        &self,
        rules: &Rules,
        year: i32,
        month: u8,
        now: f64,
        locale: Option<String>,
        theme: Option<String>,
    ) -> Result<String, JsValue> {
        let (cfg, now) = rules.at(now)?;
        let locale = locale_or(cfg, &locale);
        let cal = self.month(cfg, year, month, now, locale)?;
        Ok(render::calendar_svg(&cal, cfg, &theme_of(theme)?, locale))
    }

    /// Upcoming, running and recently ended campaigns, as this member sees them.
    pub fn campaigns(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::campaigns(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    /// The points catalog: `[{id, name, cost_points, affordable}]`.
    pub fn catalog(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (cfg, now) = rules.at(now)?;
        to_js(&view::catalog(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
        ))
    }

    /// The share poster as Canvas 2D draw commands (JSON text; see `render::poster`).
    pub fn poster(
        &self,
        rules: &Rules,
        now: f64,
        locale: Option<String>,
        theme: Option<String>,
    ) -> Result<String, JsValue> {
        let (cfg, now) = rules.at(now)?;
        render::poster(
            self.state(),
            cfg,
            now,
            locale_or(cfg, &locale),
            &theme_of(theme)?,
        )
        .map_err(rule_error)
    }

    /// Not inlined: two exports (words, SVG) share one copy of the calendar view.
    #[inline(never)]
    fn month(
        &self,
        cfg: &Config,
        year: i32,
        month: u8,
        now: i64,
        locale: &str,
    ) -> Result<view::CalendarView, JsValue> {
        view::calendar(self.state(), cfg, year, month, now, locale).map_err(rule_error)
    }
}

fn theme_of(theme: Option<String>) -> Result<render::Theme, JsValue> {
    match theme {
        Some(json) => render::Theme::from_json(&json).map_err(rule_error),
        None => Ok(render::Theme::default()),
    }
}

/// A progress bar as an SVG string: `percentage` 0–100, `label`, `theme` JSON.
#[wasm_bindgen(js_name = "progressSVG")]
pub fn progress_svg(percentage: u8, label: &str, theme: Option<String>) -> Result<String, JsValue> {
    let value = view::ProgressValue {
        percentage,
        label: label.to_owned(),
    };
    Ok(render::progress_svg(&value, &theme_of(theme)?))
}
