//! Strex service codes and business models, with their documented price ranges.
//!
//! From the Direct Payment docs (service-codes.md, business-models.md).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use crate::runtime::InvalidValue;

/// (code, description, minimum price, maximum price) in øre, as documented.
const SERVICE_CODES: &[(&str, &str, u32, u32)] = &[
    (
        "01001",
        "Mobile Internet and media (not overcharged)",
        100,
        20000,
    ),
    ("02001", "SMS", 100, 20000),
    ("02002", "MMS", 100, 20000),
    ("02003", "Instant messaging", 100, 20000),
    ("02004", "e-mail", 100, 20000),
    ("03001", "Ringtone", 100, 20000),
    ("03002", "Music", 100, 20000),
    ("03003", "Game", 100, 20000),
    ("03004", "Picture", 100, 20000),
    (
        "03006",
        "Audio streaming subscription-free data traffic",
        100,
        20000,
    ),
    ("03007", "Video", 100, 20000),
    (
        "03009",
        "Video streaming subscription-free data traffic",
        100,
        20000,
    ),
    ("03010", "Chat", 100, 20000),
    ("03011", "Community", 100, 20000),
    ("03012", "Competiton", 100, 20000),
    ("04001", "Directory services", 100, 20000),
    ("04002", "Tv/radio interaction", 100, 20000),
    ("04003", "1881 spesialpris", 100, 20000),
    ("05001", "Theatre ticket", 100, 50000),
    ("05002", "Cinema ticket", 100, 50000),
    ("05003", "Concert ticket", 100, 50000),
    ("05004", "Book", 100, 50000),
    ("05005", "Audio book CD", 100, 50000),
    ("05006", "Film dvd", 100, 50000),
    ("05007", "Music CD", 100, 50000),
    ("05008", "Newspaper", 100, 50000),
    ("05009", "Magazine", 100, 50000),
    ("05010", "Event ticket", 100, 50000),
    ("06001", "Train", 100, 50000),
    ("06002", "Bus", 100, 50000),
    ("06003", "Metro/tram", 100, 50000),
    ("06004", "Taxi", 100, 50000),
    ("06005", "Parking", 100, 50000),
    ("06006", "Ferry", 100, 50000),
    ("06007", "Public road charges", 100, 50000),
    (
        "06008",
        "Car operation and maintenance services",
        100,
        50000,
    ),
    ("06009", "Airplane ticket", 100, 50000),
    ("07001", "Medical treatment", 100, 50000),
    ("07002", "Medicines", 100, 50000),
    ("07003", "Public fees - medical treatment", 100, 50000),
    ("08001", "Advertising", 100, 50000),
    ("08002", "Classified ads over 200 NOK", 20100, 50000),
    ("09001", "Gift certificate", 100, 50000),
    ("09002", "Insurance", 100, 50000),
    ("10001", "Food and drink", 100, 50000),
    ("10002", "Food and drink - Physical goods", 100, 50000),
    ("11001", "Food and drink - restaurants", 100, 50000),
    ("12001", "Lodging", 100, 50000),
    (
        "13001",
        "Public fishing licence - \"Fiskeravgift\"",
        100,
        50000,
    ),
    ("13002", "Private fishing licence", 100, 50000),
    ("13003", "Access fee sports", 100, 50000),
    ("13004", "Consulting/Coaching", 100, 50000),
    ("13005", "Access fee television services", 100, 50000),
    ("13006", "Manual services", 100, 50000),
    ("13007", "No show manual services", 100, 50000),
    ("14001", "Membership Fee", 100, 50000),
    ("14002", "Givertjeneste for beløp 1,- til 27,-", 100, 50000),
    ("14003", "Donation - Donation", 100, 50000),
    ("15001", "Physical goods - non food", 100, 50000),
    (
        "15002",
        "Physical goods - non food - Physical goods",
        100,
        50000,
    ),
    ("16001", "Internet TV", 100, 50000),
    ("16002", "Internet film", 100, 50000),
    ("16003", "e-book", 100, 50000),
    ("16004", "e-magazine", 100, 50000),
    ("16005", "e-newspaper", 100, 50000),
    ("16006", "Internet music", 100, 50000),
    ("16007", "Digital education services", 100, 50000),
    ("16008", "Automatic number directory services", 100, 50000),
];

/// A Strex service code: the category of what is paid for. It sets the
/// payout and the allowed price range.
///
/// ```
/// use nordpay::direct_payment::ServiceCode;
///
/// let parking: ServiceCode = "06005".parse().unwrap();
/// assert_eq!(parking.price_range(), 100..=50_000);
/// assert!("99999".parse::<ServiceCode>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceCode(&'static (&'static str, &'static str, u32, u32));

