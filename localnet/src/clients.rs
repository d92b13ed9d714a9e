//! One client per instruction, each built by the SDK and naming the pool it acts on; the
//! pool's state and the SDK's view of it.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use homeostat::events::Swapped;
use homeostat::instructions::{
    DepositArgs, InitializePoolArgs, PushQuoteArgs, RecordHedgeArgs, WithdrawArgs,
};
use homeostat::oracle::PriceUpdate;
use homeostat::state::Pool;
use homeostat::PoolParams;
use homeostat_math::{BaseAtoms, Direction, LotPrice, QuoteAtoms, SwapQuote};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::instructions::{SwapIn, SwapOut};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::quote::PoolSnapshot;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use crate::asserts::decode_events;
use crate::fixtures::INITIAL_VARIANCE;
use crate::oracle::{FEED_ID, QUOTE_FEED_ID};
use crate::tokens::{User, ONE_BASE, ONE_QUOTE, TOKEN};
use crate::Harness;

/// `Direction::BaseToQuote`: the trader sells base.
pub const SELL: Direction = Direction::BaseToQuote;
/// `Direction::QuoteToBase`: the trader buys base.
pub const BUY: Direction = Direction::QuoteToBase;

/// The exact side of a swap and its size, in atoms of that side's token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exact {
    /// Pays exactly this much input (`swap_exact_in`).
    In(u64),
    /// Receives exactly this much output (`swap_exact_out`).
    Out(u64),
}

/// Arguments of a withdrawal of `shares` for whatever they are worth (no minimum out).
pub fn burn(shares: u64) -> WithdrawArgs {
    WithdrawArgs {
        shares,
        min_base: 0,
        min_quote: 0,
    }
}

impl Harness {
    /// Pool `index` under the admin's config, on the harness's mints.
    pub fn pool_at(&self, index: u16) -> PoolAddresses {
        self.pool_under(self.config, index)
    }

    /// Pool `index` under `config`, on the harness's mints.
    pub fn pool_under(&self, config: Pubkey, index: u16) -> PoolAddresses {
        PoolAddresses::derive(
            config,
            self.base_mint,
            self.quote_mint,
            index,
            self.base_token_program,
            self.quote_token_program,
        )
    }

    /// Anchor's event authority PDA.
    pub fn event_authority() -> Pubkey {
        homeostat_sdk::pda::event_authority()
    }

    /// The `initialize_pool` instruction for `pool`, signed by the admin: the harness's
    /// feed (and quote feed after `use_quote_feed`), keeper and `INITIAL_VARIANCE`.
    pub fn initialize_pool_ix(&self, pool: &PoolAddresses, params: PoolParams) -> Instruction {
        let args = InitializePoolArgs {
            pool_index: pool.index,
            feed_id: FEED_ID,
            quote_feed_id: if self.quote_oracle.is_some() {
                QUOTE_FEED_ID
            } else {
                [0; 32]
            },
            keeper: self.keeper.pubkey(),
            initial_variance: INITIAL_VARIANCE,
            params,
        };
        ix::initialize_pool(pool, self.admin.pubkey(), self.oracles(), args)
    }

    /// Creates `pool`.
    pub async fn initialize_pool(
        &mut self,
        pool: &PoolAddresses,
        params: PoolParams,
    ) -> Result<(), TransactionError> {
        let ix = self.initialize_pool_ix(pool, params);
        let admin = self.admin.insecure_clone();
        self.send(&[ix], &[&admin]).await
    }

    /// Creates `user`'s LP account in `pool` if it does not exist yet (paid by the payer).
    pub fn open_lp_account(&self, pool: &PoolAddresses, user: &User) -> Instruction {
        create_associated_token_account_idempotent(
            &self.context.payer.pubkey(),
            &user.keypair.pubkey(),
            &pool.lp_mint,
            &TOKEN,
        )
    }

    /// Deposits into `pool` (opening the LP account first if needed).
    pub async fn deposit(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        args: DepositArgs,
    ) -> Result<(), TransactionError> {
        let deposit = ix::deposit(pool, &user.accounts(pool), args);
        let open = self.open_lp_account(pool, user);
        self.send(&[open, deposit], &[&user.keypair]).await
    }

    /// Withdraws from `pool` (opening the LP account first if needed, so a withdrawal of
    /// shares never held fails in the program, not for a missing account).
    pub async fn withdraw(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        args: WithdrawArgs,
    ) -> Result<(), TransactionError> {
        let withdraw = ix::withdraw(pool, &user.accounts(pool), args);
        let open = self.open_lp_account(pool, user);
        self.send(&[open, withdraw], &[&user.keypair]).await
    }

