//! The quoter's journal (SQLite): every quote, written durably before it is sent. A quoter
//! killed anywhere — before the send, during it, after it — restarts above every sequence
//! number it has journaled, so none is ever sent twice; the primary key refuses a second
//! row under one number, and a row not above every other, whatever the caller does.
//!
//! It keeps the newest [`KEPT`] quotes (the highest sequence number always among them):
//! enough to audit the last hour at one push a slot, bounded however long it runs.

use std::path::Path;

use rusqlite::{params, Connection};

use super::PushQuoteArgs;
use crate::journal::{open_durable, open_in_memory, open_read_only, parse_i128};
use crate::{KeeperError, Result};

/// Quotes kept (the oldest are dropped beyond this).
pub const KEPT: u64 = 10_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS quotes (
    sequence INTEGER PRIMARY KEY,
    slot INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    price TEXT NOT NULL,
    bid_offset TEXT NOT NULL,
    ask_offset TEXT NOT NULL,
    signature TEXT
);
";

/// A journaled quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournaledQuote {
    /// Its sequence number.
    pub sequence: u64,
    /// The slot it was made in.
    pub slot: u64,
    /// Its last valid slot.
    pub valid_until: u64,
    /// Its price and offsets, quote atoms per lot (I80F48 bits).
    pub price: i128,
    /// Below the bid.
    pub bid_offset: i128,
    /// Above the ask.
    pub ask_offset: i128,
    /// The push's signature, once the node took it (`None`: journaled, then stopped or
    /// failed before the node answered — it may still have been sent).
    pub signature: Option<String>,
}

/// The journal.
pub struct QuoteJournal {
    connection: Connection,
}

impl QuoteJournal {
    /// Opens (or creates) the journal at `path`; writes are durable before they return.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            connection: open_durable(path, SCHEMA)?,
        })
    }

    /// The journal at `path` to read only (the dry run): `None` when there is no file.
    pub fn open_read_only(path: &Path) -> Result<Option<Self>> {
        Ok(open_read_only(path)?.map(|connection| Self { connection }))
    }

    /// An in-memory journal (tests).
    pub fn in_memory() -> Result<Self> {
        Ok(Self {
            connection: open_in_memory(SCHEMA)?,
        })
    }

    /// The highest sequence number journaled (0: none).
    pub fn high_water(&self) -> Result<u64> {
        let highest: Option<u64> =
            self.connection
                .query_row("SELECT MAX(sequence) FROM quotes", [], |row| row.get(0))?;
        Ok(highest.unwrap_or(0))
    }

    /// Journals `quote`, made at `slot`, before it is sent: refused unless its sequence
    /// number is above every one journaled. Drops the quotes beyond the newest [`KEPT`].
    pub fn reserve(&self, quote: &PushQuoteArgs, slot: u64) -> Result<()> {
        // One transaction: one durable commit per push, not one per statement.
        let transaction = self.connection.unchecked_transaction()?;
        let inserted = transaction.execute(
            "INSERT INTO quotes (sequence, slot, valid_until, price, bid_offset, ask_offset)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE NOT EXISTS (SELECT 1 FROM quotes WHERE sequence >= ?1)",
            params![
                quote.sequence,
                slot,
                quote.valid_until,
                quote.price.to_bits().to_string(),
                quote.bid_offset.to_bits().to_string(),
                quote.ask_offset.to_bits().to_string(),
            ],
        )?;
        if inserted == 0 {
            return Err(KeeperError::ChainState(format!(
                "sequence {} is not above the journal's {}: refusing to send it",
                quote.sequence,
                self.high_water()?
            )));
        }
        transaction.execute(
            "DELETE FROM quotes WHERE sequence <
                 (SELECT sequence FROM quotes ORDER BY sequence DESC LIMIT 1 OFFSET ?1)",
            params![KEPT.saturating_sub(1)],
        )?;
        Ok(transaction.commit()?)
    }

    /// Records the signature the node answered for `sequence`'s push.
    pub fn sent(&self, sequence: u64, signature: &str) -> Result<()> {
        self.connection.execute(
            "UPDATE quotes SET signature = ?2 WHERE sequence = ?1",
            params![sequence, signature],
        )?;
        Ok(())
    }

    /// The journaled quotes, oldest first.
    pub fn quotes(&self) -> Result<Vec<JournaledQuote>> {
        let mut statement = self.connection.prepare(
            "SELECT sequence, slot, valid_until, price, bid_offset, ask_offset, signature
             FROM quotes ORDER BY sequence",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(JournaledQuote {
                sequence: row.get(0)?,
                slot: row.get(1)?,
                valid_until: row.get(2)?,
                price: parse_i128(row.get(3)?)?,
                bid_offset: parse_i128(row.get(4)?)?,
                ask_offset: parse_i128(row.get(5)?)?,
                signature: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use homeostat::StoredFixed;

    use super::*;

    fn quote(sequence: u64) -> PushQuoteArgs {
        PushQuoteArgs {
            sequence,
            valid_until: 104,
            price: StoredFixed::from_bits(150 << 48),
            bid_offset: StoredFixed::from_bits(1),
            ask_offset: StoredFixed::from_bits(2),
        }
    }

    #[test]
    fn only_a_higher_sequence_is_journaled_and_it_survives_reopening() {
        let path = std::env::temp_dir().join(format!(
            "homeostat-quoter-journal-{}.sqlite",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        {
            let journal = QuoteJournal::open(&path).unwrap();
            assert_eq!(journal.high_water().unwrap(), 0);
            journal.reserve(&quote(5), 100).unwrap();
            journal.sent(5, "sig5").unwrap();
            journal.reserve(&quote(9), 101).unwrap();
            for again in [9, 7, 1] {
                let error = journal.reserve(&quote(again), 102).unwrap_err();
                assert!(error.to_string().contains("not above"), "{error}");
            }
        }
        let journal = QuoteJournal::open(&path).unwrap();
        assert_eq!(journal.high_water().unwrap(), 9);
        let quotes = journal.quotes().unwrap();
        assert_eq!(quotes.len(), 2);
        assert_eq!(
            quotes[0],
            JournaledQuote {
                sequence: 5,
                slot: 100,
                valid_until: 104,
                price: 150 << 48,
                bid_offset: 1,
                ask_offset: 2,
                signature: Some("sig5".into()),
            }
        );
        assert_eq!(quotes[1].signature, None, "journaled, never answered");
        drop(journal);
        let reader = QuoteJournal::open_read_only(&path).unwrap().unwrap();
        assert!(reader.reserve(&quote(10), 103).is_err(), "read only");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn the_newest_quotes_are_kept_and_the_high_water_with_them() {
        let journal = QuoteJournal::in_memory().unwrap();
        for sequence in 1..=KEPT + 5 {
            journal.reserve(&quote(sequence), sequence).unwrap();
        }
        let quotes = journal.quotes().unwrap();
        assert_eq!(quotes.len() as u64, KEPT);
        assert_eq!(quotes[0].sequence, 6);
        assert_eq!(journal.high_water().unwrap(), KEPT + 5);
    }
}
