//! Subscription-message candidates (订阅消息): who should hear what today, among the members
//! who agreed to that kind of message. Sending is the operator's job (WeChat's
//! `subscribeMessage.send` with their own templates); this lists what to send and why.

use serde::Serialize;
use zailai::day::Date;
use zailai::{view, Config, State};

/// The kinds a member can agree to (`POST /v1/consent`).
pub const KINDS: [&str; 3] = ["points_expiring", "streak_reminder", "tier_up"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub user: String,
    pub kind: &'static str,
    /// The text in the rules' default locale (message templates `prompt.*`).
    pub text: String,
    /// Template data: points and date for `points_expiring`, streak for `streak_reminder`,
    /// tier for `tier_up`.
    pub data: serde_json::Value,
}

/// The candidates for one member at `now`, of the kinds in `consented`.
pub fn for_member(st: &State, cfg: &Config, now: i64, consented: &[&str]) -> Vec<Candidate> {
    let locale = cfg.default_locale.as_str();
    let m = cfg.messages();
    let clock = cfg.clock();
    let today = clock.day_of(now);
    let mut out = Vec::new();
    let wants = |kind: &str| consented.contains(&kind);
    if wants("points_expiring") {
        // One message per reminder day (30 and 7 before the last usable day), not every day.
        let summary = view::points_summary(st, cfg, now);
        for e in &summary.expiring {
            let days = e.date.to_day() - today;
            if cfg
                .points
                .reminder_days
                .iter()
                .any(|&d| i32::from(d) == days)
            {
                let args = [
                    ("points", e.points.to_string()),
                    ("date", e.date.to_string()),
                    ("days", days.to_string()),
                ];
                out.push(Candidate {
                    user: st.user.clone(),
                    kind: "points_expiring",
                    text: m.render(locale, "prompt.points_expiring", &args),
                    data: serde_json::json!({"points": e.points, "date": e.date, "days": days}),
                });
            }
        }
    }
    if wants("streak_reminder") && !st.checkins.contains_key(&today) {
        let streak = zailai::streak_ending(st, today - 1);
        if streak >= 2 {
            out.push(Candidate {
                user: st.user.clone(),
                kind: "streak_reminder",
                text: m.render(
                    locale,
                    "prompt.streak_at_risk",
                    &[("n", streak.to_string())],
                ),
                data: serde_json::json!({"streak": streak}),
            });
        }
    }
    if wants("tier_up") {
        let (tier, reached) = st.tier_reached;
        if tier > 0 && (reached == today || reached == today - 1) {
            let name = view::tier_progress(st, cfg, now, locale).tier.name;
            out.push(Candidate {
                user: st.user.clone(),
                kind: "tier_up",
                text: m.render(locale, "prompt.tier_reached", &[("tier", name.clone())]),
                data: serde_json::json!({"tier": name, "since": Date::from_day(reached)}),
            });
        }
    }
    out
}
