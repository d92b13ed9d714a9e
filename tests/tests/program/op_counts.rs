//! What each instruction's math costs, counted (`homeostat-math`'s `op-count` feature) on
//! the very code the program runs — the SDK's snapshot executes the program's own state
//! code and the math crate — and turned into a compute-unit estimate with the per-operation
//! costs of docs/performance.md ("Compute units"). The swap path must stay within the
//! committed budget, so a regression shows up in CI.

use homeostat::oracle::PriceUpdate;
use homeostat::PoolParams;
use homeostat_localnet::{default_params, fixed, Exact, Harness, ONE_BASE, ONE_QUOTE, SELL};
use homeostat_math::ops::{take, OpCounts};
use homeostat_math::{BaseAtoms, Curve, Direction, Fixed, ModelKind, QuoteAtoms};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::quote::{deposit_quote, withdraw_quote, PoolSnapshot};

/// Per-operation SBF costs, compute units (sources and models in docs/performance.md).
/// A division whose operands fit 64 bits: a `u64` division and remainder (≈ 6 CU each,
/// solana-labs/solana #19549) and the tier test.
const CU_DIVISION_64: u64 = 20;
/// A 128-bit dividend by a 64-bit divisor (`divlu`, two 32-bit digits; model: ~100
/// instructions with both corrections of each digit taken).
const CU_DIVISION_BY_64: u64 = 100;
/// A 128-bit division by a wider divisor: a `divlu` estimate, a `u128` product, a
/// correction (model).
const CU_DIVISION_BY_128: u64 = 150;
const CU_U128_PRODUCT: u64 = 49;
/// A 256-bit product is four `u64 × u64 → u128` products and a few additions; two when
/// one factor fits 64 bits.
const CU_WIDE_PRODUCT: u64 = 4 * CU_U128_PRODUCT + 20;
const CU_HALF_WIDE_PRODUCT: u64 = 2 * CU_U128_PRODUCT + 10;
/// `u64::isqrt`, the first guess of every root: core's Karatsuba root — a 256-entry table,
/// then three stages of one `u64` division, remainder and product each (model: ~80
/// instructions). The Newton steps after it are divisions, counted as such.
const CU_ROOT_64: u64 = 100;

fn estimate(counts: &OpCounts) -> u64 {
    // The divisions inside wide quotients are counted in the three division kinds.
    counts.divisions_64 * CU_DIVISION_64
        + counts.divisions_by_64 * CU_DIVISION_BY_64
        + counts.divisions_by_128 * CU_DIVISION_BY_128
        + counts.products_128 * CU_U128_PRODUCT
        + counts.wide_products * CU_WIDE_PRODUCT
        + counts.half_wide_products * CU_HALF_WIDE_PRODUCT
        + counts.roots_64 * CU_ROOT_64
}

/// The committed budget for the math of one swap (any form, direction or model), in
/// weighted counted operations (the op-count model, retired as a compute-unit estimate:
/// it undercounted the SBF build ×2.2–3.1; units are measured by `bench/cu/run`): today's
/// count plus ~10 % (a purchase within the print's depth prices the depth before solving).
const SWAP_MATH_BUDGET_OPS: u64 = 5_750;
/// The same for a swap beyond the print's depth (`print_depth`), which solves the curve in
/// two pieces and checks exact-in against exact-out: an arbitrageur's size, not retail's.
const SWAP_BEYOND_DEPTH_BUDGET_OPS: u64 = 15_500;

fn row(name: &str, counts: &OpCounts) -> String {
    format!(
        "| {name} | {} / {} | {} | {} / {} / {} | {} | {} | {} | {} |",
        counts.wide_products,
        counts.half_wide_products,
        counts.wide_quotients,
        counts.divisions_64,
        counts.divisions_by_64,
        counts.divisions_by_128,
        counts.products_128,
        counts.roots_64,
        counts.root_iterations,
        estimate(counts)
    )
}

