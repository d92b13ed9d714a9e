//! Every setting within its range or among its values, named with it when not.

use super::{Settings, SettingsError, LOG_FORMATS, LOG_LEVELS, VENUES};

impl Settings {
    /// Every numeric setting within its range, named with it when not: the review found
    /// a 200 % paper fee, `min-order-base` above `max-order-base` and interval 0 accepted.
    pub fn check(&self) -> Result<(), SettingsError> {
        let bps = |value: Option<u32>| value.map(u64::from);
        within("interval-secs", self.interval_secs, 1, 86_400)?;
        within("retry-attempts", self.retry_attempts.map(u64::from), 1, 100)?;
        within("retry-initial-ms", self.retry_initial_ms, 1, 60_000)?;
        within("paper-fee-bps", bps(self.paper_fee_bps), 0, 1_000)?;
        within("paper-slippage-bps", bps(self.paper_slippage_bps), 0, 1_000)?;
        within(
            "binance-taker-fee-bps",
            bps(self.binance_taker_fee_bps),
            0,
            1_000,
        )?;
        within(
            "binance-quantity-step",
            self.binance_quantity_step,
            1,
            u64::MAX,
        )?;
        // Binance refuses a recvWindow above 60 000 ms.
        within(
            "binance-recv-window-ms",
            self.binance_recv_window_ms,
            1,
            60_000,
        )?;
        within(
            "health-intervals",
            self.health_intervals.map(u64::from),
            1,
            1_000,
        )?;
        // An IOC limit at the oracle price itself would rarely fill.
        within(
            "hyperliquid-slippage-bps",
            bps(self.hyperliquid_slippage_bps),
            1,
            1_000,
        )?;
        within(
            "hyperliquid-taker-fee-bps",
            bps(self.hyperliquid_taker_fee_bps),
            0,
            1_000,
        )?;
        self.check_quoter()?;
        one_of("venue", self.venue.as_deref(), &VENUES)?;
        one_of(
            "hyperliquid-chain",
            self.hyperliquid_chain.as_deref(),
            &["mainnet", "testnet"],
        )?;
        one_of("log", self.log.as_deref(), &LOG_LEVELS)?;
        // The fee and commitment parse as the CLI's do, with the CLI's messages.
        self.landing()?;
        one_of("log-format", self.log_format.as_deref(), &LOG_FORMATS)?;
        if let (Some(min), Some(max)) = (self.min_order_base, self.max_order_base) {
            if min > max {
                return Err(SettingsError::Conflict(format!(
                    "--min-order-base {min} is above --max-order-base {max}: no hedge could be placed"
                )));
            }
        }
        Ok(())
    }
}

impl Settings {
    /// The quoter's settings in range: a push at least every minute, valid for at most a
    /// blockhash's life (150 slots), offsets and book age as the keeper's other limits.
    fn check_quoter(&self) -> Result<(), SettingsError> {
        let bps = |value: Option<u32>| value.map(u64::from);
        within("quoter-interval-ms", self.quoter_interval_ms, 10, 60_000)?;
        within("quoter-valid-slots", self.quoter_valid_slots, 1, 150)?;
        within(
            "quoter-bid-offset-bps",
            bps(self.quoter_bid_offset_bps),
            0,
            1_000,
        )?;
        within(
            "quoter-ask-offset-bps",
            bps(self.quoter_ask_offset_bps),
            0,
            1_000,
        )?;
        within(
            "quoter-max-book-age-ms",
            self.quoter_max_book_age_ms,
            1,
            60_000,
        )?;
        within(
            "quoter-compute-unit-limit",
            self.quoter_compute_unit_limit.map(u64::from),
            1,
            u64::from(homeostat_sdk::landing::MAX_COMPUTE_UNIT_LIMIT),
        )
    }
}

/// `value` within `[low, high]` when set, else the error naming the setting and its range.
fn within(
    name: &'static str,
    value: Option<u64>,
    low: u64,
    high: u64,
) -> Result<(), SettingsError> {
    match value {
        Some(value) if !(low..=high).contains(&value) => Err(SettingsError::OutOfRange {
            name,
            value,
            low,
            high,
        }),
        _ => Ok(()),
    }
}

/// `value` unless it is set to something outside `allowed`, named with them.
fn one_of(
    name: &'static str,
    value: Option<&str>,
    allowed: &'static [&'static str],
) -> Result<(), SettingsError> {
    match value {
        Some(value) if !allowed.contains(&value) => Err(SettingsError::NotOneOf {
            name,
            value: value.to_string(),
            allowed,
        }),
        _ => Ok(()),
    }
}
