//! Where the CONNECT Payment API lives: `Environment` is generated from the
//! spec's servers (`x-nordpay-environment`).

#[cfg(test)]
mod tests {
    use super::super::Environment;
    use url::Url;

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
