//! The differential test: the compiled SBF program (LiteSVM) and the native program
//! (solana-program-test, as every workspace test runs it) start from the same accounts and
//! execute the same random transactions — swaps of every model, form and direction,
//! deposits, withdrawals, rebalances and the hedges recorded for them, between price prints
//! and clock moves. After each, both must agree on the result (the same error where one
//! fails), the events (byte for byte) and every account the transaction named (lamports,
//! owner, data); every tracked account is compared every 50 steps and at the end. Each
//! successful swap is also checked against the SDK's quote (the program's own pricing code
//! run natively on the accounts before it): what the trader paid and received.
//!
//! It cannot pass by doing nothing: it fails unless each kind of operation succeeded often
//! enough, and at the end it corrupts one pool byte in the SBF runtime and requires the
//! comparison to notice.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use homeostat::instructions::{DepositArgs, InitializePoolArgs};
use homeostat::state::Pool;
use homeostat_localnet::{XorShift, FEED_ID, INITIAL_VARIANCE, PRO_FEED_ID};
use homeostat_math::ModelKind;
use homeostat_sdk::instructions as ix;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::genesis::{lp_account, params, MODELS, ONE_BASE, ONE_QUOTE};
use crate::sbf::TokenProgram;
use twin::{Mismatch, Twin};

mod steps;
mod twin;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Swaps, deposits, withdrawals and rebalances to attempt together (price prints,
    /// clock moves and recorded hedges come on top).
    pub operations: usize,
    /// The generator's seed.
    pub seed: u64,
    /// The token program of the SBF runtime (the native runtime runs SPL Token).
    pub token: TokenProgram,
}

/// The least number of successes of each kind the run must see per 1 000 operations.
/// (Rebalances and hedges are rarer since the print depth keeps large swaps from piling
/// up inventory on one print: ~10 per 1 000 with the default pools.)
pub const MIN_SUCCESSES_PER_1000: [(&str, usize); 7] = [
    ("swap_exact_in", 100),
    ("swap_exact_out", 100),
    ("deposit", 80),
    ("withdraw", 70),
    ("rebalance", 7),
    ("record_hedge", 7),
    ("post_pro_price", 20),
];

/// What the run did.
#[derive(Debug, Default)]
pub struct Report {
    /// Per instruction: (succeeded, failed alike in both runtimes).
    pub outcomes: BTreeMap<&'static str, (usize, usize)>,
    /// Events compared.
    pub events: usize,
    /// Account comparisons made.
    pub accounts: usize,
    /// Swaps whose amounts matched the SDK's quote.
    pub quoted: usize,
    /// Price prints and clock moves.
    pub ticks: usize,
    /// Per instruction and error (as the runtime reports it): how often both failed so.
    pub failures: BTreeMap<(&'static str, String), usize>,
}

impl Report {
    /// Swaps, deposits, withdrawals and rebalances attempted.
    pub fn operations(&self) -> usize {
        [
            "swap_exact_in",
            "swap_exact_out",
            "deposit",
            "withdraw",
            "rebalance",
        ]
        .iter()
        .map(|kind| {
            self.outcomes
                .get(kind)
                .map_or(0, |(ok, failed)| ok + failed)
        })
        .sum()
    }

