//! The spec's rules of a JSON request body that the generated types cannot
//! hold (`minItems`, `maxItems`, `x-nordpay-unique-by`, integer formats, the
//! members a user's token needs, null where the spec does not allow it),
//! checked while the body is written: the client checks exactly the bytes
//! it sends, in the one pass that writes them, and the sandbox and the CLI
//! check the JSON they hold the same way (written nowhere).

use std::collections::HashSet;
use std::io;
use std::ops::Range;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

use super::operation::{ArrayRule, Operation};
use super::rules::BrokenRule;

/// Which rules besides the operation's array and integer rules apply.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Checks {
    /// A user's access token sends it: `bearer_requires` apply.
    pub(crate) bearer: bool,
    /// Null is refused where the spec does not allow it (`not_null`).
    pub(crate) not_null: bool,
}

/// `body` as the JSON of a request of `operation`, its rules checked while
/// it is written; the first rule it breaks, or why it cannot be JSON.
pub(crate) fn to_json<B: Serialize + ?Sized>(
    operation: &Operation,
    checks: Checks,
    body: &B,
) -> Result<Vec<u8>, String> {
    let mut json = Vec::with_capacity(256);
    if !watched(operation, checks) {
        serde_json::to_writer(&mut json, body).map_err(|error| error.to_string())?;
        return Ok(json);
    }
    match write(operation, checks, &mut json, body) {
        Ok(Ok(())) => Ok(json),
        Ok(Err(broken)) => Err(broken.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// The first rule of `operation` that `body` (JSON the caller holds)
/// breaks.
pub(crate) fn check<B: Serialize + ?Sized>(
    operation: &Operation,
    checks: Checks,
    body: &B,
) -> Result<(), BrokenRule> {
    if !watched(operation, checks) {
        return Ok(());
    }
    // A value that cannot be written as JSON breaks none: the generated
    // types judge it.
    write(operation, checks, io::sink(), body).unwrap_or(Ok(()))
}

/// Whether any rule applies: if none, the body is written as it is.
pub(crate) fn watched(operation: &Operation, checks: Checks) -> bool {
    !operation.body_rules.is_empty()
        || !operation.integer_rules.is_empty()
        || (checks.bearer && !operation.bearer_requires.is_empty())
        || (checks.not_null && !operation.not_null.is_empty())
}

fn write<W: io::Write, B: Serialize + ?Sized>(
    operation: &Operation,
    checks: Checks,
    writer: W,
    body: &B,
) -> serde_json::Result<Result<(), BrokenRule>> {
    let mut state = State {
        operation,
        checks,
        frames: Vec::new(),
        keys: String::new(),
        in_key: false,
        capture: None,
        seen: 0,
        broken: None,
    };
    let mut serializer = serde_json::Serializer::with_formatter(writer, Watch(&mut state));
    body.serialize(&mut serializer)?;
    Ok(state.finish())
}

/// Where the writer is, and what it has seen.
struct State<'o> {
    operation: &'o Operation,
    checks: Checks,
    /// One per open object or array, outermost first.
    frames: Vec<Frame>,
    /// The current key of each open object, one after another.
    keys: String,
    /// A key is being written, not a value.
    in_key: bool,
    /// The value of an item's unique field, as it is written.
    capture: Option<Vec<u8>>,
    /// The `bearer_requires` pointers met with a value (a bit each).
    seen: u64,
    broken: Option<BrokenRule>,
}

enum Frame {
    Object {
        /// Where this object's keys start in `State::keys`.
        start: usize,
        /// The member being written.
        key: Option<Range<usize>>,
    },
    Array {
        items: usize,
        /// The rule on this array, by its place in `body_rules`.
        rule: Option<usize>,
        /// The unique fields of the items so far.
        unique: HashSet<Vec<u8>>,
    },
}

/// What starts at a value: its kind, for the rules on numbers and nulls.
#[derive(Clone, Copy, PartialEq)]
enum Start {
    Null,
    Number(Number),
    Other,
}

#[derive(Clone, Copy, PartialEq)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl State<'_> {
    /// Whether the value being written is at `pointer` (`*` stands for
    /// every item of an array).
    fn at(&self, pointer: &str) -> bool {
        let pointer = pointer.trim_start_matches('/');
        if pointer.is_empty() {
            return self.frames.is_empty();
        }
        let mut segments = pointer.split('/');
        for frame in &self.frames {
            let Some(segment) = segments.next() else {
                return false;
            };
            let matches = match frame {
                Frame::Object { key: Some(key), .. } => &self.keys[key.clone()] == segment,
                Frame::Object { key: None, .. } => false,
                Frame::Array { .. } => segment == "*",
            };
            if !matches {
                return false;
            }
        }
        segments.next().is_none()
    }

    /// The path of the value being written (`recipients[3].payment.amount`).
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.frames {
            match frame {
                Frame::Object { key: Some(key), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&self.keys[key.clone()]);
                }
                Frame::Object { key: None, .. } => {}
                Frame::Array { items, .. } => {
                    path.push_str(&format!("[{}]", items.saturating_sub(1)));
                }
            }
        }
        path
    }

    fn fail(&mut self, path: String, message: String) {
        if self.broken.is_none() {
            self.broken = Some(BrokenRule { path, message });
        }
    }

    /// A value starts. True if it is an item's unique field: the caller
    /// hands over how it reads ([`State::finish_capture`]), or, for a
    /// string, collects it.
    fn value(&mut self, start: Start) -> bool {
        if self.in_key || self.broken.is_some() {
            return false;
        }
        if let Start::Number(number) = start {
            for rule in self.operation.integer_rules {
                let over = match number {
                    Number::Unsigned(n) => n > rule.max,
                    Number::Signed(n) => n > 0 && n as u64 > rule.max,
                    Number::Float(n) => n > rule.max as f64,
                };
                if over && self.at(rule.pointer) {
                    let path = self.path();
                    self.fail(path, format!("more than {}", rule.max));
                    return false;
                }
            }
        }
        if start == Start::Null
            && self.checks.not_null
            && self
                .operation
                .not_null
                .iter()
                .any(|pointer| self.at(pointer))
        {
            let path = self.path();
            self.fail(path, "null is not a value here; leave it out".into());
            return false;
        }
        if start != Start::Null && self.checks.bearer {
            for (bit, pointer) in self.operation.bearer_requires.iter().enumerate() {
                if bit < 64 && self.at(pointer) {
                    self.seen |= 1 << bit;
                }
            }
        }
        self.unique_field()
    }

    /// Whether the value being written is an item's field that the rule
    /// of its array says is unique.
    fn unique_field(&self) -> bool {
        let [
            ..,
            Frame::Array {
                rule: Some(rule), ..
            },
            Frame::Object { key: Some(key), .. },
        ] = &self.frames[..]
        else {
            return false;
        };
        self.operation.body_rules[*rule].unique_by == Some(&self.keys[key.clone()])
    }

    /// The unique field's value is written whole: refused if an earlier
    /// item had it.
    fn finish_capture(&mut self, value: Vec<u8>) {
        let [
            ..,
            Frame::Array {
                rule: Some(rule),
                unique,
                items,
            },
            Frame::Object { .. },
        ] = &mut self.frames[..]
        else {
            return;
        };
        let (rule, index) = (*rule, items.saturating_sub(1));
        if !unique.insert(value) {
            let ArrayRule {
                pointer, unique_by, ..
            } = self.operation.body_rules[rule];
            let field = unique_by.unwrap_or_default();
            self.fail(
                format!("{}[{index}].{field}", dotted(pointer)),
                format!("the same as an earlier item's; each {field} is unique"),
            );
        }
    }

    fn begin_array(&mut self) {
        // An array is no unique field's value: nothing to compare.
        self.value(Start::Other);
        let rule = match self.in_key || self.broken.is_some() {
            true => None,
            false => self
                .operation
                .body_rules
                .iter()
                .position(|rule| self.at(rule.pointer)),
        };
        self.frames.push(Frame::Array {
            items: 0,
            rule,
            unique: HashSet::new(),
        });
    }

    fn end_array(&mut self) {
        let Some(Frame::Array {
            items,
            rule: Some(rule),
            ..
        }) = self.frames.pop()
        else {
            return;
        };
        let ArrayRule {
            pointer,
            min_items,
            max_items,
            ..
        } = self.operation.body_rules[rule];
        let message = match (min_items, max_items) {
            (Some(min), Some(max)) if items < min || items > max => {
                format!("{items} items; {min} to {max} allowed")
            }
            (Some(min), None) if items < min => format!("{items} items; at least {min} needed"),
            (None, Some(max)) if items > max => format!("{items} items; at most {max} allowed"),
            _ => return,
        };
        self.fail(dotted(pointer), message);
    }

    /// The first rule broken; then the members a user's token needs.
    fn finish(self) -> Result<(), BrokenRule> {
        if let Some(broken) = self.broken {
            return Err(broken);
        }
        if !self.checks.bearer {
            return Ok(());
        }
        let missing = self
            .operation
            .bearer_requires
            .iter()
            .enumerate()
            .find(|(bit, _)| *bit >= 64 || self.seen & (1 << bit) == 0);
        match missing {
            Some((_, pointer)) => Err(BrokenRule {
                path: dotted(pointer),
                message: "required when a user's access token authenticates the request".into(),
            }),
            None => Ok(()),
        }
    }
}

