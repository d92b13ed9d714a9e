//! The true price and the oracle that reports it late and noisily.

use std::collections::VecDeque;

use crate::rng::Rng;

use super::scenario::Scenario;

/// Seconds per year (365.25 days): annualised volatilities are per √year.
pub const SECONDS_PER_YEAR: f64 = 365.25 * 24.0 * 3_600.0;

/// Standard normal draw (Box–Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    let (u, v) = (1.0 - rng.uniform(), rng.uniform());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// The true price: a diffusion whose volatility switches between a calm and a stressed
/// regime (Markov), plus self-exciting jumps (a Hawkes process: each jump raises the
/// intensity, which decays back). Log returns are compensated so the price is a martingale.
#[derive(Clone, Debug)]
pub struct TruePrice {
    /// Per block: (calm, stressed) diffusion standard deviation of the log return.
    sigma: (f64, f64),
    /// Per block: probability of leaving the (calm, stressed) regime.
    switch: (f64, f64),
    stressed: bool,
    /// Jump intensity per second: the baseline and the current excitation above it.
    base_intensity: f64,
    excitation: f64,
    /// Per block: the excitation's decay factor and a jump's increment, per second.
    decay: f64,
    kick: f64,
    /// Laplace scale of the log jump (its mean absolute size).
    jump_scale: f64,
    dt: f64,
    /// The current price.
    pub price: f64,
    /// Jumps so far.
    pub jumps: u64,
}

impl TruePrice {
    /// The process of `scenario`, starting at its start price in the calm regime.
    pub fn new(scenario: &Scenario) -> Self {
        let dt = f64::from(scenario.slot_ms) / 1_000.0;
        let per_block = |annual: f64| annual * (dt / SECONDS_PER_YEAR).sqrt();
        Self {
            sigma: (
                per_block(scenario.calm_volatility),
                per_block(scenario.stressed_volatility),
            ),
            switch: (
                dt / scenario.calm_mean_secs,
                dt / scenario.stressed_mean_secs,
            ),
            stressed: false,
            base_intensity: scenario.jumps_per_hour / 3_600.0,
            excitation: 0.0,
            decay: (-dt / scenario.jump_excitation_secs).exp(),
            kick: scenario.jump_excitation_per_hour / 3_600.0,
            jump_scale: scenario.jump_mean_bps / 10_000.0,
            dt,
            price: scenario.start_price,
            jumps: 0,
        }
    }

    /// One block: the regime may switch, the diffusion moves, a jump may arrive. Draws
    /// the same number of randoms every block, so streams do not depend on the path.
    pub fn step(&mut self, rng: &mut Rng) -> f64 {
        let (switch, z, jump_draw, jump_sign, jump_size) = (
            rng.uniform(),
            normal(rng),
            rng.uniform(),
            rng.coin(),
            1.0 - rng.uniform(),
        );
        let leave = if self.stressed {
            self.switch.1
        } else {
            self.switch.0
        };
        if switch < leave {
            self.stressed = !self.stressed;
        }
        let sigma = if self.stressed {
            self.sigma.1
        } else {
            self.sigma.0
        };
        let intensity = self.base_intensity + self.excitation;
        // E[e^J] = 1/(1 − b²) for a Laplace jump of scale b: compensate its drift too.
        let b = self.jump_scale;
        let compensator = intensity * self.dt * -(1.0 - b * b).ln();
        let mut log_return = sigma * z - 0.5 * sigma * sigma - compensator;
        self.excitation *= self.decay;
        if jump_draw < 1.0 - (-intensity * self.dt).exp() {
            let size = -b * jump_size.ln();
            log_return += if jump_sign { size } else { -size };
            self.excitation += self.kick;
            self.jumps += 1;
        }
        self.price *= log_return.exp();
        self.price
    }
}

