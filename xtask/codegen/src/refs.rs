//! `$ref`s into a spec's components, resolved once for every step of the
//! generator (parameters, request bodies, responses, schemas).

use openapiv3::{Components, Parameter, ReferenceOr, RequestBody, Response, Schema};

/// A kind of component a `$ref` can name.
pub trait Component: Sized {
    /// The reference prefix (`#/components/parameters/`).
    const PREFIX: &'static str;
    /// What it is called in an error message (`parameter`).
    const NOUN: &'static str;
    /// Where the components keep it.
    fn table(components: &Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Parameter {
    const PREFIX: &'static str = "#/components/parameters/";
    const NOUN: &'static str = "parameter";
    fn table(components: &Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &components.parameters
    }
}

impl Component for RequestBody {
    const PREFIX: &'static str = "#/components/requestBodies/";
    const NOUN: &'static str = "request body";
    fn table(components: &Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &components.request_bodies
    }
}

impl Component for Response {
    const PREFIX: &'static str = "#/components/responses/";
    const NOUN: &'static str = "response";
    fn table(components: &Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &components.responses
    }
}

impl Component for Schema {
    const PREFIX: &'static str = "#/components/schemas/";
    const NOUN: &'static str = "schema";
    fn table(components: &Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &components.schemas
    }
}

/// The component `reference` names (one level: a component that is itself
/// a reference is not followed).
pub fn named<'a, T: Component>(
    components: Option<&'a Components>,
    reference: &str,
) -> Result<&'a T, String> {
    let name = reference
        .strip_prefix(T::PREFIX)
        .ok_or_else(|| format!("{reference}: not a component {}", T::NOUN))?;
    match components.and_then(|c| T::table(c).get(name)) {
        Some(ReferenceOr::Item(item)) => Ok(item),
        _ => Err(format!("{reference}: no such {}", T::NOUN)),
    }
}

/// What `item` is, or the component it refers to.
pub fn resolve<'a, T: Component>(
    components: Option<&'a Components>,
    item: &'a ReferenceOr<T>,
) -> Result<&'a T, String> {
    match item {
        ReferenceOr::Item(item) => Ok(item),
        ReferenceOr::Reference { reference } => named(components, reference),
    }
}

/// The schema of `body` (an operation's request body, or a reference to one).
pub fn body_schema<'a>(
    components: Option<&'a Components>,
    body: &'a ReferenceOr<RequestBody>,
) -> Result<&'a ReferenceOr<Schema>, String> {
    resolve(components, body)?
        .content
        .values()
        .next()
        .and_then(|media| media.schema.as_ref())
        .ok_or_else(|| "a request body without a schema".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_or_say_what_is_wrong() {
        let spec: openapiv3::OpenAPI = serde_yaml::from_str(
            "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {}\ncomponents:\n  responses:\n    Fault: {description: a fault}\n",
        )
        .unwrap();
        let components = spec.components.as_ref();
        let fault: &Response = named(components, "#/components/responses/Fault").unwrap();
        assert_eq!(fault.description, "a fault");
        assert_eq!(
            named::<Response>(components, "#/components/responses/Other").unwrap_err(),
            "#/components/responses/Other: no such response"
        );
        assert_eq!(
            named::<Parameter>(components, "#/components/responses/Fault").unwrap_err(),
            "#/components/responses/Fault: not a component parameter"
        );
    }
}