    /// The LP shares `user` holds in `pool` (0 before the LP account exists).
    pub async fn lp_shares(&mut self, pool: &PoolAddresses, user: &User) -> u64 {
        let account = user.lp(pool);
        if self.account_exists(&account).await {
            self.balance(&account).await
        } else {
            0
        }
    }

    /// Swap accounts for a trader in `pool` (to substitute one in tests).
    pub fn swap_accounts(&self, pool: &PoolAddresses, user: &User) -> homeostat::accounts::Swap {
        ix::swap_accounts(pool, self.oracles(), &user.accounts(pool))
    }

    /// `swap_exact_in` with explicit accounts.
    pub async fn swap_exact_in_with(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        accounts: homeostat::accounts::Swap,
        args: SwapIn,
    ) -> Result<(), TransactionError> {
        let mut ix = ix::swap_exact_in(pool, self.oracles(), &user.accounts(pool), args);
        ix.accounts = anchor_lang::ToAccountMetas::to_account_metas(&accounts, None);
        self.send(&[ix], &[&user.keypair]).await
    }

    /// `swap_exact_in` in `pool`.
    pub async fn swap_exact_in(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        args: SwapIn,
    ) -> Result<(), TransactionError> {
        let ix = ix::swap_exact_in(pool, self.oracles(), &user.accounts(pool), args);
        self.send(&[ix], &[&user.keypair]).await
    }

    /// `swap_exact_out` in `pool`.
    pub async fn swap_exact_out(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        args: SwapOut,
    ) -> Result<(), TransactionError> {
        let ix = ix::swap_exact_out(pool, self.oracles(), &user.accounts(pool), args);
        self.send(&[ix], &[&user.keypair]).await
    }

    /// A swap of `size` in `direction` with no slippage bound.
    pub async fn swap(
        &mut self,
        pool: &PoolAddresses,
        user: &User,
        direction: Direction,
        size: Exact,
    ) -> Result<(), TransactionError> {
        match size {
            Exact::In(amount_in) => {
                let args = SwapIn {
                    direction,
                    amount_in,
                    min_amount_out: 1,
                };
                self.swap_exact_in(pool, user, args).await
            }
            Exact::Out(amount_out) => {
                let args = SwapOut {
                    direction,
                    amount_out,
                    max_amount_in: u64::MAX,
                };
                self.swap_exact_out(pool, user, args).await
            }
        }
    }

    /// Buys one SOL (`swap_exact_out`, no bound on the input) for a new trader holding
    /// 1 000 USDC, in one transaction after `before` (a Pyth Pro update, say): the `Swapped`
    /// event it emitted (`oracle_price`: the price it executed at), or the refusal. Simulated
    /// first for the event, since `send` returns no logs.
    pub async fn buy_one_base(
        &mut self,
        pool: &PoolAddresses,
        before: &[Instruction],
    ) -> Result<Swapped, TransactionError> {
        let trader = self.new_user(0, 1_000 * ONE_QUOTE).await;
        let buy = SwapOut {
            direction: BUY,
            amount_out: ONE_BASE,
            max_amount_in: u64::MAX,
        };
        let mut instructions = before.to_vec();
        instructions.push(ix::swap_exact_out(
            pool,
            self.oracles(),
            &trader.accounts(pool),
            buy,
        ));
        let (events, error) = self
            .simulate_events(&instructions, &[&trader.keypair])
            .await;
        if let Some(error) = error {
            return Err(error);
        }
        self.send(&instructions, &[&trader.keypair]).await?;
        let swapped = decode_events::<Swapped>(&events).into_iter().next();
        Ok(swapped.expect("a swap emits Swapped"))
    }

    /// `update_params` on `pool`, signed by `signer`.
    pub async fn update_params(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        params: PoolParams,
    ) -> Result<(), TransactionError> {
        let ix = ix::update_params(pool.pool, signer.pubkey(), params);
        self.send(&[ix], &[signer]).await
    }

    /// `retarget` of `pool` to `target_base` at its current depth, signed by `signer`.
    pub async fn retarget(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        target_base: u64,
    ) -> Result<(), TransactionError> {
        let ix = ix::retarget(pool, signer.pubkey(), target_base);
        self.send(&[ix], &[signer]).await
    }

    /// `set_paused` on `pool`, signed by `signer`.
    pub async fn set_paused(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        paused: bool,
    ) -> Result<(), TransactionError> {
        let ix = ix::set_paused(pool.pool, signer.pubkey(), paused);
        self.send(&[ix], &[signer]).await
    }

