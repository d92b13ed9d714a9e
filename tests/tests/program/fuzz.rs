#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

//! Stateful fuzzing of the whole program (the marginfi habit): random sequences over every
//! instruction, with several actors — two LPs, two traders, the keeper, the admin and a
//! stranger — the clock and the oracle moving, pauses and parameter updates in between.
//!
//! After every step:
//! * tokens are conserved: every base and quote atom is in an actor's account or a vault;
//! * LP shares are conserved: the LP mint's supply is what the actors hold;
//! * the vaults hold at least the protocol fees owed, and the pool's invariant holds;
//! * every refusal is a named error (Homeostat's, or Anchor's account checks) — never a
//!   panic or an unnamed failure.
//!
//! Each sequence first runs with the oracle price fixed (only its publish time moves):
//! at its end no trader and not the stranger is richer than they started, valued at that
//! price. Then the price moves.
//!
//! `cargo test -p homeostat-tests --test program fuzz` runs a bounded number of sequences;
//! `HOMEOSTAT_FUZZ_SEQUENCES=10000 HOMEOSTAT_FUZZ_SEED=7 CARGO_PROFILE_RELEASE_LTO=false
//! CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo test --release -p homeostat-tests --test program fuzz
//! -- --nocapture` the long mode (≈ 25 min; figures in docs/security.md).

use std::collections::BTreeMap;

use homeostat::PoolParams;
use homeostat_localnet::TransactionError;
use homeostat_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::InstructionError;

const STEPS: usize = 40;
const FIXED_PRICE_STEPS: usize = 20;

/// What a run observed.
#[derive(Default)]
struct Tally {
    sequences: u64,
    steps: u64,
    accepted: u64,
    refusals: BTreeMap<String, u64>,
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
}

/// A refusal's name, or a panic if it is not a named error.
fn name(error: &TransactionError) -> String {
    match error {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            if let Some(error) = HomeostatError::from_code(*code) {
                return error.name();
            }
            // Anchor's own account-validation errors (constraints, account checks).
            assert!(
                (100..6_000).contains(code),
                "unnamed custom error {code}: {error:?}"
            );
            format!("Anchor({code})")
        }
        other => panic!("a refusal that is not a named program error: {other:?}"),
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
) {
    let (base, quote, shares) = totals(harness, pool, world).await;
    assert_eq!((base, quote), tokens, "tokens are conserved");
    assert_eq!(
        shares,
        harness.supply(&pool.lp_mint).await,
        "LP shares are conserved"
    );
    let state = harness.pool_state(pool).await;
    assert!(state.protocol_fees_base <= harness.balance(&pool.base_vault).await);
    assert!(state.protocol_fees_quote <= harness.balance(&pool.quote_vault).await);
    state.invariant().expect("pool invariant");
}

/// Publishes the current price at the current time.
fn publish(harness: &mut Harness, price: f64) {
    harness.set_price(pyth_price(price), pyth_price(price * 0.000_3));
}

async fn one_step(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &mut World,
    rng: &mut XorShift,
    moving: bool,
) -> Result<(), TransactionError> {
    // The clock moves 1–5 s; the oracle publishes (a new price only in the moving phase).
    let now = harness.now + 1 + rng.below(5) as i64;
    harness.set_time(now);
    if moving {
        let step = (rng.below(2001) as f64 - 1_000.0) / 1_000.0 * 0.002;
        world.price *= 1.0 + step;
    }
    publish(harness, world.price);
    let fraction = |rng: &mut XorShift, amount: u64| amount / 100 * (1 + rng.below(60));
    match rng.below(100) {
        0..=39 => {
            let trader = &world.traders[rng.below(2) as usize];
            let direction = rng.below(2) as u8;
            let exact_in = rng.below(2) == 0;
            let (base, quote) = (
                harness.balance(&trader.base).await,
                harness.balance(&trader.quote).await,
            );
            let trader = User {
                keypair: trader.keypair.insecure_clone(),
                ..*trader
            };
            match (direction, exact_in) {
                (0, true) => {
                    harness
                        .swap_exact_in(pool, &trader, SELL, fraction(rng, base) / 4 + 1, 1)
                        .await
                }
                (1, true) => {
                    harness
                        .swap_exact_in(pool, &trader, BUY, fraction(rng, quote) / 4 + 1, 1)
                        .await
                }
                (0, false) => {
                    harness
                        .swap_exact_out(pool, &trader, SELL, fraction(rng, quote) / 8 + 1, base)
                        .await
                }
                _ => {
                    harness
                        .swap_exact_out(pool, &trader, BUY, fraction(rng, base) / 8 + 1, quote)
                        .await
                }
            }
        }
        40..=51 => {
            let lp = &world.lps[rng.below(2) as usize];
            let (base, quote) = (
                harness.balance(&lp.base).await,
                harness.balance(&lp.quote).await,
            );
            let lp = User {
                keypair: lp.keypair.insecure_clone(),
                ..*lp
            };
            harness
                .deposit(pool, &lp, fraction(rng, base), fraction(rng, quote), 0)
                .await
        }
        52..=61 => {
            let lp = &world.lps[rng.below(2) as usize];
            let shares = harness.lp_shares(pool, lp).await;
            let lp = User {
                keypair: lp.keypair.insecure_clone(),
                ..*lp
            };
            harness
                .withdraw(pool, &lp, fraction(rng, shares) + 1, 0, 0)
                .await
        }
        62..=71 => {
            let signer = if rng.below(4) == 0 {
                world.stranger.keypair.insecure_clone()
            } else {
                world.keeper.insecure_clone()
            };
            harness.rebalance(pool, &signer).await
        }
        72..=81 => {
            let state = harness.pool_state(pool).await;
            let signer = if rng.below(4) == 0 {
                world.stranger.keypair.insecure_clone()
            } else {
                world.keeper.insecure_clone()
            };
            let seq = if rng.below(5) == 0 {
                rng.below(4)
            } else {
                state.rebalance_seq
            };
            let filled = (rng.below(80) as i64 - 40) * ONE_BASE as i64;
            let price =
                homeostat_math::Fixed::from_int((world.price * ONE_QUOTE as f64) as i64).to_bits();
            harness
                .record_hedge(pool, &signer, seq, filled, price)
                .await
        }
        82..=86 => {
            let signer = if rng.below(3) == 0 {
                world.stranger.keypair.insecure_clone()
            } else {
                world.admin.insecure_clone()
            };
            let paused = rng.below(2) == 0;
            harness.set_paused(pool, &signer, paused).await
        }
        87..=93 => {
            let signer = if rng.below(3) == 0 {
                world.stranger.keypair.insecure_clone()
            } else {
                world.admin.insecure_clone()
            };
            let params = PoolParams {
                fee_bps: rng.below(50) as u16,
                protocol_share_bps: rng.below(5_000) as u16,
                inventory_cap: (20 + rng.below(200)) * ONE_BASE,
                min_half_spread: fixed(rng.below(20) as i128, 10_000),
                ..default_params()
            };
            harness.update_params(pool, &signer, params).await
        }
        _ => {
            let (signer, destination) = if rng.below(3) == 0 {
                (world.stranger.keypair.insecure_clone(), &world.stranger)
            } else {
                (world.admin.insecure_clone(), &world.admin_accounts)
            };
            let (base, quote) = (destination.base, destination.quote);
            harness
                .collect_protocol_fees(pool, &signer, base, quote)
                .await
        }
    }
}

