//! Rebuilding the report facts of a database from before the fact tables: the pure replay of
//! `facts` driven over a store's members and rule versions. Apart from `facts` so that the
//! derivation knows nothing of stores (the stores use it; this uses both).

use crate::facts::{replay, FactRules, FactTimeline};
use crate::store::{Store, StoreError};
use std::io::IsTerminal;
use std::sync::Arc;
use zailai::Config;

/// Members whose facts one rebuild transaction replaces (one flush for them all).
const REBUILD_BATCH: usize = 500;

/// Rebuilds every member's facts from the op logs (a database from before the fact tables),
/// then marks them complete. Members are read and rewritten in transactions that hold them;
/// a rebuild cut short starts again next time. The scorecard's day totals are emptied first
/// and every member added to them again, so only the rebuilding server may write meanwhile
/// (`docs/deploy.md`, "Upgrading").
/// Ops are replayed, and their facts read, under the database's rule versions (`cfg` alone
/// before any is stored).
pub async fn rebuild(store: &impl Store, cfg: &Config) -> Result<(), StoreError> {
    let (versions, rules) = match crate::versions::load(store).await? {
        Some((timeline, _)) => {
            let rules = FactTimeline::of(&timeline);
            (timeline, rules)
        }
        None => (
            zailai::timeline::Timeline::single(cfg.clone()),
            FactTimeline::single(FactRules::of(cfg)),
        ),
    };
    let users = store.users().await?;
    let terminal = std::io::stderr().is_terminal();
    eprintln!(
        "zailai: building the report facts of {} members from their op logs (once, after the upgrade that added them)",
        users.len()
    );
    let (rules, versions) = (Arc::new(rules), Arc::new(versions));
    // The day totals are sums over members: each is added again below, once.
    store.clear_day_totals().await?;
    let mut done = 0;
    for batch in users.chunks(REBUILD_BATCH) {
        let (rules, versions) = (rules.clone(), versions.clone());
        store
            .rebuild_facts(batch.to_vec(), move |record, rows| {
                replay(&rules, &versions, &record.state, rows)
            })
            .await?;
        done += batch.len();
        if terminal {
            eprint!("\r  {done} / {} members", users.len());
        }
    }
    if terminal {
        eprintln!();
    }
    store.set_facts_complete().await
}
