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
use homeostat::PoolParams;
use homeostat_localnet::{
    next_volatility_sample, pro_feed, pro_message, pro_payload, pro_signer, pyth_price, SwapIn,
    SwapOut, FEED_ID, INITIAL_VARIANCE, PRO_CHANNEL_200MS, PRO_FEED_ID, START_TIME,
};
use homeostat_math::{Direction, LotPrice, ModelKind};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::genesis::{
    self, genesis, keypair, lp_account, params, Genesis, Wallet, ONE_BASE, ONE_QUOTE, TOKEN,
};
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
    let life = Life::new(&world, model);
    life.open(&mut run);
    let sample_time = life.trade(&mut run);
    life.pyth_pro(&mut run, sample_time);
    life.prop_amm(&mut run);
    life.withdraw_and_rebalance(&mut run);
    life.change_params(&mut run, sample_time);
    life.hand_over(&mut run);
    let rows: Vec<&str> = run.measured.iter().map(|(row, _)| *row).collect();
    assert_eq!(
        rows,
        ROWS.map(|(row, _)| row),
        "every row measured once, in order"
    );
    (run.measured, run.logs)
}

/// The swaps measured once a second LP has deposited: (row, exact in, direction, amount).
const SWAPS: [(&str, bool, Direction, u64); 4] = [
    (
        "swap_exact_in_sell",
        true,
        Direction::BaseToQuote,
        5 * ONE_BASE,
    ),
    (
        "swap_exact_in_buy",
        true,
        Direction::QuoteToBase,
        750 * ONE_QUOTE,
    ),
    (
        "swap_exact_out_sell",
        false,
        Direction::BaseToQuote,
        750 * ONE_QUOTE,
    ),
    (
        "swap_exact_out_buy",
        false,
        Direction::QuoteToBase,
        5 * ONE_BASE,
    ),
];

/// One pool's life: the world, the pool (index 0 under the admin's config), its
/// parameters, and who acts — the admin, an LP and a trader.
struct Life<'w> {
    world: &'w Genesis,
    admin: &'w Wallet,
    lp: &'w Wallet,
    trader: &'w Wallet,
    pool: PoolAddresses,
    params: PoolParams,
}

impl<'w> Life<'w> {
    fn new(world: &'w Genesis, model: ModelKind) -> Self {
        let config = homeostat_sdk::pda::config(&world.admin.pubkey());
        Life {
            world,
            admin: &world.admin,
            lp: &world.users[0],
            trader: &world.users[1],
            pool: PoolAddresses::derive(config, world.base_mint, world.quote_mint, 0, TOKEN, TOKEN),
            params: params(model),
        }
    }

    /// Measures `instruction` under `row`, signed by the admin.
    fn by_admin(&self, run: &mut Run, row: &'static str, instruction: Instruction) {
        run.measure(row, instruction, &[&self.admin.keypair]);
    }

    /// Measures `instruction` under `row`, signed by the trader.
    fn by_trader(&self, run: &mut Run, row: &'static str, instruction: Instruction) {
        run.measure(row, instruction, &[&self.trader.keypair]);
    }

    /// The trader's swap: `amount` in (at least one atom out), or `amount` out (any input).
    fn swap(&self, exact_in: bool, direction: Direction, amount: u64) -> Instruction {
        let (pool, oracle) = (&self.pool, self.world.oracle);
        let accounts = self.trader.accounts(&pool.lp_mint);
        if exact_in {
            ix::swap_exact_in(
                pool,
                oracle,
                &accounts,
                SwapIn {
                    direction,
                    amount_in: amount,
                    min_amount_out: 1,
                },
            )
        } else {
            ix::swap_exact_out(
                pool,
                oracle,
                &accounts,
                SwapOut {
                    direction,
                    amount_out: amount,
                    max_amount_in: u64::MAX,
                },
            )
        }
    }

    /// The trader sells 5 base, measured under `row`.
    fn sell_five(&self, run: &mut Run, row: &'static str) {
        let sell = self.swap(true, Direction::BaseToQuote, 5 * ONE_BASE);
        self.by_trader(run, row, sell);
    }

