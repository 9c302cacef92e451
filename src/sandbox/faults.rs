//! Deterministic behaviour of the sandbox, for tests to rely on.
//!
//! | API | trigger | behaviour |
//! |---|---|---|
//! | Direct Payment | MSISDN [`BARRED_MSISDN`] | pay and user info fail with code 7 (MSISDN barred, 403) |
//! | Direct Payment | MSISDN [`MNO_ERROR_MSISDN`] | pay fails with code 11 (MNO error, 424) |
//! | Direct Payment | MSISDN [`NO_FUNDS_MSISDN`] | pay fails with code 8 (financial failure, 424) |
//! | Direct Payment | MSISDN [`SLOW_MSISDN`] | pay is committed, then answered after [`SLOW_RESPONSE`]: a client with a shorter timeout sees a timeout, and the status call shows Paid |
//! | Direct Payment | MSISDN [`CONFIRMS_LATE_MSISDN`] with `SecurityLevel` 2 (Confirmation) | pay waits for the user's confirmation, which comes [`LATE_CONFIRMATION`] after the request: until then the status shows NotPaid; then the payment is Paid and answered (a client that gave up sooner finds it Paid later) |
//! | Direct Payment | MSISDN [`AGED_16_MSISDN`] | a 16-year-old subscriber: pay with `Age` 18, and user info v2 or the summary with `age` 18, fail with code 6 (forbidden, 403) |
//! | Direct Payment | MSISDN [`MUST_VERIFY_MSISDN`] | a service that "requires the mobile phone subscription to be verified before use": pay fails with code 6 (forbidden, 403) until the number is verified (send and verify a code); the verification lasts until the code's `ExpiryTime`, or for ever without one |
//! | Direct Payment | a ClientReference used before | pay fails with code 2 (validation, 400); references must be unique |
//! | Direct Payment | reversing twice | the second reversal fails with code 2 (validation, 400) |
//! | Direct Payment | a verification code past its ExpiryTime | verify fails with code 10 (expired, 424) |
//! | Direct Payment | price outside the service code's or business model's range | pay fails with code 2 (validation, 400) |
//! | CONNECT | an orderId starting with [`FAILING_ORDER_PREFIX`] | paying at the PAYMENT link fails: state FAILED, the user is sent to cancelRedirect |
//! | CONNECT | refunding twice, or a transaction that is not COMPLETED | 400 with the error model |
//! | Puzzel Pay | recipient MSISDN [`BARRED_MSISDN`] in a batch that sends SMS | the SMS fails: step 0, statusCode 1 |
//! | Puzzel Pay | recipient MSISDN [`NO_FUNDS_MSISDN`] | paying at the link fails: step 5 (payment failed) |
//! | Puzzel Pay | refunding a recipient paid with the payment card provider (5) whose MSISDN is [`MNO_ERROR_MSISDN`] | 424 (the provider refuses the refund) |
//! | Puzzel Pay | a `{{variable}}` of a message template missing from a recipient's variables | 400 with validationErrors keyed `recipients[i].variables` |
//! | Mediaconnect | invoice number [`FAILING_INVOICE`] | the payment page's outcome is `failed` whatever is chosen |
//! | Mediaconnect | the payment page's buttons | Confirm → `finished`, Cancel → `cancelled`, Fail → `failed`, Leave pending → `initiated`, Lose track → `unknown` (the last two leave the payment open) |
//!
//! Every other MSISDN, order and invoice succeeds.

use std::time::Duration;

/// Direct Payment: barred for billing (code 7); Puzzel Pay: the SMS fails.
pub const BARRED_MSISDN: &str = "+4790000001";
/// Direct Payment: the operator fails (code 11); Puzzel Pay: card refunds refused.
pub const MNO_ERROR_MSISDN: &str = "+4790000002";
/// Direct Payment: insufficient funds (code 8); Puzzel Pay: payment fails.
pub const NO_FUNDS_MSISDN: &str = "+4790000003";
/// Direct Payment: the charge is committed, the answer comes late.
pub const SLOW_MSISDN: &str = "+4790000004";
/// How late the answer for [`SLOW_MSISDN`] comes.
pub const SLOW_RESPONSE: Duration = Duration::from_secs(2);
/// Direct Payment: with `SecurityLevel` 2, the user confirms late.
pub const CONFIRMS_LATE_MSISDN: &str = "+4790000005";
/// How long after the request the user of [`CONFIRMS_LATE_MSISDN`] confirms.
pub const LATE_CONFIRMATION: Duration = Duration::from_millis(1500);
/// Direct Payment: a subscriber aged 16 (every other one is an adult).
pub const AGED_16_MSISDN: &str = "+4790000006";
/// Direct Payment: a number the service charges only once it is verified.
pub const MUST_VERIFY_MSISDN: &str = "+4790000007";
/// CONNECT: transactions whose orderId starts with this fail when paid.
pub const FAILING_ORDER_PREFIX: &str = "fail-";
/// Mediaconnect: this invoice's payment always fails.
pub const FAILING_INVOICE: &str = "FAIL";
