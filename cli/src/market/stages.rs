//! The hour's market: one method per stage of a simulated second.

use super::books::{average_price, execute, quote_for};
use super::*;
use crate::adversarial::price::normal;

/// Confidence of the quote token's USD feed, basis points (a stablecoin feed is tight).
const QUOTE_CONFIDENCE_BPS: f64 = 2.0;

/// The keeper's hedge orders, SOL atoms: at least 0.1 SOL, at most 50 SOL.
const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 50 * ONE_BASE,
};

/// The uninformed arrivals of one second, drawn once and shared by both pools: direction,
/// size (SOL) and the draw that decides whether the trader takes the pool's price.
struct Flow {
    arrivals: Vec<(Direction, f64, f64)>,
    informed: bool,
}

/// The hour's market on the in-process runtime. The keeper's chain connection holds the
/// runtime for the whole run (`keeper.chain.harness`): every stage borrows it from there.
struct Market<'h> {
    scenario: Scenario,
    keeper: Keeper<LocalChain<'h>, PaperVenue>,
    pools: Vec<SimPool>,
    trader: User,
    rng: Rng,
    sigma_per_sec: f64,
    start: i64,
    true_price: f64,
    oracle_price: f64,
    outage_left: u32,
    update: PriceUpdate,
    samples: Vec<Sample>,
}

/// What the feeds publish for a true SOL/USDC price `price` at `now`: SOL in USD.
fn base_print(scenario: &Scenario, price: f64, now: i64) -> PriceUpdate {
    let usd = price * scenario.quote_usd;
    price_update(
        pyth_price(usd),
        pyth_price(usd * scenario.oracle_confidence_bps / 10_000.0),
        now,
    )
}

/// … and USDC in USD.
fn quote_print(scenario: &Scenario, now: i64) -> PriceUpdate {
    quote_price_update(
        pyth_price(scenario.quote_usd),
        pyth_price(scenario.quote_usd * QUOTE_CONFIDENCE_BPS / 10_000.0),
        now,
    )
}

/// Creates the two pools with their LPs' deposits and a trader with deep pockets.
async fn open_pools(
    harness: &mut Harness,
    scenario: &Scenario,
) -> Result<(Vec<SimPool>, User), MarketError> {
    let liquidity_base = scenario.liquidity_sol * ONE_BASE;
    let liquidity_quote =
        (scenario.liquidity_sol as f64 * scenario.start_price * ONE_QUOTE as f64) as u64;
    let start = harness.now;
    harness.set_oracle(&base_print(scenario, scenario.start_price, start));
    if scenario.two_feeds {
        harness.use_quote_feed(&quote_print(scenario, start));
    }
    let mut pools = Vec::new();
    let glft = PoolParams {
        hedge_credit_bps: scenario.hedge_credit_bps,
        hedge_cost_bps: scenario.hedge_cost_bps,
        lp_access: if scenario.hedge_credit_bps > 0 {
            LP_ACCESS_OPERATOR
        } else {
            LP_ACCESS_PUBLIC
        },
        ..default_params()
    };
    for (index, (name, params)) in [("glft", glft), ("constant-product", baseline_params())]
        .into_iter()
        .enumerate()
    {
        let pool = harness.pool_at(index as u16);
        harness
            .initialize_pool(&pool, params)
            .await
            .map_err(|source| MarketError::Open {
                step: "initialize",
                pool: name,
                source,
            })?;
        // The first deposit is the admin's (it fixes the pool's reference depth).
        harness
            .admin_deposit(&pool, liquidity_base, liquidity_quote)
            .await
            .map_err(|source| MarketError::Open {
                step: "deposit",
                pool: name,
                source,
            })?;
        pools.push(SimPool::new(
            name,
            pool,
            &params,
            (liquidity_base, liquidity_quote),
        ));
    }
    // One trader with deep pockets trades against both pools.
    let trader = harness
        .new_user(1_000_000 * ONE_BASE, 1_000_000_000 * ONE_QUOTE)
        .await;
    Ok((pools, trader))
}

/// Runs the scenario. `progress` is called with the seconds done.
pub async fn run(
    scenario: &Scenario,
    mut progress: impl FnMut(u32),
) -> Result<Outcome, MarketError> {
    scenario.validate()?;
    let mut harness = Harness::start().await;
    let (pools, trader) = open_pools(&mut harness, scenario).await?;
    let mut market = Market::new(&mut harness, scenario, pools, trader)?;
    for t in 1..=scenario.duration_secs {
        market.second(t).await?;
        progress(t);
    }
    market.report().await
}

