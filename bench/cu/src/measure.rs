//! Every instruction of the program measured on the SBF build: for each model and each
//! token program, a fresh runtime on the fixed genesis runs the pool's life — config, pool,
//! deposits, swaps in both directions and both forms, a withdrawal, a rebalance and its
//! hedge, parameter and target changes, fee collection, the admin and keeper changes, a
//! pause — and records the units of each instruction (Homeostat's top-level invocation, its
//! CPIs included) and how much of it its CPIs took.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::instructions::{DepositArgs, InitializePoolArgs, WithdrawArgs};
use homeostat::state::Pool;
use homeostat_localnet::{
    next_volatility_sample, pro_feed, pro_message, pro_payload, pro_signer, pyth_price, FEED_ID,
    INITIAL_VARIANCE, PRO_CHANNEL_200MS, PRO_FEED_ID, START_TIME,
};
use homeostat_math::{Direction, ModelKind};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::genesis::{self, genesis, keypair, lp_account, params, ONE_BASE, ONE_QUOTE, TOKEN};
use crate::sbf::{Sbf, TokenProgram};

/// The measured instructions: (id in `budgets.toml`, label in the table). All 19 of the
/// program's instructions; `update_params` twice (a tightening change applies at once, a
/// loosening one waits the config's change delay); `deposit` twice (the pool's first, which fixes its depth and
/// locks the minimum shares, and a later one), swaps in both forms and directions once a
/// second LP has deposited, and one swap before (all shares still the first deposit's: the
/// pool's target then needs no rescaling, a cheaper path), and one swap on the first fresh
/// print of the next grid cell, which also samples the volatility estimate (the others
/// carry the pool's first print: no sample).
pub const ROWS: [(&str, &str); 29] = [
    ("initialize_config", "`initialize_config`"),
    ("initialize_pool", "`initialize_pool`"),
    ("deposit_first", "`deposit`, the pool's first"),
    (
        "swap_one_lp",
        "`swap_exact_in`, sell 5 base, before a second deposit",
    ),
    ("deposit", "`deposit`, a second LP's"),
    ("swap_exact_in_sell", "`swap_exact_in`, sell 5 base"),
    ("swap_exact_in_buy", "`swap_exact_in`, buy for 750 quote"),
    (
        "swap_exact_out_sell",
        "`swap_exact_out`, sell for 750 quote",
    ),
    ("swap_exact_out_buy", "`swap_exact_out`, buy 5 base"),
    (
        "swap_volatility_sample",
        "`swap_exact_in`, sell 5 base, a volatility sample",
    ),
    ("set_pro_feeds", "`set_pro_feeds`"),
    (
        "post_pro_price",
        "`post_pro_price` (a signed Pyth Pro update verified)",
    ),
    (
        "swap_pro",
        "`swap_exact_in`, sell 5 base at the posted Pyth Pro price",
    ),
    ("set_quoter", "`set_quoter`"),
    ("push_quote", "`push_quote` (prop-AMM mode)"),
    (
        "swap_quoted",
        "`swap_exact_in`, sell 5 base at the quoter's price",
    ),
    ("withdraw", "`withdraw`"),
    ("rebalance", "`rebalance`"),
    ("record_hedge", "`record_hedge`"),
    (
        "update_params",
        "`update_params`, a tightening change (applied)",
    ),
    (
        "update_params_proposed",
        "`update_params`, a loosening change (proposed)",
    ),
    ("cancel_pending_changes", "`cancel_pending_changes`"),
    (
        "retarget_proposed",
        "`retarget` (proposed: the config's change delay)",
    ),
    (
        "apply_pending_changes",
        "`apply_pending_changes` (parameters and target)",
    ),
    ("collect_protocol_fees", "`collect_protocol_fees`"),
    ("set_keeper", "`set_keeper`"),
    ("propose_admin", "`propose_admin`"),
    ("accept_admin", "`accept_admin`"),
    ("set_paused", "`set_paused`"),
];

/// One instruction's units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Units {
    /// Homeostat's invocation, its CPIs included.
    pub total: u64,
    /// Its CPIs to the token program.
    pub token: u64,
    /// Its event self-CPIs (`emit_cpi!`).
    pub event: u64,
    /// Its CPIs that log units together (token program, event, others).
    pub cpis: u64,
}

impl Units {
    /// Homeostat's own units: the total less every CPI that logs its units.
    pub fn own(&self) -> u64 {
        self.total - self.cpis
    }
}

/// The config's change delay, seconds: loosening changes wait it.
pub const CHANGE_DELAY: u64 = 60;

/// Measurements keyed by (row id, model name, token program).
pub type Measurements = BTreeMap<(&'static str, &'static str, TokenProgram), Units>;

