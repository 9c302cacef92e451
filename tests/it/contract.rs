//! The sandbox against its own specs, property-based: requests generated
//! from each spec's operations — valid ones, and ones broken on purpose (a
//! required field dropped, a wrong type, a value past its limit, a body
//! that is not JSON) — and every answer held to the spec: never a 5xx, a
//! status the operation lists, and a body that validates against the
//! schema listed for that status (none where it lists none).
#![cfg(feature = "sandbox")]

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use nordpay::sandbox::{Sandbox, credentials};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

/// Requests per operation, of each kind (valid, broken).
const CASES: usize = 24;

fn spec(path: &str) -> Value {
    nordpay_codegen::drift::document(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// `$ref`s followed within `spec`, as `drift` follows them; every one must
/// lead somewhere.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    let resolved = nordpay_codegen::drift::resolve(spec, value);
    if let Some(reference) = resolved.get("$ref") {
        panic!("{reference} does not resolve");
    }
    resolved
}

// ---- requests from schemas ----

/// Values valid against `schema`.
fn valid(spec: &Value, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return proptest::sample::select(values.clone()).boxed();
    }
    // The spec's own example, half the time: random values that fit a
    // pattern rarely pass the rules no schema keyword says (ISO 4217 codes,
    // the Strex code list), and the success paths need answering too.
    if let Some(example) = schema.get("example") {
        let example = Just(example.clone());
        let rest = valid(spec, &without(schema, "example"), depth);
        return prop_oneof![example, rest].boxed();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(choices) = schema.get(combinator).and_then(Value::as_array) {
            let choices: Vec<_> = choices.iter().map(|c| valid(spec, c, depth)).collect();
            return proptest::strategy::Union::new(choices).boxed();
        }
    }
    let int = |key: &str| schema.get(key).and_then(Value::as_i64);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => string(schema).prop_map(Value::String).boxed(),
        Some("integer") => {
            let (low, high) = (
                int("minimum").unwrap_or(0),
                int("maximum").unwrap_or(100_000),
            );
            (low..=high).prop_map(|n| json!(n)).boxed()
        }
        Some("number") => (0.0..1.0f64).prop_map(|n| json!(n)).boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("array") if depth < 4 => {
            let min = usize::try_from(int("minItems").unwrap_or(0)).unwrap_or(0);
            let max = usize::try_from(int("maxItems").unwrap_or(3))
                .unwrap_or(3)
                .min(min + 3);
            let item = valid(spec, &schema["items"], depth + 1);
            proptest::collection::vec(item, min..=max.max(min))
                .prop_map(Value::Array)
                .boxed()
        }
        _ if depth < 4 => object(spec, schema, depth),
        _ => Just(json!({})).boxed(),
    }
}

fn without(schema: &Value, key: &str) -> Value {
    let mut schema = schema.clone();
    if let Some(map) = schema.as_object_mut() {
        map.remove(key);
    }
    schema
}

fn string(schema: &Value) -> BoxedStrategy<String> {
    let length = |key: &str| schema.get(key).and_then(Value::as_u64);
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        let pattern = pattern.trim_start_matches('^').trim_end_matches('$');
        return proptest::string::string_regex(pattern)
            .unwrap_or_else(|e| panic!("pattern {pattern}: {e}"))
            .boxed();
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("date") => {
            return proptest::string::string_regex(
                "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
            )
            .unwrap()
            .boxed();
        }
        Some("date-time") => {
            return proptest::string::string_regex(
                "2026-1[0-2]-[12][0-9]T[01][0-9]:[0-5][0-9]:00Z",
            )
            .unwrap()
            .boxed();
        }
        _ => {}
    }
    let min = length("minLength").unwrap_or(1);
    let max = length("maxLength").unwrap_or(20).min(min + 20);
    proptest::string::string_regex(&format!("[a-zA-Z0-9]{{{min},{max}}}"))
        .unwrap()
        .boxed()
}

