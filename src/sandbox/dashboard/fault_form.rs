//! The dashboard's "script a fault" form, read into a [`ScriptedFault`]:
//! the same fault `POST /sandbox/faults` takes as JSON.

use super::super::script::{FaultAction, ScriptedFault};

/// The action kinds the form offers, as the JSON names them, with labels.
pub(super) const ACTIONS: &[(&str, &str)] = &[
    ("fail_before", "Answer a status before doing anything"),
    ("fail_after", "Do the call, then answer a status"),
    ("respond_after", "Do the call, then answer this body"),
    ("drop_after", "Do the call, then drop the connection"),
    ("commit_late", "Drop the connection, do the call later"),
    ("lookup_lag", "Lookups do not see the record for a while"),
    ("truncate", "Do the call, then cut the answer short"),
    ("delay", "Wait, then do the call"),
    ("respond", "Answer this body instead"),
    ("deliver_twice", "Callback: deliver twice"),
    ("deliver_late", "Callback: deliver late"),
    (
        "deliver_out_of_order",
        "Callback: deliver after the next one",
    ),
];

/// The form's fields; empty ones are absent.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct FaultForm {
    #[serde(default)]
    api: String,
    #[serde(default)]
    operation: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    times: String,
    action: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    retry_after: String,
    #[serde(default)]
    ms: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    content_type: String,
}

fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<Option<T>, String> {
    match text(value) {
        None => Ok(None),
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} must be a whole number, not {value:?}")),
    }
}

fn status(value: &str, default: u16) -> Result<u16, String> {
    let status = number("status", value)?.unwrap_or(default);
    if (100..=599).contains(&status) {
        Ok(status)
    } else {
        Err(format!(
            "status must be an HTTP status (100 to 599), not {status}"
        ))
    }
}

impl FaultForm {
    /// The fault, or what is wrong with the form.
    pub(super) fn fault(&self) -> Result<ScriptedFault, String> {
        let ms = || number::<u64>("ms", &self.ms).map(|ms| ms.unwrap_or(1000));
        let action = match self.action.as_str() {
            "fail_before" => FaultAction::FailBefore {
                status: status(&self.status, 503)?,
                retry_after: number("retry_after", &self.retry_after)?,
            },
            "fail_after" => FaultAction::FailAfter {
                status: status(&self.status, 502)?,
            },
            "respond_after" => FaultAction::RespondAfter {
                status: status(&self.status, 201)?,
                body: self.body.clone(),
                content_type: text(&self.content_type),
            },
            "drop_after" => FaultAction::DropAfter,
            "commit_late" => FaultAction::CommitLate { ms: ms()? },
            "lookup_lag" => FaultAction::LookupLag { ms: ms()? },
            "truncate" => FaultAction::Truncate,
            "delay" => FaultAction::Delay { ms: ms()? },
            "respond" => FaultAction::Respond {
                status: status(&self.status, 200)?,
                body: self.body.clone(),
                content_type: text(&self.content_type),
            },
            "deliver_twice" => FaultAction::DeliverTwice,
            "deliver_late" => FaultAction::DeliverLate { ms: ms()? },
            "deliver_out_of_order" => FaultAction::DeliverOutOfOrder,
            other => return Err(format!("no fault action {other:?}")),
        };
        let api = text(&self.api);
        if let Some(api) = &api
            && super::super::journal::Api::from_name(api).is_none()
        {
            return Err(format!("no API {api:?}"));
        }
        let times = number::<u32>("times", &self.times)?.unwrap_or(1);
        if times == 0 {
            return Err("times must be at least 1".into());
        }
        Ok(ScriptedFault {
            api,
            operation: text(&self.operation),
            key: text(&self.key),
            times,
            action,
        })
    }
}

/// A fault in a line: what it does, with its numbers.
pub(super) fn describe(action: &FaultAction) -> String {
    match action {
        FaultAction::FailBefore {
            status,
            retry_after: Some(seconds),
        } => format!("answer {status} before doing anything (Retry-After {seconds} s)"),
        FaultAction::FailBefore { status, .. } => format!("answer {status} before doing anything"),
        FaultAction::Respond { status, .. } => format!("answer {status} with a scripted body"),
        FaultAction::FailAfter { status } => format!("do the call, then answer {status}"),
        FaultAction::RespondAfter { status, .. } => {
            format!("do the call, then answer {status} with a scripted body")
        }
        FaultAction::DropAfter => "do the call, then drop the connection".into(),
        FaultAction::CommitLate { ms } => {
            format!("drop the connection, do the call {ms} ms later")
        }
        FaultAction::LookupLag { ms } => format!("lookups see nothing for {ms} ms"),
        FaultAction::Delay { ms } => format!("wait {ms} ms, then do the call"),
        FaultAction::Truncate => "do the call, then cut the answer short".into(),
        FaultAction::DeliverTwice => "deliver the callback twice".into(),
        FaultAction::DeliverLate { ms } => format!("deliver the callback {ms} ms late"),
        FaultAction::DeliverOutOfOrder => "deliver the callback after the next one".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(action: &str) -> FaultForm {
        FaultForm {
            action: action.into(),
            ..FaultForm::default()
        }
    }

    #[test]
    fn a_form_becomes_the_fault_the_json_would_make() {
        let mut drop = form("drop_after");
        drop.api = "direct_payment".into();
        drop.operation = " pay ".into();
        drop.key = "+4799999999".into();
        drop.times = "2".into();
        let expected = ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter)
            .key("+4799999999")
            .times(2);
        assert_eq!(drop.fault(), Ok(expected));
        let late = form("deliver_late");
        assert_eq!(
            late.fault().map(|f| f.action),
            Ok(FaultAction::DeliverLate { ms: 1000 })
        );
        let mut before = form("fail_before");
        before.status = "429".into();
        before.retry_after = "3".into();
        assert_eq!(
            before.fault().map(|f| f.action),
            Ok(FaultAction::FailBefore {
                status: 429,
                retry_after: Some(3)
            })
        );
    }

    #[test]
    fn a_wrong_form_says_what_is_wrong() {
        let mut bad = form("fail_after");
        bad.status = "700".into();
        assert!(bad.fault().unwrap_err().contains("status"));
        bad.status = "abc".into();
        assert!(bad.fault().unwrap_err().contains("whole number"));
        assert!(form("explode").fault().unwrap_err().contains("explode"));
        let mut api = form("truncate");
        api.api = "paypal".into();
        assert!(api.fault().unwrap_err().contains("paypal"));
        let mut times = form("truncate");
        times.times = "0".into();
        assert!(times.fault().is_err());
    }
}