/// One oracle print: the true price at `observed_ms` with noise, usable from `usable_ms`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Print {
    /// When the price was observed (ms since the start): its publish time.
    pub observed_ms: u64,
    /// When a transaction can first carry it.
    pub usable_ms: u64,
    /// USDC per SOL.
    pub price: f64,
    /// Confidence, USDC per SOL.
    pub confidence: f64,
}

/// The oracle: a print every `oracle_interval_ms` of the true price `oracle_latency_ms`
/// earlier with normal noise, a confidence that widens with the last minute's realised
/// volatility, and outages during which nothing is published.
#[derive(Clone, Debug)]
pub struct Oracle {
    interval_ms: u64,
    latency_ms: u64,
    noise: f64,
    confidence_floor: f64,
    confidence_multiple: f64,
    outage_probability: f64,
    outage_ms: u64,
    outage_until_ms: u64,
    next_ms: u64,
    /// EWMA of the squared one-block log return (one-minute mean life).
    block_variance: f64,
    variance_weight: f64,
    blocks_per_second: f64,
    /// Usable prints, oldest first, the last `keep_ms` of them.
    pub usable: VecDeque<Print>,
    keep_ms: u64,
    /// Outages so far.
    pub outages: u64,
}

impl Oracle {
    /// The oracle of `scenario`; it keeps usable prints `keep_ms` (the pools' oldest
    /// acceptable age and a margin).
    pub fn new(scenario: &Scenario, keep_ms: u64) -> Self {
        let slot = f64::from(scenario.slot_ms);
        let calm = scenario.calm_volatility * (slot / 1_000.0 / SECONDS_PER_YEAR).sqrt();
        Self {
            interval_ms: u64::from(scenario.oracle_interval_ms),
            latency_ms: u64::from(scenario.oracle_latency_ms),
            noise: scenario.oracle_noise_bps / 10_000.0,
            confidence_floor: scenario.confidence_floor_bps / 10_000.0,
            confidence_multiple: scenario.confidence_volatility_multiple,
            outage_probability: scenario.outages_per_hour * slot / 3_600_000.0,
            outage_ms: u64::from(scenario.outage_secs) * 1_000,
            outage_until_ms: 0,
            next_ms: 0,
            block_variance: calm * calm,
            variance_weight: 1.0 - (-slot / 60_000.0).exp(),
            blocks_per_second: 1_000.0 / slot,
            usable: VecDeque::new(),
            keep_ms,
            outages: 0,
        }
    }

    /// The block at `now_ms` with the true price history `history` (one price per block,
    /// the last one now's, `block_ms` apart): records the block's return, publishes the
    /// prints due (each of the price `latency` before it) to `usable`, and forgets the
    /// prints older than `keep_ms`. Draws the same number of randoms every block.
    pub fn step(&mut self, now_ms: u64, block_ms: u64, history: &[f64], rng: &mut Rng) {
        let (outage_draw, noise) = (rng.uniform(), normal(rng));
        if history.is_empty() {
            return;
        }
        if let [.., before, last] = history {
            let r = (last / before).ln();
            self.block_variance += self.variance_weight * (r * r - self.block_variance);
        }
        if now_ms >= self.outage_until_ms && outage_draw < self.outage_probability {
            self.outage_until_ms = now_ms + self.outage_ms;
            self.outages += 1;
        }
        while self.next_ms <= now_ms {
            let usable_ms = self.next_ms;
            self.next_ms += self.interval_ms;
            if usable_ms < self.outage_until_ms {
                continue;
            }
            // The true price `latency` before the print is usable: the block then.
            let observed_ms = usable_ms.saturating_sub(self.latency_ms);
            let index = ((observed_ms / block_ms) as usize).min(history.len() - 1);
            let price = history[index] * (1.0 + self.noise * noise);
            let second_sigma = (self.block_variance * self.blocks_per_second).sqrt();
            let confidence =
                price * (self.confidence_floor + self.confidence_multiple * second_sigma);
            self.usable.push_back(Print {
                observed_ms,
                usable_ms,
                price,
                confidence,
            });
        }
        while self
            .usable
            .front()
            .is_some_and(|p| p.observed_ms + self.keep_ms < now_ms)
        {
            self.usable.pop_front();
        }
    }