impl<'h> Market<'h> {
    /// The market over `harness`, whose pools and trader `open_pools` made; the keeper
    /// drives the GLFT pool (the first).
    fn new(
        harness: &'h mut Harness,
        scenario: &Scenario,
        pools: Vec<SimPool>,
        trader: User,
    ) -> Result<Self, MarketError> {
        let start = harness.now;
        let keeper_key = harness.keeper.insecure_clone();
        let glft = pools.first().ok_or(MarketError::NoPools)?.addresses;
        let journal = Journal::in_memory()?;
        let venue = PaperVenue::new(scenario.venue_fee_bps, scenario.venue_slippage_bps);
        let chain = LocalChain::new(harness, glft, keeper_key);
        Ok(Self {
            keeper: Keeper::new(chain, venue, journal, PLANNER),
            pools,
            trader,
            rng: Rng::stream(scenario.seed, 0),
            sigma_per_sec: scenario.annual_volatility / (365.25f64 * 24.0 * 3_600.0).sqrt(),
            start,
            true_price: scenario.start_price,
            oracle_price: scenario.start_price,
            outage_left: 0,
            update: base_print(scenario, scenario.start_price, start),
            samples: Vec::new(),
            scenario: scenario.clone(),
        })
    }

    /// The runtime.
    fn harness(&mut self) -> &mut Harness {
        self.keeper.chain.harness
    }

    /// Second `t`: the stages in order, the same random draws whatever the pools do.
    async fn second(&mut self, t: u32) -> Result<(), MarketError> {
        let now = self.start + i64::from(t);
        self.harness().set_time(now);
        self.advance_price();
        self.publish_oracle(t, now);
        let flow = self.draw_flow();
        if self.scenario.hedging && t % self.scenario.keeper_interval_secs == 0 {
            self.run_keeper().await;
        }
        let mut row = Sample {
            t,
            true_price: self.true_price,
            oracle_price: self.oracle_price,
            pools: Vec::new(),
        };
        for index in 0..self.pools.len() {
            self.trade(index, &flow).await;
            row.pools.push(self.sample(index).await?);
        }
        self.samples.push(row);
        Ok(())
    }

    /// The true price: GBM plus Poisson jumps.
    fn advance_price(&mut self) {
        let sigma = self.sigma_per_sec;
        let mut log_return = sigma * normal(&mut self.rng) - 0.5 * sigma * sigma;
        if self.rng.uniform() < self.scenario.jumps_per_hour / 3_600.0 {
            log_return += self.scenario.jump_std * normal(&mut self.rng);
        }
        self.true_price *= log_return.exp();
    }

    /// The oracle: publishes on its cadence unless stalled.
    fn publish_oracle(&mut self, t: u32, now: i64) {
        if self.outage_left == 0 && self.rng.uniform() < self.scenario.outage_probability {
            self.outage_left = self.scenario.outage_secs;
        }
        if self.outage_left > 0 {
            self.outage_left -= 1;
        } else if t % self.scenario.oracle_interval_secs == 0 {
            self.oracle_price = self.true_price;
            self.update = base_print(&self.scenario, self.oracle_price, now);
            let (update, two_feeds) = (self.update, self.scenario.two_feeds);
            let quote = quote_print(&self.scenario, now);
            let harness = self.harness();
            harness.set_oracle(&update);
            if two_feeds {
                harness.set_quote_oracle(&quote);
            }
        }
    }

    /// This second's flow, drawn once and shared by both pools. Drawn for both sides every
    /// second, so the stream does not depend on arrivals.
    fn draw_flow(&mut self) -> Flow {
        let mut arrivals = Vec::new();
        for direction in [Direction::BaseToQuote, Direction::QuoteToBase] {
            let (arrives, size, draw) = (
                self.rng.uniform(),
                exponential(&mut self.rng, self.scenario.mean_trade_sol),
                self.rng.uniform(),
            );
            if arrives < self.scenario.arrival_intensity {
                arrivals.push((direction, size.max(0.01), draw));
            }
        }
        Flow {
            arrivals,
            informed: self.rng.uniform() < self.scenario.informed_share,
        }
    }

