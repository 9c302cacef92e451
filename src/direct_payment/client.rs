//! One Direct Payment client over SOAP or REST, chosen in configuration.

use crate::runtime::checks;
use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::generated::rest::{self as rest_api, types};
use super::generated::soap as soap_api;
use super::soap_transport::SoapTransport;
use super::{Error, ServiceCode};
use crate::runtime::soap::Limits;
use crate::runtime::{self, Context, Resolution, finish};

/// Which interface of Direct Payment to use. Both offer the same payment
/// and verification operations; PreAuthorize and user info are REST only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// SOAP 1.1 at `…/soapV1.svc`.
    Soap,
    /// JSON at `…/restV1.svc`.
    Rest,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Soap => "SOAP",
            Transport::Rest => "REST",
        })
    }
}

/// Where Direct Payment lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://directpayment.puzzel.com` (addresses from the specs).
    Production,
    /// Another host serving `restV1.svc` and `soapV1.svc` below this URL,
    /// such as the staging host of your account or nordpay's sandbox.
    Custom(Url),
}

impl Environment {
    /// Where the REST API's spec paths start (`…/restV1.svc`).
    pub fn rest_url(&self) -> String {
        match self {
            Environment::Production => rest_api::servers::PRODUCTION.to_string(),
            Environment::Custom(base) => join(base, "restV1.svc"),
        }
    }

    /// The SOAP endpoint (`…/soapV1.svc`).
    pub fn soap_url(&self) -> String {
        match self {
            Environment::Production => soap_api::operations::ADDRESS.to_string(),
            Environment::Custom(base) => join(base, "soapV1.svc"),
        }
    }
}

fn join(base: &Url, path: &str) -> String {
    format!("{}/{path}", base.as_str().trim_end_matches('/'))
}

/// The credentials from the Puzzel service desk. Never shown by `Debug`.
#[derive(Clone)]
pub struct Credentials {
    service_id: i32,
    username: String,
    password: SecretString,
}