    /// The config and the pool; the LP accounts of the admin, the LP and the trader.
    fn open(&self, run: &mut Run) {
        let admin_key = self.admin.pubkey();
        self.by_admin(
            run,
            "initialize_config",
            ix::initialize_config(admin_key, CHANGE_DELAY),
        );
        let args = InitializePoolArgs {
            pool_index: 0,
            feed_id: FEED_ID,
            quote_feed_id: [0; 32],
            keeper: self.world.keeper.pubkey(),
            initial_variance: INITIAL_VARIANCE,
            params: self.params,
        };
        self.by_admin(
            run,
            "initialize_pool",
            ix::initialize_pool(&self.pool, admin_key, self.world.oracle, args),
        );
        for wallet in [self.admin, self.lp, self.trader] {
            let (address, account) = lp_account(wallet, self.pool.lp_mint);
            run.sbf.set_account(address, account);
        }
    }

    /// The admin's first deposit, a swap while its shares are all there are, the LP's
    /// deposit, the swaps of [`SWAPS`], and a swap on the first fresh print of the next
    /// grid cell (a volatility sample): that print's time.
    fn trade(&self, run: &mut Run) -> i64 {
        let deposit = |max_base, max_quote| DepositArgs {
            max_base,
            max_quote,
            min_shares: 1,
        };
        let lp_mint = &self.pool.lp_mint;
        self.by_admin(
            run,
            "deposit_first",
            ix::deposit(
                &self.pool,
                &self.admin.accounts(lp_mint),
                deposit(1_000 * ONE_BASE, 150_000 * ONE_QUOTE),
            ),
        );
        self.sell_five(run, "swap_one_lp");
        run.measure(
            "deposit",
            ix::deposit(
                &self.pool,
                &self.lp.accounts(lp_mint),
                deposit(10 * ONE_BASE, 1_500 * ONE_QUOTE),
            ),
            &[&self.lp.keypair],
        );
        for (row, exact_in, direction, amount) in SWAPS {
            self.by_trader(run, row, self.swap(exact_in, direction, amount));
        }
        let sample_time = next_volatility_sample(START_TIME);
        run.sbf.set_clock(&Clock {
            unix_timestamp: sample_time,
            ..Clock::default()
        });
        run.sbf.set_account(
            self.world.oracle,
            genesis::oracle(pyth_price(150.1), pyth_price(0.05), sample_time),
        );
        self.sell_five(run, "swap_volatility_sample");
        sample_time
    }

    /// Pyth Pro: the feed named, a signed update posted (the ed25519 precompile's check
    /// before it, in the same transaction), a swap at its price.
    fn pyth_pro(&self, run: &mut Run, sample_time: i64) {
        let pool = self.pool.pool;
        self.by_admin(
            run,
            "set_pro_feeds",
            ix::set_pro_feeds(pool, self.admin.pubkey(), PRO_FEED_ID, 0),
        );
        let timestamp_us =
            u64::try_from(sample_time).expect("a positive time") * 1_000_000 + 200_000;
        let payload = pro_payload(
            timestamp_us,
            PRO_CHANNEL_200MS,
            &[(PRO_FEED_ID, pro_feed(pyth_price(150.08), pyth_price(0.02)))],
        );
        let message = pro_message(&pro_signer(), &payload);
        // After the run's compute-budget instruction (0): the check at 1, the post at 2.
        let [verify, post] = ix::post_pro_price(pool, &message, 1).expect("a short message");
        run.measure_after("post_pro_price", &[verify], post, &[]);
        self.sell_five(run, "swap_pro");
    }

    /// Prop-AMM mode: a quoter named, a price pushed, a swap at it.
    fn prop_amm(&self, run: &mut Run) {
        let pool = self.pool.pool;
        let quoter = keypair(14);
        run.fund(
            "the quoter's lamports",
            &self.admin.keypair,
            &quoter.pubkey(),
        );
        self.by_admin(
            run,
            "set_quoter",
            ix::set_quoter(pool, self.admin.pubkey(), quoter.pubkey()),
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
            ix::push_quote(pool, quoter.pubkey(), quoted),
            &[&quoter],
        );
        self.sell_five(run, "swap_quoted");
    }

