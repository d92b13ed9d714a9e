//! The Solana CLI's configuration file (`solana config set` writes it): where both
//! `homeostat` and `homeostat-keeper` find the cluster, the keypair and the commitment
//! when no flag, environment variable or file of their own names them, as `solana` does.
//!
//! Only three top-level keys are read — `json_rpc_url`, `keypair_path`, `commitment` —
//! with a small parser of the flat YAML the Solana CLI writes (`key: value`, values bare,
//! single- or double-quoted); everything else (`websocket_url`, the indented
//! `address_labels`, comments) is skipped.

use std::path::{Path, PathBuf};

use homeostat_sdk::cli_conventions::expand_home;

/// Where the Solana CLI keeps its configuration.
pub const DEFAULT_PATH: &str = "~/.config/solana/cli/config.yml";

/// Why the Solana CLI's configuration could not be read.
#[derive(Debug)]
pub enum SolanaConfigError {
    /// The file named could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of the file is not one the Solana CLI writes.
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line.
        source: LineError,
    },
}

impl std::fmt::Display for SolanaConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable { path, source } => {
                write!(f, "Solana CLI config {}: {source}", path.display())
            }
            Self::Malformed { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for SolanaConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable { source, .. } => Some(source),
            Self::Malformed { source, .. } => Some(source),
        }
    }
}

/// A line of a Solana CLI config that does not parse, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based.
    pub number: usize,
    /// The line.
    pub text: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: `{}`{}", self.number, self.text, self.problem)
    }
}

impl std::error::Error for LineError {}

/// What the Solana CLI's configuration says; a key it does not set (or sets empty) is
/// `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolanaConfig {
    /// `json_rpc_url`: the cluster.
    pub json_rpc_url: Option<String>,
    /// `keypair_path`: the signer's keypair file.
    pub keypair_path: Option<String>,
    /// `commitment`: processed, confirmed or finalized.
    pub commitment: Option<String>,
}

impl SolanaConfig {
    /// The file at `explicit` (an error if it cannot be read), else the Solana CLI's
    /// default file if there is one (none: nothing set, as for a machine that never ran
    /// `solana config set`).
    pub fn load(explicit: Option<&Path>) -> Result<Self, SolanaConfigError> {
        let (path, required): (PathBuf, bool) = match explicit {
            Some(path) => (path.to_path_buf(), true),
            None => match expand_home(DEFAULT_PATH) {
                Ok(path) => (path, false),
                // No HOME: no default file to read.
                Err(_) => return Ok(Self::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                Self::parse(&text).map_err(|source| SolanaConfigError::Malformed { path, source })
            }
            Err(error) if !required && error.kind() == std::io::ErrorKind::NotFound => {
                Ok(Self::default())
            }
            Err(source) => Err(SolanaConfigError::Unreadable { path, source }),
        }
    }

    /// The three keys of a config file's text; a line among them that is not `key: value`
    /// is an error with its number.
    pub fn parse(text: &str) -> Result<Self, LineError> {
        let mut config = Self::default();
        for (index, line) in text.lines().enumerate() {
            // Nested keys (address_labels' entries) are indented; comments and the
            // document marker are not keys.
            if line.starts_with([' ', '\t', '#']) || line.trim().is_empty() || line == "---" {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(LineError {
                    number: index + 1,
                    text: line.to_string(),
                    problem: " is not `key: value`",
                });
            };
            let slot = match key.trim() {
                "json_rpc_url" => &mut config.json_rpc_url,
                "keypair_path" => &mut config.keypair_path,
                "commitment" => &mut config.commitment,
                _ => continue,
            };
            let value = unquote(value.trim()).ok_or_else(|| LineError {
                number: index + 1,
                text: line.to_string(),
                problem: ": an unterminated quote, or text after it",
            })?;
            *slot = (!value.is_empty()).then_some(value);
        }
        Ok(config)
    }
}

/// A YAML scalar without its quotes: `'…'` (`''` is a quote), `"…"` (`\"`, `\\`
/// escapes), or bare; a ` #` after it starts a comment. `None` for an unterminated quote
/// or text after the closing one.
fn unquote(value: &str) -> Option<String> {
    let mut chars = value.char_indices().peekable();
    let quote = match value.chars().next() {
        Some(quote @ ('\'' | '"')) => quote,
        _ => {
            let bare = value.split(" #").next().unwrap_or(value);
            return Some(bare.trim().to_string());
        }
    };
    chars.next();
    let mut out = String::new();
    while let Some((index, c)) = chars.next() {
        match (quote, c) {
            ('\'', '\'') if chars.peek().map(|(_, next)| *next) == Some('\'') => {
                chars.next();
                out.push('\'');
            }
            ('"', '\\') => out.push(chars.next()?.1),
            (quote, c) if c == quote => {
                let rest = value.get(index + 1..)?.trim();
                return (rest.is_empty() || rest.starts_with('#')).then_some(out);
            }
            (_, c) => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `solana config set --url devnet --keypair …` writes.
    const WRITTEN: &str = "---\njson_rpc_url: \"https://api.devnet.solana.com\"\n\
        websocket_url: \"\"\nkeypair_path: /home/op/.config/solana/id.json\n\
        address_labels:\n  \"11111111111111111111111111111111\": System Program\n\
        commitment: confirmed\n";

    #[test]
    fn the_three_keys_are_read_and_the_rest_skipped() {
        let config = SolanaConfig::parse(WRITTEN).expect("parses");
        assert_eq!(
            config,
            SolanaConfig {
                json_rpc_url: Some("https://api.devnet.solana.com".into()),
                keypair_path: Some("/home/op/.config/solana/id.json".into()),
                commitment: Some("confirmed".into()),
            }
        );
        let quoted = SolanaConfig::parse("keypair_path: 'it''s.json' # mine\ncommitment: \"\"\n")
            .expect("parses");
        assert_eq!(quoted.keypair_path.as_deref(), Some("it's.json"));
        assert_eq!(quoted.commitment, None, "empty is unset");
    }

    #[test]
    fn malformed_lines_are_named() {
        let error = SolanaConfig::parse("---\njson_rpc_url \"x\"\n").unwrap_err();
        assert!(error.to_string().starts_with("line 2:"), "{error}");
        let error = SolanaConfig::parse("json_rpc_url: \"http://x\n").unwrap_err();
        assert!(error.to_string().contains("unterminated"), "{error}");
        assert!(
            SolanaConfig::parse("commitment: 'a' b\n").is_err(),
            "text after the quote"
        );
        let escaped = SolanaConfig::parse("keypair_path: \"a \\\" b\"\n").unwrap();
        assert_eq!(escaped.keypair_path.as_deref(), Some("a \" b"));
    }

    #[test]
    fn an_explicit_file_must_exist_the_default_need_not() {
        let missing = std::env::temp_dir().join("homeostat-no-such-solana-config.yml");
        let error = SolanaConfig::load(Some(&missing)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("homeostat-no-such-solana-config.yml"),
            "{error}"
        );
        assert!(matches!(error, SolanaConfigError::Unreadable { .. }));
    }
}
