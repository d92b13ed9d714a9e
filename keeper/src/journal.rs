//! The keeper's durable journal (SQLite). Each step of a hedge is written before the next
//! one starts: the request, the planned order, the venue fill, the on-chain record. On
//! restart, [`Journal::unfinished`] tells exactly what is left to do for each request.

use std::path::Path;

use homeostat_math::{Fixed, LotPrice};
use rusqlite::{params, Connection, OptionalExtension};

use crate::planner::{HedgeOrder, Side};
use crate::venue::Fill;
use crate::Result;

/// A price as the journal stores it: its I80F48 bits in decimal (the rows' format since
/// the first journal; `parse_i128` reads it back).
fn fixed_text(price: LotPrice) -> String {
    price.get().to_bits().to_string()
}

/// A request the journal has not seen through to its on-chain record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfinished {
    /// The request.
    pub seq: u64,
    /// Its target hedge change, base atoms.
    pub target_hedge_delta: i128,
    /// Its oracle price, quote atoms per lot.
    pub oracle_price: LotPrice,
    /// The order planned for it; `None` if planning decided not to trade (zero fill) or
    /// had not happened yet.
    pub order: Option<HedgeOrder>,
    /// Whether planning happened (an order, or a decision not to trade).
    pub planned: bool,
    /// The venue fill, if it happened.
    pub fill: Option<Fill>,
}

/// The journal.
pub struct Journal {
    connection: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,
    target_hedge_delta TEXT NOT NULL,
    oracle_price TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    seq INTEGER PRIMARY KEY REFERENCES requests(seq),
    client_id TEXT,
    side TEXT,
    base INTEGER
);
CREATE TABLE IF NOT EXISTS fills (
    seq INTEGER PRIMARY KEY REFERENCES requests(seq),
    base INTEGER NOT NULL,
    avg_price TEXT NOT NULL,
    fee_quote INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY REFERENCES requests(seq),
    filled_base INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY REFERENCES requests(seq),
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cursor (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    signature TEXT NOT NULL
);
";

/// A sequence number as SQLite stores it: the u64's bits as a signed 64-bit integer, so
/// every u64 the program can emit fits (SQLite integers are i64). Sequence numbers below
/// 2⁶³ — every one a pool reaches — keep their value and order.
fn key(seq: u64) -> i64 {
    i64::from_ne_bytes(seq.to_ne_bytes())
}

/// The sequence number a stored key stands for.
fn seq_of(key: i64) -> u64 {
    u64::from_ne_bytes(key.to_ne_bytes())
}

/// An `i128` stored as text (SQLite's integers stop at 64 bits).
pub(crate) fn parse_i128(text: String) -> rusqlite::Result<i128> {
    text.parse().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })
}

/// The SQLite database at `path` (created if missing) with `schema` applied, its writes
/// durable before they return: SQLite's default rollback journal with `synchronous = FULL`.
/// The keeper's journal and the quoter's are opened this way.
pub(crate) fn open_durable(path: &Path, schema: &str) -> Result<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.execute_batch(schema)?;
    Ok(connection)
}

/// The SQLite database at `path` to read only (a dry run): `None` when there is no file.
/// Nothing is created or written, and a running writer's lock is not needed: SQLite lets a
/// reader in beside the writer.
pub(crate) fn open_read_only(path: &Path) -> Result<Option<Connection>> {
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?))
}

/// An in-memory database with `schema` applied (tests).
pub(crate) fn open_in_memory(schema: &str) -> Result<Connection> {
    let connection = Connection::open_in_memory()?;
    connection.execute_batch(schema)?;
    Ok(connection)
}

