//! What the generated types need to read what providers really send.

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

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Listing {
        #[serde(default, deserialize_with = "super::null_as_empty")]
        items: Vec<u32>,
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
