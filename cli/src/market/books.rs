//! A pool's books in the hour: its trades, the attribution of its LPs' result and its
//! report.

use homeostat_localnet::{SwapIn, SwapOut};

use super::*;
use crate::adversarial::report::realised_gamma;

impl SimPool {
    /// Pool `name` at `addresses` with `params`, after its LPs deposited `(base, quote)`
    /// atoms.
    pub(super) fn new(
        name: &str,
        addresses: PoolAddresses,
        params: &PoolParams,
        (base, quote): (u64, u64),
    ) -> Self {
        Self {
            addresses,
            report: PoolReport {
                model: name.into(),
                ..PoolReport::default()
            },
            initial_value_parts: (sol(base), usdc(quote)),
            cap_sol: sol(params.inventory_cap),
            inventory: Vec::new(),
            prices: Vec::new(),
            base_held: Vec::new(),
            trade_log: Vec::new(),
            seconds_in_band: 0,
            net_delta: Vec::new(),
            hedge_book: HedgeBook::default(),
            running: Attribution::default(),
        }
    }

    /// The pool's report at the end, from its accounts `snapshot` and the final true
    /// `price`; `start_price` values the deposit for the result in basis points.
    pub(super) fn report(
        self,
        snapshot: &PoolSnapshot,
        price: f64,
        start_price: f64,
    ) -> Result<PoolReport, SdkError> {
        let reserves = snapshot.reserves()?;
        let end_value = sol(reserves.base.get()) * price + usdc(reserves.quote.get());
        let (initial_base, initial_quote) = self.initial_value_parts;
        let hold_value = initial_base * price + initial_quote;
        let mut report = self.report;
        report.gamma_model_sol_per_usdc = snapshot
            .pool
            .params
            .model()
            .map(|model| sol_signed(model.book_gamma_per_percent(reserves.base)))
            .unwrap_or(0.0)
            / (price / 100.0);
        report.lp_pnl_vs_hold_usdc = end_value - hold_value;
        report.lp_pnl_vs_hold_bps =
            report.lp_pnl_vs_hold_usdc / (initial_base * start_price + initial_quote) * 10_000.0;
        let n = self.net_delta.len().max(1) as f64;
        (
            report.inventory_mean_sol,
            report.inventory_std_sol,
            report.inventory_max_sol,
        ) = stats(&self.inventory);
        (
            report.net_delta_mean_sol,
            report.net_delta_std_sol,
            report.net_delta_max_sol,
        ) = stats(&self.net_delta);
        (
            report.gamma_realised_sol_per_usdc,
            report.gamma_realised_error_sol_per_usdc,
        ) = realised_gamma(
            &self
                .inventory
                .iter()
                .copied()
                .zip(self.prices.iter().copied())
                .collect::<Vec<_>>(),
            60,
        );
        report.time_in_band = self.seconds_in_band as f64 / n;
        // The cap binds on the gross position.
        report.time_at_cap = self
            .inventory
            .iter()
            .filter(|q| q.abs() >= 0.95 * self.cap_sol)
            .count() as f64
            / n;
        let book = &self.hedge_book;
        report.hedge_fees_usdc = book.fees_usdc;
        report.hedge_pnl_usdc = book.value_at(price);
        report.attribution = attribute(
            &self.trade_log,
            &self.prices,
            &self.base_held,
            initial_base,
            report.fees_usdc,
            Attribution {
                protocol_usdc: report.attribution.protocol_usdc,
                hedge_owner_usdc: report.hedge_pnl_usdc,
                ..Attribution::default()
            },
        );
        Ok(report)
    }

    /// Adds this second to the running attribution, before its sample is stored: the
    /// trades of this second marked at `price` (`spread + fees`), and the base held since
    /// the last sample marked to the price move (`inventory`) — `attribute`'s sums, one
    /// term at a time.
    pub(super) fn accumulate(&mut self, price: f64) {
        let fees_usdc = self.report.fees_usdc;
        let index = self.prices.len();
        let marked: f64 = self
            .trade_log
            .iter()
            .rev()
            .take_while(|&&(at, _, _)| at == index)
            .map(|&(_, base, quote)| base * price + quote)
            .sum();
        let running = &mut self.running;
        running.spread_usdc += marked;
        if let (Some(held), Some(last)) = (self.base_held.last(), self.prices.last()) {
            running.inventory_usdc += (held - self.initial_value_parts.0) * (price - last);
        }
        // The spread is the markout less the fees, and both are cumulative.
        running.spread_usdc += running.fees_usdc - fees_usdc;
        running.fees_usdc = fees_usdc;
        running.protocol_usdc = self.report.attribution.protocol_usdc;
        running.hedge_owner_usdc = self.hedge_book.value_at(price);
    }
}

/// The attribution of a run: each trade's markout at 0, 1, 10 and 60 s (the price `h`
/// samples later, the last one past the end), the spread as the 0 s markout less the fees,
/// and the inventory's mark-to-market `Σ (B_t − B₀)·(s_{t+1} − s_t)`.
fn attribute(
    trades: &[(usize, f64, f64)],
    prices: &[f64],
    base_held: &[f64],
    initial_base: f64,
    fees_usdc: f64,
    known: Attribution,
) -> Attribution {
    let Some(&last) = prices.last() else {
        return known;
    };
    let price = |index: usize| prices.get(index).copied().unwrap_or(last);
    let markout = |horizon: usize| -> f64 {
        trades
            .iter()
            .map(|&(index, base, quote)| base * price(index + horizon) + quote)
            .sum()
    };
    let inventory = base_held
        .iter()
        .zip(prices.windows(2))
        .map(|(held, pair)| (held - initial_base) * (pair[1] - pair[0]))
        .sum();
    Attribution {
        spread_usdc: markout(0) - fees_usdc,
        fees_usdc,
        inventory_usdc: inventory,
        markout_1s_usdc: markout(1),
        markout_10s_usdc: markout(10),
        markout_60s_usdc: markout(60),
        ..known
    }
}

