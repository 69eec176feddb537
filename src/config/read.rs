//! Reading a config document field by field (see `crate::json` for why not serde's derive).

use super::*;
use crate::json::{object, string, uint, Obj, Res, Unknown};
use serde_json::Value;

const U8: u64 = u8::MAX as u64;
const U16: u64 = u16::MAX as u64;
const U32: u64 = u32::MAX as u64;

pub fn config(v: &Value, un: &mut Unknown) -> Res<Config> {
    let mut o = Obj::new(v, "")?;
    let c = Config {
        schema_version: o.string("schema_version")?,
        business_day: {
            let mut b = Obj::new(o.req("business_day")?, "business_day")?;
            let day = BusinessDay {
                utc_offset_minutes: b.int(
                    "utc_offset_minutes",
                    i64::from(i32::MIN),
                    i64::from(i32::MAX),
                )? as i32,
                day_start_hour: b.uint("day_start_hour", U8)? as u8,
            };
            b.finish(un)?;
            day
        },
        default_locale: match o.opt("default_locale") {
            Some(v) => string(v, "default_locale")?,
            None => default_locale(),
        },
        first_weekday: o.uint_or("first_weekday", U8, u64::from(default_first_weekday()))? as u8,
        offline_window_days: o.uint("offline_window_days", U16)? as u16,
        checkin: checkin(o.req("checkin")?, un)?,
        points: points(o.req("points")?, un)?,
        tiers: tiers(o.req("tiers")?, un)?,
        actions: o.list("actions", true, string)?,
        tasks: o.list("tasks", true, |v, p| task(v, p, un))?,
        newbie_days: o.uint("newbie_days", U16)? as u16,
        catalog: o.list("catalog", true, |v, p| catalog_item(v, p, un))?,
        messages: match o.opt("messages") {
            Some(v) => {
                let mut out = BTreeMap::new();
                for (locale, texts) in object(v, "messages")? {
                    out.insert(
                        locale.clone(),
                        text_map(texts, &crate::json::join("messages", locale))?,
                    );
                }
                out
            }
            None => BTreeMap::new(),
        },
    };
    o.finish(un)?;
    Ok(c)
}

/// `{key: text}` (names of tiers and tasks, message templates). Filled by `insert`, not
/// `collect()`, which would instantiate a sort.
fn text_map(v: &Value, path: &str) -> Res<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, t) in object(v, path)? {
        out.insert(k.clone(), string(t, &crate::json::join(path, k))?);
    }
    Ok(out)
}

fn checkin(v: &Value, un: &mut Unknown) -> Res<Checkin> {
    let mut o = Obj::new(v, "checkin")?;
    let c = Checkin {
        streak_cycle: o.uint("streak_cycle", U16)? as u16,
        streak_bonuses: o.list("streak_bonuses", false, |v, p| {
            let mut b = Obj::new(v, p)?;
            let bonus = StreakBonus {
                day: b.uint("day", U16)? as u16,
                reward: reward(b.req("reward")?, &b.at("reward"), un)?,
            };
            b.finish(un)?;
            Ok(bonus)
        })?,
        makeup: {
            let mut m = Obj::new(o.req("makeup")?, "checkin.makeup")?;
            let makeup = Makeup {
                cost_points: m.uint("cost_points", U32)? as u32,
                window: {
                    let mut w = Obj::new(m.req("window")?, "checkin.makeup.window")?;
                    let window = match w.variant("kind", &["month", "last_days"])? {
                        0 => MakeupWindow::Month,
                        _ => MakeupWindow::LastDays {
                            days: w.uint("days", U16)? as u16,
                        },
                    };
                    w.finish(un)?;
                    window
                },
                monthly_limit: m.uint("monthly_limit", U16)? as u16,
                pays_missed_milestones: m.boolean("pays_missed_milestones")?,
            };
            m.finish(un)?;
            makeup
        },
        freeze: {
            let mut f = Obj::new(o.req("freeze")?, "checkin.freeze")?;
            let freeze = Freeze {
                max_held: f.uint("max_held", U16)? as u16,
            };
            f.finish(un)?;
            freeze
        },
    };
    o.finish(un)?;
    Ok(c)
}

pub fn reward(v: &Value, path: &str, un: &mut Unknown) -> Res<Reward> {
    let mut o = Obj::new(v, path)?;
    let r = Reward {
        points: o.uint_or("points", U32, 0)? as u32,
        coupons: o.list("coupons", true, string)?,
        freezes: o.uint_or("freezes", U16, 0)? as u16,
        tier_steps: o.uint_or("tier_steps", U16, 0)? as u16,
        accelerators: o.uint_or("accelerators", U16, 0)? as u16,
    };
    o.finish(un)?;
    Ok(r)
}