impl ServiceCode {
    /// The five-digit code, e.g. `"06005"`.
    pub fn code(&self) -> &'static str {
        self.0.0
    }

    /// What the code is for, e.g. "Parking".
    pub fn description(&self) -> &'static str {
        self.0.1
    }

    /// The allowed price in øre.
    pub fn price_range(&self) -> RangeInclusive<u32> {
        self.0.2..=self.0.3
    }

    /// Every documented service code.
    pub fn all() -> impl Iterator<Item = ServiceCode> {
        SERVICE_CODES.iter().map(ServiceCode)
    }
}

impl FromStr for ServiceCode {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        SERVICE_CODES
            .iter()
            .find(|entry| entry.0 == text)
            .map(ServiceCode)
            .ok_or_else(|| InvalidValue {
                name: "ServiceCode",
                value: text.to_string(),
            })
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceCode({} {})", self.code(), self.description())
    }
}

/// A Strex business model; it sets the allowed price range too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BusinessModel {
    /// STREX-PAYMENT
    StrexPayment,
    /// TRANSPORT
    Transport,
    /// DONATION
    Donation,
    /// MEDIA
    Media,
    /// INFORMATIONSERVICES
    InformationServices,
    /// AUTOMATICNUMBERDIRECTORYSERVICE
    AutomaticNumberDirectoryService,
    /// MOBILECONTENTSERVICES
    MobileContentServices,
    /// MOBILECONTENTSERVICES18+
    MobileContentServices18Plus,
    /// ALERTSERVICES
    AlertServices,
    /// VOTING
    Voting,
}

impl BusinessModel {
    const ALL: [BusinessModel; 10] = [
        Self::StrexPayment,
        Self::Transport,
        Self::Donation,
        Self::Media,
        Self::InformationServices,
        Self::AutomaticNumberDirectoryService,
        Self::MobileContentServices,
        Self::MobileContentServices18Plus,
        Self::AlertServices,
        Self::Voting,
    ];

    /// Every business model, in the documented order.
    pub fn all() -> impl Iterator<Item = BusinessModel> {
        Self::ALL.into_iter()
    }

    /// The value on the wire, e.g. `"STREX-PAYMENT"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::StrexPayment => "STREX-PAYMENT",
            Self::Transport => "TRANSPORT",
            Self::Donation => "DONATION",
            Self::Media => "MEDIA",
            Self::InformationServices => "INFORMATIONSERVICES",
            Self::AutomaticNumberDirectoryService => "AUTOMATICNUMBERDIRECTORYSERVICE",
            Self::MobileContentServices => "MOBILECONTENTSERVICES",
            Self::MobileContentServices18Plus => "MOBILECONTENTSERVICES18+",
            Self::AlertServices => "ALERTSERVICES",
            Self::Voting => "VOTING",
        }
    }

    /// The allowed price in øre.
    pub fn price_range(&self) -> RangeInclusive<u32> {
        match self {
            Self::StrexPayment | Self::Transport | Self::Donation | Self::Media => 100..=100_000,
            _ => 100..=50_000,
        }
    }
}

impl FromStr for BusinessModel {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|model| model.as_str() == text)
            .ok_or_else(|| InvalidValue {
                name: "BusinessModel",
                value: text.to_string(),
            })
    }
}

impl fmt::Display for BusinessModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! string_serde {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidValue;

            fn try_from(text: &str) -> Result<Self, InvalidValue> {
                text.parse()
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string" })
            }
        }
    };
}

string_serde!(ServiceCode);
string_serde!(BusinessModel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_table_is_complete() {
        assert_eq!(ServiceCode::all().count(), 68);
        let first = ServiceCode::all().next().unwrap();
        assert_eq!((first.code(), first.price_range()), ("01001", 100..=20_000));
        let ads: ServiceCode = "08002".parse().unwrap();
        assert_eq!(ads.price_range(), 20_100..=50_000);
        let last = ServiceCode::all().last().unwrap();
        assert_eq!((last.code(), last.price_range()), ("16008", 100..=50_000));
        for code in ServiceCode::all() {
            let group: u32 = code.code()[..2].parse().unwrap();
            let max = if group <= 4 { 20_000 } else { 50_000 };
            assert_eq!(*code.price_range().end(), max, "{code:?}");
        }
    }

    #[test]
    fn business_models_round_trip_and_have_ranges() {
        for model in BusinessModel::ALL {
            assert_eq!(model.as_str().parse::<BusinessModel>(), Ok(model));
        }
        assert_eq!(BusinessModel::Donation.price_range(), 100..=100_000);
        assert_eq!(BusinessModel::Voting.price_range(), 100..=50_000);
        assert!("strex-payment".parse::<BusinessModel>().is_err());
        assert_eq!(
            serde_json::to_string(&BusinessModel::MobileContentServices18Plus).unwrap(),
            "\"MOBILECONTENTSERVICES18+\""
        );
    }
}