    /// `propose_admin` on `pool`, signed by `signer`.
    pub async fn propose_admin(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        new_admin: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::propose_admin(pool.pool, signer.pubkey(), new_admin);
        self.send(&[ix], &[signer]).await
    }

    /// `accept_admin` on `pool`, signed by `signer`.
    pub async fn accept_admin(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
    ) -> Result<(), TransactionError> {
        let ix = ix::accept_admin(pool.pool, signer.pubkey());
        self.send(&[ix], &[signer]).await
    }

    /// `set_keeper` on `pool`, signed by `signer`.
    pub async fn set_keeper(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        new_keeper: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::set_keeper(pool.pool, signer.pubkey(), new_keeper);
        self.send(&[ix], &[signer]).await
    }

    /// `set_quoter` on `pool`, signed by `signer`: names `new_quoter` (prop-AMM mode; the
    /// default key turns it off).
    pub async fn set_quoter(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        new_quoter: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::set_quoter(pool.pool, signer.pubkey(), new_quoter);
        self.send(&[ix], &[signer]).await
    }

    /// `push_quote` on `pool`, signed by `quoter`, at the runtime's current slot.
    pub async fn push_quote(
        &mut self,
        pool: &PoolAddresses,
        quoter: &Keypair,
        quote: PushQuoteArgs,
    ) -> Result<(), TransactionError> {
        let ix = ix::push_quote(pool.pool, quoter.pubkey(), quote);
        self.send(&[ix], &[quoter]).await
    }

    /// The `rebalance` instruction on `pool`, signed by `signer`.
    pub fn rebalance_ix(&self, pool: &PoolAddresses, signer: &Pubkey) -> Instruction {
        ix::rebalance(pool, self.oracles(), *signer)
    }

    /// `rebalance` on `pool`, signed by `signer`.
    pub async fn rebalance(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
    ) -> Result<(), TransactionError> {
        let ix = self.rebalance_ix(pool, &signer.pubkey());
        self.send(&[ix], &[signer]).await
    }

    /// `record_hedge` on `pool`, signed by `signer`.
    pub async fn record_hedge(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        args: RecordHedgeArgs,
    ) -> Result<(), TransactionError> {
        let ix = ix::record_hedge(
            pool.pool,
            signer.pubkey(),
            args.seq,
            args.filled_base,
            LotPrice::new(args.avg_price.get()),
        );
        self.send(&[ix], &[signer]).await
    }

    /// `collect_protocol_fees` from `pool`, signed by `signer`, paying into
    /// `base_destination` / `quote_destination`.
    pub async fn collect_protocol_fees(
        &mut self,
        pool: &PoolAddresses,
        signer: &Keypair,
        base_destination: Pubkey,
        quote_destination: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix =
            ix::collect_protocol_fees(pool, signer.pubkey(), base_destination, quote_destination);
        self.send(&[ix], &[signer]).await
    }

    /// The pool account, decoded.
    pub async fn pool_state(&mut self, pool: &PoolAddresses) -> Pool {
        let data = self.account(&pool.pool, "pool").await.data;
        *bytemuck::from_bytes::<Pool>(&data[8..Pool::SPACE])
    }

    /// The SDK's snapshot of `pool` as a swap would see it now with `update`.
    pub async fn snapshot(&mut self, pool: &PoolAddresses, update: &PriceUpdate) -> PoolSnapshot {
        PoolSnapshot {
            pool: self.pool_state(pool).await,
            base_vault: BaseAtoms::new(self.balance(&pool.base_vault).await),
            quote_vault: QuoteAtoms::new(self.balance(&pool.quote_vault).await),
            oracle: *update,
            quote_oracle: match self.quote_oracle {
                Some(address) => Some(self.price_update_at(address).await),
                None => None,
            },
            now: self.now,
            slot: self.slot,
        }
    }

    /// What the program will execute for a swap in `pool` now, quoted off-chain by the SDK
    /// from the same account data: the expectation every swap test checks against.
    pub async fn expected_swap(
        &mut self,
        pool: &PoolAddresses,
        update: &PriceUpdate,
        direction: Direction,
        size: Exact,
    ) -> homeostat_sdk::Result<SwapQuote> {
        let snapshot = self.snapshot(pool, update).await;
        match size {
            Exact::In(amount) => snapshot.quote_exact_in(direction, amount),
            Exact::Out(amount) => snapshot.quote_exact_out(direction, amount),
        }
    }
}