fn points(v: &Value, un: &mut Unknown) -> Res<Points> {
    let mut o = Obj::new(v, "points")?;
    let p = Points {
        earning: {
            let path = o.at("earning");
            let mut rules = BTreeMap::new();
            for (action, rule) in object(o.req("earning")?, &path)? {
                let mut r = Obj::new(rule, &crate::json::join(&path, action))?;
                let earning = EarningRule {
                    points: r.uint("points", U32)? as u32,
                    daily_limit: r.opt_uint("daily_limit", U16)?.map(|n| n as u16),
                };
                r.finish(un)?;
                rules.insert(action.clone(), earning);
            }
            rules
        },
        daily_cap: o.uint("daily_cap", U32)? as u32,
        monthly_cap: o.uint("monthly_cap", U32)? as u32,
        expiry_months: o.uint("expiry_months", U16)? as u16,
        reminder_days: o.list("reminder_days", false, |v, p| Ok(uint(v, p, U16)? as u16))?,
        checkout: {
            let mut c = Obj::new(o.req("checkout")?, "points.checkout")?;
            let checkout = Checkout {
                points: c.uint("points", U32)? as u32,
                cents: c.uint("cents", U32)? as u32,
                max_order_percent: c.uint("max_order_percent", U8)? as u8,
            };
            c.finish(un)?;
            checkout
        },
    };
    o.finish(un)?;
    Ok(p)
}

fn tiers(v: &Value, un: &mut Unknown) -> Res<Tiers> {
    let mut o = Obj::new(v, "tiers")?;
    let t = Tiers {
        evaluation: {
            let mut e = Obj::new(o.req("evaluation")?, "tiers.evaluation")?;
            let eval = Evaluation {
                active_days_window: e.uint("active_days_window", U16)? as u16,
                minutes_window: e.uint("minutes_window", U16)? as u16,
                shares_window: e.uint("shares_window", U16)? as u16,
                spend_window: e.uint("spend_window", U16)? as u16,
                orders_window: e.uint("orders_window", U16)? as u16,
            };
            e.finish(un)?;
            eval
        },
        downgrade: match o.variant("downgrade", &["monthly_one_step", "never"])? {
            0 => Downgrade::MonthlyOneStep,
            _ => Downgrade::Never,
        },
        levels: o.list("levels", false, |v, p| tier(v, p, un))?,
        paid: o.list("paid", true, |v, p| {
            let mut pl = Obj::new(v, p)?;
            let plan = PaidPlan {
                id: pl.string("id")?,
                tier: pl.string("tier")?,
                months: pl.uint("months", U16)? as u16,
                price_cents: pl.uint("price_cents", U32)? as u32,
            };
            pl.finish(un)?;
            Ok(plan)
        })?,
    };
    o.finish(un)?;
    Ok(t)
}

fn tier(v: &Value, path: &str, un: &mut Unknown) -> Res<Tier> {
    let mut o = Obj::new(v, path)?;
    let t = Tier {
        id: o.string("id")?,
        name: text_map(o.req("name")?, &o.at("name"))?,
        upgrade: match o.opt("upgrade") {
            Some(v) => {
                let mut u = Obj::new(v, &o.at("upgrade"))?;
                let mode = match u.variant("mode", &["all", "any"])? {
                    0 => Mode::All,
                    _ => Mode::Any,
                };
                let mut c = Obj::new(u.req("conditions")?, &u.at("conditions"))?;
                let conditions = Conditions {
                    active_days: c.opt_uint("active_days", U32)?.map(|n| n as u32),
                    minutes: c.opt_uint("minutes", U32)?.map(|n| n as u32),
                    tasks_completed: c.opt_uint("tasks_completed", U32)?.map(|n| n as u32),
                    spend_cents: c.opt_uint("spend_cents", u64::MAX)?,
                    orders: c.opt_uint("orders", U32)?.map(|n| n as u32),
                    shares: c.opt_uint("shares", U32)?.map(|n| n as u32),
                };
                c.finish(un)?;
                u.finish(un)?;
                Some(Upgrade { mode, conditions })
            }
            None => None,
        },
        benefits: {
            let mut b = Obj::new(o.req("benefits")?, &o.at("benefits"))?;
            let benefits = Benefits {
                discount_percent: b.uint("discount_percent", U8)? as u8,
                free_services_per_month: b.uint("free_services_per_month", U16)? as u16,
                checkin_points: b.uint("checkin_points", U32)? as u32,
                lottery_weight: b.uint("lottery_weight", U16)? as u16,
                early_access_minutes: b.uint("early_access_minutes", U16)? as u16,
            };
            b.finish(un)?;
            benefits
        },
    };
    o.finish(un)?;
    Ok(t)
}

fn task(v: &Value, path: &str, un: &mut Unknown) -> Res<Task> {
    let mut o = Obj::new(v, path)?;
    let t = Task {
        id: o.string("id")?,
        kind: match o.variant("kind", &["daily", "growth", "newbie"])? {
            0 => TaskKind::Daily,
            1 => TaskKind::Growth,
            _ => TaskKind::Newbie,
        },
        title: text_map(o.req("title")?, &o.at("title"))?,
        action: o.string("action")?,
        target: o.uint("target", U32)? as u32,
        reward: reward(o.req("reward")?, &o.at("reward"), un)?,
        claim: match o.variant("claim", &["auto", "manual"])? {
            0 => Claim::Auto,
            _ => Claim::Manual,
        },
    };
    o.finish(un)?;
    Ok(t)
}

fn catalog_item(v: &Value, path: &str, un: &mut Unknown) -> Res<CatalogItem> {
    let mut o = Obj::new(v, path)?;
    let item = CatalogItem {
        id: o.string("id")?,
        name: text_map(o.req("name")?, &o.at("name"))?,
        cost_points: o.uint("cost_points", U32)? as u32,
        reward: reward(o.req("reward")?, &o.at("reward"), un)?,
    };
    o.finish(un)?;
    Ok(item)
}