/// A pointer as a path (`/batch/recipients` as `batch.recipients`).
fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// The escaped character itself: a captured value compares as written.
fn unescaped(escape: &CharEscape) -> u8 {
    match escape {
        CharEscape::Quote => b'"',
        CharEscape::ReverseSolidus => b'\\',
        CharEscape::Solidus => b'/',
        CharEscape::Backspace => 0x08,
        CharEscape::FormFeed => 0x0c,
        CharEscape::LineFeed => b'\n',
        CharEscape::CarriageReturn => b'\r',
        CharEscape::Tab => b'\t',
        CharEscape::AsciiControl(byte) => *byte,
    }
}

/// serde_json's compact output, watched by a [`State`].
struct Watch<'s, 'o>(&'s mut State<'o>);

macro_rules! numbers {
    ($($method:ident($type:ty) => $number:expr;)*) => {
        $(
            fn $method<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: $type) -> io::Result<()> {
                let number: Number = ($number)(value);
                if self.0.value(Start::Number(number)) {
                    self.0.finish_capture(value.to_string().into_bytes());
                }
                CompactFormatter.$method(writer, value)
            }
        )*
    };
}

impl Formatter for Watch<'_, '_> {
    numbers! {
        write_u8(u8) => |v| Number::Unsigned(u64::from(v));
        write_u16(u16) => |v| Number::Unsigned(u64::from(v));
        write_u32(u32) => |v| Number::Unsigned(u64::from(v));
        write_u64(u64) => Number::Unsigned;
        write_i8(i8) => |v| Number::Signed(i64::from(v));
        write_i16(i16) => |v| Number::Signed(i64::from(v));
        write_i32(i32) => |v| Number::Signed(i64::from(v));
        write_i64(i64) => Number::Signed;
        write_f32(f32) => |v| Number::Float(f64::from(v));
        write_f64(f64) => Number::Float;
    }

