//! The Solana CLI's conventions for choosing a cluster and a signer, so every Homeostat
//! binary reads `-u/--url` and `-k/--keypair` the way `solana` does.

use std::path::PathBuf;

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

/// `path` with a leading `~/` replaced by `$HOME`. Fails if it has one and `HOME` is unset.
pub fn expand_home(path: &str) -> Result<PathBuf, String> {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var("HOME")
            .map(|home| PathBuf::from(home).join(rest))
            .map_err(|_| format!("keypair {path}: `~` needs HOME to be set")),
        None => Ok(PathBuf::from(path)),
    }
}

/// Reads a keypair file (a JSON array of 64 bytes, as `solana-keygen` writes it); `~/` is
/// expanded. The error names the file and how to make one.
pub fn read_keypair(path: &str) -> Result<Keypair, String> {
    let expanded = expand_home(path)?;
    solana_keypair::read_keypair_file(&expanded).map_err(|error| {
        format!(
            "keypair {}: {error} (create one with `solana-keygen new`, or pass --keypair)",
            expanded.display()
        )
    })
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
        assert!(
            error.contains("id.json") && error.contains("solana-keygen new"),
            "{error}"
        );
        let missing = dir.join("missing.json");
        let error = read_keypair(missing.to_str().expect("utf-8")).expect_err("missing");
        assert!(error.contains("missing.json"), "{error}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
