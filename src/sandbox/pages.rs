//! The few HTML pages the sandbox shows "users": a payment page with buttons.

use axum::response::Html;
use maud::{DOCTYPE, html};

/// A page with a title, lines of text and one form button per action
/// (label, POST target).
pub(super) fn page(title: &str, lines: &[String], actions: &[(&str, String)]) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
            }
            body {
                main {
                    h1 { (title) }
                    p { em { "nordpay sandbox: no real money moves." } }
                    @for line in lines {
                        p { (line) }
                    }
                    @for (label, target) in actions {
                        form method="post" action=(target) {
                            button type="submit" { (label) }
                        }
                    }
                }
            }
        }
    };
    Html(markup.into_string())
}
