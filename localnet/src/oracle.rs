//! The oracle: fully verified Pyth `PriceUpdateV2` accounts the harness writes and
//! rewrites (one feed, or a base/USD and a quote/USD feed).

use anchor_lang::prelude::Pubkey;
use homeostat::oracle::{PriceUpdate, VerificationLevel, PYTH_RECEIVER_PROGRAM_ID};
use homeostat_sdk::instructions as ix;
use solana_account::Account;

use crate::Harness;

/// The feed id tests use.
pub const FEED_ID: [u8; 32] = [0xfe; 32];
/// Feed id of the quote token in USD, for two-feed pools ([`Harness::use_quote_feed`]).
pub const QUOTE_FEED_ID: [u8; 32] = [0x5d; 32];
/// Pyth exponent tests use.
pub const PYTH_EXPONENT: i32 = -8;

/// A Pyth price in whole quote per whole base (e.g. 150.0), as `price · 10^8`.
pub fn pyth_price(whole: f64) -> i64 {
    (whole * 1e8).round() as i64
}

/// A fully verified `PriceUpdateV2` for `FEED_ID` at exponent −8.
pub fn price_update(price: i64, conf: i64, publish_time: i64) -> PriceUpdate {
    PriceUpdate {
        write_authority: Pubkey::new_from_array([1; 32]),
        verification_level: VerificationLevel::Full,
        feed_id: FEED_ID,
        price,
        conf: conf.unsigned_abs(),
        exponent: PYTH_EXPONENT,
        publish_time,
        prev_publish_time: publish_time - 1,
        ema_price: price,
        ema_conf: conf.unsigned_abs(),
        posted_slot: 1,
    }
}

/// A fully verified quote/USD `PriceUpdateV2` for `QUOTE_FEED_ID` at exponent −8.
pub fn quote_price_update(price: i64, conf: i64, publish_time: i64) -> PriceUpdate {
    PriceUpdate {
        feed_id: QUOTE_FEED_ID,
        ..price_update(price, conf, publish_time)
    }
}

/// The account holding an encoded price update, owned by the Pyth receiver.
pub fn oracle_account(update: &PriceUpdate) -> Account {
    Account {
        lamports: 10_000_000,
        data: update.encode(),
        owner: PYTH_RECEIVER_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}

impl Harness {
    /// Writes a new oracle account.
    pub fn set_oracle(&mut self, update: &PriceUpdate) {
        self.context
            .set_account(&self.oracle, &oracle_account(update).into());
    }

    /// Makes the pool `initialize_pool` creates next a two-feed pool: `oracle` prices base
    /// in USD, and a new quote/USD account (`QUOTE_FEED_ID`) holds `update`.
    pub fn use_quote_feed(&mut self, update: &PriceUpdate) {
        let address = Pubkey::new_unique();
        self.quote_oracle = Some(address);
        self.set_quote_oracle(update);
    }

    /// Writes the quote/USD oracle account (after [`Harness::use_quote_feed`]).
    pub fn set_quote_oracle(&mut self, update: &PriceUpdate) {
        let address = self.quote_oracle.expect("use_quote_feed first");
        self.context
            .set_account(&address, &oracle_account(update).into());
    }

    /// The price-update accounts swaps and rebalances pass.
    pub fn oracles(&self) -> ix::Oracles {
        ix::Oracles {
            oracle: self.oracle,
            quote_oracle: self.quote_oracle,
        }
    }

    /// The oracle account's current price update, decoded.
    pub async fn oracle_update(&mut self) -> PriceUpdate {
        self.price_update_at(self.oracle).await
    }

    /// Sets the oracle to `price ± conf` (Pyth units, expo −8) published now.
    pub fn set_price(&mut self, price: i64, conf: i64) {
        let update = price_update(price, conf, self.now);
        self.set_oracle(&update);
    }

    /// The price update held at `address`.
    pub async fn price_update_at(&mut self, address: Pubkey) -> PriceUpdate {
        let account = self.account(&address, "oracle account").await;
        PriceUpdate::decode(&account.data).expect("a PriceUpdateV2")
    }
}
