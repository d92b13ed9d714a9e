//! The world's building and the price mover on the in-process runtime, the receiver
//! stand-in registered natively at the receiver's address and the preloaded accounts
//! added: all of `--validator` but the validator process (tools/validator-suite runs
//! that).
use super::*;
use anchor_lang::prelude::Clock;

use solana_program_test::ProgramTest;

#[tokio::test(flavor = "multi_thread")]
async fn the_world_is_built_over_rpc_and_the_price_moves_through_the_stand_in() {
    let mut test = homeostat_localnet::program_test();
    test.add_program(
        "homeostat_pyth_mock",
        homeostat_pyth_mock::ID,
        solana_program_test::processor!(homeostat_pyth_mock::process),
    );
    build_and_move(test).await;
}

/// The same with the SBF builds `--validator` loads, run by the runtime's SBF virtual
/// machine: the stand-in's ELF works, and the program's reads what it writes.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the SBF builds in target/deploy: tools/validator-suite runs it"]
async fn the_sbf_builds_build_the_world_and_move_the_price() {
    // The runtime logs every instruction at debug level unless told otherwise.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut test = ProgramTest::default();
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/deploy");
    for (program, name) in [
        (homeostat::ID, "homeostat.so"),
        (homeostat_pyth_mock::ID, "homeostat_pyth_mock.so"),
    ] {
        let path = deploy.join(name);
        let elf = std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "{}: {error} (tools/validator-suite builds it)",
                path.display()
            )
        });
        test.add_account(
            program,
            solana_account::Account {
                lamports: Rent::default().minimum_balance(elf.len()),
                data: elf,
                // BPF Loader 2: runs an ELF as it is, no program-data account.
                owner: anchor_lang::pubkey!("BPFLoader2111111111111111111111111111111111"),
                executable: true,
                rent_epoch: 0,
            },
        );
    }
    build_and_move(test).await;
}

/// Builds the world on `test` (both programs registered) over the endpoint, checks it,
/// then runs the price mover for a moved clock and checks the print the pool reads.
async fn build_and_move(mut test: ProgramTest) {
    let config = Config {
        port: 0,
        folder: PathBuf::new(),
        price: 150.0,
        volatility: 0.01,
        seed: 1,
        validator: None,
    };
    let (keys, now) = (Keys::new(), 1_800_000_000);
    for account in keys
        .preloaded(&config, now)
        .expect("the preloaded accounts")
    {
        test.add_account(
            account.address,
            solana_account::Account {
                lamports: account.lamports,
                data: account.data,
                owner: account.owner,
                executable: false,
                rent_epoch: 0,
            },
        );
    }
    let context = test.start_with_context().await;
    let at = |unix_timestamp| Clock {
        unix_timestamp,
        ..Clock::default()
    };
    context.set_sysvar(&at(now));
    let url = homeostat_localnet::rpc::serve(&context).await;
    let client = PoolClient::new(&url, keys.pool, keys.oracle);

    build(&client, &keys).await.expect("the world");
    let liquidity = client.liquidity().await.expect("the pool");
    assert_eq!(liquidity.pool.keeper, keys.keeper.pubkey());
    assert!(liquidity.lp_supply > 0);
    let wallet = UserAccounts::associated(&keys.pool, keys.wallet.pubkey());
    let held = |account| client.token_balance(account);
    assert_eq!(held(wallet.base).await.expect("base"), Some(100 * ONE_BASE));
    assert_eq!(
        held(wallet.quote).await.expect("quote"),
        Some(15_000 * ONE_QUOTE)
    );
    let table = client
        .lookup_table(keys.lookup_table)
        .await
        .expect("the lookup table");
    assert_eq!(
        table.addresses,
        ix::swap_lookup_addresses(&keys.pool, keys.oracle)
    );

    // Three seconds later the mover publishes the walk's price at the cluster's time,
    // through the stand-in, and the pool accepts it.
    context.set_sysvar(&at(now + 3));
    let mover = move_price(
        PoolClient::new(&url, keys.pool, keys.oracle),
        keys.admin.insecure_clone(),
        keys.oracle,
        Walk::new(&config),
    );
    let _ = tokio::time::timeout(Duration::from_secs(3), mover).await;
    let update = client.price_update().await.expect("the oracle");
    assert_eq!(update.publish_time, now + 3);
    assert_eq!(update.write_authority, keys.admin.pubkey());
    let moved = (update.price as f64 / 1e8 / 150.0).ln() / 1.01f64.ln();
    assert!(
        (moved.round() - moved).abs() < 1e-6 && moved.abs() <= 3.0,
        "{moved}"
    );
    let snapshot = client.snapshot().await.expect("a quote's inputs");
    assert_eq!(snapshot.oracle.publish_time, now + 3);
    // The program's own checks of the print (owner, feed, age, confidence) pass.
    snapshot
        .context()
        .expect("the pool prices with the new print");
}
