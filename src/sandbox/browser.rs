//! A minimal "user" for the sandbox's pages: open a page, press a button,
//! see where the redirect goes. For tours and integration tests.

use url::Url;

/// What a page request gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visit {
    /// An HTML page with buttons.
    Page(Page),
    /// A redirect, to this URL.
    Redirect(Url),
}

/// A sandbox page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    url: Url,
    html: String,
}

/// Why a visit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// The request failed.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The page has no button with this label.
    #[error("no button {0:?} on the page")]
    NoSuchButton(String),
    /// An answer that is neither a page nor a redirect.
    #[error("HTTP {0} from the sandbox")]
    Status(reqwest::StatusCode),
}

/// A browser that does not follow redirects, so the test sees each hop.
#[derive(Debug, Clone)]
pub struct Browser {
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser.
    pub fn new() -> Self {
        // What a browser asks for: pages that share a URL with an API
        // (CONNECT's PAYMENT link) answer it with HTML.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { http }
    }

    async fn visit(&self, request: reqwest::RequestBuilder) -> Result<Visit, BrowserError> {
        let response = request.send().await?;
        let url = response.url().clone();
        let status = response.status();
        if status.is_redirection() {
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|location| url.join(location).ok())
                .ok_or(BrowserError::Status(status))?;
            return Ok(Visit::Redirect(target));
        }
        if !status.is_success() {
            return Err(BrowserError::Status(status));
        }
        Ok(Visit::Page(Page {
            url,
            html: response.text().await?,
        }))
    }

    /// GET `url`, as following a link.
    pub async fn open(&self, url: &Url) -> Result<Visit, BrowserError> {
        self.visit(self.http.get(url.clone())).await
    }

    /// Press the button labelled `label` on `page`.
    pub async fn click(&self, page: &Page, label: &str) -> Result<Visit, BrowserError> {
        let action = page
            .action(label)
            .ok_or_else(|| BrowserError::NoSuchButton(label.to_string()))?;
        self.visit(self.http.post(action)).await
    }
}

impl Page {
    /// The page's address.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The page's HTML.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The labels of the page's buttons.
    pub fn buttons(&self) -> Vec<String> {
        self.forms().map(|(_, label)| label).collect()
    }

    fn forms(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.html.split("<form ").skip(1).filter_map(|form| {
            let action = form.split("action=\"").nth(1)?.split('"').next()?;
            let label = form
                .split("<button type=\"submit\">")
                .nth(1)?
                .split("</button>")
                .next()?;
            let unescape = |s: &str| {
                s.replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            };
            Some((unescape(action), unescape(label)))
        })
    }

    fn action(&self, label: &str) -> Option<Url> {
        let (action, _) = self.forms().find(|(_, l)| l == label)?;
        self.url.join(&action).ok()
    }
}