    fn write_u128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: u128) -> io::Result<()> {
        let number = u64::try_from(value).map_or(Number::Float(value as f64), Number::Unsigned);
        if self.0.value(Start::Number(number)) {
            self.0.finish_capture(value.to_string().into_bytes());
        }
        CompactFormatter.write_u128(writer, value)
    }

    fn write_i128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: i128) -> io::Result<()> {
        let number = i64::try_from(value).map_or(Number::Float(value as f64), Number::Signed);
        if self.0.value(Start::Number(number)) {
            self.0.finish_capture(value.to_string().into_bytes());
        }
        CompactFormatter.write_i128(writer, value)
    }

    fn write_number_str<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        let number = value.parse().map_or(Number::Float(f64::NAN), Number::Float);
        if self.0.value(Start::Number(number)) {
            self.0.finish_capture(value.as_bytes().to_vec());
        }
        CompactFormatter.write_number_str(writer, value)
    }

    fn write_null<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.0.value(Start::Null) {
            self.0.finish_capture(b"null".to_vec());
        }
        CompactFormatter.write_null(writer)
    }

    fn write_bool<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: bool) -> io::Result<()> {
        if self.0.value(Start::Other) {
            self.0.finish_capture(value.to_string().into_bytes());
        }
        CompactFormatter.write_bool(writer, value)
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.0.value(Start::Other) {
            self.0.capture = Some(Vec::new());
        }
        CompactFormatter.begin_string(writer)
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if !self.0.in_key
            && let Some(value) = self.0.capture.take()
        {
            self.0.finish_capture(value);
        }
        CompactFormatter.end_string(writer)
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let state = &mut *self.0;
        if state.in_key {
            state.keys.push_str(fragment);
        } else if let Some(value) = &mut state.capture {
            value.extend_from_slice(fragment.as_bytes());
        }
        CompactFormatter.write_string_fragment(writer, fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let state = &mut *self.0;
        let byte = unescaped(&escape);
        if state.in_key {
            state.keys.push(char::from(byte));
        } else if let Some(value) = &mut state.capture {
            value.push(byte);
        }
        CompactFormatter.write_char_escape(writer, escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array();
        CompactFormatter.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array();
        CompactFormatter.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if let Some(Frame::Array { items, .. }) = self.0.frames.last_mut() {
            *items += 1;
        }
        CompactFormatter.begin_array_value(writer, first)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let state = &mut *self.0;
        // An object is no unique field's value: nothing to compare.
        state.value(Start::Other);
        state.frames.push(Frame::Object {
            start: state.keys.len(),
            key: None,
        });
        CompactFormatter.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let state = &mut *self.0;
        if let Some(Frame::Object { start, .. }) = state.frames.pop() {
            state.keys.truncate(start);
        }
        CompactFormatter.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        let state = &mut *self.0;
        if let Some(Frame::Object { start, key }) = state.frames.last_mut() {
            state.keys.truncate(*start);
            *key = None;
        }
        state.in_key = true;
        CompactFormatter.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let state = &mut *self.0;
        state.in_key = false;
        let end = state.keys.len();
        if let Some(Frame::Object { start, key }) = state.frames.last_mut() {
            *key = Some(*start..end);
        }
        CompactFormatter.end_object_key(writer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::runtime::operation::IntegerRule;

    const RULES: &[ArrayRule] = &[ArrayRule {
        pointer: "/batch/recipients",
        min_items: Some(1),
        max_items: Some(3),
        unique_by: Some("reference"),
    }];

    fn operation() -> Operation {
        Operation {
            body_rules: RULES,
            integer_rules: &[IntegerRule {
                pointer: "/batch/recipients/*/payment/amount",
                max: i64::MAX as u64,
            }],
            not_null: &["/batch/note"],
            bearer_requires: &["/batch/customer"],
            ..crate::runtime::context::UNKNOWN
        }
    }

    fn broken(body: &Value, checks: Checks) -> Option<String> {
        let checked = check(&operation(), checks, body)
            .err()
            .map(|b| b.to_string());
        // The client's pass writes the same JSON and finds the same rule.
        let written = to_json(&operation(), checks, body);
        assert_eq!(written.as_ref().err(), checked.as_ref());
        if let Ok(json) = written {
            assert_eq!(json, serde_json::to_vec(body).unwrap());
        }
        checked
    }

    fn refs(refs: &[&str]) -> Value {
        let items: Vec<Value> = refs.iter().map(|r| json!({"reference": r})).collect();
        json!({"batch": {"recipients": items}})
    }

    #[test]
    fn counts_and_unique_fields_are_checked_without_echoing_values() {
        let none = Checks::default();
        assert_eq!(broken(&refs(&["a", "b", "c"]), none), None);
        assert_eq!(
            broken(&refs(&[]), none).as_deref(),
            Some("batch.recipients: 0 items; 1 to 3 allowed")
        );
        assert_eq!(
            broken(&refs(&["a", "b", "c", "d"]), none).as_deref(),
            Some("batch.recipients: 4 items; 1 to 3 allowed")
        );
        let duplicate = broken(&refs(&["secret\"ref", "b", "secret\"ref"]), none).unwrap();
        assert_eq!(
            duplicate,
            "batch.recipients[2].reference: the same as an earlier item's; each reference is unique"
        );
        assert!(!duplicate.contains("secret"));
        // Escaped and plain text differ as values, not as written bytes.
        assert_eq!(broken(&refs(&["a\"b", "a\\b", "a/b"]), none), None);
        // Numbers count as values too; absent arrays are the types' to judge.
        let numbers = json!({"batch": {"recipients": [{"reference": 1}, {"reference": 1}]}});
        assert!(broken(&numbers, none).is_some());
        assert_eq!(broken(&json!({"batch": {}}), none), None);
    }

    #[test]
    fn integers_past_their_format_are_found_in_every_item() {
        let body = |second: Value| {
            json!({"batch": {"recipients": [
                {"reference": "a", "payment": {"amount": 100}},
                {"reference": "b", "payment": {"amount": second}},
            ]}})
        };
        let none = Checks::default();
        assert_eq!(broken(&body(json!(i64::MAX)), none), None);
        assert_eq!(
            broken(&body(json!(i64::MAX as u64 + 1)), none).as_deref(),
            Some("batch.recipients[1].payment.amount: more than 9223372036854775807")
        );
        assert!(broken(&body(json!(1e30)), none).is_some());
        assert_eq!(broken(&body(json!(-5)), none), None);
    }

    #[test]
    fn nulls_and_a_users_token_are_checked_only_when_asked() {
        let body = json!({"batch": {"recipients": [{"reference": "a"}], "note": null}});
        assert_eq!(broken(&body, Checks::default()), None);
        let not_null = Checks {
            not_null: true,
            ..Checks::default()
        };
        assert_eq!(
            broken(&body, not_null).as_deref(),
            Some("batch.note: null is not a value here; leave it out")
        );
        let bearer = Checks {
            bearer: true,
            ..Checks::default()
        };
        assert_eq!(
            broken(&body, bearer).as_deref(),
            Some("batch.customer: required when a user's access token authenticates the request")
        );
        let customer = json!({"batch": {"recipients": [{"reference": "a"}], "customer": 7}});
        assert_eq!(broken(&customer, bearer), None);
        let null_customer =
            json!({"batch": {"recipients": [{"reference": "a"}], "customer": null}});
        assert!(broken(&null_customer, bearer).is_some());
    }

    #[test]
    fn a_body_without_rules_is_written_as_serde_json_writes_it() {
        let plain = crate::runtime::context::UNKNOWN;
        let body = json!({"z": [1, {"a": "é\n"}], "a": null});
        assert_eq!(
            to_json(&plain, Checks::default(), &body).unwrap(),
            serde_json::to_vec(&body).unwrap()
        );
    }
}
