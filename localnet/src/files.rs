//! Files tests hand to binaries: temporary folders, keypair files.

use solana_keypair::Keypair;
use solana_signer::Signer;

/// A fresh folder for one test's files (keypairs, journals), unique per process and call,
/// removed with everything in it when dropped — keep it bound while its files are used.
pub fn temp_folder(name: &str) -> TempFolder {
    let folder = std::env::temp_dir().join(format!(
        "homeostat-{name}-{}-{}",
        std::process::id(),
        Keypair::new().pubkey()
    ));
    std::fs::create_dir_all(&folder).expect("temp folder");
    TempFolder(folder)
}

/// A folder [`temp_folder`] made; it goes when this does.
#[derive(Debug)]
pub struct TempFolder(std::path::PathBuf);

impl std::ops::Deref for TempFolder {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempFolder {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // Best effort: a test that failed mid-way may have left a process holding a file.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `keypair` written to `folder/id.json` as `solana-keygen new` writes it.
pub fn keypair_file(keypair: &Keypair, folder: &std::path::Path) -> std::path::PathBuf {
    let path = folder.join("id.json");
    solana_keypair::write_keypair_file(keypair, &path).expect("write keypair");
    path
}
