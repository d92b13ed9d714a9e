//! The market's traders: arbitrageurs who trade each pool the size that maximises their
//! profit, and uninformed flow routed to the best price or sized by the model.

use super::report::FillKind;
use super::venues::{Fill, Priced, Side};
use super::{Market, VenuePool};
use crate::rng::Rng;

impl Market {
    /// Stage 3: each arbitrageur in turn (a random order each block: the first to land
    /// takes the opportunity) trades each pool the size that maximises its profit against
    /// the true price `arb_latency_ms` ago, net of `arb_cost_bps`.
    pub(super) fn arbitrage(&mut self) {
        let seen = self.price_ago(u64::from(self.scenario.arb_latency_ms));
        let cost = self.scenario.arb_cost_bps / 10_000.0;
        let arbitrageurs = self.scenario.arbitrageurs;
        for _ in 0..arbitrageurs {
            // The race's order only matters when arbitrageurs differ; drawn for the stream.
            let _ = self.streams.arbitrage.next_u64();
            for index in 0..self.venues.len() {
                self.arbitrage_pool(index, seen, cost);
            }
        }
    }

    fn arbitrage_pool(&mut self, index: usize, seen: f64, cost: f64) {
        let (now, slot, price) = (self.now_ms(), self.slot(), self.true_price());
        let limit = |side| match side {
            Side::Buy => seen * (1.0 - cost),
            Side::Sell => seen * (1.0 + cost),
        };
        let source = &self.venues[index].source;
        let mut refusals = 0;
        let fill = match &self.venues[index].pool {
            VenuePool::ConstantProduct { pool, .. } => Side::BOTH
                .into_iter()
                .map(|side| (side, pool.trade_to(side, limit(side))))
                .find(|&(_, size)| size > 1e-9)
                .map(|(side, size)| Trade::ConstantProduct(side, size)),
            VenuePool::Homeostat(pool) => {
                let prints = source.as_ref().map_or_else(Vec::new, |source| {
                    self.prints_for(source, pool, self.scenario.arb_picks_prints)
                });
                let mut best: Option<(f64, Priced, Side, f64)> = None;
                for print in &prints {
                    let Ok(priced) = pool.priced(print, now, slot) else {
                        refusals += 1;
                        continue;
                    };
                    for side in Side::BOTH {
                        if let Some((size, profit)) = best_trade(&priced, side, limit(side)) {
                            if best.as_ref().is_none_or(|b| profit > b.0) {
                                best = Some((profit, priced.clone(), side, size));
                            }
                        }
                    }
                }
                best.map(|(_, priced, side, size)| Trade::Homeostat(Box::new(priced), side, size))
            }
        };
        self.venues[index].tally.oracle_refusals += refusals;
        if let Some(trade) = fill {
            let fill = match trade {
                Trade::ConstantProduct(side, size) => match &mut self.venues[index].pool {
                    VenuePool::ConstantProduct { pool, .. } => pool.execute(side, size, price),
                    VenuePool::Homeostat(_) => Fill::default(),
                },
                Trade::Homeostat(priced, side, size) => match priced.quote(side, size) {
                    Some(quote) => self.execute_homeostat(index, &priced, &quote),
                    None => Fill::default(),
                },
            };
            let venue = &mut self.venues[index];
            let profit = -(fill.base * price + fill.quote + fill.protocol_fee)
                - fill.base.abs() * price * cost;
            self.arbitrage_profit += profit;
            venue
                .tally
                .book(FillKind::Arbitrage, self.block, &fill, price);
        }
    }

    /// Stage 4: the orders that arrive this block, each routed to the best price.
    pub(super) fn route_flow(&mut self) {
        let dt = self.slot_ms as f64 / 1_000.0;
        let orders = poisson(&mut self.streams.flow, self.scenario.orders_per_sec * dt);
        for _ in 0..orders {
            let side = if self.streams.flow.coin() {
                Side::Buy
            } else {
                Side::Sell
            };
            let size = pareto(
                &mut self.streams.flow,
                self.scenario.order_mean_sol,
                self.scenario.order_tail,
            )
            .min(self.scenario.order_max_sol);
            self.route(side, size);
        }
    }

