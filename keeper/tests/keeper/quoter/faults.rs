//! The quoter's fault campaign: random schedules of steps, each slot a new one, under
//! venue faults (down, garbage, a frozen book, a slow answer older than the limit, a price
//! outside the pool's band), RPC faults (a 503 on the read, a time-out before the send, a
//! push that landed with its response lost, statuses unavailable) and crashes (after the
//! journal write, after the send, a plain restart, and now and then the journal lost
//! altogether — a new machine — where only the pool's sequence and the clock are left).
//!
//! Held at every push: the sequence number is already in the journal file (write-ahead);
//! the chain never receives a sequence number twice, nor one below a previous one; no
//! quote is made from a book older than the limit; the program refuses none. After each
//! schedule, with the faults lifted, the quoter pushes again within two steps and a swap
//! executes at its price.
//!
//! `cargo test --workspace --test keeper quoter::faults` runs a bounded number of schedules;
//! `HOMEOSTAT_QUOTER_SCHEDULES=1000 cargo test --workspace --test keeper quoter::faults --
//! --nocapture` the campaign reported in docs/quoter.md.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use homeostat_keeper::quoter::journal::QuoteJournal;
use homeostat_keeper::quoter::local::LocalQuoteChain;
use homeostat_keeper::quoter::{
    Landed, Outcome, PushQuoteArgs, QuoteChain, QuoteView, Quoter, StopPoint,
};
use homeostat_keeper::{KeeperError, Result};
use homeostat_localnet::{default_params, temp_folder, Harness, PoolAddresses, XorShift};
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{buy_price, quoted_pool, usdc, Answer, ScriptedBook, CONFIG};
use crate::faults::{Dice, Faults};

/// The chain behind a flaky node, checking every push it forwards.
struct FlakyChain<'a> {
    inner: LocalQuoteChain<'a>,
    dice: Dice,
    /// The journal file each push must already be in.
    journal: PathBuf,
    /// Every sequence number the chain received, in order.
    received: Rc<RefCell<Vec<u64>>>,
}

fn transient(what: &str) -> KeeperError {
    KeeperError::Transient {
        message: what.into(),
        retry_after: None,
    }
}

impl QuoteChain for FlakyChain<'_> {
    async fn read(&mut self) -> Result<QuoteView> {
        if self.dice.borrow_mut().roll("RPC 503 on the read") {
            return Err(transient("503 Service Unavailable"));
        }
        self.inner.read().await
    }

    async fn push(&mut self, quote: &PushQuoteArgs) -> Result<String> {
        if self.dice.borrow_mut().roll("RPC time-out before the send") {
            return Err(transient("timed out"));
        }
        let journaled = QuoteJournal::open_read_only(&self.journal)
            .unwrap()
            .map(|journal| journal.high_water().unwrap());
        assert!(
            journaled >= Some(quote.sequence),
            "sequence {} sent before it was journaled ({journaled:?})",
            quote.sequence
        );
        self.received.borrow_mut().push(quote.sequence);
        let signature = self.inner.push(quote).await?;
        let landed = self
            .inner
            .statuses(std::slice::from_ref(&signature))
            .await?;
        assert_eq!(landed, [Some(Landed::Executed)], "{}", quote.sequence);
        if self.dice.borrow_mut().roll("push landed, response lost") {
            return Err(transient("connection reset"));
        }
        Ok(signature)
    }

    async fn statuses(&mut self, signatures: &[String]) -> Result<Vec<Option<Landed>>> {
        if self.dice.borrow_mut().roll("statuses unavailable") {
            return Err(transient("503 Service Unavailable"));
        }
        self.inner.statuses(signatures).await
    }
}

/// The venue's answer this step: mostly a fresh touch around 150, else a fault.
fn answer(dice: &Dice) -> Answer {
    let mut dice = dice.borrow_mut();
    let cents = 14_950 + dice.rng.below(100) as i64;
    let spread = 1 + dice.rng.below(20) as i64;
    let (bid, ask) = (
        usdc(cents as f64 / 100.0),
        usdc((cents + spread) as f64 / 100.0),
    );
    let aged = |age| Answer::Aged { bid, ask, age };
    let fresh = Answer::Fresh { bid, ask };
    if dice.roll("venue down") {
        Answer::Down
    } else if dice.roll("venue garbage") {
        Answer::Garbage
    } else if dice.roll("venue book frozen") {
        aged(CONFIG.max_book_age + Duration::from_secs(5))
    } else if dice.roll("venue slow (answer older than the limit)") {
        aged(CONFIG.max_book_age + Duration::from_millis(500))
    } else if dice.roll("venue price outside the band") {
        Answer::Fresh {
            bid: usdc(160.0),
            ask: usdc(160.1),
        }
    } else {
        fresh
    }
}

/// A quoter on `journal` (opened afresh: a restart) over `harness`.
fn restarted<'a>(
    harness: &'a mut Harness,
    pool: PoolAddresses,
    key: &Keypair,
    journal: &Path,
    dice: &Dice,
    received: &Rc<RefCell<Vec<u64>>>,
) -> Quoter<FlakyChain<'a>, ScriptedBook> {
    let chain = FlakyChain {
        inner: LocalQuoteChain::new(harness, pool, key.insecure_clone()),
        dice: dice.clone(),
        journal: journal.to_path_buf(),
        received: Rc::clone(received),
    };
    let book = ScriptedBook::at(149.95, 150.05);
    Quoter::new(
        chain,
        book,
        QuoteJournal::open(journal).unwrap(),
        CONFIG,
        key.pubkey(),
    )
}

