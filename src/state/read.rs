//! Reading stored state field by field (see `crate::json` for why not serde's derive). Every
//! field is required: state is machine-written, so anything missing or extra means corruption.

use super::*;
use crate::json::Value;
use crate::json::{self, int, object, uint, Obj, Res, Unknown};
use crate::vecmap::VecMap;

const U8: u64 = u8::MAX as u64;
const U16: u64 = u16::MAX as u64;
const U32: u64 = u32::MAX as u64;
const I32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);

/// A day or month number written as a JSON object key.
fn int_key(key: &str, path: &str) -> Res<i32> {
    key.parse()
        .map_err(|_| json::issue(path, format!("key `{key}` is not a whole number")))
}

// Maps are filled by `insert` (`VecMap` keeps them sorted): `collect()` would sort, and each
// sort instantiation costs the wasm module kilobytes.
fn int_map<T>(v: &Value, path: &str, f: impl Fn(&Value, &str) -> Res<T>) -> Res<VecMap<i32, T>> {
    let mut out = VecMap::new();
    for (k, item) in object(v, path)? {
        let p = json::join(path, k);
        out.insert(int_key(k, &p)?, f(item, &p)?);
    }
    Ok(out)
}

fn str_map<T>(v: &Value, path: &str, f: impl Fn(&Value, &str) -> Res<T>) -> Res<VecMap<String, T>> {
    let mut out = VecMap::new();
    for (k, item) in object(v, path)? {
        out.insert(k.clone(), f(item, &json::join(path, k))?);
    }
    Ok(out)
}

fn day(v: &Value, p: &str) -> Res<i32> {
    Ok(int(v, p, I32.0, I32.1)? as i32)
}

fn u32_at(v: &Value, p: &str) -> Res<u32> {
    Ok(uint(v, p, U32)? as u32)
}

/// Reads a whole object with `f`; any field it did not read is an error.
fn record<'a, T>(v: &'a Value, path: &str, f: impl FnOnce(&mut Obj<'a>) -> Res<T>) -> Res<T> {
    json::record(v, path, &mut Unknown::Deny, |o, _| f(o))
}

