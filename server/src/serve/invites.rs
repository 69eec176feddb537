//! Invites the server witnesses (`docs/sync.md`, Invites): a member's code from
//! `GET /v1/me/invite`; a new member whose first sync carries a code credits its owner with
//! one `track invite`, written by the server (`~server`), once per new member ever. A device
//! cannot `track` a witnessed action itself (the engine refuses it), so an invite is worth
//! one real account that logged in, never a device's word.

use super::auth::Member;
use super::error::ApiError;
use super::{now_ms, App};
use crate::store::{Once, OpRow, Store, StoreError};
use axum::extract::State;
use axum::Json;
use std::sync::Arc;
use zailai::op::SERVER_DEVICE;
use zailai::OpKind;

/// The action an invite records (`witnessed_actions` must list it for it to be worth anything).
pub const INVITE_ACTION: &str = "invite";

/// Letters that cannot be misread for one another when a code is typed or read aloud.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn random_code() -> Result<String, StoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| StoreError(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect())
}

#[derive(serde::Serialize)]
pub struct InviteCode {
    code: String,
}

/// `GET /v1/me/invite`: the member's invite code (made on first ask, then the same).
pub async fn my_code(
    State(app): State<Arc<App>>,
    Member(user): Member,
) -> Result<Json<InviteCode>, ApiError> {
    for _ in 0..8 {
        let candidate = random_code().map_err(ApiError::internal)?;
        if let Some(code) = app
            .store
            .invite_code(&user, &candidate)
            .await
            .map_err(ApiError::internal)?
        {
            return Ok(Json(InviteCode { code }));
        }
    }
    Err(ApiError::internal("eight invite codes in a row were taken"))
}

/// Before the first sync of `invitee` (no record yet): credits the owner of `code` with one
/// invite, once per invitee (keyed by the invitee, so a retried first sync or two racing ones
/// credit once). Unknown codes, one's own code and refusals by the rules are ignored: an
/// invite is a bonus to the inviter and never holds up the invitee's sync.
pub async fn credit_first_sync(app: &App, invitee: &str, code: &str) -> Result<(), StoreError> {
    if app.store.load(invitee).await?.is_some() {
        return Ok(()); // not new: only a first sync counts
    }
    let Some(inviter) = app.store.inviter(code).await? else {
        return Ok(());
    };
    if inviter == invitee {
        return Ok(());
    }
    let now = now_ms();
    let rules = app.timeline(now).await?;
    let change = move |r: &mut crate::store::Record| {
        let kind = |_| OpKind::Track {
            action: INVITE_ACTION.to_owned(),
            count: 1,
        };
        let (op, _) = zailai::sync::server_op(&mut r.state, &rules, SERVER_DEVICE, kind, now)?;
        r.server_version += 1;
        Ok::<_, zailai::RuleError>((String::new(), vec![OpRow::of(&op, "applied".to_owned())]))
    };
    let key = format!("invite:{invitee}");
    match app
        .store
        .once(&key, &inviter, &inviter, None, now, change)
        .await?
    {
        Once::Refused(e) => eprintln!("zailai serve: invite of {invitee} not credited: {e}"),
        Once::Done(_)
        | Once::Replayed(_)
        | Once::Conflict
        | Once::UnknownMember
        | Once::OrderOfAnotherMember => {}
    }
    Ok(())
}
