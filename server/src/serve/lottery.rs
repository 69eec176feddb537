//! Lotteries on the server (`docs/lottery.md`): a secret seed per lottery, committed before
//! the first draw; each pending draw decided from it and recorded in draw order; the record
//! published at `GET /v1/lotteries/{id}`, with the seed once no more draws can arrive.

use super::error::ApiError;
use super::{now_ms, App};
use crate::store::{DrawEntry, OpRow, Record, Store, StoreError};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use zailai::lottery::{self, Published};
use zailai::Config;

/// Every lottery's seed, derived from the lottery secret (`lottery_secret.rs`); the database
/// keeps its commitment (`c:` + hex), written by the first server to start and checked by
/// every later one. A database from before keeps a lottery's seed itself (64 hex characters):
/// that lottery goes on with it, so its published commitment still holds.
pub async fn seeds(
    store: &impl Store,
    cfg: &Config,
    secret: Option<&[u8; 32]>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    for l in &cfg.lotteries {
        let Some(secret) = secret else {
            return Err(format!(
                "the rules have lotteries (`{}`): their seeds need a secret kept outside the \
                 database: set {} to 64 hex characters (openssl rand -hex 32), the same for \
                 every server process (or run with --dev)",
                l.id,
                super::lottery_secret::SECRET_ENV
            ));
        };
        let seed = super::lottery_secret::seed(secret, &l.id);
        let ours = format!("c:{}", lottery::commitment(&seed));
        let stored = store
            .lottery_seed(&l.id, ours.clone())
            .await
            .map_err(|e| e.to_string())?;
        let seed = if stored == ours {
            seed.to_vec()
        } else if let Some(legacy) = lottery::unhex(&stored).filter(|b| b.len() == 32) {
            eprintln!(
                "zailai serve: lottery `{}` keeps the seed an earlier version stored in the \
                 database (its commitment is published); new lotteries take theirs from the secret",
                l.id
            );
            legacy
        } else {
            return Err(format!(
                "lottery `{}`: the database holds another commitment than this server's secret \
                 gives: {} differs from the one the lottery started with",
                l.id,
                super::lottery_secret::SECRET_ENV
            ));
        };
        out.insert(l.id.clone(), seed);
    }
    Ok(out)
}

/// When the seed of `l` is revealed: once its campaign has closed and the offline window
/// after it has passed, so that no draw the seed decides can still arrive.
pub fn reveal_at(cfg: &Config, l: &zailai::config::Lottery) -> Option<i64> {
    let c = cfg.campaigns.iter().find(|c| c.id == l.campaign)?;
    let end = cfg.clock().start_of(c.start.to_day() + i32::from(c.days));
    Some(end + i64::from(cfg.offline_window_days) * 86_400_000)
}

/// Decides the member's pending draws and settles them in a second transaction. A crash in
/// between leaves the draws recorded and pending; the next sync settles them with the
/// recorded prizes.
pub async fn settle(app: &App, user: &str, record: Record) -> Result<Record, StoreError> {
    let pending = zailai::sync::pending_draws(&record.state);
    if pending.is_empty() {
        return Ok(record);
    }
    let mut decisions = Vec::new();
    let now = now_ms();
    let rules = app.timeline(now).await?;
    for draw in pending {
        // The lottery as the version in effect on the draw's business day has it.
        let day_start = rules.config_at(now).clock().start_of(draw.day);
        let cfg = rules.config_at(day_start);
        let (Some(l), Some(seed)) = (
            cfg.lotteries.iter().find(|l| l.id == draw.lottery).cloned(),
            app.seed(&draw.lottery),
        ) else {
            // The lottery left the rules: the draw wins nothing (its cost was the member's
            // stake in a lottery that no longer runs; operators refund by grant if they wish).
            decisions.push((draw, None));
            continue;
        };
        let member = lottery::member_tag(&seed, user);
        let tag = member.clone();
        let (device, seq, weight) = (draw.device.clone(), draw.seq, draw.weight);
        let entry = DrawEntry {
            member,
            device: draw.device.clone(),
            seq: draw.seq,
            weight: draw.weight,
            prize: None,
        };
        let prize = app
            .store
            .lottery_draw(&draw.lottery, entry, move |won| {
                let counts: Vec<u32> = l
                    .prizes
                    .iter()
                    .map(|z| won.get(&z.id).copied().unwrap_or(0))
                    .collect();
                let slot = lottery::slot(&seed, &l.id, &tag, &device, seq, l.total_weight);
                lottery::decide(&l, slot, weight, &counts).map(|i| l.prizes[i].id.clone())
            })
            .await?;
        decisions.push((draw, prize));
    }
    let fresh = move || record;
    let change = move |r: &mut Record| {
        let ops = zailai::sync::settle_draws(&mut r.state, &rules, &decisions, now);
        if !ops.is_empty() {
            r.server_version += 1;
        }
        let rows = ops
            .iter()
            .map(|op| OpRow::of(op, "applied".to_owned()))
            .collect();
        Ok::<_, Infallible>((r.clone(), rows))
    };
    let Ok(record) = app.store.transact(user, fresh, change).await?;
    Ok(record)
}