/// The three models, each as a pool's parameters.
fn models() -> [(&'static str, PoolParams); 3] {
    [
        ("GLFT", default_params()),
        (
            "AS",
            PoolParams {
                model_kind: ModelKind::AvellanedaStoikov.into(),
                horizon: fixed(600, 1),
                ..default_params()
            },
        ),
        (
            "CP",
            PoolParams {
                model_kind: ModelKind::ConstantProduct.into(),
                ..default_params()
            },
        ),
    ]
}

/// The most weighted operations one swap's math counted, within the print's depth and
/// beyond it.
#[derive(Default)]
struct Worst {
    swap: u64,
    beyond_depth: u64,
}

/// Counts every swap form on `snapshot` of the `name` model's pool — sells and buys of 2
/// and 10 SOL, exact in and exact out — into `table` and `worst`.
fn count_swaps(snapshot: &PoolSnapshot, name: &str, table: &mut Vec<String>, worst: &mut Worst) {
    // The sells' side of the print has taken the 20 SOL: every sale is beyond its depth.
    let left = match snapshot.context().unwrap().1.context.curve {
        Curve::Linear(curve) => curve.depth.left,
        Curve::ConstantProduct(_) => [i128::MAX; 2],
    };
    for (direction, label) in [
        (Direction::BaseToQuote, "sell"),
        (Direction::QuoteToBase, "buy"),
    ] {
        // 2 SOL fits the default print depth (3 SOL) when the side has taken none.
        for sol in [2, 10] {
            for exact_in in [true, false] {
                let amount = match (direction, exact_in) {
                    (Direction::BaseToQuote, true) | (Direction::QuoteToBase, false) => {
                        sol * ONE_BASE
                    }
                    _ => sol * 150 * ONE_QUOTE,
                };
                take();
                let quote = if exact_in {
                    snapshot.quote_exact_in(direction, amount).unwrap()
                } else {
                    snapshot.quote_exact_out(direction, amount).unwrap()
                };
                let counts = take();
                let beyond = quote.base_amount.signed() > left[direction as usize];
                let worst = if beyond {
                    &mut worst.beyond_depth
                } else {
                    &mut worst.swap
                };
                *worst = (*worst).max(estimate(&counts));
                let form = if exact_in { "exact in" } else { "exact out" };
                let depth = if beyond { "beyond" } else { "within" };
                table.push(row(
                    &format!("swap {form}, {label} {sol} SOL ({depth} the depth), {name}"),
                    &counts,
                ));
            }
        }
    }
}

/// Counts the math of `rebalance`, `deposit`, `withdraw` and `record_hedge` on `snapshot`
/// of `pool` (priced by `update`) into `table`.
async fn count_the_other_instructions(
    harness: &mut Harness,
    pool: &PoolAddresses,
    snapshot: &PoolSnapshot,
    update: &PriceUpdate,
    table: &mut Vec<String>,
) {
    // rebalance: the oracle read and the inventory; deposit and withdraw: shares.
    take();
    let state = snapshot.pool;
    let oracle = state.price_from_update(update, snapshot.now).unwrap();
    let reserves = snapshot.reserves().unwrap();
    state.net_delta(reserves).unwrap();
    state.band_now(&oracle, reserves).unwrap();
    table.push(row("rebalance (oracle, net delta, band)", &take()));
    let supply = harness.supply(&pool.lp_mint).await;
    let reserves = snapshot.reserves().unwrap();
    take();
    deposit_quote(
        &state,
        &state.admin,
        reserves,
        supply,
        (
            BaseAtoms::new(10 * ONE_BASE),
            QuoteAtoms::new(1_500 * ONE_QUOTE),
        ),
    )
    .unwrap();
    table.push(row("deposit (shares and amounts)", &take()));
    withdraw_quote(&state, &state.admin, reserves, supply, supply / 10).unwrap();
    table.push(row("withdraw (pro-rata amounts)", &take()));
    // record_hedge: the ledger closing part of an open hedge (the realised-P&L path).
    let price = homeostat_math::LotPrice::new(Fixed::from_int(150_000_000));
    let open = state
        .hedge_ledger()
        .record(10 * ONE_BASE as i64, price, state.params.lot)
        .unwrap();
    take();
    open.record(-4 * ONE_BASE as i64, price, state.params.lot)
        .unwrap();
    table.push(row("record_hedge (ledger, partial close)", &take()));
}

#[tokio::test]
async fn each_instructions_math_is_counted_and_the_swap_stays_in_budget() {
    let (mut harness, _, _) = Harness::with_liquidity().await;
    let mut table = vec![
        "| path | 256-bit products: full / half | 256/128 quotients | divisions 64 / by 64 / by 128 | u128 products | u128 roots | root steps | CU estimate (math) |".to_string(),
        "|---|---|---|---|---|---|---|---|".to_string(),
    ];
    let mut worst = Worst::default();
    for (index, (name, params)) in models().into_iter().enumerate() {
        let pool = harness.pool_at(index as u16);
        if index > 0 {
            harness.seeded_pool(&pool, params).await;
        }
        // A pool long 20 SOL, 5 s after its print: every term of the price is live.
        let trader = harness.new_user(20 * ONE_BASE, 0).await;
        harness
            .swap(&pool, &trader, SELL, Exact::In(20 * ONE_BASE))
            .await
            .unwrap();
        harness.set_time(harness.now + 5);
        let update = harness.oracle_update().await;
        let snapshot = harness.snapshot(&pool, &update).await;
        count_swaps(&snapshot, name, &mut table, &mut worst);
        if index == 0 {
            count_the_other_instructions(&mut harness, &pool, &snapshot, &update, &mut table).await;
        }
    }
    eprintln!("{}", table.join("\n"));
    let Worst {
        swap: worst_swap,
        beyond_depth: worst_beyond_depth,
    } = worst;
    assert!(
        worst_swap <= SWAP_MATH_BUDGET_OPS,
        "the swap path's math now counts {worst_swap} weighted operations, over the committed {SWAP_MATH_BUDGET_OPS}"
    );
    assert!(
        worst_beyond_depth <= SWAP_BEYOND_DEPTH_BUDGET_OPS,
        "a swap beyond the print's depth now counts {worst_beyond_depth} weighted operations, over the committed {SWAP_BEYOND_DEPTH_BUDGET_OPS}"
    );
    assert!(worst_swap > 0, "the counts are live");
}
