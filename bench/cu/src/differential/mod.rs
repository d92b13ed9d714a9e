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
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::instructions::{DepositArgs, InitializePoolArgs, WithdrawArgs};
use homeostat::oracle::PriceUpdate;
use homeostat::state::Pool;
use homeostat_localnet::{
    price_update, pro_feed, pro_message, pro_payload, pro_signer, pyth_price, XorShift, FEED_ID,
    INITIAL_VARIANCE, PRO_CHANNEL_200MS, PRO_FEED_ID, START_TIME,
};
use homeostat_math::Direction;
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::quote::PoolSnapshot;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use crate::genesis::{
    genesis, lp_account, params, Genesis, Wallet, MODELS, ONE_BASE, ONE_QUOTE, TOKEN,
};
use crate::native::Native;
use crate::sbf::{Outcome, Sbf, TokenProgram};

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

/// Both runtimes and the world they share.
struct Twin {
    native: Native,
    sbf: Sbf,
    world: Genesis,
    pools: Vec<PoolAddresses>,
    tracked: Vec<Pubkey>,
    clock: Clock,
    price: f64,
    /// Per pool, the side most of its order flow takes for now (so inventories leave the
    /// rebalance band, and come back when it flips).
    flow: Vec<Direction>,
    report: Report,
}

/// A difference between the runtimes.
type Mismatch = String;

impl Twin {
    /// Executes on both; compares results, events and the accounts the transaction names.
    async fn execute(
        &mut self,
        kind: &'static str,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Result<(), TransactionError>, Mismatch> {
        let sbf = self.sbf.execute(instructions, signers);
        let native = self.native.execute(instructions, signers).await;
        let step: usize = self.report.outcomes.values().map(|(a, b)| a + b).sum();
        let context = || format!("{kind} (transaction {step})");
        if sbf.result != native.result {
            return Err(format!(
                "{}: SBF {:?}, native {:?}\nSBF logs:\n{}",
                context(),
                sbf.result,
                native.result,
                sbf.logs.join("\n")
            ));
        }
        compare_events(&sbf, &native).map_err(|error| format!("{}: {error}", context()))?;
        self.report.events += sbf.events.len();
        let entry = self.report.outcomes.entry(kind).or_default();
        match &sbf.result {
            Ok(()) => entry.0 += 1,
            Err(error) => {
                entry.1 += 1;
                *self
                    .report
                    .failures
                    .entry((kind, error.to_string()))
                    .or_default() += 1;
            }
        }
        let mut named: Vec<Pubkey> = instructions
            .iter()
            .flat_map(|instruction| instruction.accounts.iter().map(|meta| meta.pubkey))
            .collect();
        named.sort();
        named.dedup();
        self.compare(&named)
            .await
            .map_err(|error| format!("{}: {error}", context()))?;
        Ok(sbf.result)
    }

    /// Compares `addresses` in both runtimes.
    async fn compare(&mut self, addresses: &[Pubkey]) -> Result<(), Mismatch> {
        for address in addresses {
            if *address == self.sbf.payer() || *address == self.native.payer() {
                continue;
            }
            let (sbf, native) = (
                self.sbf.account(address),
                self.native.account(address).await,
            );
            // LiteSVM keeps programs and sysvars as accounts the program-test bank may
            // report differently (loader, rent epoch); the program only reads them.
            if native.as_ref().is_some_and(|account| account.executable)
                || address.to_string().starts_with("Sysvar")
            {
                continue;
            }
            match (&sbf, &native) {
                (Some(a), Some(b)) if same(a, b) => {}
                (None, None) => {}
                (Some(a), Some(b)) if a.lamports == 0 && b.lamports == 0 => {}
                _ => return Err(describe(address, sbf.as_ref(), native.as_ref())),
            }
            self.report.accounts += 1;
        }
        Ok(())
    }

    async fn compare_all(&mut self) -> Result<(), Mismatch> {
        let tracked = self.tracked.clone();
        self.compare(&tracked).await
    }

    fn set_account(&mut self, address: Pubkey, account: Account) {
        self.sbf.set_account(address, account.clone());
        self.native.set_account(address, account);
    }

    fn set_clock(&mut self) {
        self.sbf.set_clock(&self.clock);
        self.native.set_clock(&self.clock);
    }

