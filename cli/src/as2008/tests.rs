//! The replica against the program, and the parameters each step sets.

use super::{pool_params, run, Config, Engine, Outcome, STEPS};

fn outcome(engine: Engine, gamma: f64, paths: u32, seed: u64) -> Outcome {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(run(
            Config {
                gamma,
                paths,
                seed,
                engine,
            },
            |_| {},
        ))
        .expect("experiment runs")
}

#[test]
fn the_program_and_the_math_crate_give_identical_results() {
    for (gamma, seed) in [(0.1, 1), (0.5, 7)] {
        let math = outcome(Engine::Math, gamma, 3, seed);
        let program = outcome(Engine::Program, gamma, 3, seed);
        assert_eq!(math, program, "γ = {gamma}, seed {seed}");
        assert!(math.swaps > 100, "the pool traded: {math:?}");
    }
}

#[test]
fn parameters_every_step_pass_the_programs_validation() {
    for step in 0..STEPS {
        pool_params(0.1, step).validate().expect("valid");
    }
}
