//! The URL of a call: the client's base URL, parsed once, with the
//! operation's path appended segment by segment. Each path parameter is one
//! segment whatever it holds: `/`, `?` and `%` are percent-encoded, and the
//! values that would name another resource (empty, `.`, `..`) are refused.

use url::Url;

/// One piece of an operation's path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Segment<'a> {
    /// Text of the path template (`transactions`).
    Fixed(&'static str),
    /// A path parameter's name and value.
    Parameter(&'static str, &'a str),
}

/// `base` with `segments` appended; why not, if a parameter cannot be a
/// segment (the message names the parameter, never its value).
pub(crate) fn url_of(base: &Url, segments: &[Segment<'_>]) -> Result<Url, String> {
    let mut url = base.clone();
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| "the base URL cannot have a path".to_string())?;
        path.pop_if_empty();
        for segment in segments {
            match *segment {
                Segment::Fixed(text) => path.push(text),
                Segment::Parameter(name, value) => match value {
                    // A URL parser would drop or resolve these, and the
                    // call would reach another resource.
                    "" | "." | ".." => {
                        return Err(format!(
                            "{name}: empty, `.` and `..` cannot be a path segment"
                        ));
                    }
                    value => path.push(value),
                },
            };
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str, segments: &[Segment<'_>]) -> Result<String, String> {
        url_of(&base.parse().unwrap(), segments).map(String::from)
    }

    #[test]
    fn parameters_are_one_segment_each() {
        let path = |id| {
            [
                Segment::Fixed("transactions"),
                Segment::Parameter("transaction_id", id),
                Segment::Fixed("refunds"),
            ]
        };
        assert_eq!(
            url("http://127.0.0.1:9/connect", &path("a/b?c%d#e")).as_deref(),
            Ok("http://127.0.0.1:9/connect/transactions/a%2Fb%3Fc%25d%23e/refunds")
        );
        // A trailing slash on the base adds no empty segment.
        assert_eq!(
            url("https://example.com/api/", &path("t-1")).as_deref(),
            Ok("https://example.com/api/transactions/t-1/refunds")
        );
        assert_eq!(
            url("https://example.com", &path("t-1")).as_deref(),
            Ok("https://example.com/transactions/t-1/refunds")
        );
        for escaping in ["", ".", ".."] {
            let refused = url("https://example.com", &path(escaping)).unwrap_err();
            assert!(refused.starts_with("transaction_id: "), "{refused}");
        }
        // Percent-encoded dots are the value's own text, not a dot segment.
        assert_eq!(
            url("https://example.com", &path("%2e%2e")).as_deref(),
            Ok("https://example.com/transactions/%252e%252e/refunds")
        );
    }
}