pub fn state(v: &Value, path: &str) -> Res<State> {
    let at = |key: &str| json::join(path, key);
    record(v, path, |o| {
        Ok(State {
            // A v1 state is upgraded as it is read (the caller checked the version).
            v: o.uint("v", U32).map(|_| STATE_VERSION)?,
            user: o.string("user")?,
            joined: day(o.req("joined")?, &at("joined"))?,
            clock: o.int("clock", i64::MIN, i64::MAX)?,
            advanced_to: day(o.req("advanced_to")?, &at("advanced_to"))?,
            devices: str_map(o.req("devices")?, &at("devices"), u32_at)?,
            checkins: int_map(o.req("checkins")?, &at("checkins"), |v, p| {
                record(v, p, |r| {
                    Ok(CheckinRecord {
                        mark: match r.variant("mark", &["checked", "made_up", "frozen"])? {
                            0 => Mark::Checked,
                            1 => Mark::MadeUp,
                            _ => Mark::Frozen,
                        },
                        points: r.uint("points", U32)? as u32,
                        milestone: r.opt_uint("milestone", U16)?.map(|n| n as u16),
                    })
                })
            })?,
            makeups: int_map(o.req("makeups")?, &at("makeups"), u32_at)?,
            freezes: o.uint("freezes", U16)? as u16,
            lots: int_map(o.req("lots")?, &at("lots"), |v, p| {
                record(v, p, |r| {
                    Ok(Lot {
                        expires: r.int("expires", I32.0, I32.1)? as i32,
                        remaining: r.uint("remaining", u64::MAX)?,
                    })
                })
            })?,
            balance: o.uint("balance", u64::MAX)?,
            debits: o.list("debits", false, |v, p| {
                record(v, p, |r| {
                    Ok(Debit {
                        day: r.int("day", I32.0, I32.1)? as i32,
                        reason: r.string("reason")?,
                        amount: r.uint("amount", U32)? as u32,
                        takes: r.list("takes", false, |v, p| {
                            let pair = json::array(v, p)?;
                            match pair.as_slice() {
                                [d, a] => Ok((
                                    day(d, &json::index(p, 0))?,
                                    u32_at(a, &json::index(p, 1))?,
                                )),
                                _ => Err(json::issue(p, "expected [lot day, amount]")),
                            }
                        })?,
                        reversed: r.boolean("reversed")?,
                    })
                })
            })?,
            days: int_map(o.req("days")?, &at("days"), |v, p| {
                record(v, p, |r| {
                    Ok(DayStats {
                        opens: r.uint("opens", U32)? as u32,
                        minutes: r.uint("minutes", U32)? as u32,
                        shares: r.uint("shares", U32)? as u32,
                        spend_cents: r.uint("spend_cents", u64::MAX)?,
                        orders: r.uint("orders", U32)? as u32,
                        earned: r.uint("earned", U32)? as u32,
                        rule_counts: match r.opt("rule_counts") {
                            Some(v) => str_map(v, &r.at("rule_counts"), u32_at)?,
                            None => VecMap::new(),
                        },
                    })
                })
            })?,
            month_earned: int_map(o.req("month_earned")?, &at("month_earned"), u32_at)?,
            tasks: str_map(o.req("tasks")?, &at("tasks"), |v, p| {
                record(v, p, |r| {
                    Ok(TaskState {
                        progress: r.uint("progress", u64::MAX)?,
                        day: r.int("day", I32.0, I32.1)? as i32,
                        completed: r.boolean("completed")?,
                        claimed: r.boolean("claimed")?,
                    })
                })
            })?,
            tasks_completed: o.uint("tasks_completed", U32)? as u32,
            tier: o.uint("tier", U8)? as u8,
            paid: match o.opt("paid") {
                Some(v) => Some(record(v, &at("paid"), |r| {
                    Ok(PaidTerm {
                        plan: r.string("plan")?,
                        tier: r.uint("tier", U8)? as u8,
                        until: r.int("until", I32.0, I32.1)? as i32,
                    })
                })?),
                None => None,
            },
            tier_reached: {
                let pair = json::array(o.req("tier_reached")?, &at("tier_reached"))?;
                match pair.as_slice() {
                    [t, d] => (
                        uint(t, "tier_reached[0]", U8)? as u8,
                        day(d, "tier_reached[1]")?,
                    ),
                    _ => return Err(json::issue(&at("tier_reached"), "expected [tier, day]")),
                }
            },
            coupons: o.list("coupons", false, |v, p| {
                record(v, p, |r| {
                    Ok(CouponGrant {
                        coupon: r.string("coupon")?,
                        day: r.int("day", I32.0, I32.1)? as i32,
                        source: r.string("source")?,
                        expires: match r.opt("expires") {
                            Some(v) => Some(int(v, &r.at("expires"), I32.0, I32.1)? as i32),
                            None => None,
                        },
                        used: match r.opt("used") {
                            Some(v) => Some(int(v, &r.at("used"), I32.0, I32.1)? as i32),
                            None => None,
                        },
                    })
                })
            })?,
            accelerators: o.uint("accelerators", U16)? as u16,
            orders: str_map(o.req("orders")?, &at("orders"), |v, p| {
                record(v, p, |r| {
                    Ok(Order {
                        day: r.int("day", I32.0, I32.1)? as i32,
                        amount_cents: r.uint("amount_cents", u64::MAX)?,
                        paid_cents: r.uint("paid_cents", u64::MAX)?,
                        debit: r.opt_uint("debit", U32)?.map(|n| n as usize),
                        cancelled: r.boolean("cancelled")?,
                        refunded_cents: r.uint_or("refunded_cents", u64::MAX, 0)?,
                        tier_before: r.uint_or("tier_before", U8, 0)? as u8,
                        coupon: r.opt_uint("coupon", U32)?.map(|n| n as usize),
                    })
                })
            })?,
            services_used: int_map(o.req("services_used")?, &at("services_used"), u32_at)?,
            campaigns: match o.opt("campaigns") {
                Some(v) => str_map(v, &at("campaigns"), |v, p| {
                    record(v, p, |r| {
                        Ok(CampaignEntry {
                            joined: r.int("joined", I32.0, I32.1)? as i32,
                            actions: r.uint("actions", U32)? as u32,
                            spend_cents: r.uint_or("spend_cents", u64::MAX, 0)?,
                        })
                    })
                })?,
                None => VecMap::new(),
            },
            returned: match o.opt("returned") {
                Some(v) => Some(int(v, &at("returned"), I32.0, I32.1)? as i32),
                None => None,
            },
            offers: match o.opt("offers") {
                Some(v) => str_map(v, &at("offers"), |v, p| Ok(int(v, p, I32.0, I32.1)? as i32))?,
                None => VecMap::new(),
            },
            cards: match o.opt("cards") {
                Some(v) => str_map(v, &at("cards"), |v, p| {
                    record(v, p, |r| {
                        Ok(CardHolding {
                            chances: r.uint("chances", U32)? as u32,
                            held: str_map(r.req("held")?, &r.at("held"), |v, p| {
                                Ok(uint(v, p, U16)? as u16)
                            })?,
                            day: r.int("day", I32.0, I32.1)? as i32,
                            today: r.uint("today", U16)? as u16,
                            exchanged: r.uint("exchanged", U16)? as u16,
                            dry: r.uint_or("dry", U16, 0)? as u16,
                        })
                    })
                })?,
                None => VecMap::new(),
            },
            draws: o.list("draws", true, |v, p| {
                record(v, p, |r| {
                    Ok(DrawRecord {
                        lottery: r.string("lottery")?,
                        device: r.string("device")?,
                        seq: r.uint("seq", U32)? as u32,
                        day: r.int("day", I32.0, I32.1)? as i32,
                        weight: r.uint("weight", U16)? as u16,
                        settled: r.boolean("settled")?,
                        prize: match r.opt("prize") {
                            Some(v) => Some(json::string(v, &r.at("prize"))?),
                            None => None,
                        },
                    })
                })
            })?,
            totals: record(o.req("totals")?, &at("totals"), |r| {
                Ok(Totals {
                    credited: r.uint("credited", u64::MAX)?,
                    cut: r.uint("cut", u64::MAX)?,
                    spent: r.uint("spent", u64::MAX)?,
                    restored: r.uint("restored", u64::MAX)?,
                    expired: r.uint("expired", u64::MAX)?,
                })
            })?,
            holds: match o.opt("holds") {
                Some(v) => str_map(v, &at("holds"), |v, p| {
                    record(v, p, |r| {
                        Ok(Hold {
                            debit: r.uint("debit", U32)? as usize,
                            until: r.int("until", i64::MIN, i64::MAX)?,
                        })
                    })
                })?,
                None => VecMap::new(),
            },
            month_spent: match o.opt("month_spent") {
                Some(v) => int_map(v, &at("month_spent"), u32_at)?,
                None => VecMap::new(),
            },
        })
    })
}
