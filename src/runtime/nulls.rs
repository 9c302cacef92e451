//! What the generated types need to read what providers really send, and
//! to refuse (in the sandbox) what the spec forbids a request to send.

use serde::{Deserialize, Deserializer};

/// An array a provider may send as `null` (Puzzel Pay does in its own
/// examples; WCF does by default): read as empty. The generator puts it on
/// every array of a schema no request carries.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// An optional member of a request the spec does not mark `nullable`:
/// absent is `None` (with `#[serde(default)]`), `null` is refused.
pub(crate) fn absent_or_value<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Listing {
        #[serde(default, deserialize_with = "super::null_as_empty")]
        items: Vec<u32>,
    }

    #[derive(serde::Deserialize)]
    struct Order {
        #[serde(default, deserialize_with = "super::absent_or_value")]
        note: Option<String>,
    }

    #[test]
    fn a_member_not_nullable_is_absent_or_a_value_never_null() {
        let read = |json| serde_json::from_str::<Order>(json).map(|order| order.note);
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"note": "x"}"#).unwrap().as_deref(), Some("x"));
        assert!(read(r#"{"note": null}"#).is_err());
    }

    #[test]
    fn null_absent_and_present_arrays() {
        let read = |json| serde_json::from_str::<Listing>(json).unwrap().items;
        assert!(read(r#"{"items": null}"#).is_empty());
        assert!(read("{}").is_empty());
        assert_eq!(read(r#"{"items": [1, 2]}"#), [1, 2]);
        assert!(serde_json::from_str::<Listing>(r#"{"items": 3}"#).is_err());
    }
}
