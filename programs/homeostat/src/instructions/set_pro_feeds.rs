use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::ProFeedsSet;
use crate::state::Pool;

/// Arguments of `set_pro_feeds`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetProFeedsArgs {
    /// Pyth Pro feed id of the pool's price (base/USD in a two-feed pool); 0 with
    /// `quote_feed_id` 0 stops the pool taking Pyth Pro updates.
    pub feed_id: u32,
    /// Pyth Pro quote/USD feed id, for a two-feed pool (0 for a single-feed pool).
    pub quote_feed_id: u32,
}

/// Names the Pyth Pro feed(s) whose signed updates may price the pool (`post_pro_price`),
/// or stops it taking them.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - `feed_id` and `quote_feed_id` both 0 (off), or `feed_id` > 0 with a `quote_feed_id`
///   exactly when the pool has a Pyth quote feed (`InvalidParameter`).
/// - The last posted Pyth Pro price stops pricing at once; its timestamp stays, so no
///   older update can be posted after.
/// - Emits `ProFeedsSet`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetProFeeds<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<SetProFeeds>, args: SetProFeedsArgs) -> Result<()> {
    {
        let mut pool = ctx.accounts.pool.load_mut()?;
        pool.set_pro_feeds(args.feed_id, args.quote_feed_id)?;
        pool.invariant()?;
    }
    emit_cpi!(ProFeedsSet {
        pool: ctx.accounts.pool.key(),
        feed_id: args.feed_id,
        quote_feed_id: args.quote_feed_id,
    });
    Ok(())
}
