//! `Money`: an amount in one currency as integer minor units, written once
//! for every API: CONNECT's "CUR AMOUNT" strings, Puzzel Pay's settlement
//! reports, the sandbox's ledgers.

use std::fmt;
use std::str::FromStr;

use iso_currency::Currency;

/// An amount of money in one currency, held as integer minor units (øre,
/// cents); never a float.
///
/// On the wire it is the "CUR AMOUNT" string of the API: an ISO 4217 code, a
/// space and a decimal amount. `"NOK 100"` and `"NOK 100.00"` are the same
/// amount (equal, with one hash), but each is written back as it was
/// written, as CONNECT echoes an amount (`"MMK 1500"` stays `"MMK 1500"`);
/// an amount made from minor units has as many decimals as the currency has.
///
/// ```
/// use nordpay::money::Money;
///
/// let price: Money = "USD 18.14".parse().unwrap();
/// assert_eq!(price.minor_units(), 1814);
/// assert_eq!(price.currency_code(), "USD");
/// assert_eq!(Money::new("NOK", 10_000).unwrap().to_string(), "NOK 100.00");
/// let sent: Money = "MMK 1500".parse().unwrap();
/// assert_eq!(sent.to_string(), "MMK 1500");
/// assert_eq!(sent, Money::new("MMK", 150_000).unwrap());
/// assert!("NOK 1.234".parse::<Money>().is_err());
/// ```
#[derive(Clone, Copy)]
pub struct Money {
    currency: Currency,
    minor_units: u64,
    /// Decimals to write: as parsed, else the currency's.
    decimals: u8,
}

// The same amount however it was written.
impl PartialEq for Money {
    fn eq(&self, other: &Self) -> bool {
        (self.currency, self.minor_units) == (other.currency, other.minor_units)
    }
}

impl Eq for Money {}

impl std::hash::Hash for Money {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.currency, self.minor_units).hash(state);
    }
}

/// Why a "CUR AMOUNT" string or a currency code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Not "CUR AMOUNT" (a code, one space, a decimal number).
    #[error("expected \"CUR AMOUNT\" such as \"NOK 100.00\", got {0:?}")]
    Format(String),
    /// Not an ISO 4217 currency code.
    #[error("{0:?} is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    /// More decimals than the currency has minor units.
    #[error("{currency} has {exponent} decimal(s); {amount:?} has more")]
    TooPrecise {
        /// The currency code.
        currency: String,
        /// The currency's number of minor-unit digits.
        exponent: u32,
        /// The amount as given.
        amount: String,
    },
    /// The amount does not fit in 64 bits of minor units.
    #[error("amount {0:?} is too large")]
    Overflow(String),
}

fn exponent(currency: Currency) -> u32 {
    // Currencies without minor units (gold, SDR) have no exponent: whole units.
    currency.exponent().map_or(0, u32::from)
}

