//! The integer enums of Direct Payment as the WSDL's enums, both ways: the
//! SOAP client writes them, the sandbox's SOAP endpoint reads them. Each
//! pairing is written once, here.

use super::generated::soap::dpt;
use super::{Age, ConfirmationChannel, SecurityLevel};

/// Pairs of a domain enum and its SOAP type, converted both ways.
macro_rules! soap_enum {
    ($domain:ident <=> $soap:ty { $($variant:ident <=> $soap_variant:ident),+ $(,)? }) => {
        impl From<$domain> for $soap {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => <$soap>::$soap_variant,)+
                }
            }
        }

        impl From<$soap> for $domain {
            fn from(value: $soap) -> Self {
                match value {
                    $(<$soap>::$soap_variant => $domain::$variant,)+
                }
            }
        }
    };
}

soap_enum!(Age <=> dpt::AgeType { Sixteen <=> _16, Eighteen <=> _18 });
soap_enum!(SecurityLevel <=> dpt::SecurityLevelType {
    None <=> None,
    Confirmation <=> Confirmation,
    Pin <=> Pin,
});
soap_enum!(ConfirmationChannel <=> dpt::ConfirmationChannelType { Ussd <=> Ussd, Sms <=> Sms });