impl Journal {
    /// Opens (or creates) the journal at `path`. Writes are durable before they return
    /// (SQLite's default rollback journal with `synchronous = FULL`).
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            connection: open_durable(path, SCHEMA)?,
        })
    }

    /// Opens the journal at `path` to read it only (the dry run): `None` when there is no
    /// file there (`open_read_only`).
    pub fn open_read_only(path: &Path) -> Result<Option<Self>> {
        Ok(open_read_only(path)?.map(|connection| Self { connection }))
    }

    /// An in-memory journal (tests).
    pub fn in_memory() -> Result<Self> {
        Ok(Self {
            connection: open_in_memory(SCHEMA)?,
        })
    }

    /// Records a `RebalanceRequested`.
    pub fn request(
        &self,
        seq: u64,
        target_hedge_delta: i128,
        oracle_price: LotPrice,
    ) -> Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO requests (seq, target_hedge_delta, oracle_price) VALUES (?1, ?2, ?3)",
            params![key(seq), target_hedge_delta.to_string(), fixed_text(oracle_price)],
        )?;
        Ok(())
    }

    /// Records the request the pool itself just returned for `seq` (the keeper's own
    /// `rebalance`): it replaces whatever the journal held under that number, which can
    /// only be a rejected, unplanned entry that did not come from the pool. A request
    /// already planned under `seq` is a conflict the keeper must not resolve by itself.
    pub fn request_from_pool(
        &self,
        seq: u64,
        target_hedge_delta: i128,
        oracle_price: LotPrice,
    ) -> Result<()> {
        let planned: bool = self.connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM plans WHERE seq = ?1)",
            params![key(seq)],
            |row| row.get(0),
        )?;
        if planned {
            return Err(crate::KeeperError::ChainState(format!(
                "request {seq} from the pool, but the journal already planned another under that number: inspect the journal"
            )));
        }
        self.connection
            .execute("DELETE FROM rejected WHERE seq = ?1", params![key(seq)])?;
        self.connection.execute(
            "INSERT INTO requests (seq, target_hedge_delta, oracle_price) VALUES (?1, ?2, ?3)
             ON CONFLICT(seq) DO UPDATE SET target_hedge_delta = excluded.target_hedge_delta,
                                            oracle_price = excluded.oracle_price",
            params![
                key(seq),
                target_hedge_delta.to_string(),
                fixed_text(oracle_price)
            ],
        )?;
        Ok(())
    }

    /// Records the plan for `seq`: an order, or `None` for "do not trade".
    pub fn plan(&self, seq: u64, order: Option<&HedgeOrder>) -> Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO plans (seq, client_id, side, base) VALUES (?1, ?2, ?3, ?4)",
            params![
                key(seq),
                order.map(|o| o.client_id.clone()),
                order.map(|o| o.side.as_str()),
                order.map(|o| o.base),
            ],
        )?;
        Ok(())
    }

    /// Records the venue fill for `seq`.
    pub fn fill(&self, seq: u64, fill: &Fill) -> Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO fills (seq, base, avg_price, fee_quote) VALUES (?1, ?2, ?3, ?4)",
            params![
                key(seq),
                fill.base,
                fixed_text(fill.avg_price),
                fill.fee_quote
            ],
        )?;
        Ok(())
    }

    /// Records that `record_hedge(seq, filled_base)` landed on chain.
    pub fn recorded(&self, seq: u64, filled_base: i64) -> Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO records (seq, filled_base) VALUES (?1, ?2)",
            params![key(seq), filled_base],
        )?;
        Ok(())
    }

    /// The last transaction whose events are in the journal (where event replay resumes).
    pub fn cursor(&self) -> Result<Option<String>> {
        Ok(self
            .connection
            .query_row("SELECT signature FROM cursor WHERE id = 0", [], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Moves the resume point past `signature`.
    pub fn set_cursor(&self, signature: &str) -> Result<()> {
        self.connection.execute(
            "INSERT INTO cursor (id, signature) VALUES (0, ?1)
             ON CONFLICT (id) DO UPDATE SET signature = excluded.signature",
            params![signature],
        )?;
        Ok(())
    }

    /// Marks `seq` as a request the pool never made (or no longer pending), with why: it
    /// leaves [`Journal::unfinished`] and is never traded.
    pub fn reject(&self, seq: u64, reason: &str) -> Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO rejected (seq, reason) VALUES (?1, ?2)",
            params![key(seq), reason],
        )?;
        Ok(())
    }

    /// Drops the journal's record of `seq` — one the pool does not have (it did not come
    /// from the pool), so the request is unfinished again.
    pub fn forget_record(&self, seq: u64) -> Result<()> {
        self.connection
            .execute("DELETE FROM records WHERE seq = ?1", params![key(seq)])?;
        Ok(())
    }

    /// Every recorded hedge, `(seq, filled_base)`, in sequence order.
    pub fn records(&self) -> Result<Vec<(u64, i64)>> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, filled_base FROM records ORDER BY seq")?;
        let rows = statement.query_map([], |row| Ok((seq_of(row.get(0)?), row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Whether `seq`'s hedge is recorded on chain.
    pub fn is_recorded(&self, seq: u64) -> Result<bool> {
        Ok(self
            .connection
            .query_row(
                "SELECT 1 FROM records WHERE seq = ?1",
                params![key(seq)],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Requests not yet recorded on chain, oldest first, with how far each got.
    pub fn unfinished(&self) -> Result<Vec<Unfinished>> {
        let mut statement = self.connection.prepare(
            "SELECT r.seq, r.target_hedge_delta, r.oracle_price,
                    p.seq IS NOT NULL, p.client_id, p.side, p.base,
                    f.base, f.avg_price, f.fee_quote
             FROM requests r
             LEFT JOIN plans p ON p.seq = r.seq
             LEFT JOIN fills f ON f.seq = r.seq
             LEFT JOIN records d ON d.seq = r.seq
             LEFT JOIN rejected x ON x.seq = r.seq
             WHERE d.seq IS NULL AND x.seq IS NULL
             ORDER BY r.seq",
        )?;
        let rows = statement.query_map([], |row| {
            let seq = seq_of(row.get(0)?);
            let client_id: Option<String> = row.get(4)?;
            let side: Option<String> = row.get(5)?;
            let base: Option<u64> = row.get(6)?;
            let order = match (client_id, side.as_deref().and_then(Side::parse), base) {
                (Some(client_id), Some(side), Some(base)) => Some(HedgeOrder {
                    seq,
                    client_id,
                    side,
                    base,
                }),
                _ => None,
            };
            let fill = match row.get::<_, Option<u64>>(7)? {
                Some(base) => Some(Fill {
                    base,
                    avg_price: LotPrice::new(Fixed::from_bits(parse_i128(row.get(8)?)?)),
                    fee_quote: row.get(9)?,
                }),
                None => None,
            };
            Ok(Unfinished {
                seq,
                target_hedge_delta: parse_i128(row.get(1)?)?,
                oracle_price: LotPrice::new(Fixed::from_bits(parse_i128(row.get(2)?)?)),
                planned: row.get(3)?,
                order,
                fill,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(bits: i128) -> LotPrice {
        LotPrice::new(Fixed::from_bits(bits))
    }

    #[test]
    fn each_stage_is_remembered_until_recorded() {
        let journal = Journal::in_memory().unwrap();
        journal.request(1, -5_000, price(42)).unwrap();
        let open = journal.unfinished().unwrap();
        assert_eq!(open.len(), 1);
        assert!(!open[0].planned && open[0].order.is_none() && open[0].fill.is_none());
        let order = HedgeOrder {
            seq: 1,
            client_id: "P-1".into(),
            side: Side::BuyBase,
            base: 5_000,
        };
        journal.plan(1, Some(&order)).unwrap();
        let fill = Fill {
            base: 5_000,
            avg_price: price(42),
            fee_quote: 7,
        };
        journal.fill(1, &fill).unwrap();
        let open = journal.unfinished().unwrap();
        assert_eq!(
            (
                open[0].target_hedge_delta,
                open[0].order.clone(),
                open[0].fill
            ),
            (-5_000, Some(order), Some(fill))
        );
        journal.recorded(1, -5_000).unwrap();
        assert!(journal.unfinished().unwrap().is_empty());
        assert!(journal.is_recorded(1).unwrap());
        // Writing a stage twice changes nothing.
        journal.request(1, 999, price(999)).unwrap();
        assert!(journal.unfinished().unwrap().is_empty());
    }

    #[test]
    fn a_read_only_journal_reads_and_refuses_to_write() {
        let path = std::env::temp_dir().join(format!(
            "homeostat-journal-read-only-{}.sqlite",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        assert!(Journal::open_read_only(&path).unwrap().is_none());
        assert!(!path.exists(), "nothing created");
        Journal::open(&path)
            .unwrap()
            .request(3, 10, price(1))
            .unwrap();
        let journal = Journal::open_read_only(&path).unwrap().expect("the file");
        assert_eq!(journal.unfinished().unwrap()[0].seq, 3);
        assert!(journal.request(4, 10, price(1)).is_err(), "read only");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn survives_reopening() {
        let path =
            std::env::temp_dir().join(format!("homeostat-journal-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        {
            let journal = Journal::open(&path).unwrap();
            journal.request(7, 100, price(1)).unwrap();
            journal.plan(7, None).unwrap();
        }
        let journal = Journal::open(&path).unwrap();
        let open = journal.unfinished().unwrap();
        assert_eq!(open.len(), 1);
        assert!(open[0].planned && open[0].order.is_none());
        let _ = std::fs::remove_file(&path);
    }
}
