//! The task list with progress x/y and what the member can do next.

use super::{local, percent};
use crate::config::{Claim, Config, Reward, TaskKind};
use crate::state::State;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    InProgress,
    /// Completed, reward waiting for a manual claim.
    Claimable,
    Done,
    /// A newbie task whose window closed before it was completed.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct TaskView {
    pub id: String,
    pub kind: TaskKind,
    pub title: String,
    pub action: String,
    pub progress: u64,
    pub target: u32,
    pub percentage: u8,
    pub status: TaskStatus,
    pub claim: Claim,
    pub reward: Reward,
}

pub fn tasks(st: &State, cfg: &Config, now: i64, locale: &str) -> Vec<TaskView> {
    let today = cfg.clock().day_of(now);
    let newbie_open = today < st.joined + i32::from(cfg.newbie_days);
    cfg.tasks
        .iter()
        .map(|task| {
            let ts = st
                .tasks
                .get(&task.id)
                .filter(|ts| task.kind != TaskKind::Daily || ts.day == today);
            let (progress, completed, claimed) =
                ts.map_or((0, false, false), |t| (t.progress, t.completed, t.claimed));
            let status = match (completed, claimed) {
                (true, true) => TaskStatus::Done,
                (true, false) => TaskStatus::Claimable,
                _ if task.kind == TaskKind::Newbie && !newbie_open => TaskStatus::Expired,
                _ => TaskStatus::InProgress,
            };
            TaskView {
                id: task.id.clone(),
                kind: task.kind,
                title: local(&task.title, locale, cfg),
                action: task.action.clone(),
                progress,
                target: task.target,
                percentage: percent(progress, u64::from(task.target)),
                status,
                claim: task.claim,
                reward: task.reward.clone(),
            }
        })
        .collect()
}
