//! The documented rules of a transaction's product list, checked before a
//! transaction (or an agreement's verification transaction) is sent, and by
//! the sandbox on what it receives: the spec names them
//! (`x-nordpay-body-check: products-add-up`).
//!
//! "The product list must be complete, its prices must sum to `amount`, and
//! its average VAT must equal `vatRate`"; "a sku requires a timeSpec".
//!
//! x-nordpay-inferred: the docs do not say whether the average is weighted
//! by price, nor how it is rounded. Either average lies between the lowest
//! and the highest product rate, so only a `vatRate` outside that range is
//! refused: never a list CONNECT would accept.

use super::generated::types::{NewAgreement, NewTransaction};
use crate::runtime::BrokenRule;

/// A request body that carries a new transaction, and the path to it.
pub(crate) trait CarriesTransaction {
    /// The transaction, and the prefix of paths into it.
    fn transaction(&self) -> (&NewTransaction, &'static str);
}

impl CarriesTransaction for NewTransaction {
    fn transaction(&self) -> (&NewTransaction, &'static str) {
        (self, "")
    }
}

impl CarriesTransaction for NewAgreement {
    fn transaction(&self) -> (&NewTransaction, &'static str) {
        (&self.verification_transaction, "verificationTransaction.")
    }
}

/// The first broken product rule of the transaction in `body` (a new
/// transaction, or a new agreement's `verificationTransaction`).
pub(crate) fn check<B: CarriesTransaction>(body: &B) -> Result<(), BrokenRule> {
    let (transaction, prefix) = body.transaction();
    let broken = |path: String, message: &str| {
        Err(BrokenRule {
            path: format!("{prefix}{path}"),
            message: message.to_string(),
        })
    };
    let products = &transaction.products;
    for (index, product) in products.iter().enumerate() {
        if product.sku.is_some() && product.time_spec.is_none() {
            return broken(
                format!("products[{index}].timeSpec"),
                "missing; a product with a sku needs a timeSpec (e.g. \"P1M\")",
            );
        }
    }
    let amount = &transaction.amount;
    let mut sum: u128 = 0;
    for (index, product) in products.iter().enumerate() {
        if product.price.currency() != amount.currency() {
            return broken(
                format!("products[{index}].price"),
                "in another currency than amount",
            );
        }
        sum += u128::from(product.price.minor_units());
    }
    if !products.is_empty() && sum != u128::from(amount.minor_units()) {
        return broken(
            "products".into(),
            "the prices do not sum to amount; the list must be complete",
        );
    }
    // A product without a rate leaves the average unknown: nothing to check.
    let Some(rates) = products
        .iter()
        .map(|product| product.vat_rate)
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(());
    };
    let (Some(lowest), Some(highest)) = (rates.iter().min(), rates.iter().max()) else {
        return Ok(());
    };
    if transaction.vat_rate < *lowest || transaction.vat_rate > *highest {
        return broken(
            "vatRate".into(),
            "outside the products' rates; it must be their average",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::check;
    use crate::connect::types::{NewAgreement, NewTransaction};

    /// `fields` as a whole new transaction.
    fn transaction(fields: Value) -> NewTransaction {
        let mut body = json!({"orderId": "o-1", "purchaseDescription": "p",
            "successRedirect": "https://example.com/ok", "cancelRedirect": "https://example.com/no"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(body).unwrap()
    }

    fn path(body: Value) -> Option<String> {
        check(&transaction(body)).err().map(|broken| broken.path)
    }

    #[test]
    fn a_complete_list_passes() {
        let body = json!({"amount": "NOK 150.00", "vatRate": "0.20", "products": [
            {"name": "a", "price": "NOK 100.00", "vatRate": "0.25"},
            {"name": "b", "price": "NOK 50.00", "vatRate": 0.1, "sku": "s", "timeSpec": "P1M"},
        ]});
        assert_eq!(path(body), None);
        assert_eq!(path(json!({"amount": "NOK 1.00", "vatRate": "0.25"})), None);
    }

    #[test]
    fn each_rule_names_what_breaks_it_without_values() {
        let short = json!({"amount": "NOK 150.00", "vatRate": "0.25", "products": [
            {"name": "a", "price": "NOK 100.00", "vatRate": "0.25"},
        ]});
        assert_eq!(path(short).as_deref(), Some("products"));
        let currency = json!({"amount": "NOK 100.00", "vatRate": "0.25", "products": [
            {"name": "a", "price": "SEK 100.00"},
        ]});
        assert_eq!(path(currency).as_deref(), Some("products[0].price"));
        let vat = json!({"amount": "NOK 100.00", "vatRate": "0.30", "products": [
            {"name": "a", "price": "NOK 60.00", "vatRate": "0.25"},
            {"name": "b", "price": "NOK 40.00", "vatRate": "0.15"},
        ]});
        assert_eq!(path(vat).as_deref(), Some("vatRate"));
        let sku = transaction(json!({"amount": "NOK 1.00", "vatRate": "0.25",
            "products": [{"name": "a", "price": "NOK 1.00", "sku": "premium"}]}));
        let agreement: NewAgreement = serde_json::from_value(json!({
            "recurrenceTimeSpec": "P1M", "verificationTransaction": sku}))
        .unwrap();
        let broken = check(&agreement).unwrap_err();
        assert_eq!(broken.path, "verificationTransaction.products[0].timeSpec");
        assert!(!broken.message.contains("premium"));
    }

    #[test]
    fn a_product_without_a_rate_leaves_the_average_unchecked() {
        let body = json!({"amount": "NOK 100.00", "vatRate": "0.99", "products": [
            {"name": "a", "price": "NOK 100.00"},
        ]});
        assert_eq!(path(body), None);
    }
}