async fn sequence(harness: &mut Harness, index: u16, seed: u64, tally: &mut Tally) {
    let mut rng = XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    // Each pool's rent comes from the admin: top it up so long runs do not run dry.
    let admin = harness.admin.pubkey();
    harness.airdrop(&admin, 100_000_000).await;
    let pool = harness.pool_at(index);
    publish(harness, 150.0);
    harness
        .initialize_pool(&pool, default_params())
        .await
        .expect("pool");
    let mut world = World {
        // The first LP is the pool's admin: the first deposit is the admin's (it fixes
        // the reference depth).
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
    let first = User {
        keypair: world.lps[0].keypair.insecure_clone(),
        ..world.lps[0]
    };
    harness
        .deposit(&pool, &first, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE, 1)
        .await
        .expect("seed");
    let (base, quote, _) = totals(harness, &pool, &world).await;
    let tokens = (base, quote);
    let mut start_values = Vec::new();
    for user in world.traders.iter().chain([&world.stranger]) {
        let user = User {
            keypair: user.keypair.insecure_clone(),
            ..*user
        };
        start_values.push(value(harness, &pool, &user, 150.0).await);
    }
    for step in 0..STEPS {
        let moving = step >= FIXED_PRICE_STEPS;
        match one_step(harness, &pool, &mut world, &mut rng, moving).await {
            Ok(()) => tally.accepted += 1,
            Err(error) => *tally.refusals.entry(name(&error)).or_default() += 1,
        }
        tally.steps += 1;
        check_invariants(harness, &pool, &world, tokens).await;
        if step + 1 == FIXED_PRICE_STEPS {
            let users: Vec<User> = world
                .traders
                .iter()
                .chain([&world.stranger])
                .map(|user| User {
                    keypair: user.keypair.insecure_clone(),
                    ..*user
                })
                .collect();
            for (user, start) in users.iter().zip(&start_values) {
                let now = value(harness, &pool, user, 150.0).await;
                assert!(
                    now <= start + 1e-6,
                    "seed {seed}: a trader gained at a fixed price: {start} → {now}"
                );
            }
        }
    }
    tally.sequences += 1;
}

#[tokio::test]
async fn random_sequences_keep_every_invariant() {
    let sequences: u64 = std::env::var("HOMEOSTAT_FUZZ_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("HOMEOSTAT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let mut harness = Harness::start().await;
    for index in 0..sequences {
        // One runtime holds up to 65 536 pools (the index is a u16); start a new one after.
        if index > 0 && index % 65_536 == 0 {
            harness = Harness::start().await;
        }
        sequence(
            &mut harness,
            (index % 65_536) as u16,
            seed.wrapping_add(index),
            &mut tally,
        )
        .await;
        if (index + 1) % 500 == 0 {
            eprintln!(
                "fuzz: {} sequences, {} steps, {} accepted, {:.0} s so far",
                index + 1,
                tally.steps,
                tally.accepted,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "fuzz: {} sequences, {} steps ({} accepted) in {:.1} s; refusals: {:?}",
        tally.sequences,
        tally.steps,
        tally.accepted,
        started.elapsed().as_secs_f64(),
        tally.refusals
    );
    assert!(
        tally.accepted > tally.steps / 4,
        "most steps should do something"
    );
    assert!(
        tally.refusals.contains_key("Unauthorized"),
        "the stranger was refused"
    );
}
