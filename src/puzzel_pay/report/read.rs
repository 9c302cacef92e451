//! Reading a report line by line, from a blocking or an async source: one
//! loop for both formats, so neither holds more than a line (and the OCR
//! format one transaction) in memory.

use std::collections::VecDeque;
use std::io::BufRead;

use futures_util::Stream;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::puzzel_pay::FileError;

/// A report format read a line at a time. Sealed: the formats are this
/// module's.
pub trait Format: private::Sealed {
    /// What a line (or a group of lines) becomes.
    type Item;

    /// Reads line `number` (from 1, without its line break) and queues
    /// what it completes.
    #[doc(hidden)]
    fn line(&mut self, text: &str, number: u64, out: &mut VecDeque<Result<Self::Item, FileError>>);

    /// The input ended after line `last`: queues what is still held, or
    /// the error of a report that stops short.
    #[doc(hidden)]
    fn end(&mut self, last: u64, out: &mut VecDeque<Result<Self::Item, FileError>>);
}

pub(super) mod private {
    pub trait Sealed {}
}

/// The records of a report in format `F`, read from `R` as they are asked
/// for: an [`Iterator`] over a [`BufRead`], or with
/// [`into_stream`](Reader::into_stream) a [`Stream`] over an
/// [`AsyncBufRead`].
///
/// A line that is neither UTF-8 nor ASCII is read as ISO 8859-1, as files
/// from Norwegian banking systems often are (x-nordpay-inferred: the docs
/// name no encoding for the reports).
pub struct Reader<R, F: Format> {
    input: R,
    format: F,
    line: u64,
    bytes: Vec<u8>,
    ready: VecDeque<Result<<F as Format>::Item, FileError>>,
    ended: bool,
}

impl<R, F: Format> std::fmt::Debug for Reader<R, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("line", &self.line)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<R, F: Format + Default> Reader<R, F> {
    /// A reader of the report in `input`.
    pub fn new(input: R) -> Self {
        Self {
            input,
            format: F::default(),
            line: 0,
            bytes: Vec::new(),
            ready: VecDeque::new(),
            ended: false,
        }
    }
}

impl<R, F: Format> Reader<R, F> {
    /// Feeds the line in `self.bytes` (read with its line break, if any), or
    /// the end of the input when nothing was read.
    fn feed(&mut self, read: usize) {
        if read == 0 {
            self.ended = true;
            self.format.end(self.line, &mut self.ready);
            return;
        }
        self.line += 1;
        let mut bytes = self.bytes.as_slice();
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        if bytes.contains(&b'\r') {
            // A line break no line ends with: a value cannot hold it, and
            // guessing where the line ends could merge two records.
            self.ready.push_back(Err(FileError::malformed(
                self.line,
                "line",
                "a carriage return inside the line",
            )));
            return;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.format.line(text, self.line, &mut self.ready),
            Err(_) => {
                let text: String = bytes.iter().map(|&byte| char::from(byte)).collect();
                self.format.line(&text, self.line, &mut self.ready);
            }
        }
    }

    /// What can be given without reading: `Some(item)`, or `Some(None)`
    /// once all was given; `None` when a line must be read first.
    #[allow(clippy::option_option)]
    fn take(&mut self) -> Option<Option<Result<F::Item, FileError>>> {
        match self.ready.pop_front() {
            Some(item) => Some(Some(item)),
            None => self.ended.then_some(None),
        }
    }

    fn failed(&mut self, error: std::io::Error) -> Option<Result<F::Item, FileError>> {
        // An input that failed is not read on as if it had ended.
        self.ended = true;
        Some(Err(FileError::Io(error)))
    }
}

impl<R: BufRead, F: Format> Iterator for Reader<R, F> {
    type Item = Result<F::Item, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(given) = self.take() {
                return given;
            }
            self.bytes.clear();
            match self.input.read_until(b'\n', &mut self.bytes) {
                Ok(read) => self.feed(read),
                Err(error) => return self.failed(error),
            }
        }
    }
}

impl<R: AsyncBufRead + Unpin, F: Format> Reader<R, F> {
    /// The next record, read without blocking.
    pub async fn next_async(&mut self) -> Option<Result<F::Item, FileError>> {
        loop {
            if let Some(given) = self.take() {
                return given;
            }
            self.bytes.clear();
            match self.input.read_until(b'\n', &mut self.bytes).await {
                Ok(read) => self.feed(read),
                Err(error) => return self.failed(error),
            }
        }
    }

    /// The records as a [`Stream`].
    pub fn into_stream(self) -> impl Stream<Item = Result<F::Item, FileError>> {
        futures_util::stream::unfold(self, |mut reader| async move {
            let item = reader.next_async().await?;
            Some((item, reader))
        })
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::super::{CsvReader, OcrReader};

    const CSV: &str = "1234-1;100001;+4799999990;162800;NOK;PCGW;1;29.05.2017 10:20:20;755\r\n\
                       1234-1;100002;+4799999991;51300;NOK;PCGW;1;29.05.2017 09:08:43;754;a;b";

    #[tokio::test]
    async fn an_async_source_reads_as_a_blocking_one() {
        let blocking: Vec<_> = CsvReader::new(CSV.as_bytes()).map(Result::unwrap).collect();
        let streamed: Vec<_> = CsvReader::new(CSV.as_bytes())
            .into_stream()
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(streamed, blocking);
        assert_eq!(streamed.len(), 2);
        // A report that stops short is an error either way.
        let cut =
            "NY000010000080801406171001234560000000000000000000000000000000000000000000000000\n";
        let blocking: Vec<_> = OcrReader::new(cut.as_bytes()).collect();
        let streamed: Vec<_> = OcrReader::new(cut.as_bytes()).into_stream().collect().await;
        assert_eq!(format!("{blocking:?}"), format!("{streamed:?}"));
        assert!(streamed[1].is_err());
    }
}
