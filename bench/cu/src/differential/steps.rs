//! The random walk's steps: a pool and a kind of step drawn, then the step — a swap, a
//! deposit, a withdrawal, a rebalance or the hedge recorded for it, or a clock move with a
//! price print (and half the time a signed Pyth Pro update posted). The seeded generator's
//! draws come in a fixed order: a run is replayed by its seed.

use homeostat::instructions::{DepositArgs, WithdrawArgs};
use homeostat::state::Pool;
use homeostat_localnet::{
    price_update, pro_feed, pro_message, pro_payload, pro_signer, pyth_price, SwapIn, SwapOut,
    XorShift, PRO_CHANNEL_200MS, PRO_FEED_ID,
};
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use super::twin::{Mismatch, Twin};
use crate::genesis::{Genesis, Wallet, ONE_BASE, ONE_QUOTE};

/// One random step.
pub(super) async fn step(twin: &mut Twin, rng: &mut XorShift) -> Result<(), Mismatch> {
    let index = rng.below(twin.pools.len() as u64) as usize;
    let pool = twin.pools[index];
    let roll = rng.below(100);
    match roll {
        0..=49 => swap(twin, rng, index, pool).await,
        50..=61 => deposit(twin, rng, pool).await,
        62..=73 => withdraw(twin, rng, pool).await,
        74..=85 => rebalance_or_hedge(twin, rng, pool).await,
        _ => tick(twin, rng, index, pool).await,
    }
}

/// A swap by one of the traders (users 3..6): mostly with the pool's order flow, of
/// either form, dust now and then, the slippage bound now and then the SDK's quote
/// exactly or one atom past it. A success must have moved exactly the quote.
async fn swap(
    twin: &mut Twin,
    rng: &mut XorShift,
    index: usize,
    pool: PoolAddresses,
) -> Result<(), Mismatch> {
    let users = twin.world.users.len() as u64;
    let trader = &twin.world.users[(3 + rng.below(users - 3)) as usize];
    let (keypair, accounts) = (
        trader.keypair.insecure_clone(),
        trader.accounts(&pool.lp_mint),
    );
    let direction = if rng.below(10) < 6 {
        twin.flow[index]
    } else {
        opposite(twin.flow[index])
    };
    let exact_in = rng.below(2) == 0;
    let amount = swap_amount(rng, direction, exact_in);
    let snapshot = twin.snapshot(&pool).await;
    let quote = if exact_in {
        snapshot.quote_exact_in(direction, amount)
    } else {
        snapshot.quote_exact_out(direction, amount)
    };
    let limit = slippage_limit(&quote, rng.below(20), exact_in);
    let oracle = twin.world.oracle;
    let (kind, instruction) = if exact_in {
        let swap = ix::swap_exact_in(
            &pool,
            oracle,
            &accounts,
            SwapIn {
                direction,
                amount_in: amount,
                min_amount_out: limit,
            },
        );
        ("swap_exact_in", swap)
    } else {
        let swap = ix::swap_exact_out(
            &pool,
            oracle,
            &accounts,
            SwapOut {
                direction,
                amount_out: amount,
                max_amount_in: limit,
            },
        );
        ("swap_exact_out", swap)
    };
    let (pay, receive) = match direction {
        Direction::BaseToQuote => (accounts.base, accounts.quote),
        Direction::QuoteToBase => (accounts.quote, accounts.base),
    };
    let before = (twin.sbf_amount(&pay), twin.sbf_amount(&receive));
    let result = twin.execute(kind, &[instruction], &[&keypair]).await?;
    let after = (twin.sbf_amount(&pay), twin.sbf_amount(&receive));
    check_quoted(twin, kind, result, quote, before, after)
}

/// A swap's size: mostly 0.01 – 80 base (or its value), now and then dust.
fn swap_amount(rng: &mut XorShift, direction: Direction, exact_in: bool) -> u64 {
    let base_sized = (direction == Direction::BaseToQuote) == exact_in;
    let (low, high) = if base_sized {
        (ONE_BASE / 100, 80 * ONE_BASE)
    } else {
        (ONE_QUOTE, 12_000 * ONE_QUOTE)
    };
    if rng.below(10) == 0 {
        log_uniform(rng, 1, low)
    } else {
        log_uniform(rng, low, high)
    }
}

/// A swap's slippage bound, by the draw `tight` (0..20): mostly none; sometimes the
/// quote's exact bound, or one atom past it (which must fail in both).
fn slippage_limit(quote: &homeostat_sdk::Result<SwapQuote>, tight: u64, exact_in: bool) -> u64 {
    match (quote, tight, exact_in) {
        (Ok(quote), 0..=2, true) => quote.amount_out,
        (Ok(quote), 3..=4, true) => quote.amount_out.saturating_add(1),
        (Ok(quote), 0..=2, false) => quote.amount_in,
        (Ok(quote), 3..=4, false) => quote.amount_in.saturating_sub(1),
        (_, _, true) => 1,
        (_, _, false) => u64::MAX,
    }
}

