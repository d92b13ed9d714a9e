//! Files tests hand to binaries: temporary folders, keypair files.

use solana_keypair::Keypair;
use solana_signer::Signer;

/// A fresh folder for one test's files (keypairs, journals), unique per process and call.
pub fn temp_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "homeostat-{name}-{}-{}",
        std::process::id(),
        Keypair::new().pubkey()
    ));
    std::fs::create_dir_all(&folder).expect("temp folder");
    folder
}

/// `keypair` written to `folder/id.json` as `solana-keygen new` writes it.
pub fn keypair_file(keypair: &Keypair, folder: &std::path::Path) -> std::path::PathBuf {
    let path = folder.join("id.json");
    solana_keypair::write_keypair_file(keypair, &path).expect("write keypair");
    path
}
