//! The one error of Puzzel Pay's files, and the rule every `;`-separated
//! field of them follows.

/// A Puzzel Pay file (a report, a batch file, a merchant's expectations)
/// that cannot be read, or a record that cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Line `line` (from 1) breaks the format at `field`.
    #[error("line {line}, {field}: {problem}")]
    Malformed {
        /// The line number, from 1.
        line: u64,
        /// The field's name in the doc (`amount`, `timestamp`).
        field: &'static str,
        /// What is wrong, without the value.
        problem: &'static str,
    },
    /// A record has a value the format cannot carry (a `;`, a line break,
    /// more characters than a fixed-width field has room for).
    #[error("cannot write {field}: {problem}")]
    Unwritable {
        /// The field's name in the doc.
        field: &'static str,
        /// What is wrong, without the value.
        problem: &'static str,
    },
    /// Reading or writing failed.
    #[error("file I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl FileError {
    /// Line `line` breaks the format at `field`.
    pub(crate) fn malformed(line: u64, field: &'static str, problem: &'static str) -> Self {
        FileError::Malformed {
            line,
            field,
            problem,
        }
    }

    /// `field` has a value the format cannot carry.
    pub(crate) fn unwritable(field: &'static str, problem: &'static str) -> Self {
        FileError::Unwritable { field, problem }
    }
}

/// `value` as one `;`-separated field (the CSV report, the FTP batch file):
/// refused if it holds a `;` or a line break, as the docs show no quoting.
pub(crate) fn separated_field<'a>(
    value: &'a str,
    field: &'static str,
) -> Result<&'a str, FileError> {
    if value.contains([';', '\n', '\r']) {
        return Err(FileError::unwritable(
            field,
            "holds a ';' or a line break, which the file cannot carry",
        ));
    }
    Ok(value)
}
