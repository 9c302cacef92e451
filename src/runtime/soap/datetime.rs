//! `xs:dateTime` as a real timestamp.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat};

use super::SoapError;
use super::codec::{XmlText, invalid};

/// An `xs:dateTime` with its UTC offset (RFC 3339 on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct XsDateTime(pub DateTime<FixedOffset>);

impl fmt::Display for XsDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl FromStr for XsDateTime {
    type Err = chrono::ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(text).map(Self)
    }
}

impl<Tz: chrono::TimeZone> From<DateTime<Tz>> for XsDateTime {
    fn from(value: DateTime<Tz>) -> Self {
        Self(value.fixed_offset())
    }
}

impl XmlText for XsDateTime {
    fn to_xml_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }

    fn from_xml_text(text: &str) -> Result<Self, SoapError> {
        text.trim().parse().map_err(|e| invalid("xs:dateTime", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let text = "2027-11-21T10:00:00Z";
        let parsed: XsDateTime = text.parse().unwrap();
        assert_eq!(parsed.to_string(), text);
        let offset: XsDateTime = "2027-11-21T11:00:00+01:00".parse().unwrap();
        assert_eq!(offset.0, parsed.0);
        assert!("21.11.2027".parse::<XsDateTime>().is_err());
    }
}
