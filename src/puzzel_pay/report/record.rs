//! A transaction of a CSV report, and the payment provider it names.

use chrono::NaiveDateTime;

use crate::money::Money;

/// One successful transaction of a report.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportRecord {
    /// The batch's reference.
    pub batch_reference: String,
    /// The recipient's reference.
    pub client_reference: String,
    /// The recipient's MSISDN.
    pub msisdn: String,
    /// The amount and its currency, as in the batch request.
    pub amount: Money,
    /// The payment provider the user chose.
    pub payment_provider: ReportedProvider,
    /// When the payment was made. x-nordpay-inferred: the doc gives no time
    /// zone (`29.05.2017 10:20:20`); Norwegian local time is the likely one,
    /// so it is kept as written.
    pub timestamp: NaiveDateTime,
    /// The payment provider's reference.
    pub external_reference: String,
    /// The recipient's variables, in the order of the line.
    pub variables: Vec<(String, String)>,
}

impl ReportRecord {
    /// A record of a successful transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch_reference: impl Into<String>,
        client_reference: impl Into<String>,
        msisdn: impl Into<String>,
        amount: Money,
        payment_provider: ReportedProvider,
        timestamp: NaiveDateTime,
        external_reference: impl Into<String>,
    ) -> Self {
        Self {
            batch_reference: batch_reference.into(),
            client_reference: client_reference.into(),
            msisdn: msisdn.into(),
            amount,
            payment_provider,
            timestamp,
            external_reference: external_reference.into(),
            variables: Vec::new(),
        }
    }

    /// The same record with `variables`, in order.
    pub fn with_variables(mut self, variables: Vec<(String, String)>) -> Self {
        self.variables = variables;
        self
    }
}

impl std::fmt::Debug for ReportRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // References and MSISDNs are personal data: never shown.
        f.debug_struct("ReportRecord")
            .field("amount", &self.amount)
            .field("payment_provider", &self.payment_provider)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// The payment provider a report names. Open: a name the doc does not list
/// is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportedProvider {
    /// `Direct Pay`: Strex mobile billing.
    DirectPay,
    /// `PCGW`: card payment.
    Pcgw,
    /// `Mobile Banking`.
    MobileBanking,
    /// `SMS`.
    Sms,
    /// `Apple Pay`.
    ApplePay,
    /// `PayPal`.
    PayPal,
    /// A name the doc does not list.
    Other(String),
}

impl ReportedProvider {
    /// The name as the report writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ReportedProvider::DirectPay => "Direct Pay",
            ReportedProvider::Pcgw => "PCGW",
            ReportedProvider::MobileBanking => "Mobile Banking",
            ReportedProvider::Sms => "SMS",
            ReportedProvider::ApplePay => "Apple Pay",
            ReportedProvider::PayPal => "PayPal",
            ReportedProvider::Other(name) => name,
        }
    }

    /// The provider `name` names.
    pub fn from_name(name: &str) -> Self {
        match name {
            "Direct Pay" => ReportedProvider::DirectPay,
            "PCGW" => ReportedProvider::Pcgw,
            "Mobile Banking" => ReportedProvider::MobileBanking,
            "SMS" => ReportedProvider::Sms,
            "Apple Pay" => ReportedProvider::ApplePay,
            "PayPal" => ReportedProvider::PayPal,
            other => ReportedProvider::Other(other.to_string()),
        }
    }
}

/// The name a report gives the provider the API names: the API's numbers
/// for Adyen, Dibs and Vipps (before December 2017) and any it does not
/// list are kept under their API names (x-nordpay-inferred: the report's
/// current values are Direct Pay, PCGW, Mobile Banking, SMS, Apple Pay and
/// PayPal).
impl From<crate::puzzel_pay::PaymentProvider> for ReportedProvider {
    fn from(provider: crate::puzzel_pay::PaymentProvider) -> Self {
        use crate::puzzel_pay::PaymentProvider as Api;
        match provider {
            Api::DirectPayment => ReportedProvider::DirectPay,
            Api::PaymentCard => ReportedProvider::Pcgw,
            Api::MobileBanking => ReportedProvider::MobileBanking,
            Api::Sms => ReportedProvider::Sms,
            Api::ApplePay => ReportedProvider::ApplePay,
            Api::PayPal => ReportedProvider::PayPal,
            Api::Unknown(number) => ReportedProvider::Other(format!("provider {number}")),
            other => ReportedProvider::Other(format!("{other:?}")),
        }
    }
}