/// One schedule of `steps` steps on a fresh pool, the slot advancing one a step; returns
/// the pushes the chain received.
async fn schedule(dice: &Dice, steps: u64) -> u64 {
    let (mut harness, pool, key) = quoted_pool(default_params()).await;
    let folder = temp_folder("quoter-faults");
    let journal = folder.join("quoter.sqlite");
    let received = Rc::new(RefCell::new(Vec::new()));
    dice.borrow_mut().rate = 12;
    let mut step = 0;
    while step < steps {
        // One run of the quoter, until it crashes or is restarted.
        let mut quoter = restarted(&mut harness, pool, &key, &journal, dice, &received);
        let mut held = None;
        let mut journal_lost = false;
        while step < steps {
            step += 1;
            let harness = &mut *quoter.chain.inner.harness;
            let (now, slot) = (harness.now, harness.slot);
            harness.set_clock(now, slot + 1);
            if faulty_step(&mut quoter, &mut held, dice).await {
                break;
            }
            if dice.borrow_mut().roll("journal lost (a new machine)") {
                journal_lost = true;
                break;
            }
        }
        drop(quoter);
        if journal_lost {
            std::fs::remove_file(&journal).expect("the journal");
        }
    }
    assert_recovers(&mut harness, pool, &key, &journal, dice, &received).await;
    let received = received.borrow();
    assert!(
        received.windows(2).all(|pair| pair[0] < pair[1]),
        "the chain received a sequence number twice or out of order: {received:?}"
    );
    received.len() as u64
}

/// One step under this slot's venue answer and crash dice, its report checked against
/// the book the quoter holds (`held`: the last book this run of it read); whether the
/// quoter is to be restarted (it crashed, or the dice say so).
async fn faulty_step(
    quoter: &mut Quoter<FlakyChain<'_>, ScriptedBook>,
    held: &mut Option<Answer>,
    dice: &Dice,
) -> bool {
    let answer = answer(dice);
    quoter.book.answer = answer;
    if dice.borrow_mut().roll("crash after the journal write") {
        quoter.stop_at(StopPoint::AfterJournal);
    } else if dice.borrow_mut().roll("crash after the send") {
        quoter.stop_at(StopPoint::AfterSend);
    }
    let asked = quoter.book.asked;
    let step = quoter.step().await;
    // A step whose read failed never asked the venue: the quoter holds the book before.
    if quoter.book.asked > asked && !matches!(answer, Answer::Down | Answer::Garbage) {
        *held = Some(answer);
    }
    let in_band = matches!(held, Some(Answer::Fresh { bid, .. }) if *bid < usdc(151.0));
    let out_of_band = matches!(held, Some(Answer::Fresh { bid, .. }) if *bid == usdc(160.0));
    match step {
        Ok(report) => {
            assert!(report.settled.refused.is_empty(), "{report:?}");
            match report.outcome {
                Outcome::Pushed { book_age, .. } => {
                    assert!(book_age <= CONFIG.max_book_age, "{answer:?}: {book_age:?}");
                    assert!(in_band, "pushed from {held:?}");
                }
                Outcome::OutOfBand { .. } => assert!(out_of_band, "{held:?}"),
                Outcome::Stale { .. } => {
                    assert!(!matches!(answer, Answer::Fresh { .. }), "{answer:?}")
                }
                Outcome::Unpriced(reason) => panic!("Pyth is fresh: {reason}"),
            }
            dice.borrow_mut().roll("restart")
        }
        Err(error) if error.to_string().contains("fault injection") => true,
        Err(error) => {
            assert!(error.is_transient(), "{error}");
            false
        }
    }
}

/// With the faults lifted and the venue fresh, the quoter pushes within two steps, the
/// pool holds its last push, and a swap executes at its price.
async fn assert_recovers(
    harness: &mut Harness,
    pool: PoolAddresses,
    key: &Keypair,
    journal: &Path,
    dice: &Dice,
    received: &Rc<RefCell<Vec<u64>>>,
) {
    dice.borrow_mut().rate = 0;
    let mut quoter = restarted(harness, pool, key, journal, dice, received);
    quoter.book.answer = Answer::Fresh {
        bid: usdc(150.05),
        ask: usdc(150.15),
    };
    let mut pushed = false;
    for _ in 0..2 {
        let report = quoter.step().await.expect("no faults left");
        pushed |= matches!(report.outcome, Outcome::Pushed { .. });
    }
    assert!(pushed, "no push within two steps of the faults lifting");
    drop(quoter);
    let last = *received.borrow().last().expect("pushes");
    assert_eq!(harness.pool_state(&pool).await.pushed.sequence, last);
    assert_eq!(buy_price(harness, &pool).await, Ok(usdc(150.1)));
}

#[tokio::test]
async fn no_sequence_twice_and_no_stale_quote_under_crashes_rpc_and_venue_faults() {
    let schedules: u64 = std::env::var("HOMEOSTAT_QUOTER_SCHEDULES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(4);
    let started = std::time::Instant::now();
    let dice: Dice = Rc::new(RefCell::new(Faults {
        rng: XorShift(0x5eed_0000_9007_0027),
        rate: 0,
        injected: BTreeMap::new(),
    }));
    let mut pushes = 0;
    for _ in 0..schedules {
        pushes += schedule(&dice, 60).await;
    }
    let injected = &dice.borrow().injected;
    eprintln!(
        "quoter faults: {schedules} schedules × 60 steps, {pushes} pushes received in {:.1} s; injected: {injected:?}",
        started.elapsed().as_secs_f64()
    );
    for fault in [
        "RPC 503 on the read",
        "RPC time-out before the send",
        "push landed, response lost",
        "venue down",
        "venue garbage",
        "venue book frozen",
        "crash after the journal write",
        "crash after the send",
    ] {
        assert!(
            injected.get(fault).copied().unwrap_or(0) > 0,
            "{fault} never injected"
        );
    }
}
