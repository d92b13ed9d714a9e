//! The simulator against theory: if these fail, the market is wrong, not the pools.
//! Seeds are fixed (the runs are deterministic) and tolerances several standard errors
//! wide, so the tests are fast and cannot flake.

use super::report::{estimate, summary};
use super::{run_seeds, Engine, PoolKind, Scenario};

/// `scenarios/arbitrage-only.toml` (the file the docs' commands run) with `pools`,
/// `hours` long: a diffusion at 100 % and one arbitrageur with no cost or latency — no
/// jumps, no uninformed flow, no noise.
fn arbitrage_only(pools: Vec<PoolKind>, hours: u32) -> Scenario {
    let file = include_str!("../../../scenarios/arbitrage-only.toml");
    Scenario {
        pools,
        duration_secs: hours * 3_600,
        ..Scenario::from_toml(file).expect("scenarios/arbitrage-only.toml")
    }
}

fn run(scenario: &Scenario, seeds: u32) -> serde_json::Value {
    summary(&run_seeds(scenario, Engine::Math, seeds, 2, &|_| {}).expect("runs"))
}

/// `V·σ²·T/8` for the pool's starting value.
fn lvr_theory(scenario: &Scenario) -> f64 {
    let value = 2.0 * scenario.liquidity_sol * scenario.start_price;
    let years = f64::from(scenario.duration_secs) / super::price::SECONDS_PER_YEAR;
    value * scenario.calm_volatility.powi(2) * years / 8.0
}

#[test]
fn a_zero_fee_constant_product_pool_loses_lvr_to_block_by_block_arbitrage() {
    let scenario = Scenario {
        cp_fee_bps: 0.0,
        ..arbitrage_only(vec![PoolKind::Cp], 10)
    };
    let summary = run(&scenario, 4);
    let loss = -estimate(&summary, "cp", "arbitrage_edge_usdc").mean;
    let theory = lvr_theory(&scenario);
    assert!(
        (loss / theory - 1.0).abs() < 0.03,
        "arbitrage took {loss:.2} USDC, V·σ²·T/8 = {theory:.2}"
    );
    // And path by path it is the realised LVR, Σ V·r²/8.
    let realised = estimate(&summary, "cp", "lvr_usdc").mean;
    assert!((loss / realised - 1.0).abs() < 0.01, "{loss} vs {realised}");
}

#[test]
fn with_a_fee_arbitrage_profit_follows_the_fixed_block_formula() {
    // Milionis, Moallemi & Roughgarden (2023) with deterministic blocks (Nezlobin &
    // Tassy 2025): per block, ARB = LVR / (1 + (√(2π)/|ζ(1/2)|)·f/σ_b), σ_b = σ√Δt, f the
    // fee per side. Here f/σ_b ≈ 0.89 and ≈ 4.4: arbitrage takes 40 % and 12 % of LVR.
    for fee_bps in [1.0, 5.0] {
        let scenario = Scenario {
            cp_fee_bps: fee_bps,
            ..arbitrage_only(vec![PoolKind::Cp], 10)
        };
        let summary = run(&scenario, 4);
        let profit = summary["market"]["arbitrage_profit_usdc"]["mean"]
            .as_f64()
            .expect("profit");
        let sigma_block = scenario.calm_volatility
            * (f64::from(scenario.slot_ms) / 1_000.0 / super::price::SECONDS_PER_YEAR).sqrt();
        let factor = 1.0 / (1.0 + 1.7164 * fee_bps / 10_000.0 / sigma_block);
        let theory = lvr_theory(&scenario) * factor;
        assert!(
            (profit / theory - 1.0).abs() < 0.15,
            "fee {fee_bps} bp: arbitrage made {profit:.2}, theory {theory:.2} ({factor:.3} of LVR)"
        );
    }
}