    async fn pool(&mut self, pool: &Pubkey) -> Pool {
        let data = self
            .native
            .account(pool)
            .await
            .expect("the pool exists")
            .data;
        *bytemuck::from_bytes::<Pool>(&data[8..Pool::SPACE])
    }

    async fn amount(&mut self, account: &Pubkey) -> u64 {
        match self.native.account(account).await {
            Some(account) => u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes")),
            None => 0,
        }
    }

    async fn oracle_update(&mut self) -> PriceUpdate {
        let data = self
            .native
            .account(&self.world.oracle)
            .await
            .expect("the oracle")
            .data;
        PriceUpdate::decode(&data).expect("a PriceUpdateV2")
    }

    async fn snapshot(&mut self, pool: &PoolAddresses) -> PoolSnapshot {
        PoolSnapshot {
            pool: self.pool(&pool.pool).await,
            base_vault: self.amount(&pool.base_vault).await,
            quote_vault: self.amount(&pool.quote_vault).await,
            oracle: self.oracle_update().await,
            quote_oracle: None,
            now: self.clock.unix_timestamp,
            slot: self.clock.slot,
        }
    }
}

fn same(a: &Account, b: &Account) -> bool {
    a.lamports == b.lamports
        && a.owner == b.owner
        && a.executable == b.executable
        && a.data == b.data
}

fn describe(address: &Pubkey, sbf: Option<&Account>, native: Option<&Account>) -> String {
    let summary = |account: Option<&Account>| match account {
        None => "absent".to_string(),
        Some(account) => format!(
            "{} lamports, owner {}, {} bytes",
            account.lamports,
            account.owner,
            account.data.len()
        ),
    };
    let mut text = format!(
        "account {address} differs: SBF {}, native {}",
        summary(sbf),
        summary(native)
    );
    if let (Some(a), Some(b)) = (sbf, native) {
        let differing: Vec<usize> = (0..a.data.len().min(b.data.len()))
            .filter(|&i| a.data[i] != b.data[i])
            .collect();
        if let Some(first) = differing.first() {
            text.push_str(&format!(
                "; {} data bytes differ, the first at offset {first} (SBF {:#04x}, native {:#04x})",
                differing.len(),
                a.data[*first],
                b.data[*first]
            ));
        }
    }
    text
}

fn compare_events(sbf: &Outcome, native: &Outcome) -> Result<(), Mismatch> {
    if sbf.events != native.events {
        return Err(format!(
            "events differ: SBF {} event(s) {:02x?}, native {} event(s) {:02x?}",
            sbf.events.len(),
            sbf.events,
            native.events.len(),
            native.events
        ));
    }
    Ok(())
}

/// A log-uniform amount between `low` and `high`.
fn log_uniform(rng: &mut XorShift, low: u64, high: u64) -> u64 {
    let fraction = rng.below(1 << 20) as f64 / f64::from(1 << 20);
    let (low, high) = ((low as f64).ln(), (high as f64).ln());
    (low + fraction * (high - low)).exp() as u64
}

/// A uniform fraction in [0, 1).
fn unit(rng: &mut XorShift) -> f64 {
    rng.below(1 << 20) as f64 / f64::from(1 << 20)
}

/// Runs the differential test: what it did, and `Err` naming the first difference, or the
/// shortfall of a kind of operation.
pub async fn run(program: &[u8], config: Config) -> (Report, Result<(), String>) {
    let mut report = Report::default();
    let result = run_into(program, config, &mut report).await;
    (report, result)
}

