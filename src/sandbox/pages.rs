//! The few HTML pages the sandbox shows "users": a payment page with buttons.

use axum::response::Html;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page with a title, lines of text and one form button per action
/// (label, POST target).
pub(super) fn page(title: &str, lines: &[String], actions: &[(&str, String)]) -> Html<String> {
    let lines: String = lines
        .iter()
        .map(|line| format!("<p>{}</p>", escape(line)))
        .collect();
    let buttons: String = actions
        .iter()
        .map(|(label, target)| {
            format!(
                r#"<form method="post" action="{}"><button type="submit">{}</button></form>"#,
                escape(target),
                escape(label)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head>\
         <body><h1>{0}</h1><p><em>nordpay sandbox: no real money moves.</em></p>{lines}{buttons}</body></html>",
        escape(title)
    ))
}