#[test]
fn a_pool_quoting_the_current_true_price_loses_nothing_to_arbitrage() {
    // The GLFT pool with a print of the true price every block, no latency: its spread is
    // never crossed by one block's move.
    let fresh = Scenario {
        oracle_latency_ms: 0,
        arb_picks_prints: false,
        ..arbitrage_only(vec![PoolKind::Glft], 2)
    };
    let summary = run(&fresh, 4);
    assert_eq!(estimate(&summary, "glft", "arbitrage_trades").mean, 0.0);
    assert_eq!(estimate(&summary, "glft", "arbitrage_edge_usdc").mean, 0.0);
    // The same pool in the default market (a second of latency, noise, picked prints)
    // with jumps eight times as frequent is arbitraged, at a loss.
    let stale = Scenario {
        duration_secs: 2 * 3_600,
        pools: vec![PoolKind::Glft],
        jumps_per_hour: 4.0,
        ..Scenario::default()
    };
    let summary = run(&stale, 4);
    let edge = estimate(&summary, "glft", "arbitrage_edge_usdc");
    assert!(edge.mean < -3.0 * edge.se && edge.se > 0.0, "{edge:?}");
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let scenario = Scenario {
        duration_secs: 600,
        ..Scenario::default()
    };
    let one = run_seeds(&scenario, Engine::Math, 2, 2, &|_| {}).expect("runs");
    let again = run_seeds(&scenario, Engine::Math, 2, 1, &|_| {}).expect("runs");
    assert_eq!(one, again, "threads do not change results");
    assert_ne!(one[0], one[1], "seeds differ");
}

#[test]
fn the_program_on_the_runtime_gives_the_same_report_as_its_state_code() {
    // Half an hour, jumps frequent enough that the Homeostat pools are arbitraged and win
    // some uninformed flow: every one of those trades a transaction, its accounts the
    // market's state. The prop pool's quoter pushes every other slot, each quote valid in
    // its own slot only, within a 5 bp band of the print: its swaps price at the quoter's
    // price, and at the print between quotes and out of the band — every push a
    // transaction too. The Pyth Pro pool's every trade posts the signed update it carries
    // (`post_pro_price`, the ed25519 precompile's check before it) in its swap's
    // transaction.
    let scenario = Scenario {
        duration_secs: 1_800,
        jumps_per_hour: 6.0,
        route_ref_bps: 12.0,
        pools: vec![PoolKind::Glft, PoolKind::Cp, PoolKind::Prop, PoolKind::Pro],
        quote_interval_ms: 800,
        quote_valid_slots: 0,
        pool_quote_band_bps: 5,
        ..Scenario::default()
    };
    let math = run_seeds(&scenario, Engine::Math, 1, 1, &|_| {}).expect("math");
    let program = run_seeds(&scenario, Engine::Program, 1, 1, &|_| {}).expect("program");
    assert_eq!(math, program);
    for pool in math[0]
        .pools
        .iter()
        .filter(|p| p.pool == "glft" || p.pool == "prop" || p.pool == "pro")
    {
        assert!(
            pool.arbitrage_trades > 0.0 && pool.retail_trades > 0.0,
            "{pool:?}"
        );
    }
    let prop = math[0]
        .pools
        .iter()
        .find(|p| p.pool == "prop")
        .expect("prop");
    assert!(prop.quoter_fills > 0.0 && prop.pyth_fills > 0.0, "{prop:?}");
}

#[test]
fn a_prop_pool_without_a_usable_quote_is_the_oracle_pool_or_refuses() {
    // A zero band: no quote ever lies on the print, so every swap falls back. On Pyth the
    // prop pool is the GLFT pool, figure for figure; refusing, it never trades.
    let scenario = |pool, fallback| Scenario {
        duration_secs: 1_800,
        jumps_per_hour: 6.0,
        pools: vec![pool],
        pool_quote_band_bps: 0,
        pool_quote_fallback: fallback,
        ..Scenario::default()
    };
    let glft = run_seeds(&scenario(PoolKind::Glft, 0), Engine::Math, 1, 1, &|_| {}).expect("glft");
    let prop = run_seeds(&scenario(PoolKind::Prop, 0), Engine::Math, 1, 1, &|_| {}).expect("prop");
    let (glft, prop) = (&glft[0].pools[0], &prop[0].pools[0]);
    assert!(glft.arbitrage_trades > 0.0 && glft.retail_trades > 0.0);
    assert_eq!(prop.quoter_fills, 0.0);
    let renamed = super::report::PoolFigures {
        pool: "glft",
        ..prop.clone()
    };
    assert_eq!(&renamed, glft);
    let refusing =
        run_seeds(&scenario(PoolKind::Prop, 1), Engine::Math, 1, 1, &|_| {}).expect("refusing");
    let refusing = &refusing[0].pools[0];
    assert_eq!(refusing.retail_trades + refusing.arbitrage_trades, 0.0);
    assert!(refusing.oracle_refusals > 0.0, "{refusing:?}");
}
