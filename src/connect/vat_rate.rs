//! `VatRate`: a VAT fraction, sent as a string and received as a string or a number.

use std::fmt;
use std::str::FromStr;

/// A VAT rate as a fraction: `0.10` is 10 %, `0.255` is 25.5 %.
///
/// Held exactly, in millionths; requests send it as the string the docs show
/// (`"0.10"`), and responses may carry it as a string or as a JSON number
/// (the docs' agreement example has `"vatRate": 0.1`). Both decode.
///
/// ```
/// use nordpay::connect::VatRate;
///
/// let rate: VatRate = "0.25".parse().unwrap();
/// assert_eq!(rate.to_string(), "0.25");
/// assert_eq!(VatRate::from_percent(10).unwrap().to_string(), "0.10");
/// assert!(VatRate::from_percent(101).is_err());
/// assert!("1.5".parse::<VatRate>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VatRate {
    millionths: u32,
}

/// Why a VAT rate was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a VAT fraction from 0 to 1 with at most 6 decimals (\"0.10\" is 10 %), got {0:?}"
)]
pub struct VatRateError(String);

const SCALE: u32 = 1_000_000;

impl VatRate {
    /// A whole-percent rate: `from_percent(25)` is 0.25. A rate is at most
    /// 100 %; more is refused.
    pub fn from_percent(percent: u8) -> Result<Self, VatRateError> {
        if percent > 100 {
            return Err(VatRateError(format!("{percent} %")));
        }
        Ok(Self {
            millionths: u32::from(percent) * (SCALE / 100),
        })
    }

    /// The rate in millionths (0.25 → 250 000).
    pub fn millionths(&self) -> u32 {
        self.millionths
    }
}

impl FromStr for VatRate {
    type Err = VatRateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || VatRateError(text.to_string());
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
            return Err(error());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 6 || whole.len() > 1 {
            return Err(error());
        }
        let whole: u32 = whole.parse().map_err(|_| error())?;
        let fraction: u32 = format!("{fraction:0<6}").parse().map_err(|_| error())?;
        let millionths = whole * SCALE + fraction;
        if millionths > SCALE {
            return Err(error());
        }
        Ok(Self { millionths })
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fraction = format!("{:06}", self.millionths % SCALE);
        let fraction = fraction.trim_end_matches('0');
        write!(f, "{}.{fraction:0<2}", self.millionths / SCALE)
    }
}

impl TryFrom<&str> for VatRate {
    type Error = VatRateError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl TryFrom<String> for VatRate {
    type Error = VatRateError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl serde::Serialize for VatRate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VatRate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = VatRate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a VAT fraction as a string or a number")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<VatRate, E> {
                text.parse().map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<VatRate, E> {
                value.to_string().parse().map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<VatRate, E> {
                value.to_string().parse().map_err(E::custom)
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<VatRate, E> {
                // The shortest decimal that reads back as this f64, so 0.1 is "0.1".
                format!("{value}").parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for VatRate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VatRate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^[0-9]+(\.[0-9]+)?$",
            "description": "VAT as a decimal fraction: \"0.10\" is 10 %.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_decode_to_the_same_rate() {
        let from_string: VatRate = serde_json::from_str("\"0.10\"").unwrap();
        let from_number: VatRate = serde_json::from_str("0.1").unwrap();
        assert_eq!(from_string, from_number);
        assert_eq!(from_string.millionths(), 100_000);
        assert_eq!(
            serde_json::from_str::<VatRate>("0").unwrap().millionths(),
            0
        );
        assert_eq!(serde_json::to_string(&from_number).unwrap(), "\"0.10\"");
    }

    #[test]
    fn display_keeps_two_decimals_at_least() {
        for (input, output) in [
            ("0.1", "0.10"),
            ("0.255", "0.255"),
            ("0", "0.00"),
            ("1", "1.00"),
        ] {
            assert_eq!(input.parse::<VatRate>().unwrap().to_string(), output);
        }
    }

    #[test]
    fn out_of_range_and_malformed_rates_are_errors() {
        for bad in [
            "",
            ".5",
            "1.",
            "-0.1",
            "1.01",
            "25",
            "0.1234567",
            "0,25",
            "abc",
            "0.1e1",
        ] {
            assert!(bad.parse::<VatRate>().is_err(), "{bad:?} parsed");
        }
        assert!(serde_json::from_str::<VatRate>("1.5").is_err());
        assert!(serde_json::from_str::<VatRate>("-0.1").is_err());
        assert!(serde_json::from_str::<VatRate>("true").is_err());
    }
}
