//! Venues the keeper hedges on.

use std::collections::HashMap;

use homeostat_math::{Fixed, LotPrice, Rounding};

use crate::planner::{HedgeOrder, Side};
use crate::{KeeperError, Result};

/// A fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Base atoms filled.
    pub base: u64,
    /// Average price, quote atoms per lot — the program's price unit.
    pub avg_price: LotPrice,
    /// Venue fee, quote atoms.
    pub fee_quote: u64,
}

/// Where hedges execute. Orders carry a client id; submitting the same id twice must not
/// trade twice (real venues offer this as idempotent client order ids).
// The keeper drives one venue from one task; the futures need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait Venue {
    /// Executes `order` at or around `reference_price` (quote atoms per lot),
    /// or returns the existing fill for its client id.
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> Result<Fill>;
    /// The fill of an earlier order, its price per `lot` (the pool's lot now): `None` only
    /// when the venue says it never executed (an unreachable venue is an error, never
    /// "not found").
    async fn find(&mut self, client_id: &str, lot: u64) -> Result<Option<Fill>>;
    /// The account's net position in the pool's base, base atoms, long positive. Selling
    /// base to hedge a long pool makes it negative: it mirrors the pool's `hedge_position`.
    async fn position(&mut self) -> Result<i128>;
}

/// A simulated venue: fills the whole order at the reference price moved against the
/// keeper by `slippage_bps`, and charges `fee_bps` of the notional. Its account starts
/// flat unless told otherwise ([`PaperVenue::with_position`]).
#[derive(Debug, Default)]
pub struct PaperVenue {
    /// Fee, basis points of the notional.
    pub fee_bps: u32,
    /// Price moved against the keeper, basis points.
    pub slippage_bps: u32,
    fills: HashMap<String, Fill>,
    executions: usize,
    position: i128,
}

impl PaperVenue {
    /// A venue with the given fee and slippage.
    pub fn new(fee_bps: u32, slippage_bps: u32) -> Self {
        Self {
            fee_bps,
            slippage_bps,
            ..Self::default()
        }
    }

    /// The same venue with an account that starts at `position` base atoms (long
    /// positive) — e.g. where the pool's record says a real account would stand.
    pub fn with_position(self, position: i128) -> Self {
        Self { position, ..self }
    }

    /// How many orders actually traded (replays of a client id do not count).
    pub fn executions(&self) -> usize {
        self.executions
    }

    /// The fill of client id `client_id`, if it traded.
    pub fn fill(&self, client_id: &str) -> Option<Fill> {
        self.fills.get(client_id).copied()
    }

    /// The venue's book around `mid`: `(bid, ask)`, each `slippage_bps` of the mid away from
    /// it (rounded outward: against the keeper). Sales fill at the bid, purchases at the
    /// ask; the quoter's paper book is this touch.
    pub fn touch(&self, mid: LotPrice) -> Result<(LotPrice, LotPrice)> {
        let mid = mid.get();
        let slip = bps(mid, self.slippage_bps, Rounding::Up)?;
        let moved = |price: homeostat_math::Result<Fixed>| {
            price.map(LotPrice::new).map_err(math("the touch"))
        };
        Ok((moved(mid.checked_sub(slip))?, moved(mid.checked_add(slip))?))
    }

    fn trade(&mut self, order: &HedgeOrder, reference_price: LotPrice, lot: u64) -> Result<Fill> {
        if let Some(fill) = self.fills.get(&order.client_id) {
            return Ok(*fill);
        }
        if !reference_price.get().is_positive() || lot == 0 {
            return Err(KeeperError::Venue(format!(
                "no price for {}",
                order.client_id
            )));
        }
        let (bid, ask) = self.touch(reference_price)?;
        let price = match order.side {
            Side::SellBase => bid,
            Side::BuyBase => ask,
        };
        let notional = Fixed::from_u64(order.base)
            .mul_div(price.get(), Fixed::from_u64(lot), Rounding::Up)
            .map_err(math("a fill's notional"))?;
        let fee_quote = bps(notional, self.fee_bps, Rounding::Up)?
            .to_u64(Rounding::Up)
            .map_err(math("a fill's fee"))?;
        let fill = Fill {
            base: order.base,
            avg_price: price,
            fee_quote,
        };
        self.fills.insert(order.client_id.clone(), fill);
        self.executions += 1;
        // A hedge that sells base shortens the account by what the pool's record grows.
        self.position -= i128::from(order.side.signed(order.base));
        Ok(fill)
    }
}

