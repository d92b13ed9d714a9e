//! Where the keeper learns what happened on chain: the program's events, from an RPC node
//! ([`crate::rpc::RpcEvents`]) or from the in-process runtime (tests, the simulator).
//! [`catch_up`] replays them into the journal, so a keeper that lost its journal — or
//! crashed between sending `rebalance` and journaling the request — knows every request
//! and every record before it acts.

use anchor_lang::prelude::Pubkey;
use homeostat_math::LotPrice;
use homeostat_sdk::events::PoolEvent;

use crate::journal::Journal;
use crate::Result;

/// An event and the transaction that emitted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcedEvent {
    /// The transaction's signature (the resume point).
    pub transaction: String,
    /// The event.
    pub event: PoolEvent,
}

/// A stream of the program's events, oldest first.
#[allow(async_fn_in_trait)]
pub trait EventSource {
    /// Events since the previous poll (since `resume_after` on the first poll).
    async fn poll(&mut self) -> Result<Vec<SourcedEvent>>;
}

/// Replays `source`'s new events for `pool` into the journal: each `RebalanceRequested`
/// becomes a request (if new), each `HedgeRecorded` closes its request; the journal's
/// resume point advances past each transaction. Returns how many events were applied.
pub async fn catch_up(
    source: &mut impl EventSource,
    journal: &Journal,
    pool: &Pubkey,
) -> Result<usize> {
    let mut applied = 0;
    for sourced in source.poll().await? {
        if sourced.event.pool() == Some(*pool) {
            // One event that cannot be journaled is logged and skipped: replay goes on.
            let written = match &sourced.event {
                PoolEvent::RebalanceRequested(event) => {
                    // Not `target`: JSON logs name the module so.
                    tracing::info!(seq = event.seq, target_hedge_delta = %event.target_hedge_delta, "event: rebalance requested");
                    journal
                        .request(
                            event.seq,
                            event.target_hedge_delta,
                            LotPrice::new(event.oracle_price.get()),
                        )
                        .map(|()| 1)
                }
                PoolEvent::HedgeRecorded(event) => {
                    tracing::info!(
                        seq = event.seq,
                        filled = event.filled_base,
                        "event: hedge recorded"
                    );
                    journal.recorded(event.seq, event.filled_base).map(|()| 1)
                }
                PoolEvent::Swapped(_) | PoolEvent::Other(_) => Ok(0),
            };
            match written {
                Ok(count) => applied += count,
                Err(error) => tracing::warn!(
                    transaction = %sourced.transaction,
                    %error,
                    "event skipped: it could not be journaled"
                ),
            }
        }
        journal.set_cursor(&sourced.transaction)?;
    }
    Ok(applied)
}
