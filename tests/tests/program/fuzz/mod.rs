//! Stateful fuzzing of the whole program (the marginfi habit): sequences of [`Action`]s —
//! every instruction, every admin and keeper action, the pending changes, the clock and
//! the oracle — generated with weights by proptest, on a pool of every kind
//! ([`Setup`]: public or operator, one or two feeds, SPL Token or Token-2022 mints, a
//! config with or without a change delay). Two LPs, two traders, the keeper, the admin and
//! a stranger act. A failure shrinks to the shortest sequence that still fails and prints
//! it with its setup.
//!
//! After every step, against the real token balances:
//! * tokens are conserved: every base and quote atom is in an actor's account or a vault;
//! * LP shares are conserved: the LP mint's supply is what the actors hold;
//! * the vaults hold at least the protocol fees owed, and the pool's invariant holds;
//! * every refusal is a named error (Homeostat's, or Anchor's account checks) — never a
//!   panic or an unnamed failure.
//!
//! The first half of a sequence runs at a fixed oracle price (only its publish time moves):
//! at its end no trader and not the stranger is richer than they started, valued at that
//! price. Then the price moves.
//!
//! `cargo test --workspace --test program fuzz` runs a bounded number of sequences;
//! `HOMEOSTAT_FUZZ_SEQUENCES=10000 cargo test --workspace --test program fuzz -- --nocapture`
//! the long mode (counts in docs/security.md).

use std::cell::RefCell;
use std::collections::BTreeMap;

use homeostat::errors::HomeostatError;
use homeostat_localnet::{
    default_params, operator_params, pyth_price, quote_price_update, sol_at_150, Harness,
    MintSetup, User, ONE_BASE, ONE_QUOTE, TOKEN_2022,
};
use homeostat_sdk::pda::PoolAddresses;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::{InstructionError, TransactionError};

mod act;
mod strategy;

use act::act;
use strategy::{action, setup, Action, By, Setup, MAX_STEPS};

/// What a run observed.
#[derive(Default)]
struct Tally {
    sequences: u64,
    steps: u64,
    accepted: BTreeMap<&'static str, u64>,
    refusals: BTreeMap<String, u64>,
    setups: BTreeMap<String, u64>,
}

struct World {
    lps: Vec<User>,
    traders: Vec<User>,
    stranger: User,
    admin_accounts: User,
    admin: Keypair,
    keeper: Keypair,
    price: f64,
}

impl World {
    fn all(&self) -> impl Iterator<Item = &User> {
        self.lps
            .iter()
            .chain(&self.traders)
            .chain([&self.stranger, &self.admin_accounts])
    }

    fn signer(&self, by: By, authority: &Keypair) -> Keypair {
        match by {
            By::Authority => authority.insecure_clone(),
            By::Stranger => self.stranger.keypair.insecure_clone(),
        }
    }
}

fn copy(user: &User) -> User {
    User {
        keypair: user.keypair.insecure_clone(),
        ..*user
    }
}

/// A refusal's name; a failure that is not a named error fails the sequence.
fn name(error: &TransactionError) -> Result<String, String> {
    match error {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            if let Some(error) = HomeostatError::from_code(*code) {
                return Ok(error.name());
            }
            // Anchor's own account-validation errors (constraints, account checks).
            if (100..6_000).contains(code) {
                Ok(format!("Anchor({code})"))
            } else {
                Err(format!("unnamed custom error {code}: {error:?}"))
            }
        }
        other => Err(format!(
            "a refusal that is not a named program error: {other:?}"
        )),
    }
}

async fn value(harness: &mut Harness, pool: &PoolAddresses, user: &User, price: f64) -> f64 {
    let base = harness.balance(&user.base).await as f64 / ONE_BASE as f64;
    let quote = harness.balance(&user.quote).await as f64 / ONE_QUOTE as f64;
    let shares = harness.lp_shares(pool, user).await;
    let lp_value = if shares == 0 {
        0.0
    } else {
        let state = harness.pool_state(pool).await;
        let supply = harness.supply(&pool.lp_mint).await as f64 + 1_000.0;
        let base_vault = harness.balance(&pool.base_vault).await - state.protocol_fees_base;
        let quote_vault = harness.balance(&pool.quote_vault).await - state.protocol_fees_quote;
        shares as f64 / supply
            * (base_vault as f64 / ONE_BASE as f64 * price + quote_vault as f64 / ONE_QUOTE as f64)
    };
    base * price + quote + lp_value
}

