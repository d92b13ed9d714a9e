//! The Solana CLI's conventions for choosing a cluster and a signer, so every Homeostat
//! binary reads `-u/--url` and `-k/--keypair` the way `solana` does.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;

/// Where `solana-keygen new` writes the default keypair.
pub const DEFAULT_KEYPAIR: &str = "~/.config/solana/id.json";

/// A JSON-RPC URL, or one of the Solana CLI's monikers: `m`/`mainnet-beta`, `d`/`devnet`,
/// `t`/`testnet`, `l`/`localhost`. Anything else is taken as a URL.
pub fn resolve_url(url_or_moniker: &str) -> String {
    match url_or_moniker {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "l" | "localhost" => "http://127.0.0.1:8899".into(),
        url => url.into(),
    }
}

/// A flag's value that is not a public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAKey {
    /// The flag, without `--`.
    pub flag: String,
    /// What it was given.
    pub value: String,
}

impl std::fmt::Display for NotAKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--{}: `{}` is not a base-58 public key",
            self.flag, self.value
        )
    }
}

impl std::error::Error for NotAKey {}

/// The public key `value` of the flag `--flag`.
pub fn parse_key(flag: &str, value: &str) -> Result<Pubkey, NotAKey> {
    value.parse().map_err(|_| NotAKey {
        flag: flag.to_string(),
        value: value.to_string(),
    })
}

/// Why a keypair file could not be read.
#[derive(Debug)]
pub enum KeypairError {
    /// The path starts with `~/` and `HOME` is unset.
    NoHome {
        /// The path as given.
        path: String,
    },
    /// The file is missing or holds no keypair.
    Unreadable {
        /// The file, `~/` expanded.
        path: PathBuf,
        /// Why it could not be read.
        source: Box<dyn std::error::Error>,
    },
}

impl std::fmt::Display for KeypairError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoHome { path } => write!(f, "keypair {path}: `~` needs HOME to be set"),
            Self::Unreadable { path, source } => write!(f, "keypair {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for KeypairError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::NoHome { .. } => None,
            Self::Unreadable { source, .. } => Some(&**source),
        }
    }
}

/// `path` with a leading `~/` replaced by `$HOME`. Fails if it has one and `HOME` is unset.
pub fn expand_home(path: &str) -> Result<PathBuf, KeypairError> {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var("HOME")
            .map(|home| PathBuf::from(home).join(rest))
            .map_err(|_| KeypairError::NoHome {
                path: path.to_string(),
            }),
        None => Ok(PathBuf::from(path)),
    }
}

/// Reads a keypair file (a JSON array of 64 bytes, as `solana-keygen` writes it); `~/` is
/// expanded. The error names the file.
pub fn read_keypair(path: &str) -> Result<Keypair, KeypairError> {
    let expanded = expand_home(path)?;
    solana_keypair::read_keypair_file(&expanded).map_err(|source| KeypairError::Unreadable {
        path: expanded,
        source,
    })
}

/// What the user of a Homeostat binary can do about `error`, or about the first error
/// under it a convention has a remedy for. The binaries print it after the error; the
/// libraries' errors say only what happened.
pub fn advice(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(error) = error.downcast_ref::<crate::SdkError>() {
            if let Some(advice) = sdk_advice(error) {
                return Some(advice);
            }
        }
        if let Some(KeypairError::Unreadable { .. }) = error.downcast_ref::<KeypairError>() {
            return Some("create one with `solana-keygen new`, or pass --keypair");
        }
        next = error.source();
    }
    None
}

fn sdk_advice(error: &crate::SdkError) -> Option<&'static str> {
    use crate::SdkError;
    match error {
        SdkError::NotAUrl { .. } => {
            Some("give http(s)://host:port or a moniker (mainnet-beta, devnet, testnet, localhost)")
        }
        SdkError::Unreachable { .. } => Some("check the URL and that the node is running"),
        SdkError::Expired { .. } => {
            Some("send again with a higher --priority-fee or --max-priority-fee")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;

    #[test]
    fn monikers_resolve_and_urls_pass_through() {
        assert_eq!(resolve_url("d"), "https://api.devnet.solana.com");
        assert_eq!(
            resolve_url("mainnet-beta"),
            "https://api.mainnet-beta.solana.com"
        );
        assert_eq!(resolve_url("t"), "https://api.testnet.solana.com");
        assert_eq!(resolve_url("localhost"), "http://127.0.0.1:8899");
        assert_eq!(resolve_url("http://10.0.0.1:8899"), "http://10.0.0.1:8899");
    }

    #[test]
    fn home_is_expanded_only_at_the_start() {
        let home = std::env::var("HOME").expect("HOME in the test environment");
        assert_eq!(
            expand_home("~/.config/solana/id.json").expect("expanded"),
            PathBuf::from(home).join(".config/solana/id.json")
        );
        assert_eq!(
            expand_home("/tmp/~/k.json").expect("as is"),
            PathBuf::from("/tmp/~/k.json")
        );
    }

    #[test]
    fn keypair_files_are_read_and_errors_name_the_file() {
        let dir =
            std::env::temp_dir().join(format!("homeostat-sdk-keypair-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("id.json");
        let keypair = Keypair::new();
        solana_keypair::write_keypair_file(&keypair, &path).expect("write keypair");
        let read = read_keypair(path.to_str().expect("utf-8")).expect("readable keypair");
        assert_eq!(read.pubkey(), keypair.pubkey());

        std::fs::write(&path, "not a keypair").expect("overwrite");
        let error = read_keypair(path.to_str().expect("utf-8")).expect_err("garbage");
        assert!(error.to_string().contains("id.json"), "{error}");
        assert!(advice(&error).is_some_and(|advice| advice.contains("solana-keygen new")));
        let missing = dir.join("missing.json");
        let error = read_keypair(missing.to_str().expect("utf-8")).expect_err("missing");
        assert!(error.to_string().contains("missing.json"), "{error}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
