use anchor_lang::prelude::*;

use super::{direction_from, execute, Swap, SwapKind};

/// Arguments of `swap_exact_in`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapExactInArgs {
    /// 0 = sell base for quote, 1 = buy base with quote.
    pub direction: u8,
    /// Exact input, fee included (input token atoms).
    pub amount_in: u64,
    /// Fewest output atoms acceptable.
    pub min_amount_out: u64,
}

/// Swaps exactly `amount_in` of the input token.
///
/// Specification:
/// - `trader` signs and owns the input account (the token program enforces it).
/// - `pool` holds `base_mint`, `quote_mint`, `base_vault`, `quote_vault` (`has_one`);
///   trader accounts are for those mints and are not the pool's vaults
///   (`AccountAliased`); token programs own the mints.
/// - Pool not paused (`PoolPaused`), and holding more than its locked shares
///   (`PoolEmpty`: an emptied pool trades again once its admin deposits).
/// - `oracle`: owned by the Pyth receiver (`WrongOracleOwner`), a `PriceUpdateV2`
///   (`InvalidOracleAccount`), fully verified (`OracleNotFullyVerified`), the pool's feed
///   (`WrongOracleFeed`), positive (`NonPositiveOraclePrice`), not older than
///   `max_oracle_age` (`StaleOracle`), confidence within `max_confidence_bps`
///   (`OracleConfidenceTooWide`). A newer price updates the volatility estimate.
/// - `direction` is 0 or 1 (`InvalidParameter`); `amount_in > 0` (`ZeroAmount`).
/// - Priced by `homeostat_math::SwapContext::quote_exact_in`: inventory cap
///   (`InventoryCapExceeded`), max trade size (`TradeTooLarge`), pool liquidity
///   (`InsufficientLiquidity`), positive quotes (`QuoteNotPositive`).
/// - Output ≥ `min_amount_out` (`SlippageExceeded`).
pub(crate) fn handle(ctx: Context<Swap>, args: SwapExactInArgs) -> Result<()> {
    execute(
        ctx,
        direction_from(args.direction)?,
        SwapKind::ExactIn {
            amount: args.amount_in,
            min_out: args.min_amount_out,
        },
    )
}
