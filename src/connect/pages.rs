//! CONNECT's transaction list as one stream over every page: the builder's
//! filters and sort, `limit` and `offset` set page by page.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::{Error, ResponseValue, builder, types};
use crate::runtime::DecodeError;

/// Transactions per page: the server's own default (its maximum is not
/// documented).
pub(crate) const PAGE: u32 = 50;

impl<'a> builder::ListTransactions<'a> {
    /// Every transaction the list's filters match, read page after page
    /// (50 at a time, the server's default page) as one stream; `.sort(SortDirection::Desc)`
    /// first gives the newest first. It sets `limit` and `offset` itself.
    ///
    /// A transaction added while the pages are read can push one onto the
    /// next page; it is given once. An error ends the stream (the pages
    /// before it were given); a server that ignores the offset ends it with
    /// a [`Error::Decode`], never by looking as if the list had ended.
    ///
    /// ```no_run
    /// # async fn run(client: &nordpay::connect::Client) -> Result<(), nordpay::connect::Error> {
    /// use futures_util::TryStreamExt;
    /// use nordpay::connect::types::SortDirection;
    ///
    /// let mut transactions = client
    ///     .list_transactions()
    ///     .connect_id("123")
    ///     .sort(SortDirection::Desc)
    ///     .stream();
    /// while let Some(transaction) = transactions.try_next().await? {
    ///     println!("{} {:?}", transaction.id, transaction.state);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<types::Transaction, Error>> {
        crate::runtime::pages::by_offset(
            PAGE,
            |transaction: &types::Transaction| transaction.id.clone(),
            || {
                Error::Decode(DecodeError {
                    message: "CONNECT gave a full page of transactions seen already: \
                              it ignored the offset"
                        .into(),
                    body: None,
                })
            },
            move |offset, limit| {
                let page = self.clone().offset(offset).limit(limit);
                async move { page.send().await.map(ResponseValue::into_inner) }
            },
        )
        .boxed()
    }
}