impl Money {
    /// `minor_units` of the currency with ISO 4217 code `code` (`"NOK"`, 10000 → NOK 100.00).
    pub fn new(code: &str, minor_units: u64) -> Result<Self, MoneyError> {
        let currency = Currency::from_code(code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))?;
        Ok(Self::from_currency(currency, minor_units))
    }

    /// `minor_units` of `currency`.
    pub fn from_currency(currency: Currency, minor_units: u64) -> Self {
        Self {
            currency,
            minor_units,
            decimals: u8::try_from(exponent(currency)).unwrap_or(u8::MAX),
        }
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The ISO 4217 code of the currency, e.g. `"NOK"`.
    pub fn currency_code(&self) -> &'static str {
        self.currency.code()
    }

    /// The amount in minor units (øre for NOK, cents for USD).
    pub fn minor_units(&self) -> u64 {
        self.minor_units
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let format = || MoneyError::Format(text.to_string());
        let (code, amount) = text.split_once(' ').ok_or_else(format)?;
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format());
        }
        let currency = Currency::from_code(code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))?;
        let (whole, fraction) = match amount.split_once('.') {
            Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
            Some(_) => return Err(format()),
            None => (amount, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
            return Err(format());
        }
        let exponent = exponent(currency);
        let written = fraction.len().min(exponent as usize);
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > exponent as usize {
            return Err(MoneyError::TooPrecise {
                currency: code.to_string(),
                exponent,
                amount: amount.to_string(),
            });
        }
        let overflow = || MoneyError::Overflow(text.to_string());
        let scale = 10u64.pow(exponent);
        let whole: u64 = whole.parse().map_err(|_| overflow())?;
        let padded = format!("{fraction:0<width$}", width = exponent as usize);
        let fraction: u64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| overflow())?
        };
        let minor_units = whole
            .checked_mul(scale)
            .and_then(|units| units.checked_add(fraction))
            .ok_or_else(overflow)?;
        Ok(Self {
            decimals: u8::try_from(written).unwrap_or(u8::MAX),
            ..Self::from_currency(currency, minor_units)
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = exponent(self.currency);
        let code = self.currency.code();
        if exponent == 0 {
            return write!(f, "{code} {}", self.minor_units);
        }
        let scale = 10u64.pow(exponent);
        let (whole, fraction) = (self.minor_units / scale, self.minor_units % scale);
        // Fewer decimals only as parsed, where the dropped digits are zeros.
        let decimals = u32::from(self.decimals).min(exponent);
        let decimals = match fraction % 10u64.pow(exponent - decimals) {
            0 => decimals,
            _ => exponent,
        };
        if decimals == 0 {
            return write!(f, "{code} {whole}");
        }
        write!(
            f,
            "{code} {whole}.{:0width$}",
            fraction / 10u64.pow(exponent - decimals),
            width = decimals as usize
        )
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl TryFrom<&str> for Money {
    type Error = MoneyError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^[A-Z]{3} [0-9]+(\.[0-9]+)?$",
            "description": "\"CUR AMOUNT\": an ISO 4217 code, a space and a decimal amount.",
            "examples": ["USD 18.14", "NOK 100.00"],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Result<Money, MoneyError> {
        text.parse()
    }

    #[test]
    fn documented_examples_parse_to_minor_units() {
        assert_eq!(money("USD 18.14").unwrap().minor_units(), 1814);
        assert_eq!(money("NOK 100").unwrap().minor_units(), 10_000);
        assert_eq!(money("NOK 1.00").unwrap().minor_units(), 100);
        assert_eq!(money("MMK 1500").unwrap().minor_units(), 150_000);
        assert_eq!(money("USD 99.98").unwrap().minor_units(), 9998);
        assert_eq!(money("NOK 1.5").unwrap().minor_units(), 150);
    }

    #[test]
    fn currency_exponents_are_respected() {
        assert_eq!(money("JPY 500").unwrap().minor_units(), 500);
        assert_eq!(money("JPY 500").unwrap().to_string(), "JPY 500");
        assert_eq!(money("KWD 1.234").unwrap().minor_units(), 1234);
        assert_eq!(money("KWD 1.234").unwrap().to_string(), "KWD 1.234");
        assert!(matches!(
            money("JPY 5.5"),
            Err(MoneyError::TooPrecise { .. })
        ));
    }

    /// CONNECT echoes an amount as sent: the docs' "MMK 1500" comes back
    /// "MMK 1500", not "MMK 1500.00".
    #[test]
    fn amounts_are_written_as_written_and_equal_however_written() {
        for (input, output) in [
            ("NOK 100", "NOK 100"),
            ("MMK 1500", "MMK 1500"),
            ("NOK 1.5", "NOK 1.5"),
            ("USD 0.05", "USD 0.05"),
            ("USD 18.140", "USD 18.14"),
            ("NOK 100.00", "NOK 100.00"),
        ] {
            let parsed = money(input).unwrap();
            assert_eq!(parsed.to_string(), output);
            assert_eq!(money(output).unwrap(), parsed);
        }
        let (short, long) = (money("NOK 100").unwrap(), money("NOK 100.00").unwrap());
        assert_eq!(short, long);
        use std::hash::BuildHasher;
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(short), state.hash_one(long));
        assert_eq!(Money::new("NOK", 10_000).unwrap().to_string(), "NOK 100.00");
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            "",
            "NOK",
            "NOK ",
            "100 NOK",
            "nok 100",
            "NOK  100",
            "NOK -1",
            "NOK 1.",
            "NOK .5",
            "NOK 1,50",
            "NOK 1e3",
            "NOK 1.2.3",
            "NOKK 100",
            "NOK 100 ",
        ] {
            assert!(
                matches!(money(bad), Err(MoneyError::Format(_))),
                "{bad:?} gave {:?}",
                money(bad)
            );
        }
        assert_eq!(
            money("XYZ 1"),
            Err(MoneyError::UnknownCurrency("XYZ".into()))
        );
        assert!(matches!(
            money("USD 1.001"),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            money("USD 999999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
        assert!(matches!(
            money("USD 184467440737095516.16"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn serde_uses_the_wire_string() {
        let amount: Money = serde_json::from_str("\"USD 49.99\"").unwrap();
        assert_eq!(serde_json::to_string(&amount).unwrap(), "\"USD 49.99\"");
        assert!(serde_json::from_str::<Money>("49.99").is_err());
        assert!(serde_json::from_str::<Money>("\"49.99 USD\"").is_err());
    }
}
