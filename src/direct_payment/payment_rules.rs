//! The rules the docs give for a payment that no schema keyword says: the
//! price within its service code's and business model's ranges, and
//! version 2's fields only with a SecurityLevel. The client checks them
//! before sending; the sandbox refuses a request that breaks them, on
//! either transport.

use super::generated::rest::types;

/// `amount` (named `what`) within `code`'s price range: a payment's price,
/// or the amount user info v2 is asked about. The amount in øre.
pub(crate) fn check_amount(
    what: &str,
    amount: i32,
    code: &super::ServiceCode,
) -> Result<u32, String> {
    let amount = u32::try_from(amount).map_err(|_| format!("{what} {amount} is negative"))?;
    if !code.price_range().contains(&amount) {
        return Err(format!(
            "{what} {amount} øre is not between {} and {} øre for service code {}",
            code.price_range().start(),
            code.price_range().end(),
            code.code()
        ));
    }
    Ok(amount)
}

/// [`check_payment`] of a REST pay request (the spec's
/// `x-nordpay-body-check: payment-rules`).
pub(crate) fn check_request(
    body: &types::PaymentRequest,
) -> Result<(), crate::runtime::BrokenRule> {
    check_payment(&body.payment_details).map_err(|message| crate::runtime::BrokenRule {
        path: "PaymentDetails".into(),
        message,
    })
}

/// The rules the docs give for a payment that a schema cannot express.
pub(crate) fn check_payment(details: &types::PaymentDetails) -> Result<(), String> {
    let price = check_amount("price", details.price, &details.service_code)?;
    if let Some(model) = &details.business_model
        && !model.price_range().contains(&price)
    {
        return Err(format!(
            "price {price} øre is not between {} and {} øre for business model {model}",
            model.price_range().start(),
            model.price_range().end(),
        ));
    }
    let version_2 = details.authorization_token.is_some()
        || details.confirmation_channel.is_some()
        || details.teletorg_settings.is_some();
    if version_2 && details.security_level.is_none() {
        return Err(
            "AuthorizationToken, ConfirmationChannel and TeletorgSettings need a SecurityLevel"
                .into(),
        );
    }
    Ok(())
}
