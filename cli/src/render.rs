//! The process's `--output` (`homeostat_keeper::output`: the formats, shared with the
//! keeper), set once by `main`, and the one way commands print their result.

use std::sync::OnceLock;

use homeostat_keeper::output::{render, Output};
use serde_json::Value;

/// The process's `--output`.
static OUTPUT: OnceLock<Output> = OnceLock::new();

/// Sets the format every [`print`] uses (the first call wins).
pub(crate) fn set(output: Output) {
    let _ = OUTPUT.set(output);
}

/// Prints a command's result on stdout in the process's format.
pub(crate) fn print(report: &Value) {
    println!(
        "{}",
        render(report, OUTPUT.get().copied().unwrap_or_default())
    );
}