async fn run_into(program: &[u8], config: Config, out: &mut Report) -> Result<(), String> {
    let world = genesis(6);
    let native = Native::start(&world).await;
    let mut sbf = Sbf::new(program, config.token, &world);
    let mut native = native;
    sbf.set_rent(&native.rent().await);
    let config_address = homeostat_sdk::pda::config(&world.admin.pubkey());
    let pools: Vec<PoolAddresses> = (0..MODELS.len() as u16)
        .map(|index| {
            PoolAddresses::derive(
                config_address,
                world.base_mint,
                world.quote_mint,
                index,
                TOKEN,
                TOKEN,
            )
        })
        .collect();
    let mut tracked: Vec<Pubkey> = world.accounts.iter().map(|(address, _)| *address).collect();
    tracked.push(config_address);
    for pool in &pools {
        tracked.extend([pool.pool, pool.base_vault, pool.quote_vault, pool.lp_mint]);
        for wallet in std::iter::once(&world.admin).chain(&world.users) {
            tracked.push(wallet.lp(&pool.lp_mint));
        }
    }
    let mut twin = Twin {
        native,
        sbf,
        world,
        pools,
        tracked,
        clock: Clock {
            unix_timestamp: START_TIME,
            ..Clock::default()
        },
        price: 150.0,
        flow: vec![Direction::BaseToQuote; MODELS.len()],
        report: Report::default(),
    };
    twin.set_clock();
    twin.compare_all().await?;

    // The config, one pool per model, the admin's first deposit in each.
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
        let pool = twin.pools[index];
        let args = InitializePoolArgs {
            pool_index: pool.index,
            feed_id: FEED_ID,
            quote_feed_id: [0; 32],
            keeper: twin.world.keeper.pubkey(),
            initial_variance: INITIAL_VARIANCE,
            params: params(*model),
        };
        let instruction = ix::initialize_pool(&pool, admin.pubkey(), twin.world.oracle, args);
        twin.execute("initialize_pool", &[instruction], &[&admin])
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
        twin.execute("deposit", &[first], &[&admin])
            .await?
            .map_err(|error| format!("the first deposit in pool {index} failed: {error}"))?;
        // Every pool takes the local Pyth Pro feed: time steps post signed updates.
        let pro = ix::set_pro_feeds(pool.pool, admin.pubkey(), PRO_FEED_ID, 0);
        twin.execute("set_pro_feeds", &[pro], &[&admin])
            .await?
            .map_err(|error| format!("set_pro_feeds on pool {index} failed: {error}"))?;
    }
    twin.compare_all().await?;

    let mut rng = XorShift(config.seed.max(1));
    let mut result = Ok(());
    while result.is_ok() && twin.report.operations() < config.operations {
        result = step(&mut twin, &mut rng).await;
        if result.is_ok() && twin.report.operations() % 50 == 0 {
            result = twin.compare_all().await;
        }
    }
    if result.is_ok() {
        result = twin.compare_all().await;
    }
    *out = std::mem::take(&mut twin.report);
    result?;

    // Minimum successes, scaled to the run's length.
    for (kind, per_1000) in MIN_SUCCESSES_PER_1000 {
        let needed = per_1000 * config.operations / 1000;
        let succeeded = out.outcomes.get(kind).map_or(0, |(ok, _)| *ok);
        if succeeded < needed {
            return Err(format!(
                "only {succeeded} successful {kind} (at least {needed} expected for {} operations): the run proves too little",
                config.operations
            ));
        }
    }

    // The comparison itself must see a one-byte change.
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

/// A random LP: the admin one time in four, else one of users 0..3.
fn random_lp<'a>(world: &'a Genesis, rng: &mut XorShift) -> &'a Wallet {
    if rng.below(4) == 0 {
        &world.admin
    } else {
        &world.users[rng.below(3) as usize]
    }
}