/// The SDK's quote for moving `base` atoms: exact-in base for sales, exact-out base for
/// purchases — exactly what the program will execute.
pub(super) fn quote_for(
    snapshot: &PoolSnapshot,
    direction: Direction,
    base: u64,
) -> Result<SwapQuote, SdkError> {
    match direction {
        Direction::BaseToQuote => snapshot.quote_exact_in(direction, base),
        Direction::QuoteToBase => snapshot.quote_exact_out(direction, base),
    }
}

/// Average price of a quote, USDC per SOL.
pub(super) fn average_price(direction: Direction, quote: &SwapQuote) -> f64 {
    let (base_atoms, quote_atoms) = match direction {
        Direction::BaseToQuote => (quote.amount_in, quote.amount_out),
        Direction::QuoteToBase => (quote.amount_out, quote.amount_in),
    };
    usdc(quote_atoms) / sol(base_atoms)
}

impl PoolReport {
    /// Books a trade the pool (or its oracle) refused.
    pub(super) fn refused(&mut self, error: &SdkError) {
        match error {
            SdkError::Program { code, .. }
                if HomeostatError::from_code(*code).is_some_and(HomeostatError::is_oracle) =>
            {
                self.oracle_rejections += 1
            }
            _ => self.limit_rejections += 1,
        }
    }
}

/// Sends the quoted swap with the quote as its own slippage limit, and books it.
pub(super) async fn execute(
    harness: &mut Harness,
    trader: &User,
    pool: &mut SimPool,
    quote: &SwapQuote,
    true_price: f64,
) {
    let result = match quote.direction {
        Direction::BaseToQuote => {
            harness
                .swap_exact_in(
                    &pool.addresses,
                    trader,
                    SwapIn {
                        direction: SELL,
                        amount_in: quote.amount_in,
                        min_amount_out: quote.amount_out,
                    },
                )
                .await
        }
        Direction::QuoteToBase => {
            harness
                .swap_exact_out(
                    &pool.addresses,
                    trader,
                    SwapOut {
                        direction: BUY,
                        amount_out: quote.amount_out,
                        max_amount_in: quote.amount_in,
                    },
                )
                .await
        }
    };
    if result.is_err() {
        // The SDK quote is the program's own computation on the same state, so this only
        // happens if the runtime itself fails.
        pool.report.limit_rejections += 1;
        return;
    }
    pool.report.trades += 1;
    // The pool's flows: what it receives is positive (the protocol's share of the fee
    // included; attribution takes it back out).
    let flows = match quote.direction {
        Direction::BaseToQuote => (sol(quote.amount_in), -usdc(quote.amount_out)),
        Direction::QuoteToBase => (-sol(quote.amount_out), usdc(quote.amount_in)),
    };
    pool.trade_log.push((pool.prices.len(), flows.0, flows.1));
    let protocol_usdc = match quote.direction {
        Direction::BaseToQuote => sol(quote.fee.protocol) * true_price,
        Direction::QuoteToBase => usdc(quote.fee.protocol),
    };
    pool.report.attribution.protocol_usdc -= protocol_usdc;
    let (fee_usdc, notional) = match quote.direction {
        Direction::BaseToQuote => (sol(quote.fee.total) * true_price, usdc(quote.amount_out)),
        Direction::QuoteToBase => (usdc(quote.fee.total), usdc(quote.amount_in)),
    };
    pool.report.fees_usdc += fee_usdc;
    pool.report.volume_usdc += notional;
}

#[cfg(test)]
mod tests {

    #[test]
    fn attribution_marks_each_trade_and_the_inventory_at_the_true_price() {
        use super::{attribute, Attribution};
        // Prices 100, 101, 103; the pool buys 2 SOL for 199 USDC in second 0 (fee 0.5),
        // then holds: 2 SOL beyond its initial 10.
        let prices = [100.0, 101.0, 103.0];
        let base_held = [12.0, 12.0, 12.0];
        let trades = [(0, 2.0, -199.0)];
        let a = attribute(
            &trades,
            &prices,
            &base_held,
            10.0,
            0.5,
            Attribution::default(),
        );
        assert_eq!(a.markout_1s_usdc, 2.0 * 101.0 - 199.0);
        assert_eq!(
            a.markout_10s_usdc,
            2.0 * 103.0 - 199.0,
            "past the end: the last price"
        );
        assert_eq!(a.spread_usdc, 2.0 * 100.0 - 199.0 - 0.5);
        assert_eq!(a.inventory_usdc, 2.0 * 1.0 + 2.0 * 2.0);
        // spread + fees + inventory is the book's value against holding: 12·103 − 199 −
        // 10·103.
        let vs_hold = 12.0 * 103.0 - 199.0 - 10.0 * 103.0;
        assert!((a.spread_usdc + a.fees_usdc + a.inventory_usdc - vs_hold).abs() < 1e-9);
    }
}
