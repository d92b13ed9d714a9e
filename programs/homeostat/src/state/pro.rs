//! Pyth Pro in the pool: the feed(s) its admin names (`set_pro_feeds`), the newest
//! verified update anyone posts (`post_pro_price`), and the price swaps take from it while
//! it is fresh (docs/oracle.md, "Three price sources").

use anchor_lang::prelude::*;

use super::{Pool, StoredFixed};
use crate::errors::HomeostatError;
use crate::oracle::pro::{publish_second, ProUpdate};
use crate::oracle::OraclePrice;

impl Pool {
    /// Whether the pool takes Pyth Pro updates.
    pub fn has_pro_feed(&self) -> bool {
        self.pro.feed_id != 0
    }

    /// Names the pool's Pyth Pro feed(s), or (0, 0) none. A two-feed pool (one with a
    /// Pyth quote feed) takes a Pro quote/USD feed too, a single-feed pool none
    /// (`InvalidParameter`). The last posted price stops pricing at once; its timestamp
    /// stays, so no older update can be posted after.
    pub fn set_pro_feeds(&mut self, feed_id: u32, quote_feed_id: u32) -> Result<()> {
        let off = feed_id == 0 && quote_feed_id == 0;
        let matches = feed_id != 0 && (quote_feed_id != 0) == self.has_quote_feed();
        require!(off || matches, HomeostatError::InvalidParameter);
        self.pro.feed_id = feed_id;
        self.pro.quote_feed_id = quote_feed_id;
        self.pro.mid = StoredFixed::ZERO;
        self.pro.confidence = StoredFixed::ZERO;
        Ok(())
    }

    /// The feed ids `oracle::pro::decode_payload` looks for (`ProFeedNotSet` without).
    pub fn pro_feeds(&self) -> Result<(u32, Option<u32>)> {
        require!(self.has_pro_feed(), HomeostatError::ProFeedNotSet);
        Ok((
            self.pro.feed_id,
            (self.pro.quote_feed_id != 0).then_some(self.pro.quote_feed_id),
        ))
    }

    /// Records a verified update posted at `now`. Forward only: an older update is
    /// `OracleOlderThanLastUsed`, the same one again changes nothing. Each feed is checked
    /// as a push print is (`Pool::check_print`: positive, not older than the newest print
    /// the pool used, not from the future, not stale, confidence, EMA) and the price
    /// converted as a push print's; a newer price restores the print depth.
    pub fn book_pro_update(&mut self, update: &ProUpdate, now: i64) -> Result<()> {
        let (_, quote_feed) = self.pro_feeds()?;
        require!(
            update.timestamp_us >= self.pro.timestamp_us,
            HomeostatError::OracleOlderThanLastUsed
        );
        if update.timestamp_us == self.pro.timestamp_us && self.pro.mid.get().is_positive() {
            return Ok(());
        }
        let publish_time = update.publish_time()?;
        let base = update.base.print(publish_time)?;
        let age = self.check_print(&base, self.last_oracle_time, now)?;
        let quote = match (quote_feed, update.quote) {
            (None, None) => None,
            (Some(_), Some(feed)) => {
                let print = feed.print(publish_time)?;
                let age = self.check_print(&print, self.last_quote_oracle_time, now)?;
                Some((print, age))
            }
            _ => return err!(HomeostatError::WrongOracleFeed),
        };
        let price = self.price_from_prints((&base, age), quote.as_ref())?;
        self.pro.timestamp_us = update.timestamp_us;
        self.pro.mid = price.mid.into();
        self.pro.confidence = price.confidence.into();
        // A newer price: its depth is whole again on both sides.
        self.print_flow = [0; 2];
        Ok(())
    }

    /// The posted Pyth Pro price as a swap at `now` prices from it: `None` when there is
    /// none, or once it is older than `max_oracle_age` (the swap then reads the push
    /// account). Its age counts from the second it was published in, and is at least one
    /// second: the clock reads whole seconds, so an update of the current second may be
    /// most of a second old, and an age of 0 would drop the age premium from the spread —
    /// measured in the adversarial market (docs/simulator.md, "Price sources"), a pool
    /// whose 200 ms updates read age 0 lost to arbitrage what the premium keeps.
    pub fn pro_price(&self, now: i64) -> Result<Option<OraclePrice>> {
        if !self.has_pro_feed() || !self.pro.mid.get().is_positive() {
            return Ok(None);
        }
        let publish_time =
            publish_second(self.pro.timestamp_us).ok_or(HomeostatError::MathOverflow)?;
        let age = u64::try_from(now.saturating_sub(publish_time).max(1)).unwrap_or(u64::MAX);
        if age > self.params.max_oracle_age {
            return Ok(None);
        }
        Ok(Some(OraclePrice {
            mid: self.pro.mid.get(),
            confidence: self.pro.confidence.get(),
            publish_time,
            quote_publish_time: self.has_quote_feed().then_some(publish_time),
            age,
        }))
    }
}