    /// Splits an order of `size` SOL into `route_chunks` pieces, each to the venue where
    /// it is cheapest given the pieces already placed (an aggregator's split), then
    /// executes each pool's share as one swap. The reference venue takes whatever the
    /// pools price worse than `route_ref_bps` from the true price.
    fn route(&mut self, side: Side, size: f64) {
        let (now, slot, price) = (self.now_ms(), self.slot(), self.true_price());
        let chunks = self.scenario.route_chunks.max(1);
        let chunk = size / f64::from(chunks);
        let reference = self.scenario.route_ref_bps / 10_000.0;
        let priced: Vec<Option<Priced>> = self
            .venues
            .iter()
            .map(|venue| match (&venue.pool, &venue.source) {
                (VenuePool::Homeostat(pool), Some(source)) => self
                    .prints_for(source, pool, false)
                    .first()
                    .and_then(|print| pool.priced(print, now, slot).ok()),
                _ => None,
            })
            .collect();
        let value = |index: usize, sol: f64| -> Option<f64> {
            if sol <= 0.0 {
                return Some(0.0);
            }
            match (&self.venues[index].pool, &priced[index]) {
                (VenuePool::ConstantProduct { pool, .. }, _) => pool.value(side, sol),
                (VenuePool::Homeostat(_), Some(priced)) => priced.value(side, sol),
                (VenuePool::Homeostat(_), None) => None,
            }
        };
        let mut placed = vec![0.0; self.venues.len()];
        let mut values = vec![0.0; self.venues.len()];
        let mut to_reference = 0.0;
        for _ in 0..chunks {
            // The reference venue's price for the piece; a pool must beat it.
            let mut best: Option<(usize, f64, f64)> = None;
            let reference_value = match side {
                Side::Buy => chunk * price * (1.0 + reference),
                Side::Sell => chunk * price * (1.0 - reference),
            };
            for index in 0..self.venues.len() {
                let Some(total) = value(index, placed[index] + chunk) else {
                    continue;
                };
                let piece = total - values[index];
                let better = |than: f64| match side {
                    Side::Buy => piece < than,
                    Side::Sell => piece > than,
                };
                let bar = best.map_or(reference_value, |(_, p, _)| p);
                if better(bar) {
                    best = Some((index, piece, total));
                }
            }
            match best {
                Some((index, _, total)) => {
                    placed[index] += chunk;
                    values[index] = total;
                }
                None => to_reference += chunk,
            }
        }
        self.retail_volume += size * price;
        self.reference_volume += to_reference * price;
        for (index, (&sol, priced)) in placed.iter().zip(priced).enumerate() {
            if sol <= 0.0 {
                continue;
            }
            let fill = match (&mut self.venues[index].pool, priced) {
                (VenuePool::ConstantProduct { pool, .. }, _) => pool.execute(side, sol, price),
                (VenuePool::Homeostat(_), Some(priced)) => match priced.quote(side, sol) {
                    Some(quote) => self.execute_homeostat(index, &priced, &quote),
                    None => continue,
                },
                (VenuePool::Homeostat(_), None) => continue,
            };
            self.venues[index]
                .tally
                .book(FillKind::Retail, self.block, &fill, price);
        }
    }