    /// One keeper step on the GLFT pool; a recorded hedge is booked at its venue fill.
    async fn run_keeper(&mut self) {
        let step = self.keeper.step().await;
        // The events the keeper's transactions emitted: nothing here reads them.
        let _ = EventSource::poll(&mut self.keeper.chain).await;
        let pool = &mut self.pools[0];
        match step {
            Ok(Step::Recorded { seq, filled_base }) if filled_base != 0 => {
                let order = format!("{}-{seq}", self.keeper.chain.pool_id());
                if let Some(fill) = self.keeper.venue.fill(&order) {
                    let price = fill.avg_price.get().to_f64() / ONE_QUOTE as f64;
                    let sold = filled_base as f64 / ONE_BASE as f64;
                    pool.hedge_book.position_sol -= sold;
                    pool.hedge_book.cash_usdc += sold * price;
                    pool.hedge_book.fees_usdc += usdc(fill.fee_quote);
                    pool.report.hedges += 1;
                    pool.report.hedged_sol += sold.abs();
                }
            }
            Ok(_) => {}
            Err(_) => pool.report.keeper_errors += 1,
        }
    }

    /// Pool `index` meets this second's flow: each uninformed trader takes its quote with
    /// probability `e^(−k·δ)`; the informed trader, when it arrives, takes either side
    /// priced on the wrong side of the true price.
    async fn trade(&mut self, index: usize, flow: &Flow) {
        let (update, price, decay) = (self.update, self.true_price, self.scenario.arrival_decay);
        let harness = &mut *self.keeper.chain.harness;
        let pool = &mut self.pools[index];
        for &(direction, size_sol, draw) in &flow.arrivals {
            let snapshot = harness.snapshot(&pool.addresses, &update).await;
            let base = (size_sol * ONE_BASE as f64) as u64;
            match quote_for(&snapshot, direction, base) {
                Ok(quote) => {
                    let distance = (average_price(direction, &quote) - price).abs() / price;
                    if draw < (-decay * distance).exp() {
                        execute(harness, &self.trader, pool, &quote, price).await;
                    }
                }
                Err(error) => pool.report.refused(&error),
            }
        }
        if !flow.informed {
            return;
        }
        let base = (self.scenario.mean_trade_sol * ONE_BASE as f64) as u64;
        for direction in [Direction::QuoteToBase, Direction::BaseToQuote] {
            let snapshot = harness.snapshot(&pool.addresses, &update).await;
            match quote_for(&snapshot, direction, base) {
                Ok(quote) => {
                    let quoted = average_price(direction, &quote);
                    let profitable = match direction {
                        Direction::QuoteToBase => quoted < price,
                        Direction::BaseToQuote => quoted > price,
                    };
                    if profitable {
                        execute(harness, &self.trader, pool, &quote, price).await;
                    }
                }
                Err(error) => pool.report.refused(&error),
            }
        }
    }

    /// Pool `index` at the end of the second: its books updated, its row of the series.
    async fn sample(&mut self, index: usize) -> Result<PoolSample, MarketError> {
        let (update, price) = (self.update, self.true_price);
        let harness = &mut *self.keeper.chain.harness;
        let pool = &mut self.pools[index];
        let snapshot = harness.snapshot(&pool.addresses, &update).await;
        let reserves = snapshot.reserves()?;
        let inventory = snapshot
            .gross_position()
            .map(|q| q as f64 / ONE_BASE as f64)
            .unwrap_or(0.0);
        pool.accumulate(price);
        pool.inventory.push(inventory);
        pool.prices.push(price);
        pool.base_held.push(sol(reserves.base.get()));
        let hedge = sol_signed(snapshot.pool.hedge_position);
        let net_delta = inventory - hedge;
        pool.net_delta.push(net_delta);
        // The band the program would apply now (its own rule, `Pool::band_now`).
        let band = sol(snapshot
            .hedge_band()
            .unwrap_or(snapshot.pool.params.rebalance_band));
        if net_delta.abs() <= band {
            pool.seconds_in_band += 1;
        }
        let quoted = |direction| {
            quote_for(&snapshot, direction, ONE_BASE)
                .map(|quote| average_price(direction, &quote))
                .unwrap_or(0.0)
        };
        Ok(PoolSample {
            bid: quoted(Direction::BaseToQuote),
            ask: quoted(Direction::QuoteToBase),
            inventory,
            net_delta,
            hedge,
            band,
            lp_value: sol(reserves.base.get()) * price + usdc(reserves.quote.get()),
            pnl: pool.running,
        })
    }

