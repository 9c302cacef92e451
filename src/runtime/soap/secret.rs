//! Secret text inside generated SOAP types.

use std::borrow::Cow;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::SoapError;
use super::codec::XmlText;

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

impl XmlText for Secret {
    fn to_xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.expose())
    }

    fn from_xml_text(text: &str) -> Result<Self, SoapError> {
        Ok(Self::new(text))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", super::Secret::new("hunter2")), "[redacted]");
    }
}
