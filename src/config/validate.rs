//! Rule validation: every problem, each with its JSON path and a reason.

use super::messages::{placeholders, used_placeholders};
use super::{Conditions, Config, ConfigIssue, Dimension, LocalText, MakeupWindow, Reward};
use crate::day::Day;

struct Issues(Vec<ConfigIssue>);

impl Issues {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn add(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(ConfigIssue {
            path: path.into(),
            reason: reason.into(),
        });
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn range<T: PartialOrd + std::fmt::Display>(&mut self, path: &str, v: T, lo: T, hi: T) {
        if v < lo || v > hi {
            self.add(path, format!("must be between {lo} and {hi}, got {v}"));
        }
    }

    /// `seen` holds the ids of the list so far (lists are short: a Vec is smaller in wasm than
    /// a set).
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn id(&mut self, path: &str, id: &str, seen: &mut Vec<String>) {
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            self.add(
                path,
                "must be 1–64 characters of letters, digits, `_` or `-`",
            );
        } else if seen.iter().any(|s| s == id) {
            self.add(path, format!("duplicate id `{id}`"));
        } else {
            seen.push(id.to_owned());
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn text(&mut self, path: &str, text: &LocalText) {
        if text.is_empty() {
            self.add(path, "must name at least one locale (zh-CN, en)");
        }
        for (locale, t) in text {
            if t.trim().is_empty() {
                self.add(format!("{path}.{locale}"), "must not be empty");
            }
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn reward(&mut self, path: &str, r: &Reward, tiers: usize) {
        if r.is_empty() {
            self.add(
                path,
                "must grant something (points, coupons, freezes, tier_steps or accelerators)",
            );
        }
        for (i, c) in r.coupons.iter().enumerate() {
            if c.trim().is_empty() || c.len() > 64 {
                self.add(
                    format!("{path}.coupons[{i}]"),
                    "must be a coupon id of 1–64 characters",
                );
            }
        }
        if usize::from(r.tier_steps) >= tiers.max(1) {
            self.add(
                format!("{path}.tier_steps"),
                format!("must be less than the number of tiers ({tiers})"),
            );
        }
        if r.points > 1_000_000 {
            self.add(format!("{path}.points"), "must be at most 1000000");
        }
        if r.freezes > 100 || r.accelerators > 100 {
            self.add(path, "freezes and accelerators must be at most 100 each");
        }
    }
}

impl Config {
    /// Every problem in the rules. Empty means the config is usable.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut is = Issues(Vec::new());
        let tiers = self.tiers.levels.len();
        is.range(
            "business_day.utc_offset_minutes",
            self.business_day.utc_offset_minutes,
            -720,
            840,
        );
        is.range(
            "business_day.day_start_hour",
            self.business_day.day_start_hour,
            0,
            23,
        );
        if !matches!(self.default_locale.as_str(), "zh-CN" | "en")
            && !self.messages.contains_key(&self.default_locale)
        {
            is.add(
                "default_locale",
                "must be zh-CN, en, or a locale defined in `messages`",
            );
        }
        is.range("first_weekday", self.first_weekday, 0, 6);
        is.range("offline_window_days", self.offline_window_days, 0, 90);
        is.range("newbie_days", self.newbie_days, 1, 366);

        let c = &self.checkin;
        is.range("checkin.streak_cycle", c.streak_cycle, 1, 366);
        let mut prev = 0;
        for (i, b) in c.streak_bonuses.iter().enumerate() {
            let p = format!("checkin.streak_bonuses[{i}]");
            if b.day <= prev {
                is.add(
                    format!("{p}.day"),
                    "must be greater than the previous milestone",
                );
            } else if b.day == 0 || b.day > c.streak_cycle {
                is.add(
                    format!("{p}.day"),
                    format!("must be between 1 and streak_cycle ({})", c.streak_cycle),
                );
            }
            prev = b.day;
            is.reward(&format!("{p}.reward"), &b.reward, tiers);
        }
        is.range(
            "checkin.makeup.cost_points",
            c.makeup.cost_points,
            0,
            1_000_000,
        );
        is.range(
            "checkin.makeup.monthly_limit",
            c.makeup.monthly_limit,
            0,
            31,
        );
        if let MakeupWindow::LastDays { days } = c.makeup.window {
            is.range("checkin.makeup.window.days", days, 1, 366);
        }
        is.range("checkin.freeze.max_held", c.freeze.max_held, 0, 100);

        let p = &self.points;
        for (action, rule) in &p.earning {
            let path = format!("points.earning.{action}");
            if action.is_empty()
                || !action
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                is.add(&path, "action names are letters, digits and `_`");
            }
            is.range(&format!("{path}.points"), rule.points, 1, 1_000_000);
            if rule.daily_limit == Some(0) {
                is.add(
                    format!("{path}.daily_limit"),
                    "must be at least 1 (omit it for no limit)",
                );
            }
        }
        is.range("points.daily_cap", p.daily_cap, 1, 100_000_000);
        if p.monthly_cap < p.daily_cap {
            is.add(
                "points.monthly_cap",
                format!("must be >= points.daily_cap ({})", p.daily_cap),
            );
        }
        is.range("points.expiry_months", p.expiry_months, 1, 120);
        let mut prev = u16::MAX;
        for (i, d) in p.reminder_days.iter().enumerate() {
            is.range(&format!("points.reminder_days[{i}]"), *d, 1, 366);
            if *d >= prev {
                is.add(
                    format!("points.reminder_days[{i}]"),
                    "must be smaller than the previous reminder",
                );
            }
            prev = *d;
        }
        is.range("points.checkout.points", p.checkout.points, 1, 1_000_000);
        is.range("points.checkout.cents", p.checkout.cents, 1, 1_000_000);
        is.range(
            "points.checkout.max_order_percent",
            p.checkout.max_order_percent,
            1,
            100,
        );

        self.validate_tiers(&mut is);
        self.validate_tasks(&mut is);
        self.validate_campaigns(&mut is);
        self.validate_cards(&mut is);
        self.validate_lotteries(&mut is);
        self.validate_lifecycle(&mut is);
        self.validate_messages(&mut is);
        is.0
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_tiers(&self, is: &mut Issues) {
        let t = &self.tiers;
        let e = &t.evaluation;
        for (name, v) in [
            ("active_days_window", e.active_days_window),
            ("minutes_window", e.minutes_window),
            ("shares_window", e.shares_window),
            ("spend_window", e.spend_window),
            ("orders_window", e.orders_window),
        ] {
            is.range(&format!("tiers.evaluation.{name}"), v, 1, 366);
        }
        if !(3..=5).contains(&t.levels.len()) {
            is.add(
                "tiers.levels",
                format!("must have 3 to 5 tiers, got {}", t.levels.len()),
            );
        }
        let mut ids = Vec::new();
        let mut prev: Option<&Conditions> = None;
        for (i, tier) in t.levels.iter().enumerate() {
            let p = format!("tiers.levels[{i}]");
            is.id(&format!("{p}.id"), &tier.id, &mut ids);
            is.text(&format!("{p}.name"), &tier.name);
            match (&tier.upgrade, i) {
                (Some(_), 0) => is.add(
                    format!("{p}.upgrade"),
                    "the entry tier has no upgrade condition: every member starts there",
                ),
                (None, i) if i > 0 => is.add(
                    format!("{p}.upgrade"),
                    "required on every tier above the entry tier",
                ),
                _ => {}
            }
            if let Some(up) = &tier.upgrade {
                let cond = &up.conditions;
                if cond.iter().next().is_none() {
                    is.add(
                        format!("{p}.upgrade.conditions"),
                        "must set at least one dimension",
                    );
                }
                for (d, v) in cond.iter() {
                    if v == 0 {
                        is.add(
                            format!("{p}.upgrade.conditions.{}", d.name()),
                            "must be at least 1",
                        );
                    }
                    check_window_fits(is, &p, d, v, e);
                    if let Some(pv) = prev.and_then(|pc| pc.get(d)) {
                        if v < pv {
                            is.add(
                                format!("{p}.upgrade.conditions.{}", d.name()),
                                format!(
                                    "must be >= tiers.levels[{}].upgrade.conditions.{} ({pv})",
                                    i - 1,
                                    d.name()
                                ),
                            );
                        }
                    }
                }
                prev = Some(cond);
            }
            let b = &tier.benefits;
            is.range(
                &format!("{p}.benefits.discount_percent"),
                b.discount_percent,
                1,
                100,
            );
            is.range(
                &format!("{p}.benefits.checkin_points"),
                b.checkin_points,
                0,
                1_000_000,
            );
            is.range(
                &format!("{p}.benefits.lottery_weight"),
                b.lottery_weight,
                1,
                100,
            );
            is.range(
                &format!("{p}.benefits.early_access_minutes"),
                b.early_access_minutes,
                0,
                10_080,
            );
        }
        let mut plan_ids = Vec::new();
        for (i, plan) in t.paid.iter().enumerate() {
            let p = format!("tiers.paid[{i}]");
            is.id(&format!("{p}.id"), &plan.id, &mut plan_ids);
            if self.tier_index(&plan.tier).is_none() {
                is.add(
                    format!("{p}.tier"),
                    format!("no tier with id `{}`", plan.tier),
                );
            }
            is.range(&format!("{p}.months"), plan.months, 1, 120);
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_lifecycle(&self, is: &mut Issues) {
        let l = &self.lifecycle;
        is.range("lifecycle.new_days", l.new_days, 1, 366);
        is.range("lifecycle.returning_days", l.returning_days, 1, 366);
        is.range("lifecycle.wake_up_valid_days", l.wake_up_valid_days, 1, 366);
        is.range("lifecycle.high_value_score", l.high_value_score, 3, 15);
        let ascending = |is: &mut Issues, path: &str, v: &[u64], want: usize| {
            if v.len() != want || v.windows(2).any(|w| w[0] >= w[1]) {
                is.add(path, format!("{want} strictly ascending numbers"));
            }
        };
        let wide = |v: &[u16]| v.iter().map(|&n| u64::from(n)).collect::<Vec<_>>();
        if l.dormant_days.is_empty()
            || l.dormant_days.windows(2).any(|w| w[0] >= w[1])
            || l.dormant_days[0] == 0
        {
            is.add(
                "lifecycle.dormant_days",
                "one or more strictly ascending day counts, the first ≥ 1",
            );
        }
        ascending(
            is,
            "lifecycle.rfm.recency_days",
            &wide(&l.rfm.recency_days),
            4,
        );
        ascending(
            is,
            "lifecycle.rfm.frequency_days",
            &wide(&l.rfm.frequency_days),
            4,
        );
        ascending(is, "lifecycle.rfm.monetary_cents", &l.rfm.monetary_cents, 4);
        is.range(
            "lifecycle.rfm.frequency_window",
            l.rfm.frequency_window,
            1,
            366,
        );
        is.range(
            "lifecycle.rfm.monetary_window",
            l.rfm.monetary_window,
            1,
            366,
        );
        for (i, c) in l.wake_up_coupons.iter().enumerate() {
            if c.is_empty() {
                is.add(format!("lifecycle.wake_up_coupons[{i}]"), "a coupon id");
            }
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_campaigns(&self, is: &mut Issues) {
        let mut ids = Vec::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            let p = format!("campaigns[{i}]");
            is.id(&format!("{p}.id"), &c.id, &mut ids);
            is.text(&format!("{p}.name"), &c.name);
            is.range(&format!("{p}.days"), c.days, 1, 366);
            is.range(
                &format!("{p}.checkin_multiplier"),
                c.checkin_multiplier,
                1,
                10,
            );
            is.range(
                &format!("{p}.action_multiplier"),
                c.action_multiplier,
                1,
                10,
            );
            for (j, tier) in c.tiers.iter().enumerate() {
                if self.tier_index(tier).is_none() {
                    is.add(format!("{p}.tiers[{j}]"), format!("no tier `{tier}`"));
                }
            }
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn campaign_ref(&self, is: &mut Issues, path: &str, id: &str) {
        if !self.campaigns.iter().any(|c| c.id == id) {
            is.add(path, format!("no campaign `{id}`"));
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_cards(&self, is: &mut Issues) {
        let tiers = self.tiers.levels.len();
        let mut ids = Vec::new();
        for (i, set) in self.cards.iter().enumerate() {
            let p = format!("cards[{i}]");
            is.id(&format!("{p}.id"), &set.id, &mut ids);
            is.text(&format!("{p}.name"), &set.name);
            self.campaign_ref(is, &format!("{p}.campaign"), &set.campaign);
            is.range(&format!("{p}.kinds"), set.kinds.len(), 1, 16);
            let mut kinds = Vec::new();
            for (j, k) in set.kinds.iter().enumerate() {
                is.id(&format!("{p}.kinds[{j}].id"), &k.id, &mut kinds);
                is.text(&format!("{p}.kinds[{j}].name"), &k.name);
                is.range(&format!("{p}.kinds[{j}].weight"), k.weight, 1, 10_000);
            }
            if set.grants.is_empty() {
                is.add(format!("{p}.grants"), "at least one action must give cards");
            }
            for (j, g) in set.grants.iter().enumerate() {
                if !crate::engine::is_known_action(self, &g.action) {
                    is.add(
                        format!("{p}.grants[{j}].action"),
                        format!(
                            "`{}` is not a tracked action or a built-in counter",
                            g.action
                        ),
                    );
                }
                is.range(
                    &format!("{p}.grants[{j}].chance_percent"),
                    g.chance_percent,
                    1,
                    100,
                );
            }
            is.range(&format!("{p}.daily_limit"), set.daily_limit, 1, 100);
            is.reward(&format!("{p}.reward"), &set.reward, tiers);
            is.range(&format!("{p}.pity"), set.pity, 0, 100);
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_lotteries(&self, is: &mut Issues) {
        let tiers = self.tiers.levels.len();
        let most = self
            .tiers
            .levels
            .iter()
            .map(|t| u64::from(t.benefits.lottery_weight))
            .max()
            .unwrap_or(1);
        let mut ids = Vec::new();
        for (i, l) in self.lotteries.iter().enumerate() {
            let p = format!("lotteries[{i}]");
            is.id(&format!("{p}.id"), &l.id, &mut ids);
            is.text(&format!("{p}.name"), &l.name);
            self.campaign_ref(is, &format!("{p}.campaign"), &l.campaign);
            is.range(&format!("{p}.daily_limit"), l.daily_limit, 1, 100);
            is.range(&format!("{p}.total_weight"), l.total_weight, 1, 1_000_000);
            is.range(&format!("{p}.prizes"), l.prizes.len(), 1, 32);
            let mut prizes = Vec::new();
            for (j, z) in l.prizes.iter().enumerate() {
                let q = format!("{p}.prizes[{j}]");
                is.id(&format!("{q}.id"), &z.id, &mut prizes);
                is.text(&format!("{q}.name"), &z.name);
                is.range(&format!("{q}.weight"), z.weight, 1, 1_000_000);
                is.reward(&format!("{q}.reward"), &z.reward, tiers);
            }
            // The best-weighted tier's slots must fit on the wheel, or its odds would not be
            // the multiple the rules promise.
            let slots: u64 = l.prizes.iter().map(|z| u64::from(z.weight)).sum::<u64>() * most;
            if slots > u64::from(l.total_weight) {
                is.add(
                    format!("{p}.total_weight"),
                    format!(
                        "must be at least {slots}: the prizes' weights times the largest lottery_weight ({most})"
                    ),
                );
            }
        }
    }

    /// Advice that does not stop the rules from working: more campaigns overlapping in one
    /// week than `campaign_overlap_limit` (members stop noticing any of them).
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn lint(&self) -> Vec<ConfigIssue> {
        let windows: Vec<(Day, Day)> = self
            .campaigns
            .iter()
            .map(|c| {
                let s = c.start.to_day();
                (s, s + i32::from(c.days))
            })
            .collect();
        let (Some(first), Some(last)) = (
            windows.iter().map(|w| w.0).min(),
            windows.iter().map(|w| w.1).max(),
        ) else {
            return Vec::new();
        };
        let mut out: Vec<ConfigIssue> = self.uncompletable_sets();
        let mut reported: Vec<Vec<usize>> = Vec::new();
        for week in first - 6..last {
            let hit: Vec<usize> = (0..windows.len())
                .filter(|&i| windows[i].0 < week + 7 && week < windows[i].1)
                .collect();
            if hit.len() > usize::from(self.campaign_overlap_limit)
                && !reported.iter().any(|r| hit.iter().all(|h| r.contains(h)))
            {
                let ids: Vec<&str> = hit.iter().map(|&i| self.campaigns[i].id.as_str()).collect();
                out.push(ConfigIssue {
                    path: "campaigns".to_owned(),
                    reason: format!(
                        "{} campaigns overlap in the week from {} ({}): more than campaign_overlap_limit {}",
                        hit.len(),
                        crate::day::format_day(week.max(first)),
                        ids.join(", "),
                        self.campaign_overlap_limit
                    ),
                });
                reported.push(hit);
            }
        }
        out
    }

    /// Card sets a member who uses every chance may still not complete (RULES.md,
    /// Campaigns): without a pity count, or with one too large for the campaign's cards. With
    /// pity p, each kind the member lacks comes within p chances of the last new one, and the
    /// first card is always new, so (kinds − 1) × p + 1 cards are enough.
    fn uncompletable_sets(&self) -> Vec<ConfigIssue> {
        let mut out = Vec::new();
        for (i, set) in self.cards.iter().enumerate() {
            let Some(c) = self.campaigns.iter().find(|c| c.id == set.campaign) else {
                continue;
            };
            let cards = u32::from(c.days) * u32::from(set.daily_limit);
            let kinds = set.kinds.len() as u32;
            let needed = kinds.saturating_sub(1) * u32::from(set.pity) + 1;
            let reason = if kinds > 1 && set.pity == 0 {
                format!(
                    "no pity count: a member who uses every chance of its {cards} cards may \
                     still miss a kind"
                )
            } else if needed > cards {
                format!(
                    "a member may need {needed} cards to complete it ((kinds − 1) × pity + 1), \
                     its campaign gives at most {cards} ({} days × daily_limit {}): lower pity \
                     to {} or less",
                    c.days,
                    set.daily_limit,
                    (cards - 1) / kinds.saturating_sub(1).max(1)
                )
            } else {
                continue;
            };
            out.push(ConfigIssue {
                path: format!("cards[{i}].pity"),
                reason,
            });
        }
        out
    }

    /// Counted only from ops the server writes: a witnessed action, or orders.
    fn server_counted(&self, action: &str) -> bool {
        action == "order" || self.witnessed_actions.iter().any(|a| a == action)
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_tasks(&self, is: &mut Issues) {
        let tiers = self.tiers.levels.len();
        let mut ids = Vec::new();
        for (i, task) in self.tasks.iter().enumerate() {
            let p = format!("tasks[{i}]");
            is.id(&format!("{p}.id"), &task.id, &mut ids);
            is.text(&format!("{p}.title"), &task.title);
            if !crate::engine::is_known_action(self, &task.action) {
                is.add(
                    format!("{p}.action"),
                    format!("`{}` is neither an earning rule's action, a declared task action nor a built-in counter (check_in, use_day, order, session_minutes)", task.action),
                );
            }
            is.range(&format!("{p}.target"), task.target, 1, 1_000_000);
            is.reward(&format!("{p}.reward"), &task.reward, tiers);
            // A tier step is worth money (discounts, free services): never on a device's word.
            if task.reward.tier_steps > 0 && !self.server_counted(&task.action) {
                is.add(
                    format!("{p}.reward.tier_steps"),
                    format!("a tier step needs an action only the server records: `{}` can be sent by any device (list it in witnessed_actions, or count `order`)", task.action),
                );
            }
        }
        for (i, action) in self.witnessed_actions.iter().enumerate() {
            if !crate::engine::is_tracked_action(self, action)
                || crate::engine::BUILTIN_ACTIONS.contains(&action.as_str())
            {
                is.add(
                    format!("witnessed_actions[{i}]"),
                    format!("`{action}` is not a declared action (`actions` or an earning rule; not open or share)"),
                );
            }
        }
        let mut ids = Vec::new();
        for (i, item) in self.catalog.iter().enumerate() {
            let p = format!("catalog[{i}]");
            is.id(&format!("{p}.id"), &item.id, &mut ids);
            is.text(&format!("{p}.name"), &item.name);
            is.range(
                &format!("{p}.cost_points"),
                item.cost_points,
                1,
                100_000_000,
            );
            is.reward(&format!("{p}.reward"), &item.reward, tiers);
            if item.reward.points > 0 {
                is.add(
                    format!("{p}.reward.points"),
                    "a catalog item cannot grant points",
                );
            }
            if item.reward.tier_steps > 0 {
                is.add(
                    format!("{p}.reward.tier_steps"),
                    "tiers are earned, not redeemed",
                );
            }
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn validate_messages(&self, is: &mut Issues) {
        for (locale, map) in &self.messages {
            for (key, template) in map {
                let p = format!("messages.{locale}.{key}");
                match placeholders(key) {
                    None => is.add(&p, "unknown message key"),
                    Some(allowed) => {
                        for name in used_placeholders(template) {
                            if !allowed.contains(&name) {
                                is.add(
                                    &p,
                                    format!(
                                        "unknown placeholder {{{name}}}; allowed: {}",
                                        allowed.join(", ")
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A threshold that cannot be reached inside its window is a config mistake.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn check_window_fits(is: &mut Issues, p: &str, d: Dimension, v: u64, e: &super::Evaluation) {
    if d == Dimension::ActiveDays && v > u64::from(e.active_days_window) {
        is.add(
            format!("{p}.upgrade.conditions.active_days"),
            format!(
                "cannot exceed tiers.evaluation.active_days_window ({})",
                e.active_days_window
            ),
        );
    }
}
