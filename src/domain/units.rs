//! Units as the documents write them. Magnitude words (万, 亿 …) and SI prefixes of data units are
//! scale factors, not units: 330万户 is 3 300 000 户, 1Gbps is 1000 Mbps.

use std::fmt;

/// Chinese magnitude words, longest first so 万亿 is not read as 万 + 亿.
const MAGNITUDES: [(&str, f64); 7] =
    [("万亿", 1e12), ("千万", 1e7), ("百万", 1e6), ("十万", 1e5), ("亿", 1e8), ("万", 1e4), ("千", 1e3)];

/// Data units that take SI prefixes (Mbps, GB, MB/s …).
const DATA_UNITS: [&str; 5] = ["bps", "b/s", "B/s", "Bps", "B"];

const SI_PREFIXES: [(char, f64); 7] =
    [('k', 1e3), ('K', 1e3), ('M', 1e6), ('G', 1e9), ('T', 1e12), ('P', 1e15), ('E', 1e18)];

/// A unit split into its base and the scale factor in front of it.
#[derive(Debug, Clone, PartialEq)]
struct ScaledUnit<'a> {
    scale: f64,
    base: &'a str,
}

fn split(unit: &str) -> ScaledUnit<'_> {
    let unit = unit.trim();
    // Percentage points are absolute changes of a percentage: same base as %.
    if matches!(unit, "个百分点" | "百分点") {
        return ScaledUnit { scale: 1.0, base: "%" };
    }
    for (word, scale) in MAGNITUDES {
        if let Some(rest) = unit.strip_prefix(word)
            && !rest.is_empty()
        {
            let inner = split(rest);
            return ScaledUnit { scale: scale * inner.scale, base: inner.base };
        }
    }
    for data in DATA_UNITS {
        if let Some(prefix) = unit.strip_suffix(data) {
            let mut chars = prefix.chars();
            if let (Some(p), None) = (chars.next(), chars.next())
                && let Some((_, scale)) = SI_PREFIXES.iter().find(|(c, _)| *c == p)
            {
                return ScaledUnit { scale: *scale, base: normalise_data_base(data) };
            }
            if prefix.is_empty() {
                return ScaledUnit { scale: 1.0, base: normalise_data_base(data) };
            }
        }
    }
    ScaledUnit { scale: 1.0, base: unit }
}

/// `Mb/s` and `Mbps` are the same unit; so are `MB/s` and `MBps`.
fn normalise_data_base(data: &str) -> &'static str {
    match data {
        "bps" | "b/s" => "bps",
        "B/s" | "Bps" => "B/s",
        _ => "B",
    }
}

/// The written unit does not measure the same thing as the indicator's unit.
/// A unit without its magnitude word or prefix: 万人份 → 人份, 亿元 → 元, 个百分点 → %.
pub fn base_unit(unit: &str) -> &str {
    split(unit).base
}

/// The unit an indicator first met in a plan's text is counted in: as the plan writes it (亿元,
/// 万辆 — what its reporters count in, as the catalog's indicators are), except percentage
/// points, which measure a percentage.
pub fn indicator_unit(written: &str) -> &str {
    let written = written.trim();
    if split(written).base == "%" { "%" } else { written }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitMismatch {
    pub written: String,
    pub canonical: String,
}

impl fmt::Display for UnitMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unit `{}` does not match the indicator's unit `{}` (not the same base after 万/亿 scaling)",
            self.written, self.canonical
        )
    }
}

/// Factor that turns a value written in `written` into the `canonical` unit:
/// `scale_between("万户", "户") == 10000`.
pub fn scale_between(written: &str, canonical: &str) -> Result<f64, UnitMismatch> {
    let (w, c) = (split(written), split(canonical));
    if w.base == c.base {
        Ok(w.scale / c.scale)
    } else {
        Err(UnitMismatch { written: written.to_owned(), canonical: canonical.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_indicator_counts_in_the_unit_the_plan_writes() {
        assert_eq!(indicator_unit("亿元"), "亿元");
        assert_eq!(indicator_unit(" 万辆 "), "万辆");
        assert_eq!(indicator_unit("个百分点"), "%");
        assert_eq!(indicator_unit("%"), "%");
    }

    #[test]
    fn scale_factors_follow_the_written_magnitude() {
        let cases = [
            ("万户", "户", 1e4),
            ("户", "万户", 1e-4),
            ("万亿元", "亿元", 1e4),
            ("亿元", "亿元", 1.0),
            ("%", "%", 1.0),
            ("个百分点", "%", 1.0),
            ("Gbps", "Mbps", 1e3),
            ("Tbps", "Gbps", 1e3),
            ("Mb/s", "Mbps", 1.0),
            ("EB", "PB", 1e3),
            ("万个", "个", 1e4),
            ("千瓦", "万千瓦", 1e-4),
        ];
        for (written, canonical, factor) in cases {
            let got = scale_between(written, canonical).unwrap();
            assert!((got - factor).abs() < 1e-9 * factor, "{written} → {canonical}: {got}");
        }
    }

    #[test]
    fn different_bases_do_not_match() {
        for (written, canonical) in [("MB/s", "Mbps"), ("项", "个"), ("万户", "%"), ("亿元", "元/人")] {
            assert!(scale_between(written, canonical).is_err(), "{written} vs {canonical}");
        }
    }
}