async fn totals(harness: &mut Harness, pool: &PoolAddresses, world: &World) -> (u64, u64, u64) {
    let (mut base, mut quote, mut shares) = (0, 0, 0);
    for user in world.all() {
        base += harness.balance(&user.base).await;
        quote += harness.balance(&user.quote).await;
        shares += harness.lp_shares(pool, user).await;
    }
    base += harness.balance(&pool.base_vault).await;
    quote += harness.balance(&pool.quote_vault).await;
    (base, quote, shares)
}

async fn check_invariants(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    tokens: (u64, u64),
) -> Result<(), String> {
    let (base, quote, shares) = totals(harness, pool, world).await;
    let supply = harness.supply(&pool.lp_mint).await;
    let state = harness.pool_state(pool).await;
    let (base_vault, quote_vault) = (
        harness.balance(&pool.base_vault).await,
        harness.balance(&pool.quote_vault).await,
    );
    if (base, quote) != tokens {
        return Err(format!(
            "tokens not conserved: {:?} → {:?}",
            tokens,
            (base, quote)
        ));
    }
    if shares != supply {
        return Err(format!(
            "LP shares not conserved: held {shares}, supply {supply}"
        ));
    }
    if state.protocol_fees_base > base_vault || state.protocol_fees_quote > quote_vault {
        return Err("the vaults do not cover the protocol fees owed".into());
    }
    state
        .invariant()
        .map_err(|error| format!("pool invariant: {error:?}"))
}

/// Publishes the current price at the current time (both feeds of a two-feed pool).
fn publish(harness: &mut Harness, price: f64) {
    harness.set_price(pyth_price(price), pyth_price(price * 0.000_3));
    if harness.quote_oracle.is_some() {
        let now = harness.now;
        harness.set_quote_oracle(&quote_price_update(
            pyth_price(1.0),
            pyth_price(0.000_1),
            now,
        ));
    }
}

/// The harnesses of every setup but the pool's kind (operator or public): pools of one
/// runtime share its mints, its config and its feeds.
struct Runtimes {
    runtime: tokio::runtime::Runtime,
    harnesses: BTreeMap<(bool, bool, bool), (Harness, u16)>,
}

impl Runtimes {
    fn new() -> Self {
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            harnesses: BTreeMap::new(),
        }
    }

    /// Makes sure the harness of `setup` exists; the index of a fresh pool in it.
    fn prepare(&mut self, setup: Setup) -> u16 {
        let key = (setup.two_feeds, setup.token_2022, setup.delayed);
        let runtime = &self.runtime;
        let entry = self.harnesses.entry(key).or_insert_with(|| {
            let harness = runtime.block_on(async {
                let mints = if setup.token_2022 {
                    MintSetup {
                        base_token_program: TOKEN_2022,
                        quote_token_program: TOKEN_2022,
                    }
                } else {
                    MintSetup::default()
                };
                let mut harness =
                    Harness::start_configured(mints, if setup.delayed { 3_600 } else { 0 }).await;
                if setup.two_feeds {
                    let now = harness.now;
                    harness.use_quote_feed(&quote_price_update(
                        pyth_price(1.0),
                        pyth_price(0.000_1),
                        now,
                    ));
                }
                harness
            });
            (harness, 0)
        });
        let index = entry.1;
        // One runtime holds up to 65 536 pools (the index is a u16).
        entry.1 = entry.1.wrapping_add(1);
        index
    }
}

