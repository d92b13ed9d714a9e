//! The quoter on the in-process runtime: what it pushes, that swaps execute at it, and
//! that it stops — so the pool falls back — when its book goes stale, leaves the band, or
//! the pool names another quoter.

use std::time::Duration;

use homeostat::constants::QUOTE_FALLBACK_REFUSE;
use homeostat::PoolParams;
use homeostat_keeper::quoter::journal::QuoteJournal;
use homeostat_keeper::quoter::local::LocalQuoteChain;
use homeostat_keeper::quoter::quote::QuoteConfig;
use homeostat_keeper::quoter::{Outcome, Quoter};
use homeostat_keeper::KeeperError;
use homeostat_localnet::{assert_program_error, default_params, HomeostatError};
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{buy_price, quoted_pool, usdc, Answer, ScriptedBook, CONFIG};

/// The quoter of `pool`, signing with `quoter_key`, on the in-process runtime with an
/// in-memory journal: quoting `book` under `config`.
fn local_quoter(
    harness: &mut homeostat_localnet::Harness,
    pool: homeostat_localnet::PoolAddresses,
    quoter_key: Keypair,
    book: ScriptedBook,
    config: QuoteConfig,
) -> Quoter<LocalQuoteChain<'_>, ScriptedBook> {
    let key = quoter_key.pubkey();
    let chain = LocalQuoteChain::new(harness, pool, quoter_key);
    Quoter::new(chain, book, QuoteJournal::in_memory().unwrap(), config, key)
}

#[tokio::test]
async fn the_venues_mid_is_pushed_valid_for_its_slots_and_a_swap_executes_at_it() {
    let (mut harness, pool, quoter_key) = quoted_pool(default_params()).await;
    let slot = harness.slot;
    let config = QuoteConfig {
        bid_offset_bps: 2,
        ..CONFIG
    };
    let mut quoter = local_quoter(
        &mut harness,
        pool,
        quoter_key,
        ScriptedBook::at(150.45, 150.55),
        config,
    );
    let report = quoter.step().await.unwrap();
    let Outcome::Pushed {
        sequence,
        valid_until,
        price,
        ..
    } = report.outcome
    else {
        panic!("{report:?}")
    };
    assert_eq!(valid_until, slot + 4, "the slot plus --quoter-valid-slots");
    assert_eq!(price.get(), usdc(150.5), "the venue's mid");
    let second = quoter.step().await.unwrap();
    assert_eq!(second.settled.landed, 1, "the first push landed");
    let Outcome::Pushed { sequence: next, .. } = second.outcome else {
        panic!("{second:?}")
    };
    assert!(next > sequence, "{next} after {sequence}");
    let journaled: Vec<u64> = quoter
        .journal()
        .quotes()
        .unwrap()
        .iter()
        .map(|quote| quote.sequence)
        .collect();
    assert_eq!(
        journaled,
        [sequence, next],
        "each journaled before it was sent"
    );
    drop(quoter);
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.pushed.sequence, next);
    assert_eq!(state.pushed.valid_until, slot + 4);
    assert_eq!(state.pushed.price.get(), usdc(150.5));
    // The venue's half-spread on each side, the bid's widened by 2 bp of the mid.
    assert_eq!(state.pushed.ask_offset.get(), usdc(0.05));
    assert_eq!(state.pushed.bid_offset.get(), usdc(0.05 + 0.030_1));
    assert_eq!(
        buy_price(&mut harness, &pool).await.unwrap(),
        usdc(150.5),
        "a swap executes at the quoter's price"
    );
}

/// A book age limit short enough to pass in a test.
const SHORT: QuoteConfig = QuoteConfig {
    max_book_age: Duration::from_millis(200),
    ..CONFIG
};

/// Pushes at 150.5 on a pool with `params`, then — once that book is older than the limit
/// — turns the venue `stale` and checks the quoter pushes nothing; returns the harness with
/// the clock past the last quote's expiry.
async fn quoted_then_stale(
    params: PoolParams,
    stale: Answer,
) -> (
    homeostat_localnet::Harness,
    homeostat_localnet::PoolAddresses,
) {
    let (mut harness, pool, quoter_key) = quoted_pool(params).await;
    let mut quoter = local_quoter(
        &mut harness,
        pool,
        quoter_key,
        ScriptedBook::at(150.45, 150.55),
        SHORT,
    );
    let first = quoter.step().await.unwrap();
    assert!(matches!(first.outcome, Outcome::Pushed { .. }), "{first:?}");
    tokio::time::sleep(SHORT.max_book_age).await;
    quoter.book.answer = stale;
    for _ in 0..3 {
        let report = quoter.step().await.unwrap();
        assert!(
            matches!(report.outcome, Outcome::Stale { .. }),
            "{stale:?}: {report:?}"
        );
    }
    let pushed = quoter.journal().quotes().unwrap();
    assert_eq!(pushed.len(), 1, "nothing pushed once stale");
    let valid_until = pushed[0].valid_until;
    drop(quoter);
    assert_eq!(buy_price(&mut harness, &pool).await, Ok(usdc(150.5)));
    harness.set_clock(harness.now, valid_until + 1);
    (harness, pool)
}

