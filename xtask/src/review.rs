//! `cargo xtask review --base <git-ref>`: what the specs' change since `base`
//! does to users of the generated API, as markdown for the PR (operations,
//! parameters, fields, enum values and limits added, removed or changed, each
//! marked breaking or not). Exit 0 with the summary; 1 if a spec cannot be
//! read.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use nordpay_codegen::APIS;
use nordpay_codegen::drift::{Facts, facts_with_limits};
use nordpay_codegen::review::{markdown, review};

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let base = match args {
        [flag, base] if flag == "--base" => base.as_str(),
        _ => {
            eprintln!("usage: cargo xtask review --base <git-ref>");
            return ExitCode::from(2);
        }
    };
    match summary(root, base) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("review: {error}");
            ExitCode::FAILURE
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// `schemas/` as it was at `base`, written under `into`.
fn checkout_schemas(root: &Path, base: &str, into: &Path) -> Result<(), String> {
    let listing = git(
        root,
        &["ls-tree", "-r", "--name-only", base, "--", "schemas"],
    )?;
    for path in String::from_utf8_lossy(&listing).lines() {
        let content = git(root, &["show", &format!("{base}:{path}")])?;
        let target = into.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, content).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn facts_at(dir: &Path, spec: &str) -> Result<Option<Facts>, String> {
    let path = dir.join(spec);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    facts_with_limits(&text, path.parent())
        .map(Some)
        .map_err(|e| format!("{spec}: {e}"))
}

/// The markdown summary of every API's spec, `base` against the work tree.
pub fn summary(root: &Path, base: &str) -> Result<String, String> {
    let resolved = git(root, &["rev-parse", "--short", base])?;
    let resolved = String::from_utf8_lossy(&resolved).trim().to_string();
    // One per call: two reviews of the same commit in one process (the
    // tests' identical scratch repositories) must not share, or remove, it.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch: PathBuf = std::env::temp_dir().join(format!(
        "nordpay-review-{}-{call}-{resolved}",
        std::process::id()
    ));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let result = (|| {
        checkout_schemas(root, base, &scratch)?;
        let mut out = format!(
            "# What the spec changes do to the generated API ({base} = {resolved} → work tree)\n\n"
        );
        let mut breaking = 0;
        let mut sections = String::new();
        for api in APIS {
            let old = facts_at(&scratch, api.spec)?;
            let new = facts_at(root, api.spec)?;
            let title = format!("{} (`{}`)", api.name, api.spec);
            let changes = match (old, new) {
                (Some(old), Some(new)) => review(&old, &new),
                (None, Some(_)) => {
                    sections.push_str(&format!("## {title}\n\nA new API.\n\n"));
                    continue;
                }
                (Some(_), None) => {
                    breaking += 1;
                    sections.push_str(&format!(
                        "## {title}\n\n**breaking**: the spec is gone.\n\n"
                    ));
                    continue;
                }
                (None, None) => continue,
            };
            breaking += changes.iter().filter(|c| c.breaking).count();
            sections.push_str(&markdown(&title, &changes));
            sections.push('\n');
        }
        out.push_str(&format!("Breaking changes: **{breaking}**.\n\n"));
        out.push_str(&sections);
        Ok(out)
    })();
    std::fs::remove_dir_all(&scratch).ok();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// A repository holding the real specs, committed, then `edit`ed in the work tree.
    fn repository(name: &str, edit: impl Fn(&Path)) -> PathBuf {
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir =
            std::env::temp_dir().join(format!("nordpay-review-test-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        for api in APIS {
            let from = real.join(api.spec).parent().unwrap().to_path_buf();
            let to = dir.join(api.spec).parent().unwrap().to_path_buf();
            std::fs::create_dir_all(&to).unwrap();
            for entry in std::fs::read_dir(&from).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
        run_git(&dir, &["init", "-q"]);
        run_git(&dir, &["add", "."]);
        run_git(&dir, &["commit", "-q", "-m", "base"]);
        edit(&dir);
        dir
    }

    fn edit_file(dir: &Path, path: &str, from: &str, to: &str) {
        let path = dir.join(path);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from:?} is not in {}", path.display());
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    #[test]
    fn an_unchanged_tree_reports_no_change() {
        let dir = repository("same", |_| {});
        let text = summary(&dir, "HEAD").unwrap();
        assert!(text.contains("Breaking changes: **0**"), "{text}");
        assert_eq!(
            text.matches("No change to the generated API.").count(),
            APIS.len()
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_removed_response_field_is_reported_as_breaking() {
        // Puzzel Pay's batch status loses a field its users read.
        let dir = repository("removed-field", |dir| {
            edit_file(
                dir,
                "schemas/puzzel-pay/openapi.yaml",
                "        paymentProviderStatus:\n          $ref: \"#/components/schemas/PaymentProviderStatus\"\n",
                "",
            );
        });
        let text = summary(&dir, "HEAD").unwrap();
        let line = text
            .lines()
            .find(|line| line.contains("200.paymentProviderStatus`"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.starts_with("| **breaking** |"), "{line}");
        assert!(line.contains("removed"), "{line}");
        assert!(!text.contains("Breaking changes: **0**"), "{text}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_narrowed_request_limit_is_breaking() {
        let dir = repository("limit", |dir| {
            edit_file(
                dir,
                "schemas/connect-payment/openapi.yaml",
                "      maxLength: 100\n      description: Your unique ID",
                "      maxLength: 90\n      description: Your unique ID",
            );
        });
        let text = summary(&dir, "HEAD").unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("| **breaking** |")
                && l.contains("request.orderId`")
                && l.contains("maxLength 100 -> 90")),
            "{text}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
