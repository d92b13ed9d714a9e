//! Why the keeper's settings cannot be used: each error names the setting or file at fault.

use std::path::PathBuf;

/// Why the keeper's settings cannot be used.
#[derive(Debug)]
pub enum SettingsError {
    /// The `--config` file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The `--config` file is not the keeper's TOML (an unknown key, a wrong type).
    Malformed {
        /// The file.
        path: PathBuf,
        /// The parser's error, with its line.
        source: Box<toml::de::Error>,
    },
    /// No flag, variable, file or default sets a setting the run needs.
    Required {
        /// The flag's name, without `--`.
        name: String,
    },
    /// A number outside its range.
    OutOfRange {
        /// The flag's name.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The least allowed.
        low: u64,
        /// The most allowed.
        high: u64,
    },
    /// A value that is not one of the setting's.
    NotOneOf {
        /// The flag's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// The values it takes.
        allowed: &'static [&'static str],
    },
    /// A value its parser refuses (a priority fee, a commitment): the parser's error.
    Unparsable {
        /// The flag's name.
        name: &'static str,
        /// Why.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Settings that contradict each other: `--min-order-base` above `--max-order-base`,
    /// two pools of one file on one journal, ….
    Conflict(String),
    /// One of the file's `[[pools]]` tables: which (`[[pools]] #n: <setting>`), and why.
    Pool {
        /// Where in the file.
        at: String,
        /// What is wrong there.
        source: Box<SettingsError>,
    },
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Malformed { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Required { name } => write!(
                f,
                "--{name} is required (flag, environment variable or config file)"
            ),
            Self::OutOfRange {
                name,
                value,
                low,
                high,
            } => write!(f, "--{name} {value}: must be in [{low}, {high}]"),
            Self::NotOneOf {
                name,
                value,
                allowed,
            } => write!(
                f,
                "--{name} `{value}`: must be one of {}",
                allowed.join(", ")
            ),
            Self::Unparsable { name, source } => write!(f, "--{name}: {source}"),
            Self::Conflict(message) => write!(f, "{message}"),
            Self::Pool { at, source } => write!(f, "{at}: {source}"),
        }
    }
}

impl std::error::Error for SettingsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable { source, .. } => Some(source),
            Self::Malformed { source, .. } => Some(source),
            Self::Pool { source, .. } => Some(source),
            Self::Unparsable { source, .. } => Some(&**source),
            _ => None,
        }
    }
}