/// The most draws one page of a lottery's public record holds (and the default).
pub const PAGE_LIMIT: u32 = 1000;

/// `?after=N&limit=M`: the page of a lottery's record after its first `N` draws.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

/// One page of a lottery's public record.
#[derive(Serialize)]
pub struct PublishedPage {
    #[serde(flatten)]
    record: Published,
    reveal_at: Option<i64>,
    after: u64,
    next: Option<u64>,
}

/// `GET /v1/lotteries/{id}?after=&limit=`: the commitment, the draws in the order they were
/// decided (at most `limit`, 1000, a page after the first `after`), `next` (the `after` of the
/// next page, null on the last), and the seed once revealed (活动结果公示). Public: anyone may
/// check the results; a verifier reads the pages in turn (`docs/lottery.md`).
pub async fn published(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<PublishedPage>, ApiError> {
    let page: Page = super::request::typed_query(query.as_deref())?;
    let limit = super::request::page_limit(page.limit, PAGE_LIMIT, "draws")?;
    // The lottery as the latest version that has it says.
    let live = app.rules.live();
    let cfg = live
        .timeline
        .versions()
        .iter()
        .rev()
        .map(|v| v.config.clone())
        .find(|c| c.lotteries.iter().any(|l| l.id == id));
    let l = cfg
        .as_ref()
        .and_then(|c| c.lotteries.iter().find(|l| l.id == id));
    let (Some(cfg), Some(l), Some(seed)) = (cfg.as_ref(), l, app.seed(&id)) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UNKNOWN_LOTTERY",
            format!("no lottery `{id}`"),
        ));
    };
    let reveal = reveal_at(cfg, l);
    let seed = &seed;
    // One more than the page, to know whether another follows.
    let mut draws = app
        .store
        .lottery_draws(&id, page.after, limit + 1)
        .await
        .map_err(ApiError::internal)?;
    let more = draws.len() > limit as usize;
    draws.truncate(limit as usize);
    let next = more.then(|| page.after + u64::from(limit));
    let record = Published {
        lottery: id,
        commitment: lottery::commitment(seed),
        seed: reveal
            .filter(|&at| now_ms() >= at)
            .map(|_| lottery::hex(seed)),
        draws,
    };
    Ok(Json(PublishedPage {
        record,
        reveal_at: reveal,
        after: page.after,
        next,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::Sqlite;

    fn store(name: &str) -> Sqlite {
        let dir = std::env::temp_dir().join(format!("zailai-seeds-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Sqlite::open(
            &dir.join("zailai.db"),
            crate::facts::FactRules::of(&zailai::Config::seed()),
        )
        .unwrap()
    }

    /// Seeds come from the secret and only their commitment is stored; a seed an earlier
    /// version stored is kept; another secret, or none, is refused.
    #[tokio::test]
    async fn seeds_from_the_secret_legacy_seeds_kept_mismatches_refused() {
        let cfg = Config::seed();
        let id = cfg.lotteries[0].id.clone();
        let secret = [7u8; 32];
        let fresh = store("fresh");
        let seeds1 = seeds(&fresh, &cfg, Some(&secret)).await.unwrap();
        assert_eq!(
            seeds1[&id],
            super::super::lottery_secret::seed(&secret, &id)
        );
        let stored = fresh.lottery_seed(&id, String::new()).await.unwrap();
        assert_eq!(stored, format!("c:{}", lottery::commitment(&seeds1[&id])));
        assert_eq!(seeds(&fresh, &cfg, Some(&secret)).await.unwrap(), seeds1);
        let other = seeds(&fresh, &cfg, Some(&[8u8; 32])).await.unwrap_err();
        assert!(other.contains("another commitment"), "{other}");
        let none = seeds(&fresh, &cfg, None).await.unwrap_err();
        assert!(none.contains("ZAILAI_LOTTERY_SECRET"), "{none}");

        let legacy = store("legacy");
        legacy.lottery_seed(&id, "ab".repeat(32)).await.unwrap();
        let kept = seeds(&legacy, &cfg, Some(&secret)).await.unwrap();
        assert_eq!(kept[&id], vec![0xab; 32]);
    }
}