/// Runs one sequence on a fresh pool of `setup`: the invariants after every step.
async fn sequence(
    harness: &mut Harness,
    index: u16,
    setup: Setup,
    actions: &[Action],
    tally: &mut Tally,
) -> Result<(), String> {
    // Each pool's rent comes from the admin: top it up so long runs do not run dry.
    let admin = harness.admin.pubkey();
    harness.airdrop(&admin, 100_000_000).await;
    let pool = harness.pool_at(index);
    publish(harness, 150.0);
    let params = if setup.operator {
        operator_params()
    } else {
        default_params()
    };
    harness
        .initialize_pool(&pool, params)
        .await
        .map_err(|error| format!("initialize_pool: {error:?}"))?;
    let mut world = World {
        // The first LP is the pool's admin: the first deposit is the admin's.
        lps: vec![
            harness
                .admin_user(2_000 * ONE_BASE, 300_000 * ONE_QUOTE)
                .await,
            harness.new_user(500 * ONE_BASE, 75_000 * ONE_QUOTE).await,
        ],
        traders: vec![
            harness.new_user(200 * ONE_BASE, 30_000 * ONE_QUOTE).await,
            harness.new_user(50 * ONE_BASE, 60_000 * ONE_QUOTE).await,
        ],
        stranger: harness.new_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await,
        admin_accounts: harness.new_user(0, 0).await,
        admin: harness.admin.insecure_clone(),
        keeper: harness.keeper.insecure_clone(),
        price: 150.0,
    };
    let first = copy(&world.lps[0]);
    harness
        .deposit(&pool, &first, sol_at_150(1_000))
        .await
        .map_err(|error| format!("seed: {error:?}"))?;
    let (base, quote, _) = totals(harness, &pool, &world).await;
    let tokens = (base, quote);
    let watched: Vec<User> = world
        .traders
        .iter()
        .chain([&world.stranger])
        .map(copy)
        .collect();
    let mut start_values = Vec::new();
    for user in &watched {
        start_values.push(value(harness, &pool, user, 150.0).await);
    }
    let fixed_steps = actions.len() / 2;
    for (step, action) in actions.iter().enumerate() {
        let (what, result) = act(harness, &pool, &mut world, action, step < fixed_steps).await;
        match result {
            Ok(()) => *tally.accepted.entry(what).or_default() += 1,
            Err(error) => {
                *tally
                    .refusals
                    .entry(name(&error).map_err(|e| format!("step {step}: {e}"))?)
                    .or_default() += 1
            }
        }
        tally.steps += 1;
        check_invariants(harness, &pool, &world, tokens)
            .await
            .map_err(|error| format!("after step {step} ({action:?}): {error}"))?;
        if step + 1 == fixed_steps {
            for (user, start) in watched.iter().zip(&start_values) {
                let now = value(harness, &pool, user, 150.0).await;
                if now > start + 1e-6 {
                    return Err(format!("a trader gained at a fixed price: {start} → {now}"));
                }
            }
        }
    }
    *tally.setups.entry(format!("{setup:?}")).or_default() += 1;
    tally.sequences += 1;
    Ok(())
}

#[test]
fn random_sequences_keep_every_invariant() {
    let sequences: u32 = std::env::var("HOMEOSTAT_FUZZ_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let started = std::time::Instant::now();
    let runtimes = RefCell::new(Runtimes::new());
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(Config {
        cases: sequences,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (setup(), prop::collection::vec(action(), 1..=MAX_STEPS));
    let result = runner.run(&strategy, |(setup, actions)| {
        let mut runtimes = runtimes.borrow_mut();
        let index = runtimes.prepare(setup);
        let Runtimes { runtime, harnesses } = &mut *runtimes;
        let key = (setup.two_feeds, setup.token_2022, setup.delayed);
        let harness = &mut harnesses.get_mut(&key).expect("prepared").0;
        runtime
            .block_on(sequence(
                harness,
                index,
                setup,
                &actions,
                &mut tally.borrow_mut(),
            ))
            .map_err(TestCaseError::fail)
    });
    let tally = tally.into_inner();
    eprintln!(
        "fuzz: {} sequences, {} steps in {:.1} s; accepted: {:?}; refusals: {:?}; setups: {:?}",
        tally.sequences,
        tally.steps,
        started.elapsed().as_secs_f64(),
        tally.accepted,
        tally.refusals,
        tally.setups.len()
    );
    if let Err(error) = result {
        panic!("{error}");
    }
    assert_eq!(u64::from(sequences), tally.sequences);
    assert!(
        tally.refusals.contains_key("Unauthorized") && tally.accepted.contains_key("swap"),
        "the stranger was refused and trades happened: {:?}",
        tally.refusals
    );
}
