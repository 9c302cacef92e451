//! The merchant's side of Puzzel Pay's callback: an axum app whose orders
//! ship once, when the batch status confirms a payment, however often, late
//! or out of order the callback comes. The example and its test share it.

use std::sync::{Arc, Mutex};

use nordpay::puzzel_pay::Client;
use nordpay::puzzel_pay::receiver::{CallbackReceiver, Confirmed, HandlerError, Outcome};

/// Where the app takes Puzzel Pay's callback.
pub const CALLBACK_PATH: &str = "/puzzel-pay/callback";

/// The merchant's orders, by (batch, recipient) reference.
#[derive(Debug, Default)]
pub struct Shop {
    /// Orders shipped, in order; an order shipped twice would show twice.
    pub shipped: Mutex<Vec<(String, String)>>,
    /// Orders whose payment failed.
    pub failed: Mutex<Vec<(String, String)>>,
}

impl Shop {
    async fn on_confirmed(&self, confirmed: Confirmed) -> Result<(), HandlerError> {
        let order = (confirmed.batch_reference, confirmed.client_reference);
        match confirmed.outcome {
            Outcome::Paid => self.shipped.lock().unwrap().push(order),
            Outcome::Failed => self.failed.lock().unwrap().push(order),
            _ => {}
        }
        Ok(())
    }
}

/// The app: the receiver at [`CALLBACK_PATH`], confirming with `client`.
pub fn app(client: Client, shop: Arc<Shop>) -> axum::Router {
    let handler = move |confirmed: Confirmed| {
        let shop = Arc::clone(&shop);
        async move { shop.on_confirmed(confirmed).await }
    };
    CallbackReceiver::new(client, handler).router(CALLBACK_PATH)
}
