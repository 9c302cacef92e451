//! What a caller hands a builder or constructor is checked before anything
//! is sent: a bad base URL, an empty or malformed credential, a rate over
//! 100 % is refused with a typed error that says which, never the value.
#![cfg(all(
    feature = "connect",
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]

use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};
use url::Url;

fn url(text: &str) -> Url {
    text.parse().unwrap()
}

const BAD_URLS: [&str; 3] = [
    "ftp://api.example/",
    "https://api.example/?tenant=1",
    "https://api.example/#top",
];

#[test]
fn connect_refuses_bad_urls_and_empty_keys() {
    for bad in BAD_URLS {
        let error = connect::Client::builder(
            connect::Environment::Custom(url(bad)),
            connect::Auth::api_key("key"),
        )
        .build()
        .unwrap_err();
        assert!(
            matches!(error, connect::Error::InvalidRequest(_)),
            "{bad}: {error:?}"
        );
    }
    for key in ["", "k3y with space", "k3y\n"] {
        let error =
            connect::Client::builder(connect::Environment::Staging, connect::Auth::api_key(key))
                .build()
                .unwrap_err();
        let shown = error.to_string();
        assert!(matches!(error, connect::Error::Auth(_)), "{shown}");
        assert!(
            key.trim().is_empty() || !shown.contains(key.trim()),
            "{shown}"
        );
    }
    assert!(connect::VatRate::from_percent(100).is_ok());
    assert!(connect::VatRate::from_percent(101).is_err());
}

#[test]
fn direct_payment_refuses_credentials_basic_auth_cannot_carry() {
    let build = |credentials| {
        direct_payment::Client::builder(
            direct_payment::Environment::Production,
            direct_payment::Transport::Rest,
            credentials,
        )
        .build()
    };
    assert!(build(direct_payment::Credentials::new(1234, "user", "secret")).is_ok());
    for (credentials, what) in [
        (
            direct_payment::Credentials::new(0, "user", "secret"),
            "service ID",
        ),
        (
            direct_payment::Credentials::new(-5, "user", "secret"),
            "service ID",
        ),
        (
            direct_payment::Credentials::new(1234, "", "secret"),
            "user name",
        ),
        (
            direct_payment::Credentials::new(1234, "us:er", "secret"),
            "colon",
        ),
        (
            direct_payment::Credentials::new(1234, "user", ""),
            "password",
        ),
    ] {
        let error = build(credentials).unwrap_err();
        assert!(
            matches!(&error, direct_payment::Error::InvalidRequest(m) if m.contains(what)),
            "{what}: {error:?}"
        );
        assert!(!error.to_string().contains("secret"));
    }
    for bad in BAD_URLS {
        let error = direct_payment::Client::builder(
            direct_payment::Environment::Custom(url(bad)),
            direct_payment::Transport::Soap,
            direct_payment::Credentials::new(1234, "user", "secret"),
        )
        .build()
        .unwrap_err();
        assert!(
            matches!(error, direct_payment::Error::InvalidRequest(_)),
            "{bad}"
        );
    }
}

#[test]
fn puzzel_pay_wants_a_jwt_shaped_token() {
    let build =
        |jwt: &str| puzzel_pay::Client::builder(puzzel_pay::Environment::Production, jwt).build();
    assert!(build("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln").is_ok());
    for bad in ["", "not-a-jwt", "a.b", "a.b.c.d", "a b.c.d", "ey$.e30.x"] {
        let error = build(bad).unwrap_err();
        assert!(
            matches!(error, puzzel_pay::Error::InvalidRequest(_)),
            "{bad}: {error:?}"
        );
    }
    for bad in BAD_URLS {
        let error = puzzel_pay::Client::builder(
            puzzel_pay::Environment::Custom(url(bad)),
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln",
        )
        .build()
        .unwrap_err();
        assert!(
            matches!(error, puzzel_pay::Error::InvalidRequest(_)),
            "{bad}"
        );
    }
}

#[test]
fn mediaconnect_refuses_bad_servers_and_empty_client_ids() {
    let login = url("https://connectid.no/user");
    assert!(mediaconnect::LoginServer::new(login.clone(), "shop").is_ok());
    assert!(mediaconnect::LoginServer::new(login.clone(), "").is_err());
    assert!(mediaconnect::LoginServer::new(url("ftp://connectid.no/"), "shop").is_err());
    let back = url("https://shop.example/cb");
    assert!(mediaconnect::OAuthClient::new(login.clone(), "shop", "secret", back.clone()).is_ok());
    for (id, secret) in [("", "secret"), ("shop", ""), ("shop", "two words")] {
        let error =
            mediaconnect::OAuthClient::new(login.clone(), id, secret, back.clone()).unwrap_err();
        assert!(
            matches!(error, mediaconnect::TokenError::Invalid(_)),
            "{error:?}"
        );
        assert!(!error.to_string().contains("two words"));
    }
    struct Never;
    impl mediaconnect::TokenSource for Never {
        fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
            Box::pin(async { Err("none".into()) })
        }
    }
    for bad in BAD_URLS {
        let environment = mediaconnect::Environment::Custom {
            api: url(bad),
            login: login.clone(),
        };
        let error = mediaconnect::Client::builder(environment, Never)
            .build()
            .unwrap_err();
        assert!(
            matches!(error, mediaconnect::Error::InvalidRequest(_)),
            "{bad}"
        );
    }
}
