//! Standard base64 (RFC 4648, with padding), for snapshot bytes inside JSON. Small enough not
//! to justify a dependency in a module every phone downloads.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    encode_into(bytes, &mut out);
    out
}

/// `encode`, appended to `out` (room made once): a pending log's new line goes straight into
/// the log's text, with no string of its own to copy and free.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
}

/// Each byte's 6-bit value, or `INVALID`: one load a character, where a search of the
/// alphabet costs 5–6× more in an interpreted wasm module (an iPhone's).
const INVALID: u8 = 0xff;
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// `None` for anything that is not canonical padded base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let s = text.as_bytes();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let pad = s.iter().rev().take(2).take_while(|&&c| c == b'=').count();
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut n = 0u32;
    for (i, &c) in s[..s.len() - pad].iter().enumerate() {
        let v = DECODE[c as usize];
        if v == INVALID {
            return None; // not in the alphabet, or '=' before the end
        }
        n = (n << 6) | u32::from(v);
        if i % 4 == 3 {
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        }
    }
    if pad > 0 {
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Non-zero bits under the padding would make two texts decode alike: refuse them.
        if bytes[3 - pad..].iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        for (raw, text) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(raw.as_bytes()), text);
            assert_eq!(decode(text).unwrap(), raw.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
    }

    #[test]
    fn encode_into_appends_to_the_text() {
        for (raw, text) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = "log\n".to_owned();
            encode_into(raw.as_bytes(), &mut out);
            assert_eq!(out, format!("log\n{text}"));
        }
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "Zg=",
            "Zg===",
            "Z===",
            "Zh==",
            "Zm9v=Zm9",
            "Zm9*",
            "Zg==Zg==",
            "Zm9=",
            "====",
            "Zm9vZ===",
            "Zm\u{e9}v",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }

    /// Canonical: whatever decodes encodes back to the same text, and every canonical text
    /// decodes, over all short texts of a few characters (padding, bits under it, '=' inside,
    /// a character outside the alphabet).
    #[test]
    fn decodes_exactly_the_canonical_texts() {
        let count = |chars: &[u8], len: u32| {
            let mut accepted = 0;
            for mut k in 0..chars.len().pow(len) {
                let text: String = (0..len)
                    .map(|_| {
                        let c = chars[k % chars.len()];
                        k /= chars.len();
                        char::from(c)
                    })
                    .collect();
                if let Some(bytes) = decode(&text) {
                    assert_eq!(encode(&bytes), text);
                    accepted += 1;
                }
            }
            accepted
        };
        // A, Q, g, w have their low 4 bits clear (fine before any padding); / and + do not.
        // Length 4: 6^4 full, 6·6·4 with one '=', 6·4 with two.
        assert_eq!(count(b"AQgw/+=*", 4), 1296 + 144 + 24);
        // Length 8 over A and g: a full quad (2^4), then any length-4 text (16 + 8 + 4).
        assert_eq!(count(b"Ag=*", 8), 16 * 28);
    }
}
