//! Reading a config document field by field (see `crate::json` for why not serde's derive).

use super::*;
use crate::json::Value;
use crate::json::{join, object, record, string, uint, Obj, Res, Unknown};

const U8: u64 = u8::MAX as u64;
const U16: u64 = u16::MAX as u64;
const U32: u64 = u32::MAX as u64;

#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn config(v: &Value, un: &mut Unknown) -> Res<Config> {
    record(v, "", un, |o, un| {
        Ok(Config {
            schema_version: o.string("schema_version")?,
            business_day: record(o.req("business_day")?, "business_day", un, |b, _| {
                Ok(BusinessDay {
                    utc_offset_minutes: b.int(
                        "utc_offset_minutes",
                        i64::from(i32::MIN),
                        i64::from(i32::MAX),
                    )? as i32,
                    day_start_hour: b.uint("day_start_hour", U8)? as u8,
                })
            })?,
            default_locale: match o.opt("default_locale") {
                Some(v) => string(v, "default_locale")?,
                None => default_locale(),
            },
            first_weekday: o.uint_or("first_weekday", U8, u64::from(default_first_weekday()))?
                as u8,
            offline_window_days: o.uint("offline_window_days", U16)? as u16,
            checkin: checkin(o.req("checkin")?, un)?,
            points: points(o.req("points")?, un)?,
            tiers: tiers(o.req("tiers")?, un)?,
            actions: o.list("actions", true, string)?,
            tasks: o.list("tasks", true, |v, p| task(v, p, un))?,
            newbie_days: o.uint("newbie_days", U16)? as u16,
            catalog: o.list("catalog", true, |v, p| catalog_item(v, p, un))?,
            campaigns: o.list("campaigns", true, |v, p| campaign(v, p, un))?,
            campaign_overlap_limit: o.uint_or(
                "campaign_overlap_limit",
                U8,
                u64::from(default_campaign_overlap_limit()),
            )? as u8,
            cards: o.list("cards", true, |v, p| card_set(v, p, un))?,
            lotteries: o.list("lotteries", true, |v, p| lottery(v, p, un))?,
            lifecycle: match o.opt("lifecycle") {
                Some(v) => lifecycle(v, un)?,
                None => Lifecycle::default(),
            },
            witnessed_actions: o.list("witnessed_actions", true, string)?,
            messages: match o.opt("messages") {
                Some(v) => {
                    let mut out = VecMap::new();
                    for (locale, texts) in object(v, "messages")? {
                        out.insert(locale.clone(), text_map(texts, &join("messages", locale))?);
                    }
                    out
                }
                None => VecMap::new(),
            },
        })
    })
}

/// `{key: text}` (names of tiers and tasks, message templates). Filled by `insert`, not
/// `collect()`, which would instantiate a sort.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn text_map(v: &Value, path: &str) -> Res<VecMap<String, String>> {
    let mut out = VecMap::new();
    for (k, t) in object(v, path)? {
        out.insert(k.clone(), string(t, &join(path, k))?);
    }
    Ok(out)
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn checkin(v: &Value, un: &mut Unknown) -> Res<Checkin> {
    record(v, "checkin", un, |o, un| {
        Ok(Checkin {
            streak_cycle: o.uint("streak_cycle", U16)? as u16,
            streak_bonuses: o.list("streak_bonuses", false, |v, p| {
                record(v, p, un, |b, un| {
                    Ok(StreakBonus {
                        day: b.uint("day", U16)? as u16,
                        reward: reward_field(b, un)?,
                    })
                })
            })?,
            makeup: record(o.req("makeup")?, "checkin.makeup", un, |m, un| {
                Ok(Makeup {
                    cost_points: m.uint("cost_points", U32)? as u32,
                    window: record(m.req("window")?, "checkin.makeup.window", un, |w, _| {
                        Ok(match w.variant("kind", &["month", "last_days"])? {
                            0 => MakeupWindow::Month,
                            _ => MakeupWindow::LastDays {
                                days: w.uint("days", U16)? as u16,
                            },
                        })
                    })?,
                    monthly_limit: m.uint("monthly_limit", U16)? as u16,
                    pays_missed_milestones: m.boolean("pays_missed_milestones")?,
                })
            })?,
            freeze: record(o.req("freeze")?, "checkin.freeze", un, |f, _| {
                Ok(Freeze {
                    max_held: f.uint("max_held", U16)? as u16,
                })
            })?,
        })
    })
}

