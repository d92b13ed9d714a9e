//! A swap's steps around its pricing, on the pool: `prepare_swap` before (the price, the
//! print depth, the volatility estimate, the curve at the pool's depth), `book_swap` after.

use anchor_lang::prelude::*;
use homeostat_math::{
    mul_div_u64, BaseAtoms, Curve, Direction, Fixed, InventoryModel, Limits, MarketState, Reserves,
    Rounding, SpreadConfig, SwapContext, SwapQuote, Units,
};

use super::{Pool, PriceSource};
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::{OraclePrice, PriceUpdate};
use crate::trace;

/// When a swap executes: the cluster's unix time (oracle ages) and slot (the quoter's
/// expiry and age).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapClock {
    /// Unix time, seconds.
    pub now: i64,
    /// Slot.
    pub slot: u64,
}

/// What a swap is priced from, once the pool has taken the steps before pricing.
#[derive(Clone, Copy, Debug)]
pub struct PreparedSwap {
    /// The price the swap executes at (the quoter's, or the pool's Pyth price).
    pub oracle: OraclePrice,
    /// Where that price came from.
    pub source: PriceSource,
    /// Curve, inventory, limits, fees and reserves.
    pub context: SwapContext,
}

impl Pool {
    /// Records the newest print(s) used and observes the oracle in the volatility
    /// estimate (which samples only the first fresh print of each grid cell).
    pub fn observe_oracle(&mut self, oracle: &OraclePrice) -> Result<()> {
        self.last_oracle_time = self.last_oracle_time.max(oracle.publish_time);
        if let Some(time) = oracle.quote_publish_time {
            self.last_quote_oracle_time = self.last_quote_oracle_time.max(time);
        }
        let units = Units::try_from(self.params.units).math()?;
        let next = self
            .volatility_state()
            .observe(
                &self.params.volatility_config(),
                units,
                oracle.mid,
                oracle.publish_time,
            )
            .math()?;
        self.set_volatility_state(&next);
        Ok(())
    }

    /// The steps of a swap before pricing, in the program's order — the one place they are
    /// written (the swap handler, the SDK's quotes and the simulator's replica all call
    /// it): refuse a paused pool (`PoolPaused`) and one with no liquidity but its locked
    /// shares (`PoolEmpty`); take the pool's posted Pyth Pro price while it is fresh
    /// (`pro_price`), else check the push print(s) and convert them to a price per lot
    /// (`price_from_updates`); choose the price the swap executes at (the
    /// quoter's or Pyth's, `swap_price`); a newer price of that source restores the print
    /// depth; observe the Pyth print in the volatility estimate; the LPs' reserves from the
    /// vault balances; the swap context, with the quoter's offsets when it prices.
    pub fn prepare_swap(
        &mut self,
        oracle: &PriceUpdate,
        quote_oracle: Option<&PriceUpdate>,
        vaults: Reserves,
        clock: SwapClock,
    ) -> Result<PreparedSwap> {
        require!(!self.is_paused(), HomeostatError::PoolPaused);
        // Emptied (or never funded): a trade against dust would set the composition the
        // next LP joins at; the admin's next deposit reopens the pool.
        require!(!self.is_empty(), HomeostatError::PoolEmpty);
        // A fresh Pyth Pro price first (a post earlier in the transaction, or before it);
        // the push account otherwise.
        let pyth = match self.pro_price(clock.now)? {
            Some(pro) => pro,
            None => self.price_from_updates(oracle, quote_oracle, clock.now)?,
        };
        trace::point("price");
        let (price, source) = self.swap_price(&pyth, clock.slot)?;
        let newer = match source {
            PriceSource::Pyth => pyth.publish_time > self.last_oracle_time,
            PriceSource::Quoter { sequence } => sequence > self.pushed.depth_sequence,
        };
        if newer {
            // A newer price: its depth is whole again on both sides.
            self.print_flow = [0; 2];
        }
        if let PriceSource::Quoter { sequence } = source {
            self.pushed.depth_sequence = sequence;
        }
        trace::point("price-source");
        self.observe_oracle(&pyth)?;
        trace::point("volatility");
        let reserves = self.lp_reserves(vaults)?;
        let mut context = self.swap_context(&price, reserves)?;
        trace::point("swap-context");
        self.apply_quote_offsets(&mut context.curve, source)?;
        Ok(PreparedSwap {
            oracle: price,
            source,
            context,
        })
    }

