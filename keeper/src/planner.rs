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

/// How far the hedge position may still grow each way, base atoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeRoom {
    /// Room for selling base (the position rises toward `+max`).
    pub sell: u64,
    /// Room for buying base (the position falls toward `−max`).
    pub buy: u64,
}

impl HedgeRoom {
    /// The room left with `position` inside `±max`.
    pub fn new(position: i64, max: u64) -> Self {
        let max = i128::from(max);
        let position = i128::from(position);
        let clamp = |value: i128| u64::try_from(value.max(0)).unwrap_or(u64::MAX);
        Self {
            sell: clamp(max - position),
            buy: clamp(max + position),
        }
    }

    /// No limit.
    pub const UNLIMITED: Self = Self {
        sell: u64::MAX,
        buy: u64::MAX,
    };
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
///
/// `hedge_room` is how far the pool's hedge position may still move in the order's
/// direction before `record_hedge` would refuse it (`max_hedge_position`); the order is
/// clipped to it.
pub fn plan(
    pool: &str,
    seq: u64,
    target_hedge_delta: i128,
    hedge_room: HedgeRoom,
    config: &PlannerConfig,
) -> Option<HedgeOrder> {
    let side = if target_hedge_delta >= 0 {
        Side::SellBase
    } else {
        Side::BuyBase
    };
    let size = u64::try_from(target_hedge_delta.unsigned_abs()).unwrap_or(u64::MAX);
    let room = match side {
        Side::SellBase => hedge_room.sell,
        Side::BuyBase => hedge_room.buy,
    };
    let base = size.min(config.max_order_base).min(room);
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
        let order = plan("P", 3, 1_234, HedgeRoom::UNLIMITED, &CONFIG).unwrap();
        assert_eq!(
            (order.side, order.base, order.client_id.as_str()),
            (Side::SellBase, 1_234, "P-3")
        );
        let order = plan("P", 4, -9_999, HedgeRoom::UNLIMITED, &CONFIG).unwrap();
        assert_eq!(
            (order.side, order.base),
            (Side::BuyBase, 5_000),
            "clipped to the maximum"
        );
        assert_eq!(
            plan("P", 5, 99, HedgeRoom::UNLIMITED, &CONFIG),
            None,
            "below the minimum"
        );
        assert_eq!(plan("P", 6, 0, HedgeRoom::UNLIMITED, &CONFIG), None);
    }

    #[test]
    fn orders_stop_at_the_pools_hedge_limit() {
        // Position +4 000 of ±5 000: 1 000 more may be sold, 9 000 bought.
        let room = HedgeRoom::new(4_000, 5_000);
        assert_eq!(
            room,
            HedgeRoom {
                sell: 1_000,
                buy: 9_000
            }
        );
        assert_eq!(plan("P", 1, 3_000, room, &CONFIG).unwrap().base, 1_000);
        assert_eq!(plan("P", 2, -3_000, room, &CONFIG).unwrap().base, 3_000);
        assert_eq!(
            plan("P", 3, 3_000, HedgeRoom::new(5_000, 5_000), &CONFIG),
            None,
            "at the limit"
        );
        assert_eq!(
            HedgeRoom::new(6_000, 5_000).sell,
            0,
            "beyond a lowered limit"
        );
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
