//! The rules as a client holds them: one format byte, then the config's records in the binary
//! form (`docs/binary.md`, "Rules"). The server and the CLI write it from a checked rule file;
//! a phone reads it without a JSON parser and checks the rules again.

use super::*;
use crate::binary::codec::{binary_enum, binary_record, from_bytes, Decode, Encode};
use crate::binary::read::{Error, Reader, Res};
use crate::day::Date;

/// The layout below. Any change to it (a field added, removed, reordered, retyped) is a new
/// format: a client lists the formats it reads when it fetches the rules (`docs/sync.md`).
/// 2 added `witnessed_actions` at the end of `Config`; 3 added `pity` at the end of `CardSet`.
pub const RULES_FORMAT: u8 = 3;

binary_record! {
    Config {
        schema_version business_day default_locale first_weekday offline_window_days checkin
        points tiers tasks newbie_days actions catalog messages campaigns
        campaign_overlap_limit cards lotteries lifecycle witnessed_actions
    }
    BusinessDay { utc_offset_minutes day_start_hour }
    Checkin { streak_cycle streak_bonuses makeup freeze }
    StreakBonus { day reward }
    Makeup { cost_points window monthly_limit pays_missed_milestones }
    Freeze { max_held }
    Reward { points coupons freezes tier_steps accelerators }
    Points { earning daily_cap monthly_cap expiry_months reminder_days checkout }
    EarningRule { points daily_limit }
    Checkout { points cents max_order_percent }
    Tiers { evaluation downgrade levels paid }
    Evaluation { active_days_window minutes_window shares_window spend_window orders_window }
    Tier { id name upgrade benefits }
    Upgrade { mode conditions }
    Conditions { active_days minutes tasks_completed spend_cents orders shares }
    Benefits {
        discount_percent free_services_per_month checkin_points lottery_weight
        early_access_minutes
    }
    PaidPlan { id tier months price_cents }
    Task { id kind title action target reward claim }
    CatalogItem { id name cost_points reward }
    Campaign { id name start days checkin_multiplier action_multiplier tiers }
    CardSet { id name campaign kinds grants daily_limit reward pity }
    CardKind { id name weight }
    CardGrant { action chance_percent }
    Lottery { id name campaign cost_points daily_limit total_weight prizes }
    Prize { id name weight stock reward }
    Lifecycle {
        new_days dormant_days returning_days wake_up_coupons wake_up_valid_days rfm
        high_value_score potential
    }
    Rfm {
        recency_days frequency_window frequency_days monetary_window monetary_cents
    }
    Potential { campaigns_joined campaign_spend_cents accelerators }
}

binary_enum! {
    Downgrade { MonthlyOneStep Never }
    Mode { All Any }
    TaskKind { Daily Growth Newbie }
    Claim { Auto Manual }
}

/// `Month` is 0; `LastDays` is 1 then its `days`.
impl Encode for MakeupWindow {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            MakeupWindow::Month => out.push(0),
            MakeupWindow::LastDays { days } => {
                out.push(1);
                days.encode(out);
            }
        }
    }
}

impl Decode for MakeupWindow {
    fn decode(r: &mut Reader) -> Res<MakeupWindow> {
        match r.varint(32)? {
            0 => Ok(MakeupWindow::Month),
            1 => Ok(MakeupWindow::LastDays {
                days: u16::decode(r)?,
            }),
            i => Err(Error(format!("{i} is not a makeup window"))),
        }
    }
}

/// A civil date as its day number (`i32`, days since 1970-01-01).
impl Encode for Date {
    fn encode(&self, out: &mut Vec<u8>) {
        self.to_day().encode(out);
    }
}

impl Decode for Date {
    fn decode(r: &mut Reader) -> Res<Date> {
        let day = i32::decode(r)?;
        let date = Date::from_day(day);
        if !(crate::day::MIN_YEAR..=crate::day::MAX_YEAR).contains(&date.year) {
            return Err(Error(format!("day {day} is outside the supported years")));
        }
        Ok(date)
    }
}

impl Config {
    /// The binary form of these rules (`RULES_FORMAT`, then the records).
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn to_binary(&self) -> Vec<u8> {
        let mut out = vec![RULES_FORMAT];
        self.encode(&mut out);
        out
    }