    /// Every comparison made: transactions, events, accounts, quotes.
    pub fn checks(&self) -> usize {
        self.outcomes
            .values()
            .map(|(ok, failed)| ok + failed)
            .sum::<usize>()
            + self.events
            + self.accounts
            + self.quoted
    }
}

/// Runs the differential test: what it did, and `Err` naming the first difference, or the
/// shortfall of a kind of operation.
pub async fn run(program: &[u8], config: Config) -> (Report, Result<(), String>) {
    let mut report = Report::default();
    let result = run_into(program, config, &mut report).await;
    (report, result)
}

/// The run's stages: both runtimes started, the pools opened, the walk, then the checks of
/// what it proved; `out` gets the report once the walk has ended (also on a difference).
async fn run_into(program: &[u8], config: Config, out: &mut Report) -> Result<(), String> {
    let mut twin = Twin::start(program, config.token).await?;
    open_pools(&mut twin).await?;
    let walked = walk(&mut twin, config).await;
    *out = std::mem::take(&mut twin.report);
    walked?;
    check_successes(out, config.operations)?;
    check_corruption_noticed(&mut twin).await
}

/// The config, one pool per model, the admin's first deposit in each; every pool takes the
/// local Pyth Pro feed (time steps post signed updates).
async fn open_pools(twin: &mut Twin) -> Result<(), Mismatch> {
    let admin = twin.world.admin.keypair.insecure_clone();
    let result = twin
        .execute(
            "initialize_config",
            &[ix::initialize_config(admin.pubkey(), 0)],
            &[&admin],
        )
        .await?;
    result.map_err(|error| format!("initialize_config failed: {error}"))?;
    for (index, (_, model)) in MODELS.iter().enumerate() {
        open_pool(twin, &admin, index, *model).await?;
    }
    twin.compare_all().await
}

/// Pool `index` of `model` initialized, every wallet's LP account written, the admin's
/// first deposit, the Pyth Pro feed set.
async fn open_pool(
    twin: &mut Twin,
    admin: &Keypair,
    index: usize,
    model: ModelKind,
) -> Result<(), Mismatch> {
    let pool = twin.pools[index];
    let args = InitializePoolArgs {
        pool_index: pool.index,
        feed_id: FEED_ID,
        quote_feed_id: [0; 32],
        keeper: twin.world.keeper.pubkey(),
        initial_variance: INITIAL_VARIANCE,
        params: params(model),
    };
    let instruction = ix::initialize_pool(&pool, admin.pubkey(), twin.world.oracle, args);
    twin.execute("initialize_pool", &[instruction], &[admin])
        .await?
        .map_err(|error| format!("initialize_pool {index} failed: {error}"))?;
    let lp_accounts: Vec<(Pubkey, Account)> = std::iter::once(&twin.world.admin)
        .chain(&twin.world.users)
        .map(|wallet| lp_account(wallet, pool.lp_mint))
        .collect();
    for (address, account) in lp_accounts {
        twin.set_account(address, account);
    }
    let first = ix::deposit(
        &pool,
        &twin.world.admin.accounts(&pool.lp_mint),
        DepositArgs {
            max_base: 1_000 * ONE_BASE,
            max_quote: 150_000 * ONE_QUOTE,
            min_shares: 1,
        },
    );
    twin.execute("deposit", &[first], &[admin])
        .await?
        .map_err(|error| format!("the first deposit in pool {index} failed: {error}"))?;
    let pro = ix::set_pro_feeds(pool.pool, admin.pubkey(), PRO_FEED_ID, 0);
    twin.execute("set_pro_feeds", &[pro], &[admin])
        .await?
        .map_err(|error| format!("set_pro_feeds on pool {index} failed: {error}"))?;
    Ok(())
}

/// The seeded random walk until `config.operations` operations: every tracked account
/// compared every 50 operations and at the end; the first difference ends it.
async fn walk(twin: &mut Twin, config: Config) -> Result<(), Mismatch> {
    let mut rng = XorShift(config.seed.max(1));
    while twin.report.operations() < config.operations {
        steps::step(twin, &mut rng).await?;
        if twin.report.operations() % 50 == 0 {
            twin.compare_all().await?;
        }
    }
    twin.compare_all().await
}

/// Minimum successes of each kind, scaled to the run's length.
fn check_successes(report: &Report, operations: usize) -> Result<(), String> {
    for (kind, per_1000) in MIN_SUCCESSES_PER_1000 {
        let needed = per_1000 * operations / 1000;
        let succeeded = report.outcomes.get(kind).map_or(0, |(ok, _)| *ok);
        if succeeded < needed {
            return Err(format!(
                "only {succeeded} successful {kind} (at least {needed} expected for {operations} operations): the run proves too little"
            ));
        }
    }
    Ok(())
}

/// The comparison itself must see a one-byte change: a pool byte flipped in the SBF
/// runtime only.
async fn check_corruption_noticed(twin: &mut Twin) -> Result<(), String> {
    let pool = twin.pools[1].pool;
    let mut corrupted = twin.sbf.account(&pool).expect("the pool");
    let offset = 8 + std::mem::offset_of!(Pool, total_shares);
    corrupted.data[offset] ^= 1;
    twin.sbf.set_account(pool, corrupted);
    match twin.compare(&[pool]).await {
        Err(found) if found.contains(&format!("first at offset {offset}")) => {}
        other => return Err(format!("a corrupted pool byte went unnoticed: {other:?}")),
    }
    Ok(())
}