fn bps(value: Fixed, bps: u32, rounding: Rounding) -> Result<Fixed> {
    value
        .mul_div(
            Fixed::from_u64(u64::from(bps)),
            Fixed::from_int(10_000),
            rounding,
        )
        .map_err(math("basis points of a price"))
}

/// A `map_err` naming what the paper venue was computing.
fn math(context: &'static str) -> impl FnOnce(homeostat_math::MathError) -> KeeperError {
    move |source| KeeperError::VenueMath { context, source }
}

impl Venue for PaperVenue {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> Result<Fill> {
        self.trade(order, reference_price, lot)
    }

    async fn find(&mut self, client_id: &str, _lot: u64) -> Result<Option<Fill>> {
        Ok(self.fill(client_id))
    }

    async fn position(&mut self) -> Result<i128> {
        Ok(self.position)
    }
}

/// An exchange's HTTP answer, as the venues classify it.
pub(crate) struct Reply {
    pub status: reqwest::StatusCode,
    /// `Retry-After`, when the exchange sent one (in seconds).
    pub retry_after: Option<std::time::Duration>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

/// Sends `request` and reads the whole answer: the HTTP step every exchange venue shares.
/// An unreachable exchange or a body that cannot be read is transient.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<Reply> {
    let response = request
        .send()
        .await
        .map_err(|error| KeeperError::Transient {
            message: format!("venue unreachable: {error}"),
            retry_after: None,
        })?;
    let status = response.status();
    let headers = response.headers().clone();
    let retry_after = headers
        .get("Retry-After")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .map(std::time::Duration::from_secs);
    let body = response
        .text()
        .await
        .map_err(|error| KeeperError::Transient {
            message: format!("venue response: {error}"),
            retry_after: None,
        })?;
    Ok(Reply {
        status,
        retry_after,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(side: Side) -> HedgeOrder {
        HedgeOrder {
            seq: 1,
            client_id: "P-1".into(),
            side,
            base: 2_000_000_000,
        }
    }

    #[tokio::test]
    async fn fills_against_the_keeper_with_fees_and_is_idempotent() {
        let mut venue = PaperVenue::new(5, 10);
        let mid = LotPrice::new(Fixed::from_int(150_000_000));
        let fill = venue
            .execute(&order(Side::SellBase), mid, 1_000_000_000)
            .await
            .unwrap();
        // Sold 2 SOL at 150 − 0.1% = 149.85 USDC: 299.7 USDC notional, 0.05% fee.
        assert_eq!(fill.avg_price, LotPrice::new(Fixed::from_int(149_850_000)));
        assert_eq!(fill.fee_quote, 149_850);
        assert_eq!(
            venue
                .execute(&order(Side::SellBase), mid, 1_000_000_000)
                .await
                .unwrap(),
            fill
        );
        assert_eq!(venue.executions(), 1, "same client id, one trade");
        assert_eq!(
            venue.position().await.unwrap(),
            -2_000_000_000,
            "sold 2 SOL once"
        );
        assert_eq!(venue.find("P-1", 1_000_000_000).await.unwrap(), Some(fill));
        assert_eq!(venue.find("P-2", 1_000_000_000).await.unwrap(), None);
        let mut other = PaperVenue::new(0, 10).with_position(5_000_000_000);
        let buy = other
            .execute(&order(Side::BuyBase), mid, 1_000_000_000)
            .await
            .unwrap();
        assert_eq!(buy.avg_price, LotPrice::new(Fixed::from_int(150_150_000)));
        assert_eq!(other.position().await.unwrap(), 7_000_000_000);
        assert!(other
            .execute(
                &HedgeOrder {
                    client_id: "x".into(),
                    ..order(Side::BuyBase)
                },
                LotPrice::ZERO,
                1
            )
            .await
            .is_err());
    }

    #[tokio::test]
    async fn an_impossible_price_is_the_math_crates_error_named_not_text() {
        // A touch within the fixed-point range, a fill's notional (2 SOL of 1-atom lots)
        // past it.
        let mut venue = PaperVenue::new(5, 10);
        let price = LotPrice::new(Fixed::from_bits(i128::MAX / 2));
        let error = venue
            .execute(&order(Side::SellBase), price, 1)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                KeeperError::VenueMath {
                    context: "a fill's notional",
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            std::error::Error::source(&error).is_some(),
            "keeps its source"
        );
        assert_eq!(crate::metrics::failure_class(&error), "venue");
    }
}