fn object(spec: &Value, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let is_required = required.contains(&name.as_str());
            let name = name.clone();
            let value = valid(spec, property, depth + 1).prop_map(move |v| (name.clone(), v));
            if is_required {
                value.prop_map(Some).boxed()
            } else {
                proptest::option::of(value).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
        .boxed()
}

/// A valid body broken one way.
fn broken(spec: &Value, schema: &Value) -> BoxedStrategy<Vec<u8>> {
    let schema = resolve(spec, schema).clone();
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let body = valid(spec, &schema, 0);
    prop_oneof![
        // A required field dropped.
        (body.clone(), any::<prop::sample::Index>()).prop_map(move |(mut body, index)| {
            if let (Some(map), false) = (body.as_object_mut(), required.is_empty()) {
                map.remove(&required[index.index(required.len())]);
            }
            serde_json::to_vec(&body).unwrap()
        }),
        // A field of the wrong type, or past any limit.
        (
            body.clone(),
            any::<prop::sample::Index>(),
            prop_oneof![
                Just(json!(12345)),
                Just(json!({"unexpected": [1, 2]})),
                Just(json!("x".repeat(2000))),
                Just(json!(-1)),
            ]
        )
            .prop_map(|(mut body, index, wrong)| {
                if let Some(map) = body.as_object_mut()
                    && !map.is_empty()
                {
                    let key = map.keys().nth(index.index(map.len())).unwrap().clone();
                    map.insert(key, wrong);
                }
                serde_json::to_vec(&body).unwrap()
            }),
        // Not JSON, or not an object.
        Just(b"{\"unterminated".to_vec()),
        Just(b"[]".to_vec()),
    ]
    .boxed()
}

/// A parameter value that breaks its schema.
fn broken_parameter() -> BoxedStrategy<String> {
    prop_oneof![
        Just("not-a-number".to_string()),
        Just("x".repeat(300)),
        Just("-1".to_string()),
        Just("%00".to_string()),
    ]
    .boxed()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

// ---- schemas for validation ----

/// OpenAPI 3.0's schema dialect as JSON Schema: `nullable` becomes a type
/// union, the rest of it is JSON Schema already.
fn json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(key, _)| {
                    !key.starts_with("x-") && *key != "nullable" && *key != "example"
                })
                .map(|(key, value)| (key.clone(), json_schema(value)))
                .collect();
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(kind) = out.get("type").cloned() {
                    out.insert("type".into(), json!([kind, "null"]));
                    if let Some(Value::Array(values)) = out.get_mut("enum") {
                        values.push(Value::Null);
                    }
                } else {
                    return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(json_schema).collect()),
        other => other.clone(),
    }
}

/// Compiled once per (spec, schema).
struct Validators {
    components: Value,
    compiled: BTreeMap<String, jsonschema::Validator>,
}

impl Validators {
    fn new(spec: &Value) -> Self {
        Self {
            components: json_schema(&spec["components"]),
            compiled: BTreeMap::new(),
        }
    }