impl PartialOrd for TokenProgram {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TokenProgram {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// Runs the pool's life for every model with both token programs.
pub fn measure_all(program: &[u8]) -> Measurements {
    let mut all = Measurements::new();
    for token in TokenProgram::ALL {
        for (name, model) in genesis::MODELS {
            for (row, units) in measure(program, token, model) {
                all.insert((row, name, token), units);
            }
        }
    }
    all
}

struct Run {
    sbf: Sbf,
    measured: Vec<(&'static str, Units)>,
    /// Each measured transaction's log lines, by row.
    logs: Vec<(&'static str, Vec<String>)>,
}

impl Run {
    /// Executes one instruction, which must succeed, and records it under `row`.
    fn measure(&mut self, row: &'static str, instruction: Instruction, signers: &[&Keypair]) {
        self.measure_all(row, &[instruction], signers);
    }

    /// Executes `instructions` in one transaction, which must succeed, and records the
    /// first Homeostat invocation under `row`.
    fn measure_all(
        &mut self,
        row: &'static str,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) {
        let outcome = self.sbf.execute(instructions, signers);
        if let Err(error) = &outcome.result {
            panic!("{row} failed: {error}\n{}", outcome.logs.join("\n"));
        }
        let invocation = outcome.homeostat().unwrap_or_else(|| {
            panic!(
                "{row}: no Homeostat invocation in the logs\n{}",
                outcome.logs.join("\n")
            )
        });
        let units = Units {
            total: invocation.units.expect("Homeostat logs its units"),
            token: invocation.units_of(&TOKEN.to_string()),
            event: invocation.units_of(&homeostat::ID.to_string()),
            cpis: invocation.children_units(),
        };
        self.measured.push((row, units));
        self.logs.push((row, outcome.logs));
    }

    /// As [`Run::measure`], with `before` earlier in the same transaction (unmeasured:
    /// a precompile's check).
    fn measure_after(
        &mut self,
        row: &'static str,
        before: &[Instruction],
        instruction: Instruction,
        signers: &[&Keypair],
    ) {
        let mut all = before.to_vec();
        all.push(instruction);
        self.measure_all(row, &all, signers);
    }

    /// Executes instructions that set up the next measurement; they must succeed.
    fn setup(&mut self, what: &str, instructions: &[Instruction], signers: &[&Keypair]) {
        let outcome = self.sbf.execute(instructions, signers);
        if let Err(error) = &outcome.result {
            panic!("{what} failed: {error}\n{}", outcome.logs.join("\n"));
        }
    }

    /// `payer` sends `to` the lamports (one SOL) it needs to sign and pay.
    fn fund(&mut self, what: &str, payer: &Keypair, to: &Pubkey) {
        let transfer = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            to,
            ONE_BASE,
        );
        self.setup(what, &[transfer], &[payer]);
    }

    fn pool(&self, pool: &Pubkey) -> Pool {
        let data = self.sbf.account(pool).expect("the pool exists").data;
        *bytemuck::from_bytes::<Pool>(&data[8..Pool::SPACE])
    }

    fn token_amount(&self, account: &Pubkey) -> u64 {
        let data = self
            .sbf
            .account(account)
            .expect("the token account exists")
            .data;
        u64::from_le_bytes(data[64..72].try_into().expect("8 bytes"))
    }
}

/// The pool's life for one model on one token program: the units of each row.
pub fn measure(
    program: &[u8],
    token: TokenProgram,
    model: ModelKind,
) -> Vec<(&'static str, Units)> {
    measure_logged(program, token, model).0
}

/// [`measure`], with each row's transaction logs (the breakdown reads a tracing build's).
#[allow(clippy::type_complexity)]
pub fn measure_logged(
    program: &[u8],
    token: TokenProgram,
    model: ModelKind,
) -> (Vec<(&'static str, Units)>, Vec<(&'static str, Vec<String>)>) {
    let world = genesis(2);
    let mut run = Run {
        sbf: Sbf::new(program, token, &world),
        measured: Vec::new(),
        logs: Vec::new(),
    };
    run.sbf.set_clock(&Clock {
        unix_timestamp: START_TIME,
        ..Clock::default()
    });
    let admin = &world.admin;
    let (lp, trader) = (&world.users[0], &world.users[1]);
    let admin_key = admin.pubkey();

    run.measure(
        "initialize_config",
        ix::initialize_config(admin_key, CHANGE_DELAY),
        &[&admin.keypair],
    );
    let config = homeostat_sdk::pda::config(&admin_key);
    let pool = PoolAddresses::derive(config, world.base_mint, world.quote_mint, 0, TOKEN, TOKEN);
    let params = params(model);
    let args = InitializePoolArgs {
        pool_index: 0,
        feed_id: FEED_ID,
        quote_feed_id: [0; 32],
        keeper: world.keeper.pubkey(),
        initial_variance: INITIAL_VARIANCE,
        params,
    };
    run.measure(
        "initialize_pool",
        ix::initialize_pool(&pool, admin_key, world.oracle, args),
        &[&admin.keypair],
    );
    for wallet in [admin, lp, trader] {
        let (address, account) = lp_account(wallet, pool.lp_mint);
        run.sbf.set_account(address, account);
    }

    let deposit = |max_base, max_quote| DepositArgs {
        max_base,
        max_quote,
        min_shares: 1,
    };
    run.measure(
        "deposit_first",
        ix::deposit(
            &pool,
            &admin.accounts(&pool.lp_mint),
            deposit(1_000 * ONE_BASE, 150_000 * ONE_QUOTE),
        ),
        &[&admin.keypair],
    );
    let trader_accounts = trader.accounts(&pool.lp_mint);
    let (sell, buy) = (Direction::BaseToQuote, Direction::QuoteToBase);
    run.measure(
        "swap_one_lp",
        ix::swap_exact_in(&pool, world.oracle, &trader_accounts, sell, 5 * ONE_BASE, 1),
        &[&trader.keypair],
    );
    run.measure(
        "deposit",
        ix::deposit(
            &pool,
            &lp.accounts(&pool.lp_mint),
            deposit(10 * ONE_BASE, 1_500 * ONE_QUOTE),
        ),
        &[&lp.keypair],
    );

    let swaps = [
        (
            "swap_exact_in_sell",
            ix::swap_exact_in(&pool, world.oracle, &trader_accounts, sell, 5 * ONE_BASE, 1),
        ),
        (
            "swap_exact_in_buy",
            ix::swap_exact_in(
                &pool,
                world.oracle,
                &trader_accounts,
                buy,
                750 * ONE_QUOTE,
                1,
            ),
        ),
        (
            "swap_exact_out_sell",
            ix::swap_exact_out(
                &pool,
                world.oracle,
                &trader_accounts,
                sell,
                750 * ONE_QUOTE,
                u64::MAX,
            ),
        ),
        (
            "swap_exact_out_buy",
            ix::swap_exact_out(
                &pool,
                world.oracle,
                &trader_accounts,
                buy,
                5 * ONE_BASE,
                u64::MAX,
            ),
        ),
    ];
    for (row, instruction) in swaps {
        run.measure(row, instruction, &[&trader.keypair]);
    }
    let sample_time = next_volatility_sample(START_TIME);
    run.sbf.set_clock(&Clock {
        unix_timestamp: sample_time,
        ..Clock::default()
    });
    run.sbf.set_account(
        world.oracle,
        genesis::oracle(pyth_price(150.1), pyth_price(0.05), sample_time),
    );
    run.measure(
        "swap_volatility_sample",
        ix::swap_exact_in(&pool, world.oracle, &trader_accounts, sell, 5 * ONE_BASE, 1),
        &[&trader.keypair],
    );

    // Pyth Pro: the feed named, a signed update posted (the ed25519 precompile's check
    // before it, in the same transaction), a swap at its price.
    run.measure(
        "set_pro_feeds",
        ix::set_pro_feeds(pool.pool, admin_key, PRO_FEED_ID, 0),
        &[&admin.keypair],
    );
    let timestamp_us = u64::try_from(sample_time).expect("a positive time") * 1_000_000 + 200_000;
    let payload = pro_payload(
        timestamp_us,
        PRO_CHANNEL_200MS,
        &[(PRO_FEED_ID, pro_feed(pyth_price(150.08), pyth_price(0.02)))],
    );
    let message = pro_message(&pro_signer(), &payload);
    // After the run's compute-budget instruction (0): the check at 1, the post at 2.
    let [verify, post] = ix::post_pro_price(pool.pool, &message, 1).expect("a short message");
    run.measure_after("post_pro_price", &[verify], post, &[]);
    run.measure(
        "swap_pro",
        ix::swap_exact_in(&pool, world.oracle, &trader_accounts, sell, 5 * ONE_BASE, 1),
        &[&trader.keypair],
    );

    // Prop-AMM mode: a quoter named, a price pushed, a swap at it.
    let quoter = keypair(14);
    run.fund("the quoter's lamports", &admin.keypair, &quoter.pubkey());
    run.measure(
        "set_quoter",
        ix::set_quoter(pool.pool, admin_key, quoter.pubkey()),
        &[&admin.keypair],
    );
    let quoted = homeostat::instructions::PushQuoteArgs {
        sequence: 1,
        valid_until: 10,
        price: homeostat::StoredFixed::from_bits(
            homeostat_math::Fixed::from_int(150_050_000).to_bits(),
        ),
        bid_offset: homeostat::StoredFixed::ZERO,
        ask_offset: homeostat::StoredFixed::ZERO,
    };
    run.measure(
        "push_quote",
        ix::push_quote(pool.pool, quoter.pubkey(), quoted),
        &[&quoter],
    );
    run.measure(
        "swap_quoted",
        ix::swap_exact_in(&pool, world.oracle, &trader_accounts, sell, 5 * ONE_BASE, 1),
        &[&trader.keypair],
    );

    let shares = run.token_amount(&lp.lp(&pool.lp_mint)) / 2;
    run.measure(
        "withdraw",
        ix::withdraw(
            &pool,
            &lp.accounts(&pool.lp_mint),
            WithdrawArgs {
                shares,
                min_base: 1,
                min_quote: 1,
            },
        ),
        &[&lp.keypair],
    );

    // 30 base sold: the pool is beyond its ±10 base band.
    run.setup(
        "a 30-base sale",
        &[ix::swap_exact_in(
            &pool,
            world.oracle,
            &trader_accounts,
            sell,
            30 * ONE_BASE,
            1,
        )],
        &[&trader.keypair],
    );
    run.measure(
        "rebalance",
        ix::rebalance(&pool, world.oracle, world.keeper.pubkey()),
        &[&world.keeper],
    );
    let state = run.pool(&pool.pool);
    let requested = i64::from_le_bytes(state.pending_request_base);
    run.measure(
        "record_hedge",
        ix::record_hedge(
            pool.pool,
            world.keeper.pubkey(),
            state.rebalance_seq,
            requested / 2,
            state.pending_request_price.get(),
        ),
        &[&world.keeper],
    );

    // A higher fee tightens: it applies at once. A higher inventory cap loosens: it waits
    // the change delay, as the retarget does; cancelled once, proposed again, applied.
    let tighter = homeostat::PoolParams {
        fee_bps: params.fee_bps + 1,
        ..params
    };
    run.measure(
        "update_params",
        ix::update_params(pool.pool, admin_key, tighter),
        &[&admin.keypair],
    );
    let looser = homeostat::PoolParams {
        inventory_cap: tighter.inventory_cap + 10 * ONE_BASE,
        ..tighter
    };
    run.measure(
        "update_params_proposed",
        ix::update_params(pool.pool, admin_key, looser),
        &[&admin.keypair],
    );
    run.measure(
        "cancel_pending_changes",
        ix::cancel_pending_changes(&pool, admin_key),
        &[&admin.keypair],
    );
    run.setup(
        "the loosening change proposed again",
        &[ix::update_params(pool.pool, admin_key, looser)],
        &[&admin.keypair],
    );
    let target = run
        .pool(&pool.pool)
        .target_at_depth()
        .expect("the pool's target");
    run.measure(
        "retarget_proposed",
        ix::retarget(&pool, admin_key, target + target / 200),
        &[&admin.keypair],
    );
    run.sbf.set_clock(&Clock {
        unix_timestamp: sample_time + CHANGE_DELAY as i64,
        ..Clock::default()
    });
    run.measure(
        "apply_pending_changes",
        ix::apply_pending_changes(&pool, admin_key),
        &[&admin.keypair],
    );
    run.measure(
        "collect_protocol_fees",
        ix::collect_protocol_fees(&pool, admin_key, admin.base, admin.quote),
        &[&admin.keypair],
    );
    let (new_keeper, new_admin) = (keypair(12), keypair(13));
    run.measure(
        "set_keeper",
        ix::set_keeper(pool.pool, admin_key, new_keeper.pubkey()),
        &[&admin.keypair],
    );
    run.measure(
        "propose_admin",
        ix::propose_admin(pool.pool, admin_key, new_admin.pubkey()),
        &[&admin.keypair],
    );
    run.fund(
        "the new admin's lamports",
        &admin.keypair,
        &new_admin.pubkey(),
    );
    run.measure(
        "accept_admin",
        ix::accept_admin(pool.pool, new_admin.pubkey()),
        &[&new_admin],
    );
    run.measure(
        "set_paused",
        ix::set_paused(pool.pool, new_admin.pubkey(), true),
        &[&new_admin],
    );
    let rows: Vec<&str> = run.measured.iter().map(|(row, _)| *row).collect();
    assert_eq!(
        rows,
        ROWS.map(|(row, _)| row),
        "every row measured once, in order"
    );
    (run.measured, run.logs)
}
