//! `cargo run -p homeostat-idl` regenerates `idl/homeostat.json` from the program source
//! (Anchor's `idl-build` feature); `cargo run -p homeostat-idl -- --check` fails if the
//! committed file is stale. CI runs the check.

use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("homeostat-idl: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let check = std::env::args().skip(1).any(|arg| arg == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    // The IDL build compiles the program with other features and flags: give it its own
    // target directory so it never invalidates the main build. `RUSTUP_TOOLCHAIN` (set by
    // the rustup proxy) would make the builder try to reinstall the toolchain.
    std::env::set_var("CARGO_TARGET_DIR", root.join("target/idl"));
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    // The IDL is read from a test's output: nothing there needs the dev profile's
    // optimisation, which would only lengthen this build.
    std::env::set_var("CARGO_PROFILE_DEV_OPT_LEVEL", "0");
    let idl = IdlBuilder::new()
        .program_path(root.join("programs/homeostat"))
        .build()?;
    let json = serde_json::to_string_pretty(&idl)? + "\n";
    let path = root.join("idl/homeostat.json");
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != json {
            eprintln!(
                "{} is stale: run `cargo run -p homeostat-idl` and commit the result",
                path.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        println!("{} is current", path.display());
    } else {
        std::fs::write(&path, json)?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