    /// Half the LP's shares withdrawn; 30 base sold, beyond the pool's ±10 base band: a
    /// rebalance, and half its request recorded as hedged.
    fn withdraw_and_rebalance(&self, run: &mut Run) {
        let (pool, keeper) = (&self.pool, &self.world.keeper);
        let shares = run.token_amount(&self.lp.lp(&pool.lp_mint)) / 2;
        run.measure(
            "withdraw",
            ix::withdraw(
                pool,
                &self.lp.accounts(&pool.lp_mint),
                WithdrawArgs {
                    shares,
                    min_base: 1,
                    min_quote: 1,
                },
            ),
            &[&self.lp.keypair],
        );
        let sale = self.swap(true, Direction::BaseToQuote, 30 * ONE_BASE);
        run.setup("a 30-base sale", &[sale], &[&self.trader.keypair]);
        run.measure(
            "rebalance",
            ix::rebalance(pool, self.world.oracle, keeper.pubkey()),
            &[keeper],
        );
        let state = run.pool(&pool.pool);
        let requested = i64::from_le_bytes(state.pending_request_base);
        run.measure(
            "record_hedge",
            ix::record_hedge(
                pool.pool,
                keeper.pubkey(),
                state.rebalance_seq,
                requested / 2,
                LotPrice::new(state.pending_request_price.get()),
            ),
            &[keeper],
        );
    }

    /// A higher fee tightens: it applies at once. A higher inventory cap loosens: it waits
    /// the change delay, as the retarget does; cancelled once, proposed again, applied.
    fn change_params(&self, run: &mut Run, sample_time: i64) {
        let (pool, admin_key) = (&self.pool, self.admin.pubkey());
        let tighter = PoolParams {
            fee_bps: self.params.fee_bps + 1,
            ..self.params
        };
        let looser = PoolParams {
            inventory_cap: tighter.inventory_cap + 10 * ONE_BASE,
            ..tighter
        };
        let admin_rows = [
            (
                "update_params",
                ix::update_params(pool.pool, admin_key, tighter),
            ),
            (
                "update_params_proposed",
                ix::update_params(pool.pool, admin_key, looser),
            ),
            (
                "cancel_pending_changes",
                ix::cancel_pending_changes(pool, admin_key),
            ),
        ];
        for (row, instruction) in admin_rows {
            self.by_admin(run, row, instruction);
        }
        run.setup(
            "the loosening change proposed again",
            &[ix::update_params(pool.pool, admin_key, looser)],
            &[&self.admin.keypair],
        );
        let target = run
            .pool(&pool.pool)
            .target_at_depth()
            .expect("the pool's target");
        self.by_admin(
            run,
            "retarget_proposed",
            ix::retarget(pool, admin_key, target + target / 200),
        );
        run.sbf.set_clock(&Clock {
            unix_timestamp: sample_time + CHANGE_DELAY as i64,
            ..Clock::default()
        });
        self.by_admin(
            run,
            "apply_pending_changes",
            ix::apply_pending_changes(pool, admin_key),
        );
    }

    /// The protocol's fees collected; a new keeper, a new admin proposed, funded and
    /// accepted; the pool paused by it.
    fn hand_over(&self, run: &mut Run) {
        let (pool, admin) = (&self.pool, self.admin);
        let admin_key = admin.pubkey();
        let (new_keeper, new_admin) = (keypair(12), keypair(13));
        let admin_rows = [
            (
                "collect_protocol_fees",
                ix::collect_protocol_fees(pool, admin_key, admin.base, admin.quote),
            ),
            (
                "set_keeper",
                ix::set_keeper(pool.pool, admin_key, new_keeper.pubkey()),
            ),
            (
                "propose_admin",
                ix::propose_admin(pool.pool, admin_key, new_admin.pubkey()),
            ),
        ];
        for (row, instruction) in admin_rows {
            self.by_admin(run, row, instruction);
        }
        run.fund(
            "the new admin's lamports",
            &admin.keypair,
            &new_admin.pubkey(),
        );
        let new_admin_rows = [
            (
                "accept_admin",
                ix::accept_admin(pool.pool, new_admin.pubkey()),
            ),
            (
                "set_paused",
                ix::set_paused(pool.pool, new_admin.pubkey(), true),
            ),
        ];
        for (row, instruction) in new_admin_rows {
            run.measure(row, instruction, &[&new_admin]);
        }
    }
}
