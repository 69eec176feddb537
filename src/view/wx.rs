//! View models for WXML `setData`: calendar cells shaped like Vant Weapp's `van-calendar`
//! formatter day (`{date, type, text, topInfo, bottomInfo, className}`, which TDesign's
//! `t-calendar` format maps onto) and progress values (`{percentage, label}`) fit for
//! `van-progress` / `t-progress`. Small, JSON only.

use super::calendar::{CalendarDay, CalendarView, DayStatus};
use super::percent;
use crate::config::Config;
use crate::day::format_day;
use crate::engine::{current_streak, milestone_at};
use crate::state::State;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarCell {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Vant's day type: `selected` (checked in), `disabled` (outside the month, before joining,
    /// future), or empty.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The day of the month.
    pub text: String,
    /// A milestone's reward (`+30`), else empty.
    pub top_info: String,
    /// The status in words (`已签`, `可补签`, …), else empty.
    pub bottom_info: String,
    /// `zl-day zl-<status>`, plus `zl-milestone` / `zl-coupon`: style them in WXSS.
    pub class_name: String,
}

/// A bar's value: `percentage` 0–100 and what to print beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressValue {
    pub percentage: u8,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskProgress {
    pub id: String,
    pub title: String,
    pub percentage: u8,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressValues {
    pub tier: ProgressValue,
    /// Towards the next streak milestone.
    pub streak: ProgressValue,
    pub tasks: Vec<TaskProgress>,
}

fn status_key(status: DayStatus) -> Option<&'static str> {
    Some(match status {
        DayStatus::Checked => "day.checked",
        DayStatus::MadeUp => "day.made_up",
        DayStatus::Frozen => "day.frozen",
        DayStatus::Missed => "day.missed",
        DayStatus::MakeupAvailable => "day.makeup_available",
        DayStatus::TodayPending => "day.today_pending",
        DayStatus::TodayDone => "day.today_done",
        DayStatus::Future | DayStatus::BeforeJoin | DayStatus::OutsideMonth => return None,
    })
}

/// The CSS-friendly name of a status (`made-up`, `makeup-available`, …).
pub fn status_class(status: DayStatus) -> &'static str {
    match status {
        DayStatus::Checked => "checked",
        DayStatus::MadeUp => "made-up",
        DayStatus::Frozen => "frozen",
        DayStatus::Missed => "missed",
        DayStatus::MakeupAvailable => "makeup-available",
        DayStatus::TodayPending => "today-pending",
        DayStatus::TodayDone => "today-done",
        DayStatus::Future => "future",
        DayStatus::BeforeJoin => "before-join",
        DayStatus::OutsideMonth => "outside-month",
    }
}

/// Status labels rendered once per month instead of once per cell.
pub(super) struct Labels {
    /// The words of the first seven statuses (`Checked` … `TodayDone`), in `DayStatus` order.
    pub(super) status: [Option<String>; 7],
    /// `day.reward`'s template split around `{points}`.
    pub(super) reward: (String, String),
}

impl Labels {
    pub(super) fn new(cfg: &Config, locale: &str) -> Labels {
        let m = cfg.messages();
        let statuses = [
            DayStatus::Checked,
            DayStatus::MadeUp,
            DayStatus::Frozen,
            DayStatus::Missed,
            DayStatus::MakeupAvailable,
            DayStatus::TodayPending,
            DayStatus::TodayDone,
        ];
        let reward = m.render(locale, "day.reward", &[("points", "\u{0}".to_owned())]);
        let (before, after) = reward.split_once('\u{0}').unwrap_or((&reward, ""));
        Labels {
            status: statuses.map(|st| status_key(st).map(|k| m.render(locale, k, &[]))),
            reward: (before.to_owned(), after.to_owned()),
        }
    }

    fn status(&self, status: DayStatus) -> String {
        let i = match status {
            DayStatus::Checked => 0,
            DayStatus::MadeUp => 1,
            DayStatus::Frozen => 2,
            DayStatus::Missed => 3,
            DayStatus::MakeupAvailable => 4,
            DayStatus::TodayPending => 5,
            DayStatus::TodayDone => 6,
            _ => return String::new(),
        };
        self.status[i].clone().unwrap_or_default()
    }

    fn reward(&self, points: u32) -> String {
        format!("{}{points}{}", self.reward.0, self.reward.1)
    }
}

fn cell(day: &CalendarDay, labels: &Labels) -> CalendarCell {
    let kind = match day.status {
        DayStatus::Checked | DayStatus::MadeUp | DayStatus::TodayDone => "selected",
        DayStatus::Future | DayStatus::BeforeJoin | DayStatus::OutsideMonth => "disabled",
        _ => "",
    };
    let outside = day.status == DayStatus::OutsideMonth;
    let reward = || labels.reward(day.points);
    let mut class_name = format!("zl-day zl-{}", status_class(day.status));
    if day.milestone && !outside {
        class_name.push_str(" zl-milestone");
    }
    if day.coupon && !outside {
        class_name.push_str(" zl-coupon");
    }
    CalendarCell {
        date: format_day(day.date.to_day()),
        kind,
        text: day.day.to_string(),
        top_info: if day.milestone && !outside {
            reward()
        } else {
            String::new()
        },
        bottom_info: match status_key(day.status) {
            Some(_) => labels.status(day.status),
            None if day.status == DayStatus::Future && day.points > 0 && !day.milestone => reward(),
            None => String::new(),
        },
        class_name,
    }
}

/// Every cell of the month grid, week by week (padding days included, `disabled`).
pub fn calendar_cells(view: &CalendarView, cfg: &Config, locale: &str) -> Vec<CalendarCell> {
    let labels = Labels::new(cfg, locale);
    view.weeks
        .iter()
        .flatten()
        .map(|d| cell(d, &labels))
        .collect()
}

/// The bars a member centre shows: tier, next streak milestone, each task.
pub fn progress_values(st: &State, cfg: &Config, now: i64, locale: &str) -> ProgressValues {
    let tier = super::tier_progress(st, cfg, now, locale);
    let today = cfg.clock().day_of(now);
    let streak = current_streak(st, today);
    let next = (streak + 1..=streak + 366).find_map(|k| milestone_at(cfg, k).map(|b| (k, b)));
    let messages = cfg.messages();
    let streak_value = match next {
        Some((k, bonus)) => {
            // Progress since the previous milestone (or 0), so the bar restarts after each.
            // (Milestones may repeat in cycles: look back for the last one actually passed.)
            let from = (streak.saturating_sub(366)..=streak)
                .rev()
                .find(|&j| j > 0 && milestone_at(cfg, j).is_some())
                .unwrap_or(0);
            ProgressValue {
                percentage: percent(u64::from(streak - from), u64::from(k - from)),
                label: messages.render(
                    locale,
                    "streak.next",
                    &[
                        ("n", (k - streak).to_string()),
                        ("points", bonus.reward.points.to_string()),
                    ],
                ),
            }
        }
        None => ProgressValue {
            percentage: 100,
            label: messages.render(locale, "streak.done", &[]),
        },
    };
    let tasks = super::tasks(st, cfg, now, locale)
        .into_iter()
        .map(|t| TaskProgress {
            label: messages.render(
                locale,
                "task.progress",
                &[
                    ("done", t.progress.min(u64::from(t.target)).to_string()),
                    ("target", t.target.to_string()),
                ],
            ),
            id: t.id,
            title: t.title,
            percentage: t.percentage,
        })
        .collect();
    ProgressValues {
        tier: ProgressValue {
            percentage: tier.percentage,
            label: tier.label,
        },
        streak: streak_value,
        tasks,
    }
}
