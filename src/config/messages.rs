//! Message templates for the labels views show. Operators override any of them per locale
//! in the config's `messages`; the built-in zh-CN and en texts fill the rest.
//! Placeholders are `{name}`; each key's allowed names are listed in `PLACEHOLDERS`.

use crate::vecmap::VecMap;

/// Every template key, with its built-in zh-CN and en text and the placeholders it may use.
const TEMPLATES: &[(&str, &str, &str, &[&str])] = &[
    (
        "tier.need.active_days",
        "距离{tier}还差 {n} 次使用",
        "{n} more days of use to reach {tier}",
        &["tier", "n"],
    ),
    (
        "tier.need.minutes",
        "距离{tier}还差 {n} 分钟使用时长",
        "{n} more minutes of use to reach {tier}",
        &["tier", "n"],
    ),
    (
        "tier.need.tasks_completed",
        "距离{tier}还差 {n} 个任务",
        "{n} more tasks to reach {tier}",
        &["tier", "n"],
    ),
    (
        "tier.need.spend_cents",
        "再消费 {amount} 元即可升级",
        "Spend ¥{amount} more to reach {tier}",
        &["tier", "amount"],
    ),
    (
        "tier.need.orders",
        "再下 {n} 单即可升级",
        "{n} more orders to reach {tier}",
        &["tier", "n"],
    ),
    (
        "tier.need.shares",
        "再分享 {n} 次即可升级",
        "{n} more shares to reach {tier}",
        &["tier", "n"],
    ),
    (
        "tier.top",
        "您已是最高等级:{tier}",
        "You are at the top tier: {tier}",
        &["tier"],
    ),
    ("streak.label", "连续签到 {n} 天", "{n}-day streak", &["n"]),
    (
        "streak.next",
        "再签 {n} 天可得 {points} 积分",
        "{n} more days for {points} points",
        &["n", "points"],
    ),
    (
        "streak.done",
        "已领取全部连签奖励",
        "Every streak reward taken",
        &[],
    ),
    (
        "calendar.title",
        "{year}年{month}月",
        "{month_name} {year}",
        &["year", "month", "month_name"],
    ),
    ("day.checked", "已签", "Done", &[]),
    ("day.made_up", "已补签", "Made up", &[]),
    ("day.frozen", "免签", "Frozen", &[]),
    ("day.missed", "漏签", "Missed", &[]),
    ("day.makeup_available", "可补签", "Make up", &[]),
    ("day.today_pending", "待签到", "Today", &[]),
    ("day.today_done", "今日已签", "Done", &[]),
    ("day.reward", "+{points}", "+{points}", &["points"]),
    (
        "task.progress",
        "{done}/{target}",
        "{done}/{target}",
        &["done", "target"],
    ),
    ("poster.title", "每日签到", "Daily check-in", &[]),
    (
        "report.title",
        "{month}月会员月报",
        "{month_name} report",
        &["month", "month_name", "year"],
    ),
    ("report.earned", "获得积分", "Points earned", &[]),
    ("report.spent", "使用积分", "Points spent", &[]),
    ("report.checkins", "签到天数", "Check-in days", &[]),
    ("report.streak", "最长连签", "Longest streak", &[]),
    (
        "report.next",
        "下月权益:{tier},签到 {points} 积分/天",
        "Next month: {tier}, {points} points a check-in",
        &["tier", "points"],
    ),
    (
        "poster.points",
        "积分 {points}",
        "{points} points",
        &["points"],
    ),
    (
        "poster.footer",
        "坚持签到,好礼相送",
        "Keep the streak going",
        &[],
    ),
    (
        "prompt.points_expiring",
        "您有 {points} 积分即将过期({date})",
        "{points} points expire on {date}",
        &["points", "date", "days"],
    ),
    (
        "prompt.streak_at_risk",
        "今天还没签到,连续签到 {n} 天将中断",
        "Check in today to keep your {n}-day streak",
        &["n"],
    ),
    (
        "prompt.benefit_available",
        "本月还有 {n} 次免费服务可用",
        "{n} free services left this month",
        &["n", "tier"],
    ),
    (
        "prompt.tier_reached",
        "恭喜您升级为{tier}",
        "You reached {tier}",
        &["tier"],
    ),
];

/// A template key, as written in the config.
pub type MessageKey = &'static str;

/// Whether `key` is a known template key, and which placeholders it may use.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn placeholders(key: &str) -> Option<&'static [&'static str]> {
    TEMPLATES.iter().find(|t| t.0 == key).map(|t| t.3)
}

/// Template lookup with the config's overrides first.
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    overrides: &'a VecMap<String, VecMap<String, String>>,
    default_locale: &'a str,
}

impl<'a> Messages<'a> {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn new(
        overrides: &'a VecMap<String, VecMap<String, String>>,
        default_locale: &'a str,
    ) -> Self {
        Messages {
            overrides,
            default_locale,
        }
    }

    /// The template for `key` in `locale` (a locale `Config::locale` resolved): the rules'
    /// override, else the built-in one (`zh-CN`, `en`); for a locale the rules define that
    /// lacks the key, the same from `default_locale`; English last.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn template(&self, locale: &str, key: &str) -> &'a str {
        let Some(t) = TEMPLATES.iter().find(|t| t.0 == key) else {
            return "";
        };
        for l in [locale, self.default_locale] {
            if let Some(o) = self.overrides.get(l).and_then(|m| m.get(key)) {
                return o;
            }
            match l {
                "zh-CN" => return t.1,
                "en" => return t.2,
                _ => {}
            }
        }
        t.2
    }

    /// Renders `key` with `args` substituted for `{name}` placeholders.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn render(&self, locale: &str, key: &str, args: &[(&str, String)]) -> String {
        fill(self.template(locale, key), args)
    }
}

/// Substitutes `{name}`; unknown or unmatched braces are left as they are.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders used in a template.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn used_placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_override_and_fallback() {
        let mut zh = VecMap::new();
        zh.insert("streak.label".to_owned(), "已连签{n}天".to_owned());
        let mut o = VecMap::new();
        o.insert("zh-CN".to_owned(), zh);
        let m = Messages::new(&o, "en");
        assert_eq!(
            m.render("zh-CN", "streak.label", &[("n", "4".into())]),
            "已连签4天"
        );
        assert_eq!(
            m.render("en", "streak.label", &[("n", "4".into())]),
            "4-day streak"
        );
        assert_eq!(
            m.render("fr", "tier.top", &[("tier", "Gold".into())]),
            "You are at the top tier: Gold"
        );
    }

    #[test]
    fn fill_leaves_unknown_placeholders() {
        assert_eq!(fill("a {x} {y} {", &[("x", "1".into())]), "a 1 {y} {");
        assert_eq!(used_placeholders("{a} and {b}"), vec!["a", "b"]);
    }
}
