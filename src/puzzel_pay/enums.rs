//! The integer enums of Puzzel Pay.

int_enum! {
    /// What a payment request is.
    RequestType {
        /// A payment.
        Payment = 0,
        /// A reminder.
        Reminder = 1,
        /// A dunning letter.
        Dunning = 2,
        /// A lost case.
        LostCase = 3,
    }
}

int_enum! {
    /// What Puzzel Pay does with a batch.
    BatchAction {
        /// Send the payment links by SMS.
        SendSms = 1,
        /// Only create the links (returned in the response).
        CreateLinks = 2,
    }
}

int_enum! {
    /// How far a recipient has come.
    Step {
        /// The SMS could not be sent.
        SmsFailed = 0,
        /// The SMS is queued.
        SmsEnqueued = 1,
        /// The SMS was received.
        SmsReceived = 2,
        /// The link was clicked.
        SmsClicked = 3,
        /// A payment provider was picked.
        PickedPaymentProvider = 4,
        /// The payment failed.
        PaymentFailed = 5,
        /// Paid.
        Paid = 6,
    }
    unknown: /// A step the docs do not list.
    Unknown
}

int_enum! {
    /// A payment provider. The numbers were reassigned in December 2017;
    /// 1, 3 and 4 are only in the older docs, and 2 was called Strex there.
    PaymentProvider {
        /// 1: Adyen (before December 2017).
        Adyen = 1,
        /// 2: Direct Payment, mobile operator billing (Strex).
        DirectPayment = 2,
        /// 3: Dibs (before December 2017).
        Dibs = 3,
        /// 4: Vipps (before December 2017).
        Vipps = 4,
        /// 5: payment card.
        PaymentCard = 5,
        /// 6: mobile banking.
        MobileBanking = 6,
        /// 7: SMS.
        Sms = 7,
        /// 8: Apple Pay.
        ApplePay = 8,
        /// 9: PayPal.
        PayPal = 9,
    }
    unknown: /// A provider the docs do not list.
    Unknown
}
