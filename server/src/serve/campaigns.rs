//! The console's 活动 and 抽奖 pages: `GET /v1/admin/campaign-templates` (the templates an
//! operator starts a campaign from, `crate::campaign_templates`) and `GET /v1/admin/lotteries`
//! (every lottery's commitment, reveal and stock left). Both viewer reads.

use super::auth::CanView;
use super::error::ApiError;
use super::{now_ms, App};
use crate::store::{Store, Won};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use zailai::config::{LocalText, Lottery};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/admin/campaign-templates", get(templates))
        .route("/v1/admin/lotteries", get(lotteries))
}

/// `{"format", "placeholders", "templates": [{"id", "title", "description", "placeholders",
/// "example", "campaign", "cards"?}]}` (docs/console.md, Campaign templates).
async fn templates(_: CanView) -> Json<Value> {
    Json(crate::campaign_templates::all())
}

#[derive(Serialize)]
struct Lotteries {
    now: i64,
    lotteries: Vec<LotteryView>,
}

#[derive(Serialize, Debug, PartialEq)]
struct LotteryView {
    id: String,
    name: LocalText,
    campaign: String,
    /// The latest rule version that has it: the prizes and stock are that version's.
    version: u32,
    /// Null when this server has no seed for it (docs/lottery.md).
    commitment: Option<String>,
    reveal_at: Option<i64>,
    revealed: bool,
    /// The seed, once revealed (as `GET /v1/lotteries/{id}` publishes it).
    seed: Option<String>,
    draws: u64,
    stock: Vec<Stock>,
}

#[derive(Serialize, Debug, PartialEq)]
struct Stock {
    prize: String,
    name: LocalText,
    total: u32,
    won: u32,
    left: u32,
}

/// A prize table's stock after `won`.
fn stock(l: &Lottery, won: &Won) -> Vec<Stock> {
    l.prizes
        .iter()
        .map(|p| {
            let won = won.get(&p.id).copied().unwrap_or(0);
            Stock {
                prize: p.id.clone(),
                name: p.name.clone(),
                total: p.stock,
                won,
                left: p.stock.saturating_sub(won),
            }
        })
        .collect()
}

/// Every lottery of every rule version, each as the latest version that has it says (the
/// latest version's lotteries first), with its public record's commitment and reveal and the
/// count of draws and prizes won so far.
async fn lotteries(State(app): State<Arc<App>>, _: CanView) -> Result<Json<Lotteries>, ApiError> {
    let now = now_ms();
    let live = app
        .rules
        .fresh(&app.store, now)
        .await
        .map_err(ApiError::internal)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for v in live.timeline.versions().iter().rev() {
        for l in v
            .config
            .lotteries
            .iter()
            .filter(|l| seen.insert(l.id.clone()))
        {
            let (draws, won) = app
                .store
                .lottery_tally(&l.id)
                .await
                .map_err(ApiError::internal)?;
            let seed = app.seed(&l.id);
            let reveal_at = super::lottery::reveal_at(&v.config, l);
            let revealed = reveal_at.is_some_and(|at| now >= at);
            out.push(LotteryView {
                id: l.id.clone(),
                name: l.name.clone(),
                campaign: l.campaign.clone(),
                version: v.number,
                commitment: seed.as_deref().map(zailai::lottery::commitment),
                reveal_at,
                revealed,
                seed: seed.filter(|_| revealed).map(|s| zailai::lottery::hex(&s)),
                draws,
                stock: stock(l, &won),
            });
        }
    }
    Ok(Json(Lotteries {
        now,
        lotteries: out,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_left_is_the_total_less_the_wins_never_below_zero() {
        let cfg = zailai::Config::seed();
        let l = &cfg.lotteries[0];
        let won = Won::from([("gift".to_owned(), 3), ("points_100".to_owned(), 6000)]);
        let s = stock(l, &won);
        let got: Vec<(&str, u32, u32, u32)> = s
            .iter()
            .map(|x| (x.prize.as_str(), x.total, x.won, x.left))
            .collect();
        assert_eq!(
            got,
            [
                ("gift", 20, 3, 17),
                ("coupon_10", 1000, 0, 1000),
                ("points_100", 5000, 6000, 0),
            ]
        );
    }
}
