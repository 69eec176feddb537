//! The look of rendered calendars and bars: colours and sizes, every field optional in JSON.
//! The keys are the JS API's camelCase (`madeUp`, `fontSize`): a theme only ever comes from JS.
//! Colours are checked (`#rgb`, `#rrggbb`, `#rrggbbaa`) so nothing but a colour reaches the SVG.

use crate::error::{ErrorCode, RuleError};
use crate::json::Value;
use crate::json::{self, Obj, Unknown};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Theme {
    pub background: String,
    pub text: String,
    pub muted: String,
    pub checked: String,
    pub made_up: String,
    pub frozen: String,
    pub missed: String,
    pub makeup_available: String,
    pub today: String,
    /// Milestone badges and the streak band.
    pub accent: String,
    pub track: String,
    pub fill: String,
    /// Side of a day cell, px.
    pub cell: u32,
    pub gap: u32,
    pub radius: u32,
    pub font_size: u32,
    pub font_family: String,
    /// Progress bar size, px.
    pub bar_width: u32,
    pub bar_height: u32,
}

impl Default for Theme {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn default() -> Theme {
        let c = |s: &str| s.to_owned();
        Theme {
            background: c("#ffffff"),
            text: c("#323233"),
            muted: c("#c8c9cc"),
            checked: c("#ff6034"),
            made_up: c("#ffb38a"),
            frozen: c("#9ecbff"),
            missed: c("#f2f3f5"),
            makeup_available: c("#ff976a"),
            today: c("#1989fa"),
            accent: c("#ee0a24"),
            track: c("#ebedf0"),
            fill: c("#ff6034"),
            cell: 40,
            gap: 6,
            radius: 8,
            font_size: 14,
            font_family: c("-apple-system, PingFang SC, Helvetica Neue, sans-serif"),
            bar_width: 300,
            bar_height: 8,
        }
    }
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn is_colour(s: &str) -> bool {
    let hex = s.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Theme {
    /// The default theme with the fields of `json` (an object) over it. Unknown fields and bad
    /// values are `THEME_INVALID` with their path.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_json(text: &str) -> Result<Theme, RuleError> {
        let bad = |detail: String| RuleError::new(ErrorCode::ThemeInvalid, detail);
        let value: Value = crate::json::parse(text).map_err(|e| bad(format!("theme: {e}")))?;
        Theme::from_value(&value).map_err(|issue| bad(issue.to_string()))
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn from_value(v: &Value) -> json::Res<Theme> {
        let mut t = Theme::default();
        let mut o = Obj::new(v, "theme")?;
        for (key, slot) in [
            ("background", &mut t.background),
            ("text", &mut t.text),
            ("muted", &mut t.muted),
            ("checked", &mut t.checked),
            ("madeUp", &mut t.made_up),
            ("frozen", &mut t.frozen),
            ("missed", &mut t.missed),
            ("makeupAvailable", &mut t.makeup_available),
            ("today", &mut t.today),
            ("accent", &mut t.accent),
            ("track", &mut t.track),
            ("fill", &mut t.fill),
        ] {
            if let Some(v) = o.opt(key) {
                let s = json::string(v, &o.at(key))?;
                if !is_colour(&s) {
                    return Err(json::issue(
                        &o.at(key),
                        format!("`{s}` is not a #rgb, #rrggbb or #rrggbbaa colour"),
                    ));
                }
                *slot = s;
            }
        }
        for (key, slot, min, max) in [
            ("cell", &mut t.cell, 16, 200),
            ("gap", &mut t.gap, 0, 40),
            ("radius", &mut t.radius, 0, 100),
            ("fontSize", &mut t.font_size, 8, 64),
            ("barWidth", &mut t.bar_width, 40, 2000),
            ("barHeight", &mut t.bar_height, 2, 100),
        ] {
            if let Some(v) = o.opt(key) {
                *slot = json::int(v, &o.at(key), min, max)? as u32;
            }
        }
        if let Some(v) = o.opt("fontFamily") {
            let s = json::string(v, &o.at("fontFamily"))?;
            if s.len() > 200 || s.contains(['<', '>', '&', '"']) {
                return Err(json::issue(
                    &o.at("fontFamily"),
                    "at most 200 bytes, no < > & \"",
                ));
            }
            t.font_family = s;
        }
        o.finish(&mut Unknown::Deny)?;
        Ok(t)
    }
}
