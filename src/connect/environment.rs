//! Where the CONNECT Payment API lives.

use url::Url;

use super::generated::servers;

/// A CONNECT Payment deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://staging.payment.telenordigital.com`: test merchants and instruments.
    Staging,
    /// `https://payment.telenordigital.com`: real money.
    Production,
    /// Any other base URL, such as nordpay's sandbox or a mock server.
    Custom(Url),
}

impl Environment {
    /// The base URL that operation paths are appended to, without a trailing slash.
    pub fn base_url(&self) -> String {
        let url = match self {
            Environment::Staging => servers::STAGING,
            Environment::Production => servers::PRODUCTION,
            Environment::Custom(url) => url.as_str(),
        };
        url.trim_end_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_come_from_the_spec_and_lose_trailing_slashes() {
        assert_eq!(
            Environment::Staging.base_url(),
            "https://staging.payment.telenordigital.com"
        );
        assert_eq!(
            Environment::Production.base_url(),
            "https://payment.telenordigital.com"
        );
        let custom = Url::parse("http://127.0.0.1:9000/connect/").unwrap();
        assert_eq!(
            Environment::Custom(custom).base_url(),
            "http://127.0.0.1:9000/connect"
        );
    }
}
