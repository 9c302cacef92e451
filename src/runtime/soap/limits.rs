//! Input limits: the size before anything is read, then each element's
//! attributes and depth as it is met. The SOAP reader (`codec::XmlReader`)
//! applies them while it decodes; [`Limits::check`] applies them to a whole
//! document on its own.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::SoapError;

/// Bounds on a SOAP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most attributes (including `xmlns` declarations) on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_depth: 32,
            max_attributes: 32,
        }
    }
}

impl Limits {
    /// Check `xml` against the limits; refuse any DOCTYPE.
    pub fn check(&self, xml: &[u8]) -> Result<(), SoapError> {
        self.check_size(xml)?;
        let mut reader = Reader::from_reader(xml);
        let mut depth = 0usize;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| SoapError::Malformed(e.to_string()))?;
            match event {
                Event::Start(ref start) => depth = self.check_element(start, depth)? + 1,
                Event::Empty(ref start) => {
                    self.check_element(start, depth)?;
                }
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::DocType(_) => return Err(SoapError::Doctype),
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }
}

impl Limits {
    /// Refuse a document over [`Limits::max_bytes`].
    pub(crate) fn check_size(&self, xml: &[u8]) -> Result<(), SoapError> {
        if xml.len() > self.max_bytes {
            return Err(SoapError::TooLarge {
                limit: self.max_bytes,
            });
        }
        Ok(())
    }

    /// Refuse an element with too many attributes, or one that would nest
    /// below `depth` (the elements open around it) too deep. Gives `depth`
    /// back.
    pub(crate) fn check_element(
        &self,
        start: &quick_xml::events::BytesStart<'_>,
        depth: usize,
    ) -> Result<usize, SoapError> {
        // Counted without duplicate checks, which are quadratic.
        if start.attributes().with_checks(false).count() > self.max_attributes {
            return Err(SoapError::TooManyAttributes {
                limit: self.max_attributes,
            });
        }
        if depth + 1 > self.max_depth {
            return Err(SoapError::TooDeep {
                limit: self.max_depth,
            });
        }
        Ok(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_is_enforced() {
        let limits = Limits {
            max_bytes: 200,
            max_depth: 3,
            max_attributes: 2,
        };
        assert_eq!(limits.check(b"<a><b><c/></b></a>"), Ok(()));
        assert_eq!(
            limits.check(b"<a><b><c><d/></c></b></a>"),
            Err(SoapError::TooDeep { limit: 3 })
        );
        assert_eq!(limits.check(br#"<a x="1" y="2"/>"#), Ok(()));
        assert_eq!(
            limits.check(br#"<a x="1" y="2" z="3"/>"#),
            Err(SoapError::TooManyAttributes { limit: 2 })
        );
        assert_eq!(
            limits.check(&vec![b' '; 201]),
            Err(SoapError::TooLarge { limit: 200 })
        );
        assert_eq!(limits.check(b"<!DOCTYPE a><a/>"), Err(SoapError::Doctype));
        assert!(matches!(
            limits.check(b"<a><b></a>"),
            Err(SoapError::Malformed(_))
        ));
    }
}
