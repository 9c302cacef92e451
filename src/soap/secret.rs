//! Secret text inside generated SOAP types.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use xsd_parser_types::quick_xml::{
    DeserializeBytes, DeserializeHelper, Error, SerializeBytes, SerializeHelper,
    WithDeserializerFromBytes, WithSerializeToBytes,
};

/// A string that is written into the XML but never shown by `Debug`.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wrap `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(SecretString::from(text.into()))
    }

    /// The text, for the code that must compare or send it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(text))
    }
}

impl SerializeBytes for Secret {
    fn serialize_bytes(
        &self,
        _: &mut SerializeHelper,
    ) -> Result<Option<std::borrow::Cow<'_, str>>, Error> {
        Ok(Some(std::borrow::Cow::Borrowed(self.expose())))
    }
}

impl DeserializeBytes for Secret {
    fn deserialize_bytes(_: &mut DeserializeHelper, bytes: &[u8]) -> Result<Self, Error> {
        let text = std::str::from_utf8(bytes).map_err(Error::from)?;
        Ok(Self::new(text))
    }
}

impl WithSerializeToBytes for Secret {}
impl WithDeserializerFromBytes for Secret {}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", super::Secret::new("hunter2")), "[redacted]");
    }
}
