//! A/B experiments: deterministic assignment of a member to a variant (the same on every
//! server and in every report, with no stored assignment), and the two-proportion z-test the
//! report uses to compare variants.

use sha2::{Digest, Sha256};

/// The variant of `user` in `experiment`: SHA-256 of `zailai-ab:<experiment>:<user>`, its
/// first 8 bytes as a big-endian number, modulo the number of variants. Changing this
/// reshuffles every running experiment: it is pinned by tests.
pub fn variant<'a>(experiment: &str, user: &str, variants: &'a [String]) -> Option<&'a str> {
    if variants.is_empty() {
        return None;
    }
    let digest = Sha256::digest(format!("zailai-ab:{experiment}:{user}").as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let i = u64::from_be_bytes(head) % variants.len() as u64;
    Some(variants[i as usize].as_str())
}

/// Two-proportion z-test of `x1/n1` against `x2/n2` (pooled variance): `(z, two-sided p)`.
/// `None` when a group is empty or the pooled proportion is 0 or 1 (no variance).
pub fn z_test(x1: u32, n1: u32, x2: u32, n2: u32) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (x1, n1, x2, n2) = (f64::from(x1), f64::from(n1), f64::from(x2), f64::from(n2));
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return None;
    }
    let z = (x1 / n1 - x2 / n2) / se;
    Some((z, 2.0 * (1.0 - normal_cdf(z.abs()))))
}

/// Φ(x) through erf (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    sign * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ab() -> Vec<String> {
        vec!["control".into(), "treatment".into()]
    }

    #[test]
    fn assignment_is_pinned_and_balanced() {
        let v = ab();
        // Pinned: these must never change, or running experiments reshuffle.
        let pinned: Vec<&str> = ["u1", "u2", "u3", "会员一号"]
            .iter()
            .map(|u| variant("banner", u, &v).unwrap())
            .collect();
        assert_eq!(pinned, PINNED);
        assert_eq!(variant("banner", "u1", &v), variant("banner", "u1", &v));
        let treated = (0..10_000)
            .filter(|i| variant("banner", &format!("user-{i}"), &v) == Some("treatment"))
            .count();
        assert!((4_800..=5_200).contains(&treated), "{treated} of 10000");
        assert_eq!(variant("banner", "u1", &[]), None);
    }

    /// Computed independently with Python's hashlib:
    /// `["control", "treatment"][int.from_bytes(sha256(b"zailai-ab:banner:" + user)[:8], "big") % 2]`.
    const PINNED: [&str; 4] = ["control", "control", "control", "treatment"];

    #[test]
    fn z_test_matches_the_textbook() {
        // 3/10 against 7/10: pooled 0.5, se = sqrt(0.25 · 0.2) = 0.2236, z = −1.7889,
        // two-sided p = 2 · (1 − Φ(1.7889)) = 0.0736.
        let (z, p) = z_test(3, 10, 7, 10).unwrap();
        assert!((z + 1.788_854).abs() < 1e-5, "{z}");
        assert!((p - 0.073_638).abs() < 1e-4, "{p}");
        // Equal rates: z = 0, p = 1.
        let (z, p) = z_test(50, 100, 100, 200).unwrap();
        assert!(z.abs() < 1e-12 && (p - 1.0).abs() < 1e-6);
        assert_eq!(z_test(0, 10, 0, 10), None, "no variance");
        assert_eq!(z_test(1, 0, 1, 10), None);
        // A large, clear difference: p far below 0.05.
        assert!(z_test(300, 1000, 400, 1000).unwrap().1 < 1e-5);
    }
}