/// The `reward` field of the object being read.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn reward_field(o: &mut Obj, un: &mut Unknown) -> Res<Reward> {
    let path = o.at("reward");
    record(o.req("reward")?, &path, un, |r, _| {
        Ok(Reward {
            points: r.uint_or("points", U32, 0)? as u32,
            coupons: r.list("coupons", true, string)?,
            freezes: r.uint_or("freezes", U16, 0)? as u16,
            tier_steps: r.uint_or("tier_steps", U16, 0)? as u16,
            accelerators: r.uint_or("accelerators", U16, 0)? as u16,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn points(v: &Value, un: &mut Unknown) -> Res<Points> {
    record(v, "points", un, |o, un| {
        Ok(Points {
            earning: {
                let path = o.at("earning");
                let mut rules = VecMap::new();
                for (action, rule) in object(o.req("earning")?, &path)? {
                    let earning = record(rule, &join(&path, action), un, |r, _| {
                        Ok(EarningRule {
                            points: r.uint("points", U32)? as u32,
                            daily_limit: r.opt_uint("daily_limit", U16)?.map(|n| n as u16),
                        })
                    })?;
                    rules.insert(action.clone(), earning);
                }
                rules
            },
            daily_cap: o.uint("daily_cap", U32)? as u32,
            monthly_cap: o.uint("monthly_cap", U32)? as u32,
            expiry_months: o.uint("expiry_months", U16)? as u16,
            reminder_days: o.list("reminder_days", false, |v, p| Ok(uint(v, p, U16)? as u16))?,
            checkout: record(o.req("checkout")?, "points.checkout", un, |c, _| {
                Ok(Checkout {
                    points: c.uint("points", U32)? as u32,
                    cents: c.uint("cents", U32)? as u32,
                    max_order_percent: c.uint("max_order_percent", U8)? as u8,
                })
            })?,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn tiers(v: &Value, un: &mut Unknown) -> Res<Tiers> {
    record(v, "tiers", un, |o, un| {
        Ok(Tiers {
            evaluation: record(o.req("evaluation")?, "tiers.evaluation", un, |e, _| {
                Ok(Evaluation {
                    active_days_window: e.uint("active_days_window", U16)? as u16,
                    minutes_window: e.uint("minutes_window", U16)? as u16,
                    shares_window: e.uint("shares_window", U16)? as u16,
                    spend_window: e.uint("spend_window", U16)? as u16,
                    orders_window: e.uint("orders_window", U16)? as u16,
                })
            })?,
            downgrade: match o.variant("downgrade", &["monthly_one_step", "never"])? {
                0 => Downgrade::MonthlyOneStep,
                _ => Downgrade::Never,
            },
            levels: o.list("levels", false, |v, p| tier(v, p, un))?,
            paid: o.list("paid", true, |v, p| {
                record(v, p, un, |pl, _| {
                    Ok(PaidPlan {
                        id: pl.string("id")?,
                        tier: pl.string("tier")?,
                        months: pl.uint("months", U16)? as u16,
                        price_cents: pl.uint("price_cents", U32)? as u32,
                    })
                })
            })?,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn tier(v: &Value, path: &str, un: &mut Unknown) -> Res<Tier> {
    record(v, path, un, |o, un| {
        Ok(Tier {
            id: o.string("id")?,
            name: text_map(o.req("name")?, &o.at("name"))?,
            upgrade: match o.opt("upgrade") {
                Some(v) => Some(record(v, &o.at("upgrade"), un, |u, un| {
                    let mode = match u.variant("mode", &["all", "any"])? {
                        0 => Mode::All,
                        _ => Mode::Any,
                    };
                    let conditions =
                        record(u.req("conditions")?, &u.at("conditions"), un, |c, _| {
                            let u32_opt = |c: &mut Obj, key| {
                                Ok::<_, Box<crate::json::Issue>>(
                                    c.opt_uint(key, U32)?.map(|n| n as u32),
                                )
                            };
                            Ok(Conditions {
                                active_days: u32_opt(c, "active_days")?,
                                minutes: u32_opt(c, "minutes")?,
                                tasks_completed: u32_opt(c, "tasks_completed")?,
                                spend_cents: c.opt_uint("spend_cents", u64::MAX)?,
                                orders: u32_opt(c, "orders")?,
                                shares: u32_opt(c, "shares")?,
                            })
                        })?;
                    Ok(Upgrade { mode, conditions })
                })?),
                None => None,
            },
            benefits: record(o.req("benefits")?, &o.at("benefits"), un, |b, _| {
                Ok(Benefits {
                    discount_percent: b.uint("discount_percent", U8)? as u8,
                    free_services_per_month: b.uint("free_services_per_month", U16)? as u16,
                    checkin_points: b.uint("checkin_points", U32)? as u32,
                    lottery_weight: b.uint("lottery_weight", U16)? as u16,
                    early_access_minutes: b.uint("early_access_minutes", U16)? as u16,
                })
            })?,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn task(v: &Value, path: &str, un: &mut Unknown) -> Res<Task> {
    record(v, path, un, |o, un| {
        Ok(Task {
            id: o.string("id")?,
            kind: match o.variant("kind", &["daily", "growth", "newbie"])? {
                0 => TaskKind::Daily,
                1 => TaskKind::Growth,
                _ => TaskKind::Newbie,
            },
            title: text_map(o.req("title")?, &o.at("title"))?,
            action: o.string("action")?,
            target: o.uint("target", U32)? as u32,
            reward: reward_field(o, un)?,
            claim: match o.variant("claim", &["auto", "manual"])? {
                0 => Claim::Auto,
                _ => Claim::Manual,
            },
        })
    })
}

/// Every lifecycle field is optional: the seed's numbers fill what is absent.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn lifecycle(v: &Value, un: &mut Unknown) -> Res<Lifecycle> {
    let d = Lifecycle::default();
    record(v, "lifecycle", un, |o, un| {
        let u16s = |v: &Value, p: &str| uint(v, p, U16).map(|n| n as u16);
        Ok(Lifecycle {
            new_days: o.uint_or("new_days", U16, u64::from(d.new_days))? as u16,
            dormant_days: match o.opt("dormant_days") {
                Some(_) => o.list("dormant_days", false, u16s)?,
                None => d.dormant_days.clone(),
            },
            returning_days: o.uint_or("returning_days", U16, u64::from(d.returning_days))? as u16,
            wake_up_coupons: o.list("wake_up_coupons", true, string)?,
            wake_up_valid_days: o.uint_or(
                "wake_up_valid_days",
                U16,
                u64::from(d.wake_up_valid_days),
            )? as u16,
            rfm: match o.opt("rfm") {
                None => d.rfm.clone(),
                Some(v) => record(v, "lifecycle.rfm", un, |r, _| {
                    Ok(Rfm {
                        recency_days: r.list("recency_days", false, u16s)?,
                        frequency_window: r.uint("frequency_window", U16)? as u16,
                        frequency_days: r.list("frequency_days", false, u16s)?,
                        monetary_window: r.uint("monetary_window", U16)? as u16,
                        monetary_cents: r
                            .list("monetary_cents", false, |v, p| uint(v, p, u64::MAX))?,
                    })
                })?,
            },
            high_value_score: o.uint_or("high_value_score", U8, u64::from(d.high_value_score))?
                as u8,
            potential: match o.opt("potential") {
                None => d.potential.clone(),
                Some(v) => record(v, "lifecycle.potential", un, |p, _| {
                    Ok(Potential {
                        campaigns_joined: p.uint("campaigns_joined", U16)? as u16,
                        campaign_spend_cents: p.uint("campaign_spend_cents", u64::MAX)?,
                        accelerators: p.uint("accelerators", U16)? as u16,
                    })
                })?,
            },
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn campaign(v: &Value, path: &str, un: &mut Unknown) -> Res<Campaign> {
    record(v, path, un, |o, _| {
        let start_path = o.at("start");
        let start = o.string("start")?;
        Ok(Campaign {
            id: o.string("id")?,
            name: text_map(o.req("name")?, &o.at("name"))?,
            start: crate::day::Date::parse(&start).ok_or_else(|| {
                crate::json::issue(&start_path, format!("`{start}` is not a YYYY-MM-DD date"))
            })?,
            days: o.uint("days", U16)? as u16,
            checkin_multiplier: o.uint_or("checkin_multiplier", U8, 1)? as u8,
            action_multiplier: o.uint_or("action_multiplier", U8, 1)? as u8,
            tiers: o.list("tiers", true, string)?,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn card_set(v: &Value, path: &str, un: &mut Unknown) -> Res<CardSet> {
    record(v, path, un, |o, un| {
        Ok(CardSet {
            id: o.string("id")?,
            name: text_map(o.req("name")?, &o.at("name"))?,
            campaign: o.string("campaign")?,
            kinds: o.list("kinds", false, |v, p| {
                record(v, p, un, |k, _| {
                    Ok(CardKind {
                        id: k.string("id")?,
                        name: text_map(k.req("name")?, &k.at("name"))?,
                        weight: k.uint("weight", U16)? as u16,
                    })
                })
            })?,
            grants: o.list("grants", false, |v, p| {
                record(v, p, un, |g, _| {
                    Ok(CardGrant {
                        action: g.string("action")?,
                        chance_percent: g.uint("chance_percent", U8)? as u8,
                    })
                })
            })?,
            daily_limit: o.uint("daily_limit", U16)? as u16,
            reward: reward_field(o, un)?,
            pity: o.uint_or("pity", U16, 0)? as u16,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn lottery(v: &Value, path: &str, un: &mut Unknown) -> Res<Lottery> {
    record(v, path, un, |o, un| {
        Ok(Lottery {
            id: o.string("id")?,
            name: text_map(o.req("name")?, &o.at("name"))?,
            campaign: o.string("campaign")?,
            cost_points: o.uint("cost_points", U32)? as u32,
            daily_limit: o.uint("daily_limit", U16)? as u16,
            total_weight: o.uint("total_weight", U32)? as u32,
            prizes: o.list("prizes", false, |v, p| {
                record(v, p, un, |z, un| {
                    Ok(Prize {
                        id: z.string("id")?,
                        name: text_map(z.req("name")?, &z.at("name"))?,
                        weight: z.uint("weight", U32)? as u32,
                        stock: z.uint("stock", U32)? as u32,
                        reward: reward_field(z, un)?,
                    })
                })
            })?,
        })
    })
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn catalog_item(v: &Value, path: &str, un: &mut Unknown) -> Res<CatalogItem> {
    record(v, path, un, |o, un| {
        Ok(CatalogItem {
            id: o.string("id")?,
            name: text_map(o.req("name")?, &o.at("name"))?,
            cost_points: o.uint("cost_points", U32)? as u32,
            reward: reward_field(o, un)?,
        })
    })
}
