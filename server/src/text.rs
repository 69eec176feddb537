//! A readable rendering of a simulation, for operators at a terminal.

use serde_json::Value;
use std::fmt::Write;

/// One line per op, then the member and this month's calendar.
pub fn render(out: &Value, offset_minutes: i32) -> String {
    let mut s = String::new();
    for r in out["results"].as_array().into_iter().flatten() {
        let at = r["at"].as_i64().unwrap_or(0);
        let op = describe_op(&r["op"]);
        let result = if r["ok"] == true {
            r["events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(describe_event)
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            format!(
                "REFUSED {}: {}",
                r["error"]["code"].as_str().unwrap_or("?"),
                r["error"]["detail"].as_str().unwrap_or("")
            )
        };
        let _ = writeln!(
            s,
            "{:>4}  {}  {:<28} {}",
            r["line"].as_u64().unwrap_or(0),
            local_time(at, offset_minutes),
            op,
            result
        );
    }
    let m = &out["summary"];
    let _ = writeln!(
        s,
        "\nmember {}: tier {}, balance {}, streak {}, freezes {}, coupons [{}]",
        m["user"].as_str().unwrap_or(""),
        m["tier"].as_str().unwrap_or(""),
        m["balance"],
        m["streak"],
        m["freezes"],
        m["coupons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let v = &out["views"];
    let _ = writeln!(
        s,
        "tier progress: {}% — {}",
        v["tier_progress"]["percentage"],
        v["tier_progress"]["label"].as_str().unwrap_or("")
    );
    let p = &v["points_summary"];
    let _ = writeln!(
        s,
        "points: today {}/{} (left {}), month {}/{}",
        p["earned_today"], p["daily_cap"], p["left_today"], p["earned_month"], p["monthly_cap"]
    );
    for prompt in v["prompts"].as_array().into_iter().flatten() {
        let _ = writeln!(s, "prompt: {}", prompt["text"].as_str().unwrap_or(""));
    }
    calendar(&mut s, &v["calendar"]);
    s
}

fn local_time(at: i64, offset_minutes: i32) -> String {
    let local = at + i64::from(offset_minutes) * 60_000;
    let day = local
        .div_euclid(86_400_000)
        .clamp(0, i64::from(zailai::day::MAX_DAY)) as i32;
    let minute = local.rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02}",
        zailai::Date::from_day(day),
        minute / 60,
        minute % 60
    )
}

fn describe_op(op: &Value) -> String {
    let kind = op["type"].as_str().unwrap_or("?");
    let arg = [
        "action", "date", "task", "item", "order", "plan", "minutes", "points",
    ]
    .iter()
    .find_map(|k| {
        op.get(*k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    });
    match arg {
        Some(a) => format!("{kind} {a}"),
        None => kind.to_owned(),
    }
}

fn describe_event(e: &Value) -> Option<String> {
    let kind = e["type"].as_str()?;
    Some(match kind {
        "checked_in" => format!("checked in (streak {})", e["streak"]),
        "points_credited" => match e["cut"].as_u64() {
            Some(cut) if cut > 0 => format!(
                "+{} {} (cut {} by {} cap)",
                e["granted"],
                e["source"].as_str()?,
                cut,
                e["cap"].as_str()?
            ),
            _ => format!("+{} {}", e["granted"], e["source"].as_str()?),
        },
        "points_debited" => format!("−{} {}", e["amount"], e["reason"].as_str()?),
        "points_expired" => format!("{} expired (lot {})", e["amount"], e["lot"].as_str()?),
        "streak_milestone" => format!("milestone day {}", e["cycle_day"]),
        "tier_changed" => format!(
            "tier {} → {} ({})",
            e["from"].as_str()?,
            e["to"].as_str()?,
            e["reason"].as_str()?
        ),
        "action_tracked" | "session_recorded" => return None,
        other => other.replace('_', " "),
    })
}

fn calendar(s: &mut String, cal: &Value) {
    let _ = writeln!(
        s,
        "\ncalendar {}-{:02}  {}",
        cal["year"],
        cal["month"].as_u64().unwrap_or(0),
        cal["streak_label"].as_str().unwrap_or("")
    );
    let names = ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];
    let first = cal["first_weekday"].as_u64().unwrap_or(1) as usize;
    let _ = writeln!(
        s,
        "{}",
        (0..7)
            .map(|i| format!(" {:>4}", names[(first + i) % 7]))
            .collect::<String>()
    );
    for week in cal["weeks"].as_array().into_iter().flatten() {
        let row: String = week
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let mark = match d["status"].as_str().unwrap_or("") {
                    "checked" | "today_done" => "✓",
                    "made_up" => "补",
                    "frozen" => "*",
                    "makeup_available" => "?",
                    "missed" => "·",
                    "today_pending" => "!",
                    "outside_month" => return " ".repeat(5),
                    _ => " ",
                };
                format!(" {:>2}{:<2}", d["day"].as_u64().unwrap_or(0), mark)
            })
            .collect();
        let _ = writeln!(s, "{row}");
    }
    let _ = writeln!(
        s,
        " ✓ checked  补 made up  * frozen  ? make-up available  · missed  ! check in today"
    );
}
