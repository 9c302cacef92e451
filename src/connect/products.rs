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

use serde_json::Value;

use super::{Money, VatRate};
use crate::runtime::BrokenRule;

/// The first broken product rule of the transaction in `body` (a new
/// transaction, or a new agreement's `verificationTransaction`). Values
/// the generated types refuse anyway (a malformed amount) are left to them.
pub(crate) fn check(body: &Value) -> Result<(), BrokenRule> {
    match body.get("verificationTransaction") {
        Some(transaction) => check_transaction(transaction, "verificationTransaction."),
        None => check_transaction(body, ""),
    }
}

fn check_transaction(transaction: &Value, prefix: &str) -> Result<(), BrokenRule> {
    let Some(products) = transaction.get("products").and_then(Value::as_array) else {
        return Ok(());
    };
    let broken = |path: String, message: &str| {
        Err(BrokenRule {
            path: format!("{prefix}{path}"),
            message: message.to_string(),
        })
    };
    for (index, product) in products.iter().enumerate() {
        let has = |field: &str| product.get(field).is_some_and(|value| !value.is_null());
        if has("sku") && !has("timeSpec") {
            return broken(
                format!("products[{index}].timeSpec"),
                "missing; a product with a sku needs a timeSpec (e.g. \"P1M\")",
            );
        }
    }
    let money = |value: Option<&Value>| value?.as_str()?.parse::<Money>().ok();
    let Some(amount) = money(transaction.get("amount")) else {
        return Ok(());
    };
    let mut sum: u128 = 0;
    for (index, product) in products.iter().enumerate() {
        let Some(price) = money(product.get("price")) else {
            return Ok(());
        };
        if price.currency() != amount.currency() {
            return broken(
                format!("products[{index}].price"),
                "in another currency than amount",
            );
        }
        sum += u128::from(price.minor_units());
    }
    if !products.is_empty() && sum != u128::from(amount.minor_units()) {
        return broken(
            "products".into(),
            "the prices do not sum to amount; the list must be complete",
        );
    }
    let rate = |value: Option<&Value>| serde_json::from_value::<VatRate>(value?.clone()).ok();
    let (Some(total), rates) = (
        rate(transaction.get("vatRate")),
        products
            .iter()
            .map(|product| rate(product.get("vatRate")))
            .collect::<Option<Vec<_>>>(),
    ) else {
        return Ok(());
    };
    // A product without a rate leaves the average unknown: nothing to check.
    let Some(rates) = rates else {
        return Ok(());
    };
    let (Some(lowest), Some(highest)) = (rates.iter().min(), rates.iter().max()) else {
        return Ok(());
    };
    if total < *lowest || total > *highest {
        return broken(
            "vatRate".into(),
            "outside the products' rates; it must be their average",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    fn path(body: serde_json::Value) -> Option<String> {
        check(&body).err().map(|broken| broken.path)
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
        let sku = json!({"verificationTransaction": {"amount": "NOK 1.00", "vatRate": "0.25",
            "products": [{"name": "a", "price": "NOK 1.00", "sku": "premium"}]}});
        let broken = check(&sku).unwrap_err();
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