    /// The freshest usable print.
    pub fn freshest(&self) -> Option<&Print> {
        self.usable.back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> Scenario {
        Scenario {
            jumps_per_hour: 0.0,
            jump_excitation_per_hour: 0.0,
            calm_volatility: 0.55,
            stressed_volatility: 0.55,
            ..Scenario::default()
        }
    }

    #[test]
    fn the_diffusion_has_its_annual_variance_and_no_drift() {
        let scenario = quiet();
        let mut rng = Rng::stream(3, 0);
        let mut price = TruePrice::new(&scenario);
        let blocks = 200_000;
        let (mut sum, mut squares, mut last) = (0.0, 0.0, price.price);
        for _ in 0..blocks {
            let now = price.step(&mut rng);
            let r = (now / last).ln();
            (sum, squares, last) = (sum + r, squares + r * r, now);
        }
        let dt = 0.4 / SECONDS_PER_YEAR;
        let annual = (squares / blocks as f64 / dt).sqrt();
        assert!((annual - 0.55).abs() < 0.01, "{annual}");
        // Mean log return −σ²/2 per block: the price itself has no drift.
        let drift = sum / blocks as f64 + 0.5 * 0.55 * 0.55 * dt;
        assert!(drift.abs() < 4.0 * 0.55 * dt.sqrt() / (blocks as f64).sqrt());
    }

    #[test]
    fn jumps_cluster_and_have_their_mean_size() {
        let scenario = Scenario {
            calm_volatility: 0.0,
            stressed_volatility: 0.0,
            jumps_per_hour: 2.0,
            jump_excitation_per_hour: 40.0,
            jump_excitation_secs: 60.0,
            jump_mean_bps: 30.0,
            ..Scenario::default()
        };
        let mut rng = Rng::stream(5, 0);
        let mut price = TruePrice::new(&scenario);
        let hours = 400.0;
        let blocks = (hours * 9_000.0) as usize;
        let (mut sizes, mut last) = (Vec::new(), price.price);
        for _ in 0..blocks {
            let now = price.step(&mut rng);
            let r = (now / last).ln();
            if r.abs() > 1e-6 {
                sizes.push(r.abs());
            }
            last = now;
        }
        // Stationary rate of a Hawkes process: μ / (1 − branching), branching 40/3600·60.
        let rate = sizes.len() as f64 / hours;
        let expected = 2.0 / (1.0 - 40.0 / 3_600.0 * 60.0);
        assert!(
            (rate - expected).abs() < 0.15 * expected,
            "{rate} vs {expected}"
        );
        let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
        assert!((mean * 10_000.0 - 30.0).abs() < 2.0, "{}", mean * 1e4);
    }

    #[test]
    fn prints_are_late_by_the_latency_and_dropped_during_outages() {
        let scenario = Scenario {
            oracle_interval_ms: 400,
            oracle_latency_ms: 1_200,
            oracle_noise_bps: 0.0,
            outages_per_hour: 0.0,
            ..quiet()
        };
        let mut oracle = Oracle::new(&scenario, 20_000);
        let mut rng = Rng::stream(1, 0);
        let history: Vec<f64> = (0..20).map(|i| 100.0 + i as f64).collect();
        for block in 0..20 {
            oracle.step(block * 400, 400, &history[..=block as usize], &mut rng);
        }
        let freshest = oracle.freshest().expect("a print");
        // At 7 600 ms the newest print is the price three blocks (1 200 ms) back.
        assert_eq!(freshest.price, history[16]);
        assert_eq!(freshest.observed_ms, 7_600 - 1_200);
        assert!(oracle.usable.iter().all(|p| p.usable_ms <= 7_600));
    }
}