    /// Reads rules in the binary form and checks them as a rule file is checked: bytes of
    /// a newer format are `CONFIG_TOO_NEW`; an older format (encode again), unreadable
    /// bytes or rules that do not hold are `CONFIG_INVALID`.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_binary(bytes: &[u8]) -> Result<Config, ConfigError> {
        Config::from_binary_checked_before(bytes)?.checked()
    }

    /// Reads rules in the binary form that were checked when they arrived (`from_binary`) and
    /// kept since by the same party: the format and the records are read, the rules not
    /// checked again. Validating the seed's rules costs about 2 ms on an iPhone's interpreted
    /// wasm, at every launch. Rules that do not hold here give wrong views, never wrong
    /// money: the server checks and applies its own.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_binary_checked_before(bytes: &[u8]) -> Result<Config, ConfigError> {
        let issue = |path: &str, reason: String| ConfigIssue {
            path: path.to_owned(),
            reason,
        };
        match bytes.first() {
            Some(&RULES_FORMAT) => {}
            Some(&f) if f < RULES_FORMAT => {
                return Err(ConfigError::invalid(vec![issue(
                    "format",
                    format!(
                        "rules in binary format {f}, from an older zailai; this build reads \
                         {RULES_FORMAT}: encode them again (`zailai rules encode`)"
                    ),
                )]))
            }
            Some(&f) => {
                return Err(ConfigError {
                    code: "CONFIG_TOO_NEW",
                    issues: vec![issue(
                        "format",
                        format!("rules in binary format {f}; this build reads {RULES_FORMAT}"),
                    )],
                })
            }
            None => return Err(ConfigError::invalid(vec![issue("", "no bytes".into())])),
        }
        from_bytes(&bytes[1..]).map_err(|e| {
            ConfigError::invalid(vec![issue("", format!("binary rules unreadable: {e}"))])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_round_trips() {
        let seed = Config::seed();
        let bytes = seed.to_binary();
        assert_eq!(Config::from_binary(&bytes).unwrap(), seed);
        assert!(bytes.len() < SEED_JSON.len() / 2, "{} bytes", bytes.len());
        // The variants and values the seed does not use.
        let mut other = seed.clone();
        other.checkin.makeup.window = MakeupWindow::LastDays { days: 7 };
        other.tiers.downgrade = Downgrade::Never;
        other.business_day.utc_offset_minutes = -300;
        other.campaigns[0].tiers = vec!["gold".to_owned()];
        other.tasks[0].claim = Claim::Manual;
        assert_ne!(other, seed);
        assert_eq!(Config::from_binary(&other.to_binary()).unwrap(), other);
    }

    /// The package's `Rules.seed()` reads this file: it must be the preset, encoded.
    #[test]
    fn the_shipped_seed_file_is_the_preset_encoded() {
        let shipped = include_str!("../../presets/seed.rules.b64").trim();
        assert_eq!(
            shipped,
            crate::snapshot::base64::encode(&Config::seed().to_binary()),
            "presets/seed.rules.b64 is stale: run \
             `cargo run -p zailai-server -- rules encode --config presets/seed.json > presets/seed.rules.b64`"
        );
    }

    #[test]
    fn refuses_other_formats_cut_and_invalid_rules() {
        let bytes = Config::seed().to_binary();
        let mut newer = bytes.clone();
        newer[0] = RULES_FORMAT + 1;
        assert_eq!(
            Config::from_binary(&newer).unwrap_err().code,
            "CONFIG_TOO_NEW"
        );
        let mut older = bytes.clone();
        older[0] = 1;
        let err = Config::from_binary(&older).unwrap_err();
        assert_eq!(err.code, "CONFIG_INVALID");
        assert!(err.to_string().contains("encode them again"), "{err}");
        assert_eq!(Config::from_binary(&[]).unwrap_err().code, "CONFIG_INVALID");
        let cut = Config::from_binary(&bytes[..bytes.len() - 1]).unwrap_err();
        assert_eq!(cut.code, "CONFIG_INVALID");
        assert!(cut.to_string().contains("unreadable"), "{cut}");
        // Readable bytes, rules that do not hold: the check a rule file gets runs on them too.
        let mut broken = Config::seed();
        broken.points.checkout.cents = 0;
        let err = Config::from_binary(&broken.to_binary()).unwrap_err();
        assert_eq!(err.code, "CONFIG_INVALID");
        assert!(!err.issues.is_empty());
    }
}