    /// The step of a swap after pricing: the trade's base counts against its side's print
    /// depth, and the protocol's share of the fee is owed in the input token (it stays in
    /// that vault until `collect_protocol_fees`).
    pub fn book_swap(&mut self, direction: Direction, quote: &SwapQuote) -> Result<()> {
        let flow = &mut self.print_flow[direction as usize];
        // A count past u64::MAX atoms only means the side's depth is long gone.
        *flow = flow.saturating_add(quote.base_amount.get());
        let owed = match direction {
            Direction::BaseToQuote => &mut self.protocol_fees_base,
            Direction::QuoteToBase => &mut self.protocol_fees_quote,
        };
        *owed = owed
            .checked_add(quote.fee.protocol)
            .ok_or(HomeostatError::MathOverflow)?;
        Ok(())
    }

    /// Everything a swap is priced from: the curve at this oracle state, inventory,
    /// limits, fees and what the pool can pay. The SDK builds the same context from the
    /// same account data, so its quotes equal the program's amounts.
    pub fn swap_context(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<SwapContext> {
        let (mut curve, inventory_cap) = self.curve_at_depth(oracle, reserves)?;
        trace::point("curve-at-depth");
        // Computed once: the limits bind on it, the curve prices at its risk part.
        let position = self.gross_position(reserves)?;
        trace::point("inventory");
        if let Curve::Linear(linear) = &mut curve {
            linear.depth.left = self.print_depth_left(position, oracle.age)?;
        }
        trace::point("print-depth");
        Ok(SwapContext {
            curve,
            risk_position: self.risk_of(position)?,
            position,
            limits: Limits {
                inventory_cap: BaseAtoms::new(inventory_cap),
                max_trade_base: BaseAtoms::new(self.aged(self.params.max_trade_base, oracle.age)?),
            },
            fees: self.params.fees(),
            reserves,
        })
    }

    /// The model's curve at this oracle state, with its skew and the inventory cap at the
    /// pool's depth (`at_depth`).
    pub(crate) fn curve_at_depth(
        &self,
        oracle: &OraclePrice,
        reserves: Reserves,
    ) -> Result<(Curve, u64)> {
        let params = &self.params;
        let market = MarketState {
            mid: oracle.mid,
            confidence: oracle.confidence,
            variance: self.variance.get(),
            age: oracle.age,
        };
        let spread = SpreadConfig {
            min_half_spread: params.min_half_spread.get(),
            confidence_multiplier: params.confidence_multiplier.get(),
            age_multiplier: params.age_multiplier.get(),
            depth_slope: params.depth_slope.get(),
            // A pool never trades on its LPs' wrong side of the oracle mid; it sheds
            // inventory through the keeper's hedges instead.
            mid_guard: true,
        };
        let model = self.model()?;
        trace::point("model");
        let curve = model.curve(&market, &spread, reserves, params.lot).math()?;
        trace::point("curve");
        self.at_depth(curve)
    }

    /// The curve's skew and the inventory cap at the pool's depth: stated for
    /// `reference_shares`, they scale with `reference_shares / total_shares` (the skew) and
    /// its inverse (the cap). A pro-rata deposit scales the inventory with the pool, so
    /// without this a just-in-time deposit before a trade would multiply the skew that
    /// trade pays (and could push the inventory past the cap); with it `skew·q` and
    /// `q / cap` are unchanged by deposits and withdrawals. The skew is inventory risk per
    /// share of the pool. Rounded in the pool's favour (skew interval widened outward, cap
    /// down).
    fn at_depth(&self, curve: Curve) -> Result<(Curve, u64)> {
        let (reference, total) = (self.reference_shares, self.total_shares);
        let inventory_cap = self.params.inventory_cap;
        if reference == 0 || total == 0 || reference == total {
            return Ok((curve, inventory_cap));
        }
        let (reference_fixed, total_fixed) = (Fixed::from_u64(reference), Fixed::from_u64(total));
        let curve = match curve {
            Curve::Linear(mut linear) => {
                linear.skew = linear
                    .skew
                    .mul_div(reference_fixed, total_fixed, Rounding::Up)
                    .math()?;
                linear.skew_low = linear
                    .skew_low
                    .mul_div(reference_fixed, total_fixed, Rounding::Down)
                    .math()?;
                linear.depth.slope = linear
                    .depth
                    .slope
                    .mul_div(reference_fixed, total_fixed, Rounding::Up)
                    .math()?;
                Curve::Linear(linear)
            }
            other => other,
        };
        Ok((curve, self.cap_at_depth()))
    }

    /// The print depth at the pool's depth (`print_depth` scaled like the inventory cap,
    /// rounded down, then `aged`) less what each side has traded since the newest print,
    /// base atoms: `PrintDepth::left`. The side that reduces the gross `position` has
    /// `depth_relief_bps` of it more (rounded down: less relief, in the pool's favour).
    pub fn print_depth_left(&self, position: i128, age: u64) -> Result<[i128; 2]> {
        let depth = i128::from(self.aged(self.scaled_to_depth(self.params.print_depth), age)?);
        let relief = |reducible: i128| -> Result<i128> {
            // A position is at most the base reserves, a u64.
            let reducible = u64::try_from(reducible.max(0))
                .map_err(|_| error!(HomeostatError::MathOverflow))?;
            let relief = mul_div_u64(
                reducible,
                u64::from(self.params.depth_relief_bps),
                homeostat_math::fees::BPS_DENOMINATOR,
                Rounding::Down,
            )
            .math()?;
            Ok(i128::from(relief))
        };
        // A sale to the pool reduces a short position, a purchase a long one.
        let reliefs = [relief(position.saturating_neg())?, relief(position)?];
        let mut left = [0i128; 2];
        for ((left, flow), relief) in left.iter_mut().zip(self.print_flow).zip(reliefs) {
            *left = depth
                .saturating_sub(i128::from(flow))
                .saturating_add(relief);
        }
        Ok(left)
    }

    /// `amount` as a print `age` seconds old may fill it: less `age_shrink_bps` of it at
    /// `max_oracle_age`, linearly in between, `amount − ⌈amount·shrink·age / (10⁴·max_age)⌉`
    /// (the cut rounded up, in the pool's favour; ages past `max_oracle_age` never price).
    fn aged(&self, amount: u64, age: u64) -> Result<u64> {
        let max_age = self.params.max_oracle_age;
        if self.params.age_shrink_bps == 0 || max_age == 0 {
            return Ok(amount);
        }
        // shrink ≤ 10⁴ and ages ≤ 60 s (`MAX_ORACLE_AGE_LIMIT`): both products fit a u64.
        let shrink = u64::from(self.params.age_shrink_bps)
            .checked_mul(age.min(max_age))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))?;
        let denominator = homeostat_math::fees::BPS_DENOMINATOR
            .checked_mul(max_age)
            .ok_or_else(|| error!(HomeostatError::MathOverflow))?;
        // Through the math crate's division (a compiled u128 division is slow on SBF).
        let cut = mul_div_u64(amount, shrink, denominator, Rounding::Up).math()?;
        // cut ≤ amount: shrink ≤ 10⁴ and age ≤ max_age.
        Ok(amount.saturating_sub(cut))
    }
}