/// A successful swap must have moved what the SDK quoted: the trader's (paid, received)
/// from its token balances `before` and `after`, in the SBF runtime.
fn check_quoted(
    twin: &mut Twin,
    kind: &str,
    result: Result<(), TransactionError>,
    quote: homeostat_sdk::Result<SwapQuote>,
    before: (u64, u64),
    after: (u64, u64),
) -> Result<(), Mismatch> {
    match (result, quote) {
        (Ok(()), Ok(quote)) => {
            let (paid, received) = (before.0 - after.0, after.1 - before.1);
            if (paid, received) != (quote.amount_in, quote.amount_out) {
                return Err(format!(
                    "{kind}: the SBF program moved {paid} in / {received} out, the SDK quoted {} / {}",
                    quote.amount_in, quote.amount_out
                ));
            }
            twin.report.quoted += 1;
        }
        (Ok(()), Err(error)) => {
            return Err(format!(
                "{kind}: executed on both, but the SDK's quote failed: {error}"
            ));
        }
        (Err(_), _) => {}
    }
    Ok(())
}

/// A deposit by an LP (users 0..3) or the admin, at a random ratio around the price;
/// one in ten asks for more shares than it can get.
async fn deposit(twin: &mut Twin, rng: &mut XorShift, pool: PoolAddresses) -> Result<(), Mismatch> {
    let lp = random_lp(&twin.world, rng);
    let (keypair, accounts) = (lp.keypair.insecure_clone(), lp.accounts(&pool.lp_mint));
    let max_base = log_uniform(rng, 1_000, 300 * ONE_BASE);
    let ratio = twin.price * (0.5 + 1.5 * unit(rng));
    let max_quote = (max_base as f64 * ratio / 1_000.0) as u64;
    let min_shares = if rng.below(10) == 0 { u64::MAX / 2 } else { 1 };
    let instruction = ix::deposit(
        &pool,
        &accounts,
        DepositArgs {
            max_base,
            max_quote,
            min_shares,
        },
    );
    // Success or the same failure in both: counted in the report.
    let _ = twin.execute("deposit", &[instruction], &[&keypair]).await?;
    Ok(())
}

/// A withdrawal: a random part of what the LP holds, sometimes all of it or more.
async fn withdraw(
    twin: &mut Twin,
    rng: &mut XorShift,
    pool: PoolAddresses,
) -> Result<(), Mismatch> {
    let lp = random_lp(&twin.world, rng);
    let (keypair, accounts) = (lp.keypair.insecure_clone(), lp.accounts(&pool.lp_mint));
    let held = twin.amount(&accounts.lp).await;
    let shares = match rng.below(10) {
        0 => held,
        1 => held.saturating_add(1),
        _ => (held as f64 * unit(rng)) as u64,
    };
    let instruction = ix::withdraw(
        &pool,
        &accounts,
        WithdrawArgs {
            shares,
            min_base: 0,
            min_quote: 0,
        },
    );
    // Success or the same failure in both: counted in the report.
    let _ = twin
        .execute("withdraw", &[instruction], &[&keypair])
        .await?;
    Ok(())
}

/// The keeper at work: half the time on the pool furthest out of its band (as a keeper
/// acts), else on `pool`; where a rebalance request is pending, two times in three the
/// hedge recorded for it, else a rebalance.
async fn rebalance_or_hedge(
    twin: &mut Twin,
    rng: &mut XorShift,
    pool: PoolAddresses,
) -> Result<(), Mismatch> {
    let pool = if rng.below(2) == 0 {
        furthest_out_of_band(twin, pool).await
    } else {
        pool
    };
    let keeper = twin.world.keeper.insecure_clone();
    let state = twin.pool(&pool.pool).await;
    if state.rebalance_seq > state.recorded_seq && rng.below(3) > 0 {
        record_hedge(twin, rng, &pool, &state, &keeper).await
    } else {
        let instruction = ix::rebalance(&pool, twin.world.oracle, keeper.pubkey());
        // Success or the same failure in both: counted in the report.
        let _ = twin
            .execute("rebalance", &[instruction], &[&keeper])
            .await?;
        Ok(())
    }
}

/// The pool furthest out of its band by the SDK's reading of the accounts (`fallback`
/// when none is out).
async fn furthest_out_of_band(twin: &mut Twin, fallback: PoolAddresses) -> PoolAddresses {
    let mut furthest = (fallback, 0.0);
    for candidate in twin.pools.clone() {
        let snapshot = twin.snapshot(&candidate).await;
        if let (Ok(net), Ok(band)) = (snapshot.net_delta(), snapshot.hedge_band()) {
            let reach = net.unsigned_abs() as f64 / band.max(1) as f64;
            if reach > furthest.1 {
                furthest = (candidate, reach);
            }
        }
    }
    furthest.0
}

