//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use nordpay::sandbox::{Sandbox, credentials};
use serde_json::Value;

/// A Mediaconnect access token from the sandbox's login server, got over
/// plain HTTP as a service in another language would: the authorize
/// redirect's code, exchanged at the token endpoint.
pub async fn mediaconnect_access_token(sandbox: &Sandbox) -> String {
    mediaconnect_access_token_at(&sandbox.mediaconnect_login_url()).await
}

/// The same, from the login server at `login` (a sandbox in another process).
pub async fn mediaconnect_access_token_at(login: &url::Url) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut authorize = login.join("login/oauth/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", credentials::MEDIACONNECT_CLIENT_ID)
        .append_pair("redirect_uri", "https://shop.example/cb");
    let back = no_redirects.get(authorize).send().await.unwrap();
    let back: url::Url = back.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("client_id", credentials::MEDIACONNECT_CLIENT_ID)
        .append_pair("client_secret", credentials::MEDIACONNECT_CLIENT_SECRET)
        .append_pair("redirect_uri", "https://shop.example/cb")
        .finish();
    let tokens: Value = no_redirects
        .post(login.join("login/oauth/token").unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_string()
}