    /// Stage 4b (issue #29's benchmark): each Homeostat pool's own model flow — takers of
    /// one size arriving at `A` per second per side, each filling with probability
    /// `e^(−kδ)` (δ the pool's distance from the true price for that size), the same
    /// draws for every pool — and the manipulator, who buys whenever the ask stands at
    /// least `manipulator_ask_bps` out. The calibrators record each block's quotes.
    pub(super) fn model_flow(&mut self) {
        let scenario = &self.scenario;
        let flows = [
            (
                Side::Sell,
                scenario.model_flow_bid_per_sec,
                scenario.model_flow_bid_decay,
            ),
            (
                Side::Buy,
                scenario.model_flow_ask_per_sec,
                scenario.model_flow_ask_decay,
            ),
        ];
        let recording = self.venues.iter().any(|venue| venue.calibrator.is_some());
        if !recording && flows.iter().all(|f| f.1 == 0.0) && scenario.manipulator_ask_bps == 0.0 {
            return;
        }
        let dt = self.slot_ms as f64 / 1_000.0;
        let size = scenario.model_flow_size_sol;
        let manipulation = scenario.manipulator_ask_bps / 10_000.0;
        let draws: Vec<(Side, f64, Vec<f64>)> = flows
            .into_iter()
            .map(|(side, a, k)| {
                let arrivals = poisson(&mut self.streams.model, a * dt);
                let uniforms = (0..arrivals)
                    .map(|_| self.streams.model.uniform())
                    .collect();
                (side, k, uniforms)
            })
            .collect();
        let (now, price) = (self.now_ms(), self.true_price());
        let t = now as f64 / 1_000.0;
        for index in 0..self.venues.len() {
            let Some(mut current) = self.priced_now(index) else {
                continue;
            };
            let one_lot = |priced: &Priced, side| priced.value(side, size).map(|v| v / size);
            if let Some(calibrator) = &mut self.venues[index].calibrator {
                let lot = current.lot_sol();
                calibrator.quote(
                    t,
                    dt,
                    current.value(Side::Sell, lot).map(|v| v / lot),
                    current.value(Side::Buy, lot).map(|v| v / lot),
                );
            }
            for (side, k, uniforms) in &draws {
                for &u in uniforms {
                    let Some(unit) = one_lot(&current, *side) else {
                        break;
                    };
                    let distance = match side {
                        Side::Sell => (price - unit) / price,
                        Side::Buy => (unit - price) / price,
                    };
                    if u >= (-k * distance).exp() {
                        continue;
                    }
                    if let Some(quote) = current.quote(*side, size) {
                        let fill = self.execute_homeostat(index, &current, &quote);
                        self.venues[index]
                            .tally
                            .book(FillKind::Retail, self.block, &fill, price);
                    }
                    match self.priced_now(index) {
                        Some(next) => current = next,
                        None => break,
                    }
                }
            }
            if manipulation > 0.0 {
                if let Some(unit) = one_lot(&current, Side::Buy) {
                    if unit >= price * (1.0 + manipulation) {
                        if let Some(quote) = current.quote(Side::Buy, size) {
                            let fill = self.execute_homeostat(index, &current, &quote);
                            self.venues[index].tally.book(
                                FillKind::Retail,
                                self.block,
                                &fill,
                                price,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A trade chosen by an arbitrageur.
enum Trade {
    ConstantProduct(Side, f64),
    Homeostat(Box<Priced>, Side, f64),
}

/// Smallest trade size an arbitrageur considers, SOL, and the precision of its search.
const ARB_STEP_SOL: f64 = 0.001;

/// The profit-maximising size on `side` for someone who values SOL at `limit` (USDC per
/// SOL), and that profit: none unless the first step pays. The profit is concave in size
/// (the marginal price worsens along the trade), so a bisection on its slope finds it.
fn best_trade(priced: &Priced, side: Side, limit: f64) -> Option<(f64, f64)> {
    let profit = |size: f64| -> Option<f64> {
        priced.value(side, size).map(|value| match side {
            Side::Buy => size * limit - value,
            Side::Sell => value - size * limit,
        })
    };
    if profit(ARB_STEP_SOL)? <= 0.0 {
        return None;
    }
    let max = priced.max_sol(side);
    if max < ARB_STEP_SOL {
        return None;
    }
    let rising = |size: f64| match (profit(size), profit(size + ARB_STEP_SOL)) {
        (Some(here), Some(next)) => next > here,
        _ => false,
    };
    let (mut low, mut high) = (ARB_STEP_SOL, max);
    if rising(high - ARB_STEP_SOL) {
        low = high;
    } else {
        while high - low > ARB_STEP_SOL {
            let middle = 0.5 * (low + high);
            if rising(middle) {
                low = middle;
            } else {
                high = middle;
            }
        }
    }
    let value = profit(low)?;
    (value > 0.0).then_some((low, value))
}

/// A Poisson draw with mean `mean` (inversion; means here are small).
fn poisson(rng: &mut Rng, mean: f64) -> u32 {
    let (mut k, mut p, threshold) = (0, 1.0, (-mean).exp());
    loop {
        p *= rng.uniform();
        if p <= threshold || k >= 1_000 {
            return k;
        }
        k += 1;
    }
}

/// A Pareto draw with mean `mean` and tail index `alpha` (> 1).
fn pareto(rng: &mut Rng, mean: f64, alpha: f64) -> f64 {
    let scale = mean * (alpha - 1.0) / alpha;
    scale / (1.0 - rng.uniform()).powf(1.0 / alpha)
}
