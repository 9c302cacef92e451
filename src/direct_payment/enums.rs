//! The integer enums of Direct Payment, as Rust enums.
//!
//! JSON carries them as numbers. Values the client sends are checked (an age
//! other than 16 or 18 cannot be built); values the server sends keep
//! unknown numbers in `Unknown` instead of failing the whole response.

pub use crate::int_enum::InvalidValue;

int_enum! {
    /// Minimum age of the subscriber for a purchase.
    Age {
        /// 16 years.
        Sixteen = 16,
        /// 18 years.
        Eighteen = 18,
    }
}

int_enum! {
    /// How the end user authorizes a payment or pre-authorization.
    SecurityLevel {
        /// No confirmation.
        None = 1,
        /// The end user has one minute to confirm.
        Confirmation = 2,
        /// A PIN (documented as not in use).
        Pin = 3,
    }
}

int_enum! {
    /// Channel of the confirmation message when [`SecurityLevel::Confirmation`].
    ConfirmationChannel {
        /// A USSD prompt.
        Ussd = 1,
        /// An SMS.
        Sms = 2,
    }
}

int_enum! {
    /// The Puzzel platform a serviceId and its credentials belong to.
    Platform {
        /// Direct Payment (`directpay`).
        DirectPay = 0,
        /// The SMS platform (`sms`).
        Sms = 1,
    }
}

int_enum! {
    /// Status of a payment.
    PaymentStatus {
        /// Not paid.
        NotPaid = 0,
        /// Paid.
        Paid = 1,
        /// Paid, then reversed.
        Reversed = 2,
    }
    unknown: /// A status the docs do not list.
    Unknown
}

int_enum! {
    /// A subscriber's registration on Strex.
    Validity {
        /// Not registered.
        NotRegistered = 0,
        /// Registered, but not valid for licensed purchase.
        Registered = 1,
        /// Valid for licensed purchase.
        Valid = 2,
        /// Billing is barred by the mobile operator.
        MnoBillingBarred = 3,
        /// Verified with BankID and valid for licensed purchase.
        BankIdVerified = 4,
    }
    unknown: /// A value the docs do not list.
    Unknown
}

int_enum! {
    /// Where a subscriber's payments are drawn from.
    PreferredSourceOfFunds {
        /// Not known.
        NotKnown = -1,
        /// The mobile operator's bill.
        Mno = 1,
        /// Documented as not in use.
        NotInUse = 2,
        /// A payment card.
        PaymentCard = 3,
    }
    unknown: /// A value the docs do not list.
    Unknown
}

int_enum! {
    /// A subscriber's kind of subscription.
    SubscriptionType {
        /// Not known.
        NotKnown = -1,
        /// Postpaid.
        Postpaid = 0,
        /// Prepaid.
        Prepaid = 1,
    }
    unknown: /// A value the docs do not list.
    Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_side_values_are_checked() {
        assert_eq!(Age::try_from(18), Ok(Age::Eighteen));
        assert!(Age::try_from(17).is_err());
        assert!(serde_json::from_str::<Age>("17").is_err());
        assert_eq!(serde_json::to_string(&Age::Sixteen).unwrap(), "16");
        assert!("3".parse::<SecurityLevel>().is_ok());
        assert!("4".parse::<SecurityLevel>().is_err());
    }

    #[test]
    fn response_side_values_keep_unknown_numbers() {
        assert_eq!(
            serde_json::from_str::<PaymentStatus>("1").unwrap(),
            PaymentStatus::Paid
        );
        assert_eq!(
            serde_json::from_str::<PaymentStatus>("7").unwrap(),
            PaymentStatus::Unknown(7)
        );
        assert_eq!(PaymentStatus::Unknown(7).value(), 7);
        assert_eq!(
            serde_json::from_str::<PreferredSourceOfFunds>("-1").unwrap(),
            PreferredSourceOfFunds::NotKnown
        );
        assert!(serde_json::from_str::<Validity>("\"2\"").is_err());
    }
}
