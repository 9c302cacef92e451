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

/// Whether a request's `Accept` asks for a page rather than JSON: it names
/// `text/html` with a weight at least that of JSON (by `application/json`,
/// `application/*` or `*/*`), as browsers do (`text/html,…,*/*;q=0.8`).
/// No `Accept`, `*/*` alone (curl) or `application/json` get JSON.
pub(super) fn prefers_html(headers: &axum::http::HeaderMap) -> bool {
    let mut html = 0.0_f32;
    let (mut json, mut any_application, mut any) = (None, None, None);
    for (media, weight) in accept_ranges(headers) {
        let slot = match media.as_str() {
            "text/html" => {
                html = html.max(weight);
                continue;
            }
            "application/json" => &mut json,
            "application/*" => &mut any_application,
            "*/*" => &mut any,
            _ => continue,
        };
        *slot = Some(slot.unwrap_or(0.0_f32).max(weight));
    }
    let json = json.or(any_application).or(any).unwrap_or(0.0);
    html > 0.0 && html >= json
}

/// Each media range of a request's `Accept` (lower case, parameters cut)
/// with its weight (`q`, 1 unless given).
pub(super) fn accept_ranges(headers: &axum::http::HeaderMap) -> Vec<(String, f32)> {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (media, weight)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(axum::http::header::ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn browsers_get_pages_and_api_clients_json() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(&accept(browser)));
        assert!(prefers_html(&accept("text/html")));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&accept("application/json, text/html;q=0.5")));
        assert!(!prefers_html(&accept("text/html;q=0")));
        assert!(!prefers_html(&axum::http::HeaderMap::new()));
    }
}