    /// The run's report.
    async fn report(mut self) -> Result<Outcome, MarketError> {
        let (update, price) = (self.update, self.true_price);
        let mut reports = Vec::new();
        for pool in std::mem::take(&mut self.pools) {
            let snapshot = self.harness().snapshot(&pool.addresses, &update).await;
            reports.push(pool.report(&snapshot, price, self.scenario.start_price)?);
        }
        Ok(Outcome {
            scenario: self.scenario,
            pools: reports,
            samples: self.samples,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A market over `harness` with `scenario`'s pools opened.
    async fn market<'h>(harness: &'h mut Harness, scenario: &Scenario) -> Market<'h> {
        let (pools, trader) = open_pools(harness, scenario).await.expect("pools");
        Market::new(harness, scenario, pools, trader).expect("market")
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_flow_takes_the_same_draws_whatever_arrives() {
        for intensity in [0.0, 1.0] {
            let scenario = Scenario {
                arrival_intensity: intensity,
                ..Scenario::default()
            };
            let mut harness = Harness::start().await;
            let mut market = market(&mut harness, &scenario).await;
            let mut reference = market.rng.clone();
            let flow = market.draw_flow();
            assert_eq!(flow.arrivals.len(), if intensity > 0.0 { 2 } else { 0 });
            // Three draws per side and one for the informed trader, arrivals or not.
            for _ in 0..7 {
                reference.uniform();
            }
            assert_eq!(market.rng.next_u64(), reference.next_u64());
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_price_moves_and_the_oracle_publishes_on_its_cadence() {
        let scenario = Scenario {
            outage_probability: 0.0,
            oracle_interval_secs: 2,
            ..Scenario::default()
        };
        let mut harness = Harness::start().await;
        let mut market = market(&mut harness, &scenario).await;
        let start = market.true_price;
        market.advance_price();
        assert_ne!(market.true_price, start);
        market.publish_oracle(1, market.start + 1);
        assert_eq!(market.oracle_price, start, "not on the cadence");
        market.publish_oracle(2, market.start + 2);
        assert_eq!(market.oracle_price, market.true_price);
        let published = market.harness().oracle_update().await;
        assert_eq!(published.publish_time, market.start + 2);
        assert_eq!(published.price, pyth_price(market.true_price));
        // An outage holds the print for `outage_secs`.
        market.scenario.outage_probability = 1.0;
        market.advance_price();
        for t in 4..4 + market.scenario.outage_secs {
            market.publish_oracle(t, market.start + i64::from(t));
        }
        assert_ne!(market.oracle_price, market.true_price);
        assert_eq!(market.outage_left, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_taken_quote_trades_and_the_sample_reads_the_book() {
        let mut harness = Harness::start().await;
        let scenario = Scenario::default();
        let mut market = market(&mut harness, &scenario).await;
        // A seller of 20 SOL who takes any price (draw 0), no informed trader.
        let flow = Flow {
            arrivals: vec![(Direction::BaseToQuote, 20.0, 0.0)],
            informed: false,
        };
        market.trade(0, &flow).await;
        assert_eq!(market.pools[0].report.trades, 1);
        assert_eq!(market.pools[0].trade_log.len(), 1);
        let row = market.sample(0).await.expect("sample");
        assert!((row.inventory - 20.0).abs() < 0.01, "{row:?}");
        assert_eq!(row.net_delta, row.inventory, "nothing hedged yet");
        assert!(row.bid > 0.0 && row.ask > row.bid, "{row:?}");
        // The informed trader finds nothing on the wrong side of the true price of a pool
        // priced at it, so it does not trade.
        let informed = Flow {
            arrivals: Vec::new(),
            informed: true,
        };
        market.trade(1, &informed).await;
        assert_eq!(market.pools[1].report.trades, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_keeper_hedges_an_inventory_out_of_its_band() {
        let mut harness = Harness::start().await;
        let mut market = market(&mut harness, &Scenario::default()).await;
        let flow = Flow {
            arrivals: vec![(Direction::BaseToQuote, 30.0, 0.0)],
            informed: false,
        };
        market.trade(0, &flow).await;
        market.run_keeper().await;
        let pool = &market.pools[0];
        assert_eq!((pool.report.hedges, pool.report.keeper_errors), (1, 0));
        // Hedged back to the band's edge: ≈ 20 of the 30 SOL sold on the venue.
        assert!(
            (pool.hedge_book.position_sol + 20.0).abs() < 0.5,
            "{}",
            pool.hedge_book.position_sol
        );
        let report = market.report().await.expect("report");
        assert!(report.pools[0].hedge_fees_usdc > 0.0);
    }
}
