//! A customer's number at Mediaconnect.

use std::fmt;
use std::str::FromStr;

use crate::runtime::InvalidValue;

/// A customer's number at Mediaconnect (e.g. `563457`), as the client-mode
/// invoice list takes it: the spec's `int64` with minimum 1, so 1 to
/// `i64::MAX`. An unsigned type would let a number past `i64::MAX` reach
/// the wire. Debug hides the number: it names a customer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "i64")]
pub struct CustomerNumber(i64);

impl CustomerNumber {
    /// The number, if it is one Mediaconnect can hold (1 to `i64::MAX`).
    pub fn new(number: u64) -> Result<Self, InvalidValue> {
        i64::try_from(number)
            .ok()
            .filter(|n| *n >= 1)
            .map(Self)
            .ok_or_else(|| invalid(number))
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

fn invalid(number: impl fmt::Display) -> InvalidValue {
    InvalidValue {
        name: "CustomerNumber (1 to 9223372036854775807)",
        value: number.to_string(),
    }
}

impl TryFrom<u64> for CustomerNumber {
    type Error = InvalidValue;
    fn try_from(number: u64) -> Result<Self, InvalidValue> {
        Self::new(number)
    }
}

impl TryFrom<i64> for CustomerNumber {
    type Error = InvalidValue;
    fn try_from(number: i64) -> Result<Self, InvalidValue> {
        u64::try_from(number)
            .map_err(|_| invalid(number))
            .and_then(Self::new)
    }
}

impl From<CustomerNumber> for i64 {
    fn from(number: CustomerNumber) -> i64 {
        number.0
    }
}

impl<'de> serde::Deserialize<'de> for CustomerNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = i64::deserialize(deserializer)?;
        Self::try_from(number).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for CustomerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for CustomerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomerNumber([redacted])")
    }
}

impl FromStr for CustomerNumber {
    type Err = InvalidValue;
    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        // Digits only: no sign, no blanks, as the path carries it.
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(text));
        }
        text.parse::<u64>()
            .map_err(|_| invalid(text))
            .and_then(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_an_int64_with_minimum_1_holds() {
        assert_eq!(CustomerNumber::new(563457).unwrap().get(), 563457);
        assert_eq!(
            CustomerNumber::new(i64::MAX as u64).unwrap().get(),
            i64::MAX
        );
        assert!(CustomerNumber::new(i64::MAX as u64 + 1).is_err());
        assert!(CustomerNumber::new(0).is_err());
        assert!(CustomerNumber::try_from(-5i64).is_err());
        assert!("".parse::<CustomerNumber>().is_err());
        assert!("+5".parse::<CustomerNumber>().is_err());
        assert!("9223372036854775808".parse::<CustomerNumber>().is_err());
        assert_eq!(
            "563457".parse::<CustomerNumber>().unwrap().to_string(),
            "563457"
        );
        assert!(serde_json::from_str::<CustomerNumber>("0").is_err());
        assert_eq!(
            format!("{:?}", CustomerNumber::new(563457).unwrap()),
            "CustomerNumber([redacted])"
        );
    }
}
