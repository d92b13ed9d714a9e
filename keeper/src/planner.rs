//! From a rebalance request to a hedge order.

/// Which way the hedge trades base on the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Sell base: offsets a pool that is long base.
    SellBase,
    /// Buy base: offsets a pool that is short base.
    BuyBase,
}

impl Side {
    /// As stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SellBase => "sell",
            Self::BuyBase => "buy",
        }
    }

    /// From the journal.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "sell" => Some(Self::SellBase),
            "buy" => Some(Self::BuyBase),
            _ => None,
        }
    }

    /// The change in hedge position a fill of `base` atoms makes (selling base adds to
    /// the hedge that offsets a long inventory).
    pub fn signed(self, base: u64) -> i64 {
        let base = i64::try_from(base).unwrap_or(i64::MAX);
        match self {
            Self::SellBase => base,
            Self::BuyBase => base.saturating_neg(),
        }
    }
}

/// Planner configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannerConfig {
    /// Orders smaller than this are not worth the venue fee: the request is closed with a
    /// zero fill instead.
    pub min_order_base: u64,
    /// Largest order per step; the rest waits for the next request.
    pub max_order_base: u64,
}

/// A hedge order for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HedgeOrder {
    /// The request it answers.
    pub seq: u64,
    /// Idempotency key at the venue: the same request always maps to the same id.
    pub client_id: String,
    /// Direction.
    pub side: Side,
    /// Size, base atoms.
    pub base: u64,
}

/// The order for request `seq` on `pool` whose target hedge change is
/// `target_hedge_delta` base atoms (positive: sell base). `None` when it is below the
/// minimum order.
pub fn plan(
    pool: &str,
    seq: u64,
    target_hedge_delta: i128,
    config: &PlannerConfig,
) -> Option<HedgeOrder> {
    let side = if target_hedge_delta >= 0 {
        Side::SellBase
    } else {
        Side::BuyBase
    };
    let size = u64::try_from(target_hedge_delta.unsigned_abs()).unwrap_or(u64::MAX);
    let base = size.min(config.max_order_base);
    if base < config.min_order_base || base == 0 {
        return None;
    }
    Some(HedgeOrder {
        seq,
        client_id: format!("{pool}-{seq}"),
        side,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: PlannerConfig = PlannerConfig {
        min_order_base: 100,
        max_order_base: 5_000,
    };

    #[test]
    fn long_pools_sell_short_pools_buy_within_the_size_limits() {
        let order = plan("P", 3, 1_234, &CONFIG).unwrap();
        assert_eq!(
            (order.side, order.base, order.client_id.as_str()),
            (Side::SellBase, 1_234, "P-3")
        );
        let order = plan("P", 4, -9_999, &CONFIG).unwrap();
        assert_eq!(
            (order.side, order.base),
            (Side::BuyBase, 5_000),
            "clipped to the maximum"
        );
        assert_eq!(plan("P", 5, 99, &CONFIG), None, "below the minimum");
        assert_eq!(plan("P", 6, 0, &CONFIG), None);
    }

    #[test]
    fn sides_round_trip_and_sign_the_hedge() {
        for side in [Side::SellBase, Side::BuyBase] {
            assert_eq!(Side::parse(side.as_str()), Some(side));
        }
        assert_eq!(Side::parse("hold"), None);
        assert_eq!(Side::SellBase.signed(7), 7);
        assert_eq!(Side::BuyBase.signed(7), -7);
    }
}