/// The hedge of the pending request recorded: up to 110 % of it filled, at its price
/// ± 12 %.
async fn record_hedge(
    twin: &mut Twin,
    rng: &mut XorShift,
    pool: &PoolAddresses,
    state: &Pool,
    keeper: &Keypair,
) -> Result<(), Mismatch> {
    let requested = i64::from_le_bytes(state.pending_request_base);
    let filled = (requested as f64 * unit(rng) * 1.1) as i64;
    let price = state.pending_request_price.get().to_bits();
    let skew = (price as f64 * (unit(rng) - 0.5) * 0.24) as i128;
    let instruction = ix::record_hedge(
        pool.pool,
        keeper.pubkey(),
        state.rebalance_seq,
        filled,
        homeostat_math::LotPrice::new(homeostat_math::Fixed::from_bits(price + skew)),
    );
    // Success or the same failure in both: counted in the report.
    let _ = twin
        .execute("record_hedge", &[instruction], &[keeper])
        .await?;
    Ok(())
}

/// Time passes and the oracle prints a new price (now and then an old one); half the time
/// a signed Pyth Pro update of it is posted to `pool`.
async fn tick(
    twin: &mut Twin,
    rng: &mut XorShift,
    index: usize,
    pool: PoolAddresses,
) -> Result<(), Mismatch> {
    let (published, conf) = print_price(twin, rng, index);
    if rng.below(2) == 0 {
        post_pro(twin, rng, &pool, published, conf).await?;
    }
    Ok(())
}

/// The clock moves 1 – 25 s, the pool's order flow flips one time in three, the price
/// moves up to ±1 % and the oracle prints it (one print in ten 30 s old): the print's
/// publish time and confidence.
fn print_price(twin: &mut Twin, rng: &mut XorShift, index: usize) -> (i64, f64) {
    twin.clock.unix_timestamp += 1 + rng.below(25) as i64;
    if rng.below(3) == 0 {
        twin.flow[index] = opposite(twin.flow[index]);
    }
    twin.price = (twin.price * (1.0 + (unit(rng) - 0.5) * 0.02)).clamp(60.0, 400.0);
    let conf = 0.01 + 0.4 * unit(rng);
    let published = twin.clock.unix_timestamp - if rng.below(10) == 0 { 30 } else { 0 };
    let account = homeostat_localnet::oracle_account(&price_update(
        pyth_price(twin.price),
        pyth_price(conf),
        published,
    ));
    let oracle = twin.world.oracle;
    twin.set_account(oracle, account);
    twin.set_clock();
    twin.report.ticks += 1;
    (published, conf)
}

/// A signed Pyth Pro update of the printed price posted to the pool (the ed25519
/// precompile's check before it): verified, decoded and booked alike by both builds —
/// now and then an old one, which both refuse.
async fn post_pro(
    twin: &mut Twin,
    rng: &mut XorShift,
    pool: &PoolAddresses,
    published: i64,
    conf: f64,
) -> Result<(), Mismatch> {
    let micros = u64::try_from(published).unwrap_or(0) * 1_000_000 + rng.below(1_000) * 1_000;
    let payload = pro_payload(
        micros,
        PRO_CHANNEL_200MS,
        &[(
            PRO_FEED_ID,
            pro_feed(pyth_price(twin.price), pyth_price(conf)),
        )],
    );
    let message = pro_message(&pro_signer(), &payload);
    // After the transaction's compute-budget instruction (0): the check at 1.
    let post = ix::post_pro_price(pool.pool, &message, 1).expect("a short message");
    let _refused_alike = twin.execute("post_pro_price", &post, &[]).await?;
    Ok(())
}

/// The other side.
fn opposite(direction: Direction) -> Direction {
    match direction {
        Direction::BaseToQuote => Direction::QuoteToBase,
        Direction::QuoteToBase => Direction::BaseToQuote,
    }
}

/// A random LP: the admin one time in four, else one of users 0..3.
fn random_lp<'a>(world: &'a Genesis, rng: &mut XorShift) -> &'a Wallet {
    if rng.below(4) == 0 {
        &world.admin
    } else {
        &world.users[rng.below(3) as usize]
    }
}

/// A log-uniform amount between `low` and `high`.
fn log_uniform(rng: &mut XorShift, low: u64, high: u64) -> u64 {
    let fraction = unit(rng);
    let (low, high) = ((low as f64).ln(), (high as f64).ln());
    (low + fraction * (high - low)).exp() as u64
}

/// A uniform fraction in [0, 1).
fn unit(rng: &mut XorShift) -> f64 {
    rng.below(1 << 20) as f64 / f64::from(1 << 20)
}