impl Credentials {
    /// A service's ID, user name and password.
    pub fn new(service_id: i32, username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            service_id,
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// The service ID.
    pub fn service_id(&self) -> i32 {
        self.service_id
    }

    /// A service ID is positive; a user name has no colon (Basic
    /// authentication splits at the first); neither part is empty.
    fn check(&self) -> Result<(), String> {
        if self.service_id <= 0 {
            return Err("the service ID is not a positive number".into());
        }
        checks::credential("user name", &self.username)?;
        if self.username.contains(':') {
            return Err(
                "the user name holds a colon, which Basic authentication cannot carry".into(),
            );
        }
        checks::credential("password", self.password.expose_secret())
    }

    pub(super) fn username(&self) -> &str {
        &self.username
    }

    pub(super) fn password(&self) -> &str {
        self.password.expose_secret()
    }

    fn basic_authorization(&self) -> Result<runtime::Credentials, Error> {
        let text = runtime::auth::basic(&self.username, self.password.expose_secret());
        runtime::Credentials::header(&text).ok_or_else(|| {
            Error::InvalidRequest("credentials hold characters not allowed in a header".into())
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("service_id", &self.service_id)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// What a Direct Payment client is made for: environment, transport,
/// credentials and the SOAP limits.
#[derive(Debug)]
pub struct Setup {
    environment: Environment,
    transport: Transport,
    credentials: Credentials,
    limits: Limits,
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub type ClientBuilder = runtime::ClientBuilder<Setup>;

impl ClientBuilder {
    /// Bounds on responses (size; for SOAP also depth and attributes).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.setup.limits = limits;
        // One size limit for both transports.
        self.max_response_bytes(limits.max_bytes)
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        if let Environment::Custom(url) = &self.setup.environment {
            checks::base_url("Direct Payment", url).map_err(Error::InvalidRequest)?;
        }
        let environment = &self.setup.environment;
        checks::tls("Direct Payment", &environment.rest_url())
            .and_then(|()| checks::tls("Direct Payment", &environment.soap_url()))
            .map_err(Error::InvalidRequest)?;
        self.setup
            .credentials
            .check()
            .map_err(Error::InvalidRequest)?;
        let runtime = match self.setup.transport {
            Transport::Rest => self.runtime_for(rest_api::operations::ALL),
            Transport::Soap => {
                self.runtime_for(soap_api::operations::ALL.iter().map(|soap| &soap.runtime))
            }
        }?;
        let resolution = *runtime.resolution();
        let Setup {
            environment,
            transport,
            credentials,
            limits,
        } = self.setup;
        let inner = match transport {
            Transport::Rest => Inner::Rest(rest_api::Client::new_with_client(
                &environment.rest_url(),
                runtime.http().clone(),
                Context::new(
                    runtime,
                    credentials.basic_authorization()?,
                    &environment.rest_url(),
                ),
            )),
            Transport::Soap => Inner::Soap(SoapTransport::new(
                runtime,
                &environment.soap_url(),
                credentials.clone(),
                limits,
            )?),
        };
        Ok(Client {
            inner,
            service_id: credentials.service_id,
            resolution,
        })
    }
}

#[derive(Debug)]
enum Inner {
    Rest(rest_api::Client),
    Soap(SoapTransport),
}

/// A Direct Payment client. The same methods work over both transports; the
/// REST-only ones answer [`Error::Unsupported`] over SOAP.
///
/// Requests are checked before they are sent: the price must be in the range
/// of the service code (and of the business model, if given), and version 2
/// fields need a security level.
#[derive(Debug)]
pub struct Client {
    inner: Inner,
    service_id: i32,
    pub(crate) resolution: Resolution,
}

impl Client {
    /// A client of `environment` over `transport`, authenticating with `credentials`.
    pub fn builder(
        environment: Environment,
        transport: Transport,
        credentials: Credentials,
    ) -> ClientBuilder {
        ClientBuilder::new(Setup {
            environment,
            transport,
            credentials,
            limits: Limits::default(),
        })
        .max_response_bytes(Limits::default().max_bytes)
    }

    /// The same client (connections, retry budget) with `deadline` for every
    /// call made through it: `client.with_deadline(d).pay(…)`. A deadline
    /// shorter than Pay's confirmation window (60 s, `SecurityLevel` 2)
    /// gives up on an answer that may still come: the payment's outcome is
    /// then unknown, and `pay_resolved` waits out the window before it
    /// trusts a `NotPaid` (see [`runtime::ClientBuilder::deadline`]).
    pub fn with_deadline(&self, deadline: Duration) -> Client {
        self.with_overrides(runtime::Overrides::new().deadline(deadline))
    }

    /// The same client (connections, retry budget) with `overrides` (a
    /// deadline, an attempt timeout, a retry policy) for every call made
    /// through it, on either transport. See [`runtime::Overrides`].
    pub fn with_overrides(&self, overrides: runtime::Overrides) -> Client {
        let inner = match &self.inner {
            Inner::Rest(client) => Inner::Rest(client.with_overrides(overrides)),
            Inner::Soap(soap) => Inner::Soap(soap.with_overrides(&overrides)),
        };
        Client {
            inner,
            service_id: self.service_id,
            resolution: self.resolution,
        }
    }

    /// The transport this client uses.
    pub fn transport(&self) -> Transport {
        match self.inner {
            Inner::Rest(_) => Transport::Rest,
            Inner::Soap(_) => Transport::Soap,
        }
    }

    /// The runtime and the spec's row of `operation` (REST name, as
    /// `pay`) on this client's transport.
    pub(crate) fn runtime_of(
        &self,
        rest: &'static runtime::Operation,
        soap: &'static crate::runtime::soap::SoapOperation,
    ) -> (&runtime::Runtime, &'static runtime::Operation) {
        match &self.inner {
            Inner::Rest(client) => (&client.inner.runtime, rest),
            Inner::Soap(transport) => (transport.runtime(), &soap.runtime),
        }
    }

    fn rest(&self, what: &str) -> Result<&rest_api::Client, Error> {
        match &self.inner {
            Inner::Rest(client) => Ok(client),
            Inner::Soap(_) => Err(Error::Unsupported {
                what: what.to_string(),
                transport: Transport::Soap,
            }),
        }
    }

    /// Charge a mobile subscription now. The answer is synchronous.
    pub async fn pay<D>(&self, details: D) -> Result<types::PaymentResponse, Error>
    where
        D: TryInto<types::PaymentDetails>,
        D::Error: fmt::Display,
    {
        let details: types::PaymentDetails = checked(details)?;
        super::payment_rules::check_payment(&details).map_err(Error::InvalidRequest)?;
        match &self.inner {
            Inner::Rest(client) => {
                let body = types::PaymentRequest {
                    payment_details: details,
                };
                finish(client.pay().service_id(self.service_id).body(body).send()).await
            }
            Inner::Soap(soap) => soap.pay(details).await,
        }
    }

    /// Reverse (credit back) a whole payment by its transaction ID.
    pub async fn reverse_payment(
        &self,
        transaction_id: i64,
    ) -> Result<types::ReversePaymentResponse, Error> {
        match &self.inner {
            Inner::Rest(client) => {
                finish(
                    client
                        .reverse_payment()
                        .service_id(self.service_id)
                        .payment(types::TransactionId(transaction_id))
                        .send(),
                )
                .await
            }
            Inner::Soap(soap) => soap.reverse_payment(transaction_id).await,
        }
    }

    /// The status of a payment, by the client reference it was made with.
    pub async fn payment_status<R>(
        &self,
        client_reference: R,
    ) -> Result<types::PaymentStatusResponse, Error>
    where
        R: TryInto<types::ClientReference>,
        R::Error: fmt::Display,
    {
        let client_reference = client_reference_of(client_reference)?;
        match &self.inner {
            Inner::Rest(client) => {
                finish(
                    client
                        .get_payment_status()
                        .service_id(self.service_id)
                        .payment(client_reference)
                        .send(),
                )
                .await
            }
            Inner::Soap(soap) => soap.payment_status(client_reference).await,
        }
    }

    /// Send a verification PIN by SMS.
    pub async fn send_verification_code<B>(&self, request: B) -> Result<(), Error>
    where
        B: TryInto<types::SendVerificationCodeRequest>,
        B::Error: fmt::Display,
    {
        let request = checked(request)?;
        match &self.inner {
            Inner::Rest(client) => {
                finish(
                    client
                        .send_verification_code()
                        .service_id(self.service_id)
                        .body(request)
                        .send(),
                )
                .await
            }
            Inner::Soap(soap) => soap.send_verification_code(request).await,
        }
    }

    /// Check the PIN the end user entered.
    pub async fn verify_verification_code<B>(&self, request: B) -> Result<(), Error>
    where
        B: TryInto<types::VerifyVerificationCodeRequest>,
        B::Error: fmt::Display,
    {
        let request = checked(request)?;
        match &self.inner {
            Inner::Rest(client) => {
                finish(
                    client
                        .verify_verification_code()
                        .service_id(self.service_id)
                        .body(request)
                        .send(),
                )
                .await
            }
            Inner::Soap(soap) => soap.verify_verification_code(request).await,
        }
    }

    /// Get a Strex token for later payments without confirmation. REST only.
    pub async fn pre_authorize<B>(
        &self,
        platform: types::PlatformName,
        request: B,
    ) -> Result<types::PreAuthorizeResponse, Error>
    where
        B: TryInto<types::PreAuthorizeRequest>,
        B::Error: fmt::Display,
    {
        let client = self.rest("PreAuthorize")?;
        let request = checked(request)?;
        finish(
            client
                .pre_authorize()
                .service_id(self.service_id)
                .platform(platform)
                .body(request)
                .send(),
        )
        .await
    }

    /// The subscriber's registration on Strex (user info v1). REST only.
    pub async fn user_info(&self, msisdn: &str) -> Result<types::UserInfo, Error> {
        let client = self.rest("user info")?;
        let msisdn = parse_msisdn(msisdn)?;
        finish(
            client
                .get_user_info()
                .service_id(self.service_id)
                .msisdn(msisdn)
                .send(),
        )
        .await
    }

    /// An indicative check that the subscriber can be charged `amount` øre
    /// with `service_code` (user info v2), and is at least `age` years old if
    /// given: `Ok(())` if it passes. REST only.
    pub async fn user_info_v2(
        &self,
        msisdn: &str,
        amount: i32,
        service_code: ServiceCode,
        age: Option<u8>,
    ) -> Result<(), Error> {
        let client = self.rest("user info v2")?;
        let msisdn = parse_msisdn(msisdn)?;
        super::payment_rules::check_amount("amount", amount, &service_code)
            .map_err(Error::InvalidRequest)?;
        let mut call = client
            .get_user_info_v2()
            .service_id(self.service_id)
            .msisdn(msisdn)
            .amount(amount)
            .service_code(service_code);
        if let Some(age) = age {
            call = call.age(types::SubscriberAge(age));
        }
        finish(call.send()).await
    }

    /// The subscriber's Strex limits (user info v3). REST only.
    pub async fn user_info_v3(&self, msisdn: &str) -> Result<types::UserInfoV3, Error> {
        let client = self.rest("user info v3")?;
        let msisdn = parse_msisdn(msisdn)?;
        finish(
            client
                .get_user_info_v3()
                .service_id(self.service_id)
                .msisdn(msisdn)
                .send(),
        )
        .await
    }

    /// All three user-info checks in one call. REST only.
    pub async fn user_info_summary(
        &self,
        msisdn: &str,
        amount: i32,
        service_code: ServiceCode,
        age: Option<u8>,
    ) -> Result<types::UserInfoSummary, Error> {
        let client = self.rest("user info summary")?;
        let msisdn = parse_msisdn(msisdn)?;
        super::payment_rules::check_amount("amount", amount, &service_code)
            .map_err(Error::InvalidRequest)?;
        let mut call = client
            .get_user_info_summary()
            .service_id(self.service_id)
            .msisdn(msisdn)
            .amount(amount)
            .service_code(service_code);
        if let Some(age) = age {
            call = call.age(types::SubscriberAge(age));
        }
        finish(call.send()).await
    }
}

/// A request built by the user, checked against the spec before sending.
pub(crate) fn checked<T, B>(value: B) -> Result<T, Error>
where
    B: TryInto<T>,
    B::Error: fmt::Display,
{
    value
        .try_into()
        .map_err(|e| Error::InvalidRequest(e.to_string()))
}

/// A client reference given by the user, checked against the spec.
pub(crate) fn client_reference_of<R>(reference: R) -> Result<types::ClientReference, Error>
where
    R: TryInto<types::ClientReference>,
    R::Error: fmt::Display,
{
    reference
        .try_into()
        .map_err(|e| Error::InvalidRequest(format!("client reference: {e}")))
}

fn parse_msisdn(msisdn: &str) -> Result<types::Msisdn, Error> {
    msisdn
        .parse()
        // The number itself stays out of the error: it is personal data.
        .map_err(|e| Error::InvalidRequest(format!("MSISDN: {e}")))
}
