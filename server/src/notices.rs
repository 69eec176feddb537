//! Subscription messages the operator sent (issue 27): the server lists the candidates
//! (`messages.rs`) but WeChat's `subscribeMessage.send` is the operator's call, so they tell
//! the server what went out (`POST /v1/admin/messages/sent`, `zailai messages-sent`). The
//! report counts a campaign's notified members from these records (docs/report.md).

use crate::store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeSet;
use zailai::timeline::Timeline;

/// The kind of a message about a campaign (besides `messages::KINDS`).
pub const CAMPAIGN: &str = "campaign";

/// Members one call records at most.
pub const MAX_USERS: usize = 10_000;

/// What the operator sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub kind: String,
    /// The campaign id, for kind `campaign` only.
    pub campaign: Option<String>,
    pub users: Vec<String>,
    /// Epoch ms.
    pub at: i64,
}

/// What was recorded: `recorded` members are new for this (kind, campaign), `already` were
/// recorded before (they keep their first `at`), `unknown` are ids of no member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub kind: String,
    pub campaign: Option<String>,
    pub at: i64,
    pub recorded: u32,
    pub already: u32,
    pub unknown: Vec<String>,
}

/// A request refused, with the path of its problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub path: String,
    pub message: String,
}

#[derive(Debug)]
pub enum NoticeError {
    Refused(Refusal),
    Store(StoreError),
}

/// Every campaign id of every rule version: a message may be about a campaign of a version
/// not in effect yet, or no longer.
pub fn known_campaigns(timeline: &Timeline) -> BTreeSet<String> {
    timeline
        .versions()
        .iter()
        .flat_map(|v| v.config.campaigns.iter().map(|c| c.id.clone()))
        .collect()
}

/// Checks a record before anything is written.
pub fn check(sent: &Sent, campaigns: &BTreeSet<String>) -> Result<(), Refusal> {
    let refuse = |path: &str, message: String| {
        Err(Refusal {
            path: path.to_owned(),
            message,
        })
    };
    let kinds = || format!("{} or {CAMPAIGN}", crate::messages::KINDS.join(", "));
    match (sent.kind.as_str(), &sent.campaign) {
        (CAMPAIGN, None) => return refuse("campaign", "kind campaign names its campaign".into()),
        (CAMPAIGN, Some(id)) if !campaigns.contains(id) => {
            return refuse(
                "campaign",
                format!("no rule version of this server has a campaign `{id}`"),
            )
        }
        (CAMPAIGN, Some(_)) => {}
        (kind, _) if !crate::messages::KINDS.contains(&kind) => {
            return refuse(
                "kind",
                format!("`{kind}` is not a message kind: {}", kinds()),
            )
        }
        (_, Some(_)) => {
            return refuse("campaign", format!("only kind {CAMPAIGN} names a campaign"))
        }
        (_, None) => {}
    }
    if sent.users.is_empty() || sent.users.len() > MAX_USERS {
        return refuse(
            "users",
            format!(
                "1–{MAX_USERS} member ids a call (this one has {})",
                sent.users.len()
            ),
        );
    }
    for (i, user) in sent.users.iter().enumerate() {
        if user.is_empty() || user.len() > 128 || user.chars().any(char::is_control) {
            return refuse(
                &format!("users[{i}]"),
                "1–128 bytes, no control characters".into(),
            );
        }
    }
    Ok(())
}

/// Checks and records `sent` in one transaction; an id given twice counts once.
pub async fn record(
    store: &impl Store,
    sent: Sent,
    campaigns: &BTreeSet<String>,
) -> Result<Answer, NoticeError> {
    check(&sent, campaigns).map_err(NoticeError::Refused)?;
    let mut seen = BTreeSet::new();
    let users: Vec<String> = sent
        .users
        .into_iter()
        .filter(|u| seen.insert(u.clone()))
        .collect();
    let given = users.len() as u32;
    let campaign = sent.campaign.clone().unwrap_or_default();
    let done = store
        .record_sent(&sent.kind, &campaign, users, sent.at)
        .await
        .map_err(NoticeError::Store)?;
    Ok(Answer {
        kind: sent.kind,
        campaign: sent.campaign,
        at: sent.at,
        recorded: done.recorded,
        already: given - done.recorded - done.unknown.len() as u32,
        unknown: done.unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(kind: &str, campaign: Option<&str>, users: &[&str]) -> Sent {
        Sent {
            kind: kind.into(),
            campaign: campaign.map(str::to_owned),
            users: users.iter().map(|u| u.to_string()).collect(),
            at: 0,
        }
    }

    #[test]
    fn records_are_checked_with_the_path_of_their_problem() {
        let known: BTreeSet<String> = ["spring".to_owned()].into();
        let path = |s: Sent| check(&s, &known).err().map(|r| r.path);
        assert_eq!(path(sent("campaign", Some("spring"), &["a"])), None);
        assert_eq!(path(sent("tier_up", None, &["a"])), None);
        assert_eq!(path(sent("campaign", None, &["a"])).unwrap(), "campaign");
        assert_eq!(
            path(sent("campaign", Some("autumn"), &["a"])).unwrap(),
            "campaign"
        );
        assert_eq!(
            path(sent("tier_up", Some("spring"), &["a"])).unwrap(),
            "campaign"
        );
        assert_eq!(path(sent("sms", None, &["a"])).unwrap(), "kind");
        assert_eq!(path(sent("tier_up", None, &[])).unwrap(), "users");
        assert_eq!(path(sent("tier_up", None, &["a", ""])).unwrap(), "users[1]");
        let long = "x".repeat(128);
        assert_eq!(path(sent("tier_up", None, &[&long])), None);
        let longer = "x".repeat(129);
        assert_eq!(
            path(sent("tier_up", None, &["a", &longer])).unwrap(),
            "users[1]"
        );
        assert_eq!(path(sent("tier_up", None, &["a\nb"])).unwrap(), "users[0]");
        let many: Vec<String> = (0..=MAX_USERS).map(|i| i.to_string()).collect();
        let at_most = |n: usize| Sent {
            users: many[..n].to_vec(),
            ..sent("tier_up", None, &[])
        };
        assert_eq!(path(at_most(MAX_USERS)), None);
        assert_eq!(path(at_most(MAX_USERS + 1)).unwrap(), "users");
    }
}
