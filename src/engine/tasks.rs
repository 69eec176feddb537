//! Task progress: counters bumped by actions, completion, and claiming rewards.

use super::{rewards, Ctx};
use crate::config::{Claim, Task, TaskKind};
use crate::day::Date;
use crate::error::{ErrorCode, RuleError};
use crate::event::Event;
use crate::state::{State, TaskState};

/// Whether `task` counts progress made on the op's day.
fn open_on(st: &State, cx: &Ctx, task: &Task) -> bool {
    match task.kind {
        TaskKind::Newbie => cx.day < st.joined + i32::from(cx.cfg.newbie_days),
        TaskKind::Daily | TaskKind::Growth => true,
    }
}

/// Adds `amount` to every task counting `action`, completing (and auto-claiming) those that
/// reach their target.
pub fn bump(st: &mut State, cx: &mut Ctx, action: &str, amount: u64) {
    super::cards::chance(st, cx, action);
    let cfg = cx.cfg;
    for task in cfg.tasks.iter().filter(|t| t.action == action) {
        if !open_on(st, cx, task) {
            continue;
        }
        let ts = st.tasks.entry_or_default(task.id.clone());
        if task.kind == TaskKind::Daily && ts.day != cx.day {
            if cx.day < ts.day {
                // A late op from an earlier day: that day's task is gone.
                continue;
            }
            *ts = TaskState {
                day: cx.day,
                ..TaskState::default()
            };
        }
        if ts.completed {
            continue;
        }
        ts.progress = ts
            .progress
            .saturating_add(amount)
            .min(u64::from(task.target));
        if ts.progress >= u64::from(task.target) {
            ts.completed = true;
            st.tasks_completed += 1;
            emit!(
                cx,
                Event::TaskCompleted {
                    task: task.id.clone(),
                    date: Date::from_day(cx.day),
                }
            );
            if task.claim == Claim::Auto {
                pay(st, cx, task);
            }
        }
    }
}

/// Claims a completed manual task.
pub fn claim(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let cfg = cx.cfg;
    let task = cfg
        .task(id)
        .ok_or_else(|| RuleError::new(ErrorCode::UnknownTask, format!("no task `{id}`")))?;
    let current = st
        .tasks
        .get(id)
        .filter(|ts| task.kind != TaskKind::Daily || ts.day == cx.day);
    match current {
        Some(ts) if ts.claimed => Err(RuleError::new(
            ErrorCode::TaskAlreadyClaimed,
            format!("task `{id}` was claimed already"),
        )),
        Some(ts) if ts.completed => {
            pay(st, cx, task);
            Ok(())
        }
        _ => Err(RuleError::new(
            ErrorCode::TaskNotCompleted,
            format!(
                "task `{id}` is at {}/{}",
                current.map_or(0, |t| t.progress),
                task.target
            ),
        )),
    }
}

fn pay(st: &mut State, cx: &mut Ctx, task: &Task) {
    if let Some(ts) = st.tasks.get_mut(&task.id) {
        ts.claimed = true;
    }
    emit!(
        cx,
        Event::TaskClaimed {
            task: task.id.clone(),
            reward: task.reward.clone(),
        }
    );
    rewards::grant(st, cx, &task.reward, &format!("task:{}", task.id));
}
