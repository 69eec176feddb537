//! An action's events as JSON text, the same bytes `serde_json` writes for them, with the two
//! events nearly every action has (`action_tracked`, `points_credited`) written by hand: in an
//! interpreted wasm module (an iPhone's) serde's many small writes, each a call to copy a few
//! bytes, cost more than the engine's work on the action. Other events go through `other`,
//! the caller's serde: the wasm module's one copy of the events' serializer, built for size,
//! instead of a second one built for speed here (16 KB).

use crate::day::Date;
use crate::event::{Cap, Event};

/// Room for one event: a credit, the longest an action usually has, takes ~170 bytes.
const EVENT_BYTES: usize = 192;

/// `serde_json::to_string(events)`, faster for the common events; `other` writes the rest
/// (`serde_json::to_string` of one event).
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn events_json(events: &[Event], other: fn(&Event) -> String) -> String {
    let mut out = String::with_capacity(EVENT_BYTES * events.len() + 2);
    out.push('[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_event(event, other, &mut out);
    }
    out.push(']');
    out
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn write_event(event: &Event, other: fn(&Event) -> String, out: &mut String) {
    match event {
        Event::ActionTracked { action, count } => {
            out.push_str("{\"type\":\"action_tracked\",\"action\":");
            string(action, out);
            out.push_str(",\"count\":");
            number(*count, out);
        }
        Event::PointsCredited {
            date,
            source,
            requested,
            granted,
            cut,
            cap,
            expires,
        } => {
            out.push_str("{\"type\":\"points_credited\",\"date\":");
            self::date(*date, out);
            out.push_str(",\"source\":");
            string(source, out);
            out.push_str(",\"requested\":");
            number(*requested, out);
            out.push_str(",\"granted\":");
            number(*granted, out);
            out.push_str(",\"cut\":");
            number(*cut, out);
            match cap {
                Some(Cap::Daily) => out.push_str(",\"cap\":\"daily\""),
                Some(Cap::Monthly) => out.push_str(",\"cap\":\"monthly\""),
                None => {}
            }
            out.push_str(",\"expires\":");
            self::date(*expires, out);
        }
        event => {
            out.push_str(&other(event));
            return;
        }
    }
    out.push('}');
}

/// A JSON string as serde_json escapes it: `"`, `\\` and control characters (`\u00XX` but
/// for the five with a short form); copied whole when nothing needs escaping (ids and
/// sources almost never do).
#[cfg_attr(zailai_cold_size, optimize(size))]
fn string(text: &str, out: &mut String) {
    out.push('"');
    if !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if c < ' ' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(char::from(HEX[c as usize >> 4]));
                    out.push(char::from(HEX[c as usize & 15]));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn date(date: Date, out: &mut String) {
    out.push('"');
    match date.ascii() {
        Some(digits) => {
            for d in digits {
                out.push(char::from(d));
            }
        }
        None => out.push_str(&date.to_string()),
    }
    out.push('"');
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn number(n: u32, out: &mut String) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Reward;

    fn same_as_serde(events: &[Event]) {
        assert_eq!(
            events_json(events, |e| serde_json::to_string(e).unwrap()),
            serde_json::to_string(events).unwrap(),
            "{events:?}"
        );
    }

    fn credit(source: &str, cut: u32, cap: Option<Cap>) -> Event {
        Event::PointsCredited {
            date: Date::from_day(20_460),
            source: source.to_owned(),
            requested: 15,
            granted: 15 - cut,
            cut,
            cap,
            expires: Date::from_day(20_825),
        }
    }

    #[test]
    fn writes_what_serde_writes() {
        same_as_serde(&[]);
        for text in [
            "core_action",
            "",
            "引用 \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é",
            "earn:a/b",
        ] {
            same_as_serde(&[Event::ActionTracked {
                action: text.to_owned(),
                count: 1,
            }]);
            same_as_serde(&[credit(text, 0, None)]);
        }
        for count in [0, 7, 10, 99, 100, 4_294_967_295] {
            same_as_serde(&[Event::ActionTracked {
                action: "x".to_owned(),
                count,
            }]);
        }
        same_as_serde(&[
            Event::ActionTracked {
                action: "core_action".to_owned(),
                count: 3,
            },
            credit("earn:core_action", 5, Some(Cap::Daily)),
            credit("earn:core_action", 15, Some(Cap::Monthly)),
            Event::TaskClaimed {
                task: "t".to_owned(),
                reward: Reward::default(),
            },
            Event::SessionRecorded { minutes: 3 },
        ]);
    }
}