/// One random step.
async fn step(twin: &mut Twin, rng: &mut XorShift) -> Result<(), Mismatch> {
    let index = rng.below(twin.pools.len() as u64) as usize;
    let pool = twin.pools[index];
    let roll = rng.below(100);
    let users = twin.world.users.len() as u64;
    match roll {
        // Swaps: traders are users 3..6.
        0..=49 => {
            let trader = &twin.world.users[(3 + rng.below(users - 3)) as usize];
            let (keypair, accounts) = (
                trader.keypair.insecure_clone(),
                trader.accounts(&pool.lp_mint),
            );
            let direction = match (rng.below(10) < 6, twin.flow[index]) {
                (true, flow) => flow,
                (false, Direction::BaseToQuote) => Direction::QuoteToBase,
                (false, Direction::QuoteToBase) => Direction::BaseToQuote,
            };
            let exact_in = rng.below(2) == 0;
            let base_sized = (direction == Direction::BaseToQuote) == exact_in;
            // Mostly 0.01 – 80 base (or its value), now and then dust.
            let (low, high) = if base_sized {
                (ONE_BASE / 100, 80 * ONE_BASE)
            } else {
                (ONE_QUOTE, 12_000 * ONE_QUOTE)
            };
            let amount = if rng.below(10) == 0 {
                log_uniform(rng, 1, low)
            } else {
                log_uniform(rng, low, high)
            };
            let snapshot = twin.snapshot(&pool).await;
            let quote = if exact_in {
                snapshot.quote_exact_in(direction, amount)
            } else {
                snapshot.quote_exact_out(direction, amount)
            };
            // Mostly no slippage bound; sometimes the quote's exact bound, or one atom
            // past it (which must fail in both).
            let tight = rng.below(20);
            let limit = match (&quote, tight, exact_in) {
                (Ok(quote), 0..=2, true) => quote.amount_out,
                (Ok(quote), 3..=4, true) => quote.amount_out.saturating_add(1),
                (Ok(quote), 0..=2, false) => quote.amount_in,
                (Ok(quote), 3..=4, false) => quote.amount_in.saturating_sub(1),
                (_, _, true) => 1,
                (_, _, false) => u64::MAX,
            };
            let (kind, instruction) = if exact_in {
                (
                    "swap_exact_in",
                    ix::swap_exact_in(
                        &pool,
                        twin.world.oracle,
                        &accounts,
                        direction,
                        amount,
                        limit,
                    ),
                )
            } else {
                (
                    "swap_exact_out",
                    ix::swap_exact_out(
                        &pool,
                        twin.world.oracle,
                        &accounts,
                        direction,
                        amount,
                        limit,
                    ),
                )
            };
            let (pay, receive) = match direction {
                Direction::BaseToQuote => (accounts.base, accounts.quote),
                Direction::QuoteToBase => (accounts.quote, accounts.base),
            };
            let before = (twin.sbf_amount(&pay), twin.sbf_amount(&receive));
            let result = twin.execute(kind, &[instruction], &[&keypair]).await?;
            let after = (twin.sbf_amount(&pay), twin.sbf_amount(&receive));
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
        }
        // Deposits by the LPs (users 0..3) or the admin.
        50..=61 => {
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
        }
        // Withdrawals: a random part of what the LP holds, sometimes more.
        62..=73 => {
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
        }
        // Rebalances; the hedge recorded for a pending request.
        74..=85 => {
            // Half the time the keeper acts as a keeper does: on the pool furthest out of
            // its band (by the SDK's reading of the accounts).
            let pool = if rng.below(2) == 0 {
                let mut furthest = (pool, 0.0);
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
            } else {
                pool
            };
            let keeper = twin.world.keeper.insecure_clone();
            let state = twin.pool(&pool.pool).await;
            if state.rebalance_seq > state.recorded_seq && rng.below(3) > 0 {
                let requested = i64::from_le_bytes(state.pending_request_base);
                let filled = (requested as f64 * unit(rng) * 1.1) as i64;
                let price = state.pending_request_price.get().to_bits();
                let skew = (price as f64 * (unit(rng) - 0.5) * 0.24) as i128;
                let instruction = ix::record_hedge(
                    pool.pool,
                    keeper.pubkey(),
                    state.rebalance_seq,
                    filled,
                    homeostat_math::Fixed::from_bits(price + skew),
                );
                // Success or the same failure in both: counted in the report.
                let _ = twin
                    .execute("record_hedge", &[instruction], &[&keeper])
                    .await?;
            } else {
                let instruction = ix::rebalance(&pool, twin.world.oracle, keeper.pubkey());
                // Success or the same failure in both: counted in the report.
                let _ = twin
                    .execute("rebalance", &[instruction], &[&keeper])
                    .await?;
            }
        }
        // Time passes and the oracle prints a new price (now and then an old one).
        _ => {
            twin.clock.unix_timestamp += 1 + rng.below(25) as i64;
            if rng.below(3) == 0 {
                let flipped = match twin.flow[index] {
                    Direction::BaseToQuote => Direction::QuoteToBase,
                    Direction::QuoteToBase => Direction::BaseToQuote,
                };
                twin.flow[index] = flipped;
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
            // Half the time a signed Pyth Pro update of the same price is posted to the
            // pool (the ed25519 precompile's check before it): verified, decoded and booked
            // alike by both builds — now and then an old one, which both refuse.
            if rng.below(2) == 0 {
                let micros =
                    u64::try_from(published).unwrap_or(0) * 1_000_000 + rng.below(1_000) * 1_000;
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
            }
        }
    }
    Ok(())
}

impl Twin {
    fn sbf_amount(&self, account: &Pubkey) -> u64 {
        self.sbf.account(account).map_or(0, |account| {
            u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes"))
        })
    }
}
