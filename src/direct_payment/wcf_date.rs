//! A date and time as Direct Payment's REST (WCF) service reads JSON:
//! `"/Date(1795255200000)/"`, milliseconds since the Unix epoch.
//!
//! x-nordpay-inferred: the REST endpoint is a WCF service (`restV1.svc`)
//! and WCF's JSON serializer by default reads a DateTime only in this form,
//! refusing ISO 8601 ("DateTime content ... does not start with '\/Date('").
//! The docs show no JSON date. Answers are read in either form; settle it
//! with `cargo xtask drift direct-payment` against the live swagger.json.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};

/// An instant, written on the wire as WCF's `/Date(ms)/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WcfDateTime(DateTime<Utc>);

/// A date that is neither `/Date(ms)/` (optionally with an offset, which
/// WCF adds for display only) nor RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a WCF date \"/Date(milliseconds)/\" or an RFC 3339 date-time")]
pub struct WcfDateTimeError;

impl WcfDateTime {
    /// The instant.
    pub fn instant(&self) -> DateTime<Utc> {
        self.0
    }
}

impl From<DateTime<Utc>> for WcfDateTime {
    fn from(instant: DateTime<Utc>) -> Self {
        Self(instant)
    }
}

impl From<WcfDateTime> for DateTime<Utc> {
    fn from(date: WcfDateTime) -> Self {
        date.0
    }
}

impl fmt::Display for WcfDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/Date({})/", self.0.timestamp_millis())
    }
}

impl FromStr for WcfDateTime {
    type Err = WcfDateTimeError;

    fn from_str(text: &str) -> Result<Self, WcfDateTimeError> {
        if let Some(inner) = text
            .strip_prefix("/Date(")
            .and_then(|rest| rest.strip_suffix(")/"))
        {
            // The offset ("+0100") after the milliseconds is for display only.
            let split = inner
                .char_indices()
                .skip(1)
                .find(|(_, c)| *c == '+' || *c == '-')
                .map_or(inner.len(), |(at, _)| at);
            let (millis, offset) = inner.split_at(split);
            let offset_ok = offset.is_empty()
                || (offset.len() == 5 && offset[1..].bytes().all(|b| b.is_ascii_digit()));
            let millis: i64 = millis.parse().map_err(|_| WcfDateTimeError)?;
            if !offset_ok {
                return Err(WcfDateTimeError);
            }
            return Utc
                .timestamp_millis_opt(millis)
                .single()
                .map(Self)
                .ok_or(WcfDateTimeError);
        }
        DateTime::parse_from_rfc3339(text)
            .map(|instant| Self(instant.with_timezone(&Utc)))
            .map_err(|_| WcfDateTimeError)
    }
}

impl serde::Serialize for WcfDateTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // "/Date(…)/": the same JSON string as WCF's escaped "\/Date(…)\/".
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for WcfDateTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for WcfDateTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WcfDateTime".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^/Date\(-?[0-9]+([+-][0-9]{4})?\)/$",
            "description": "WCF's JSON date: milliseconds since the Unix epoch.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_wcf_and_read_in_either_form() {
        let instant = Utc.with_ymd_and_hms(2027, 11, 21, 10, 0, 0).unwrap();
        let date = WcfDateTime::from(instant);
        assert_eq!(
            serde_json::to_string(&date).unwrap(),
            r#""/Date(1826791200000)/""#
        );
        for wire in [
            r#""\/Date(1826791200000)\/""#,
            r#""/Date(1826791200000+0100)/""#,
            r#""2027-11-21T11:00:00+01:00""#,
        ] {
            let read: WcfDateTime = serde_json::from_str(wire).unwrap();
            assert_eq!(read.instant(), instant, "{wire}");
        }
        let before_1970: WcfDateTime = "/Date(-1000)/".parse().unwrap();
        assert_eq!(before_1970.instant().timestamp(), -1);
        for bad in ["/Date()/", "/Date(12)", "/Date(1+01)/", "tomorrow"] {
            assert!(bad.parse::<WcfDateTime>().is_err(), "{bad}");
        }
    }
}
