//! Checks of what a caller hands a client builder, shared by the four APIs:
//! a bad base URL or an empty credential is refused when the client is
//! built, saying which and why, instead of failing every call later.

use url::Url;

/// A base URL operation paths can be appended to: http or https, with a
/// host, and no query or fragment (they would end up in the middle of every
/// request's URL).
pub(crate) fn base_url(what: &str, url: &Url) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the {what} URL is not http or https"));
    }
    if url.host().is_none() {
        return Err(format!("the {what} URL has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("the {what} URL has a query or fragment"));
    }
    Ok(())
}

/// A URL nordpay itself will call (not one a browser opens): https needs a
/// TLS feature in this build.
pub(crate) fn tls(what: &str, url: &str) -> Result<(), String> {
    if url.starts_with("https:") && !TLS {
        return Err(format!(
            "the {what} URL is https, and nordpay was built without TLS: \
             enable its rustls-aws-lc, rustls-ring or native-tls feature"
        ));
    }
    Ok(())
}

/// Whether this build can speak TLS (one of the TLS features is on).
const TLS: bool = cfg!(any(
    feature = "rustls-aws-lc",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// A credential as the provider issues it: not empty, and no spaces or
/// control characters (a copied line break, a quoted value). Never echoed.
pub(crate) fn credential(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("the {what} holds spaces or control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_credentials_are_refused_saying_why_without_their_value() {
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(base_url("API", &url("https://api.example/capi")), Ok(()));
        let https = tls("API", "https://api.example/capi");
        if TLS {
            assert_eq!(https, Ok(()));
        } else {
            assert!(https.unwrap_err().contains("without TLS"));
        }
        assert_eq!(tls("API", "http://127.0.0.1:1/capi"), Ok(()));
        for bad in [
            "ftp://api.example",
            "https://api.example/?x=1",
            "https://a.example/#f",
            "mailto:a@b.example",
        ] {
            assert!(base_url("API", &url(bad)).is_err(), "{bad}");
        }
        assert_eq!(credential("JWT", "a.b.c"), Ok(()));
        for bad in ["", "two words", "line\n", "\tkey"] {
            let error = credential("JWT", bad).unwrap_err();
            assert!(error.starts_with("the JWT"), "{error}");
            assert!(bad.is_empty() || !error.contains(bad.trim()), "{error}");
        }
    }
}
