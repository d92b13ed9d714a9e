use anchor_lang::prelude::*;

use super::{direction_from, execute, Swap, SwapKind};

/// Arguments of `swap_exact_out`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapExactOutArgs {
    /// 0 = sell base for quote, 1 = buy base with quote.
    pub direction: u8,
    /// Exact output (output token atoms).
    pub amount_out: u64,
    /// Most input atoms acceptable, fee included.
    pub max_amount_in: u64,
}

/// Swaps for exactly `amount_out` of the output token.
///
/// Specification: the checks of `swap_exact_in`, with `amount_out > 0` (`ZeroAmount`),
/// pricing by `homeostat_math::SwapContext::quote_exact_out`, and input ≤
/// `max_amount_in` (`SlippageExceeded`).
pub(crate) fn handle(ctx: Context<Swap>, args: SwapExactOutArgs) -> Result<()> {
    execute(
        ctx,
        direction_from(args.direction)?,
        SwapKind::ExactOut {
            amount: args.amount_out,
            max_in: args.max_amount_in,
        },
    )
}