#[tokio::test]
async fn a_stale_book_stops_the_pushes_and_swaps_fall_back_to_pyth() {
    let old = Answer::Aged {
        bid: usdc(150.45),
        ask: usdc(150.55),
        age: SHORT.max_book_age + Duration::from_millis(1),
    };
    for stale in [old, Answer::Down, Answer::Garbage] {
        let (mut harness, pool) = quoted_then_stale(default_params(), stale).await;
        assert_eq!(
            buy_price(&mut harness, &pool).await,
            Ok(usdc(150.0)),
            "{stale:?}: the quote expired, Pyth prices"
        );
    }
}

#[tokio::test]
async fn a_pool_that_refuses_without_its_quoter_refuses_once_the_quoter_stops() {
    let params = PoolParams {
        quote_fallback: QUOTE_FALLBACK_REFUSE,
        ..default_params()
    };
    let (mut harness, pool) = quoted_then_stale(params, Answer::Down).await;
    assert_program_error(
        buy_price(&mut harness, &pool).await.map(drop),
        HomeostatError::QuoteUnavailable,
    );
}

#[tokio::test]
async fn a_book_that_ages_past_the_limit_while_the_venue_is_down_stops_the_pushes() {
    let (mut harness, pool, quoter_key) = quoted_pool(default_params()).await;
    let config = QuoteConfig {
        max_book_age: Duration::from_millis(300),
        ..CONFIG
    };
    let mut quoter = local_quoter(
        &mut harness,
        pool,
        quoter_key,
        ScriptedBook::at(150.45, 150.55),
        config,
    );
    assert!(matches!(
        quoter.step().await.unwrap().outcome,
        Outcome::Pushed { .. }
    ));
    // Down: the last book is still young enough to quote.
    quoter.book.answer = Answer::Down;
    assert!(matches!(
        quoter.step().await.unwrap().outcome,
        Outcome::Pushed { .. }
    ));
    tokio::time::sleep(Duration::from_millis(350)).await;
    let report = quoter.step().await.unwrap();
    let Outcome::Stale {
        age: Some(age),
        venue_error: Some(error),
    } = report.outcome
    else {
        panic!("{report:?}")
    };
    assert!(age > Duration::from_millis(300), "{age:?}");
    assert!(error.contains("unreachable"), "{error}");
    // Back: it quotes again at once.
    quoter.book.answer = Answer::Fresh {
        bid: usdc(150.1),
        ask: usdc(150.3),
    };
    let report = quoter.step().await.unwrap();
    assert!(
        matches!(report.outcome, Outcome::Pushed { price, .. } if price.get() == usdc(150.2)),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_quote_the_pool_would_not_price_on_is_not_pushed() {
    let (mut harness, pool, quoter_key) = quoted_pool(default_params()).await;
    // 1.5 % above Pyth's 150: outside the pool's 1 % band.
    let mut quoter = local_quoter(
        &mut harness,
        pool,
        quoter_key,
        ScriptedBook::at(152.2, 152.3),
        CONFIG,
    );
    let report = quoter.step().await.unwrap();
    assert!(
        matches!(report.outcome, Outcome::OutOfBand { price, pyth }
            if price.get() == usdc(152.25) && pyth.get() == usdc(150.0)),
        "{report:?}"
    );
    assert!(
        quoter.journal().quotes().unwrap().is_empty(),
        "no sequence used"
    );
    drop(quoter);
    assert_eq!(harness.pool_state(&pool).await.pushed.sequence, 0);
}

#[tokio::test]
async fn a_quoter_the_admin_replaced_stops_with_a_named_error() {
    let (mut harness, pool, quoter_key) = quoted_pool(default_params()).await;
    let admin = harness.admin.insecure_clone();
    let successor = Keypair::new();
    harness
        .set_quoter(&pool, &admin, successor.pubkey())
        .await
        .unwrap();
    let mut quoter = local_quoter(
        &mut harness,
        pool,
        quoter_key,
        ScriptedBook::at(150.0, 150.1),
        CONFIG,
    );
    let error = quoter.step().await.unwrap_err();
    assert!(
        matches!(&error, KeeperError::NotThePoolsQuoter { quoter, .. } if *quoter == successor.pubkey().to_string()),
        "{error}"
    );
    assert!(quoter.journal().quotes().unwrap().is_empty());
}
