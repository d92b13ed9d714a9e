//! `--output`, in `homeostat` and `homeostat-keeper` alike: how a command's result (one
//! JSON object) is printed — for a person (`display`) or a program (`json`,
//! `json-compact`), as the Solana CLI's `--output` does.

use serde_json::Value;

/// The values of `--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Output {
    /// Indented `name: value` lines.
    #[default]
    Display,
    /// Pretty-printed JSON.
    Json,
    /// JSON on one line.
    JsonCompact,
}

/// `report` in `output`'s format, without a trailing newline.
pub fn render(report: &Value, output: Output) -> String {
    match output {
        Output::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        Output::JsonCompact => report.to_string(),
        Output::Display => {
            let mut lines = Vec::new();
            display(report, 0, &mut lines);
            lines.join("\n")
        }
    }
}

/// A scalar as a person reads it: strings without quotes, `null` as `-`.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Whether `value` prints on its key's line: a scalar, or a list of scalars.
fn inline(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) if map.is_empty() => Some("{}".into()),
        Value::Object(_) => None,
        Value::Array(items) if items.iter().all(|item| inline(item).is_some()) => Some(format!(
            "[{}]",
            items
                .iter()
                .filter_map(inline)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Value::Array(_) => None,
        other => Some(scalar(other)),
    }
}

/// `value`'s lines at `depth` (two spaces a level): `name: value`, a nested object under
/// its name, a list of objects as `-` items.
fn display(value: &Value, depth: usize, lines: &mut Vec<String>) {
    let indent = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match inline(value) {
                    Some(text) => lines.push(format!("{indent}{key}: {text}")),
                    None => {
                        lines.push(format!("{indent}{key}:"));
                        display(value, depth + 1, lines);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match inline(item) {
                    Some(text) => lines.push(format!("{indent}- {text}")),
                    None => {
                        lines.push(format!("{indent}-"));
                        display(item, depth + 1, lines);
                    }
                }
            }
        }
        other => lines.push(format!("{indent}{}", scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_format_shows_the_same_object() {
        // Keys in alphabetical order: serde_json's map may sort them.
        let report = json!({
            "paused": [false, true],
            "pool": "Pool1",
            "sent": { "compute_units": { "limit": 12 }, "signature": "Sig" },
            "steps": [{ "sent": null, "step": "pool" }],
        });
        assert_eq!(
            render(&report, Output::Display),
            "paused: [false, true]\npool: Pool1\nsent:\n  compute_units:\n    limit: 12\n  \
             signature: Sig\nsteps:\n  -\n    sent: -\n    step: pool"
        );
        let compact = render(&report, Output::JsonCompact);
        assert!(!compact.contains('\n'));
        assert_eq!(serde_json::from_str::<Value>(&compact).unwrap(), report);
        let pretty = render(&report, Output::Json);
        assert!(pretty.contains("\n  \"pool\": \"Pool1\""), "{pretty}");
        assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), report);
    }
}
