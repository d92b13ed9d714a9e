//! Prop-AMM mode's quoter (`homeostat-keeper --quoter`, docs/quoter.md): every
//! `--quoter-interval-ms` it reads the hedge venue's best bid and ask, turns them into the
//! program's price unit and pushes them with `push_quote`, valid for `--quoter-valid-slots`
//! slots. When its book is older than `--quoter-max-book-age-ms` (or the venue cannot be
//! reached) it pushes nothing, so the pool's quote expires and swaps fall back to Pyth — or
//! are refused, as the pool's `quote_fallback` says.
//!
//! * [`quote`]: the pure part — the quote of a book, the next sequence number, whether the
//!   pool would price on a quote (the program's own rule).
//! * [`journal`]: every sequence number written (durably) before it is sent, so a restart
//!   never sends one twice.
//! * [`book`]: where books come from — the paper venue's touch around Pyth, Binance's book
//!   ticker.
//! * [`Quoter`]: one step (read, book, quote, journal, push) and the landings it follows,
//!   over a [`QuoteChain`]: [`rpc::RpcQuoteChain`] on a cluster, `local::LocalQuoteChain`
//!   (feature `localnet`) on the in-process runtime.
//! * [`service`]: the loop the binary runs, its metrics ([`metrics`]), dry run and stop.

pub mod book;
pub mod journal;
#[cfg(feature = "localnet")]
pub mod local;
pub mod metrics;
pub mod quote;
pub mod rpc;
mod run;
pub mod service;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
pub use homeostat::instructions::PushQuoteArgs;
use homeostat::oracle::OraclePrice;
use homeostat_sdk::{Pool, PriceUpdate, SdkError};
use solana_compute_budget_interface::ComputeBudgetInstruction;

pub use run::{plan, Outcome, Plan, Quoter, Report, Settled, StopPoint};

use crate::Result;

/// What the quoter reads from the chain each step.
#[derive(Clone, Debug)]
pub struct QuoteView {
    /// The cluster's slot (its clock sysvar's, what `push_quote` checks `valid_until`
    /// against).
    pub slot: u64,
    /// The cluster's unix time.
    pub now: i64,
    /// The pool.
    pub pool: Pool,
    /// The pool's Pyth price now, as a swap would check it, or why a swap would refuse it.
    pub pyth: core::result::Result<OraclePrice, SdkError>,
}

impl QuoteView {
    /// The view of `pool` at `now` and `slot` with these price updates: Pyth checked by the
    /// program's own code (`Pool::price_from_updates`).
    pub fn new(
        pool: Pool,
        oracle: &PriceUpdate,
        quote_oracle: Option<&PriceUpdate>,
        now: i64,
        slot: u64,
    ) -> Self {
        let pyth = pool
            .price_from_updates(oracle, quote_oracle, now)
            .map_err(SdkError::from);
        Self {
            slot,
            now,
            pool,
            pyth,
        }
    }
}

/// How a sent push ended, once the chain knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Landed {
    /// It executed: the pool holds its price.
    Executed,
    /// It executed and the program refused it (the error).
    Refused(String),
}

/// The quoter's connection to its pool: an RPC client on a cluster, or the in-process
/// runtime in tests.
// The quoter drives one pool from one task; the futures need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait QuoteChain {
    /// The pool, its Pyth price and the slot now.
    async fn read(&mut self) -> Result<QuoteView>;
    /// Sends `push_quote(quote)` once, without waiting for it to land; its signature.
    async fn push(&mut self, quote: &PushQuoteArgs) -> Result<String>;
    /// How each of `signatures` ended, `None` while the chain does not know it.
    async fn statuses(&mut self, signatures: &[String]) -> Result<Vec<Option<Landed>>>;
}

/// A push's instructions: its compute-unit limit and price (micro-lamports per unit), then
/// `push_quote` signed by `quoter`.
pub fn push_instructions(
    pool: Pubkey,
    quoter: Pubkey,
    quote: &PushQuoteArgs,
    compute_unit_limit: u32,
    compute_unit_price: u64,
) -> [Instruction; 3] {
    [
        ComputeBudgetInstruction::set_compute_unit_limit(compute_unit_limit),
        ComputeBudgetInstruction::set_compute_unit_price(compute_unit_price),
        homeostat_sdk::instructions::push_quote(pool, quoter, *quote),
    ]
}