    fn check(&mut self, schema: &Value, body: &Value) -> Result<(), String> {
        let key = schema.to_string();
        let components = &self.components;
        let validator = self.compiled.entry(key).or_insert_with(|| {
            let root = json!({"allOf": [json_schema(schema)], "components": components});
            jsonschema::draft202012::new(&root).expect("the spec's schemas compile")
        });
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

// ---- the run ----

struct Operation {
    method: String,
    path: String,
    parameters: Vec<Value>,
    body: Option<(String, Value)>,
    responses: Map<String, Value>,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let mut parameters: Vec<Value> = shared
                .iter()
                .chain(
                    operation
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                )
                .map(|p| resolve(spec, p).clone())
                .collect();
            parameters.dedup_by(|a, b| a["name"] == b["name"] && a["in"] == b["in"]);
            let body = operation.get("requestBody").and_then(|body| {
                let content = resolve(spec, body)["content"].as_object()?;
                let (media, holder) = content.iter().next()?;
                Some((media.clone(), holder["schema"].clone()))
            });
            found.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                parameters,
                body,
                responses: operation["responses"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    found
}

struct ServedSpec {
    name: &'static str,
    spec: Value,
    base: String,
    auth: Vec<(&'static str, String)>,
    /// Parameters the sandbox's credentials fix (Direct Payment's serviceId).
    fixed: &'static [(&'static str, &'static str)],
}

struct Case {
    url: String,
    body: Option<Vec<u8>>,
}

fn case(api: &ServedSpec, operation: &Operation, runner: &mut TestRunner, break_it: bool) -> Case {
    let mut sample = |strategy: BoxedStrategy<Value>| strategy.new_tree(runner).unwrap().current();
    let which = if break_it {
        sample((0..3u8).prop_map(|n| json!(n)).boxed())
            .as_u64()
            .unwrap()
    } else {
        u64::MAX
    };
    let mut path = operation.path.clone();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (index, parameter) in operation.parameters.iter().enumerate() {
        let name = parameter["name"].as_str().unwrap();
        let place = parameter["in"].as_str().unwrap();
        let required = parameter["required"] == Value::Bool(true);
        let mut value = match api.fixed.iter().find(|(fixed, _)| *fixed == name) {
            Some((_, fixed)) => fixed.to_string(),
            None => text(&sample(valid(&api.spec, &parameter["schema"], 0))),
        };
        // Break the path or a query parameter (the first kind of break).
        if which == 0 && index == operation.parameters.len() - 1 {
            value = sample(broken_parameter().prop_map(Value::String).boxed())
                .as_str()
                .unwrap()
                .to_string();
        }
        match place {
            "path" => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                path = path.replace(&format!("{{{name}}}"), &encoded.replace('+', "%20"));
            }
            "query" if required || sample(any::<bool>().prop_map(Value::Bool).boxed()) == true => {
                query.append_pair(name, &value);
            }
            _ => {}
        }
    }
    let body = operation.body.as_ref().map(|(_, schema)| {
        if which == 1 || which == 2 {
            let broken = broken(&api.spec, schema).prop_map(|bytes| json!(bytes));
            let bytes = sample(broken.boxed());
            serde_json::from_value::<Vec<u8>>(bytes).unwrap()
        } else {
            serde_json::to_vec(&sample(valid(&api.spec, schema, 0))).unwrap()
        }
    });
    let query = query.finish();
    let separator = if query.is_empty() { "" } else { "?" };
    Case {
        url: format!("{}{path}{separator}{query}", api.base.trim_end_matches('/')),
        body,
    }
}

/// What the spec lists for `status`: exact, its class (`4XX`), or default.
fn listed(responses: &Map<String, Value>, status: u16) -> Option<&Value> {
    responses
        .get(&status.to_string())
        .or_else(|| responses.get(&format!("{}XX", status / 100)))
        .or_else(|| responses.get("default"))
}

async fn check(
    api: &ServedSpec,
    operation: &Operation,
    case: &Case,
    validators: &mut Validators,
    http: &reqwest::Client,
) -> Result<(), String> {
    let method = reqwest::Method::from_bytes(operation.method.as_bytes()).unwrap();
    let mut request = http.request(method, &case.url);
    for (name, value) in &api.auth {
        request = request.header(*name, value);
    }
    if let (Some(body), Some((media, _))) = (&case.body, &operation.body) {
        request = request.header("content-type", media).body(body.clone());
    }
    if let Some(media) = operation.responses.values().find_map(|r| {
        resolve(&api.spec, r)
            .get("content")?
            .as_object()?
            .keys()
            .next()
            .cloned()
    }) {
        request = request.header("accept", media);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let shown = String::from_utf8_lossy(&body)
        .chars()
        .take(300)
        .collect::<String>();
    if status >= 500 {
        return Err(format!("answered {status}: {shown}"));
    }
    let listed = listed(&operation.responses, status)
        .ok_or_else(|| format!("answered {status}, which the spec does not list: {shown}"))?;
    let listed = resolve(&api.spec, listed);
    let Some(content) = listed.get("content").and_then(Value::as_object) else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{status} has no body in the spec, but came with {shown}"
            ))
        };
    };
    let Some(declared) = content.get(&media) else {
        return Err(format!(
            "{status} came as {media:?}; the spec lists {:?}: {shown}",
            content.keys().collect::<Vec<_>>()
        ));
    };
    if !media.ends_with("json") {
        return Ok(());
    }
    let json: Value =
        serde_json::from_slice(&body).map_err(|e| format!("{status}: not JSON ({e}): {shown}"))?;
    validators
        .check(&declared["schema"], &json)
        .map_err(|e| format!("{status} breaks its schema: {e}: {shown}"))
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sandbox_answer_to_generated_requests_is_one_its_spec_allows() {
    // A generated SecurityLevel 2 payment would wait the whole minute
    // for a user nobody plays here: it lapses (Expired) at once instead.
    let mut config = nordpay::sandbox::SandboxConfig::default();
    config.confirmation_window = std::time::Duration::from_millis(50);
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let http = reqwest::Client::new();
    let token = support::mediaconnect_access_token(&sandbox).await;
    let apis = [
        ServedSpec {
            name: "connect",
            spec: spec("schemas/connect-payment/openapi.yaml"),
            base: sandbox.connect_url().to_string(),
            auth: vec![("authorization", basic(credentials::CONNECT_API_KEY, ""))],
            fixed: &[],
        },
        ServedSpec {
            name: "direct_payment",
            spec: spec("schemas/direct-payment/rest.yaml"),
            base: format!("{}/restV1.svc", sandbox.direct_payment_url()),
            auth: vec![(
                "authorization",
                basic(
                    credentials::DIRECT_PAYMENT_USERNAME,
                    credentials::DIRECT_PAYMENT_PASSWORD,
                ),
            )],
            fixed: &[("serviceId", "1234")],
        },
        ServedSpec {
            name: "puzzel_pay",
            spec: spec("schemas/puzzel-pay/openapi.yaml"),
            base: sandbox.puzzel_pay_url().to_string(),
            auth: vec![(
                "authorization",
                format!("Bearer {}", credentials::PUZZEL_PAY_JWT),
            )],
            fixed: &[],
        },
        ServedSpec {
            name: "mediaconnect",
            spec: spec("schemas/mediaconnect/openapi.yaml"),
            base: sandbox.mediaconnect_api_url().to_string(),
            auth: vec![("authorization", format!("Bearer {token}"))],
            fixed: &[],
        },
    ];
    let mut failures = Vec::new();
    let mut sent = 0;
    for api in &apis {
        let (sent_here, failed) = run_contract(api, &http).await;
        sent += sent_here;
        failures.extend(failed);
    }
    held(sent, 28, &failures);
}

/// At least `operations` operations were each sent `CASES` times valid
/// and as many broken, and no answer broke its spec.
fn held(sent: usize, operations: usize, failures: &[String]) {
    assert!(sent >= operations * CASES * 2, "{sent} requests");
    assert!(
        failures.is_empty(),
        "{} of {sent} answers break their spec:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Runs every operation of `api`'s spec `CASES` times valid and as many
/// broken; the failures.
async fn run_contract(api: &ServedSpec, http: &reqwest::Client) -> (usize, Vec<String>) {
    let mut runner = TestRunner::deterministic();
    let mut validators = Validators::new(&api.spec);
    let mut failures = Vec::new();
    let mut sent = 0;
    for operation in operations(&api.spec) {
        for index in 0..CASES * 2 {
            let case = case(api, &operation, &mut runner, index % 2 == 1);
            sent += 1;
            if let Err(failure) = check(api, &operation, &case, &mut validators, http).await {
                failures.push(format!(
                    "{} {} {}: {failure}",
                    api.name, operation.method, case.url
                ));
            }
        }
    }
    (sent, failures)
}

/// The sandbox's control API against its own spec, as the providers' APIs
/// are: on a sandbox of its own (its requests reset the clock, preload and
/// script faults), with a small record cap (preloads stay small).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_answer_to_generated_requests_is_one_its_spec_allows() {
    let mut config = nordpay::sandbox::SandboxConfig::default();
    config.record_cap = 20;
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let http = reqwest::Client::new();
    let served = http
        .get(format!("{}/openapi.yaml", sandbox.control_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let written = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/sandbox/control.yaml"),
    )
    .unwrap();
    assert_eq!(served, written, "the sandbox serves its spec as written");
    let spec = spec("schemas/sandbox/control.yaml");
    let api = ServedSpec {
        name: "sandbox",
        spec,
        base: sandbox.control_url().to_string(),
        auth: vec![],
        fixed: &[],
    };
    let (sent, failures) = run_contract(&api, &http).await;
    held(sent, 14, &failures);
}

/// What the sandbox recorded of a flow in every API, read over HTTP as a
/// suite in another language reads it, and held to the control spec.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_sandbox_recorded_is_read_back_as_json() {
    use nordpay::direct_payment;
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    support::direct_payment_client(&sandbox, direct_payment::Transport::Rest)
        .pay(support::parking_payment("read-back-1"))
        .await
        .unwrap();
    let puzzel = nordpay::puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap();
    puzzel
        .create_batch()
        .body(support::batch("read-back-batch"))
        .send()
        .await
        .unwrap();
    let spec = spec("schemas/sandbox/control.yaml");
    let mut validators = Validators::new(&spec);
    let read = |path: &'static str| {
        let url = format!("{}{path}", sandbox.control_url());
        let http = http.clone();
        async move {
            let answer = http.get(url).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{path}");
            answer.json::<Value>().await.unwrap()
        }
    };
    let records = read("/records?api=direct_payment").await;
    validators
        .check(
            &json!({"type": "array", "items": {"$ref": "#/components/schemas/Record"}}),
            &records,
        )
        .unwrap();
    let payment = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["keys"]["ClientReference"] == "read-back-1")
        .unwrap_or_else(|| panic!("no payment in {records}"));
    assert_eq!(payment["api"], "direct_payment");
    assert_eq!(payment["kind"], "payment");
    assert_eq!(payment["amount"], "NOK 25.00");
    assert!(!payment["timeline"].as_array().unwrap().is_empty());
    assert!(
        records
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["api"] == "direct_payment"),
        "{records}"
    );
    let batches = read("/records?kind=batch").await;
    assert_eq!(batches[0]["id"], "read-back-batch", "{batches}");
    let sms = read("/sms").await;
    validators
        .check(
            &json!({"type": "array", "items": {"$ref": "#/components/schemas/Sms"}}),
            &sms,
        )
        .unwrap();
    assert!(
        sms.as_array()
            .unwrap()
            .iter()
            .any(|m| m["api"] == "puzzel_pay"),
        "{sms}"
    );
    let deliveries = read("/callbacks").await;
    assert_eq!(deliveries, json!([]), "no callback URL, no deliveries");
    let refused = http
        .get(format!("{}/records?api=paypal", sandbox.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// The checks above can fail: a body missing a required field, or of the
/// wrong type, does not validate; null passes only where the spec allows it.
#[test]
fn the_validator_holds_bodies_to_the_spec() {
    let connect = spec("schemas/connect-payment/openapi.yaml");
    let mut validators = Validators::new(&connect);
    let transaction = json!({"$ref": "#/components/schemas/Transaction"});
    assert!(validators.check(&transaction, &json!({})).is_err());
    let mut created: Value =
        serde_json::from_str(include_str!("../fixtures/connect/transaction_created.json")).unwrap();
    assert_eq!(validators.check(&transaction, &created), Ok(()));
    created["products"] = Value::Null; // nullable in the spec
    assert_eq!(validators.check(&transaction, &created), Ok(()));
    created["state"] = json!(7);
    assert!(validators.check(&transaction, &created).is_err());

    let responses: Map<String, Value> =
        serde_json::from_value(json!({"200": {}, "4XX": {"description": "fault"}})).unwrap();
    assert!(listed(&responses, 200).is_some());
    assert_eq!(
        listed(&responses, 404),
        Some(&json!({"description": "fault"}))
    );
    assert!(listed(&responses, 201).is_none());
}
