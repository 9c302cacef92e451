//! The pinned form of nordpay's generated code: an insta snapshot file whose
//! body is the generated source, byte for byte.
//!
//! Its own crate, without dependencies: nordpay's build.rs reads the pin when
//! the `codegen` feature is off (without compiling the generator), and
//! `nordpay-codegen` writes and checks it.

/// Directory, relative to the workspace root, of the pinned snapshots.
pub const SNAPSHOT_DIR: &str = "tests/snapshots";

/// Path, relative to the workspace root, of the snapshot pinning one API.
pub fn snapshot_path(api: &str) -> String {
    format!("{SNAPSHOT_DIR}/codegen__{api}.snap")
}

/// The insta snapshot file for `source`, as `tests/it/codegen.rs` names it.
pub fn render_snapshot(source: &str) -> String {
    format!("---\nsource: tests/it/codegen.rs\nexpression: source\n---\n{source}")
}

/// The generated source inside a snapshot file, or `None` if the file is not
/// an insta snapshot.
///
/// insta may drop the final newline when it writes a snapshot itself, so the
/// body is normalized to end in exactly one.
pub fn snapshot_body(snapshot: &str) -> Option<String> {
    let rest = snapshot.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    let body = rest[end + 5..].trim_end_matches('\n');
    Some(format!("{body}\n"))
}
