//! Where a swap's units go: a program built with `HOMEOSTAT_CU_TRACE` set logs
//! `cu-trace <stage>` and the units left at the end of each stage of a swap
//! (`homeostat::trace`); this turns the pool's life on that build into a table of each
//! stage's units, the trace's own cost taken out.

use std::collections::BTreeMap;

use homeostat_math::ModelKind;

use crate::measure::measure_logged;
use crate::sbf::TokenProgram;
use crate::table::thousands;

/// The swaps of the breakdown: (row id, column label).
pub const COLUMNS: [(&str, &str); 5] = [
    ("swap_exact_in_sell", "GLFT, sell 5 base"),
    ("swap_exact_out_buy", "GLFT, buy 5 base"),
    ("swap_pro", "GLFT, sell at the Pyth Pro price"),
    ("swap_quoted", "GLFT, sell at the quoter's price"),
    ("swap_exact_in_sell", "CP, sell 5 base"),
];

/// The stages in order (each named by the point at its end), with what they cover.
pub const STAGES: [(&str, &str); 19] = [
    (
        "accounts",
        "entrypoint, Anchor's dispatch and the accounts struct (deserialise, `has_one`, owners)",
    ),
    (
        "trader-accounts",
        "the trader's token accounts checked in place, the clock",
    ),
    (
        "oracle-decode",
        "the pool loaded, the push account's owner and `PriceUpdateV2` decoded",
    ),
    (
        "price",
        "pause and emptiness; the Pyth price: checks and conversion to a price per lot (or the posted Pyth Pro price)",
    ),
    (
        "price-source",
        "the quoter's price or Pyth's (band, age), the print depth's reset",
    ),
    (
        "volatility",
        "the volatility estimate observes the price",
    ),
    ("model", "LP reserves; the model's parameters and stored coefficients"),
    (
        "curve",
        "the model's curve: the skew (√σ² for GLFT), the age widening (√(σ²·age)), the spread in price",
    ),
    (
        "curve-at-depth",
        "the skew and the cap scaled to the pool's depth",
    ),
    ("inventory", "the gross position (`flow_inventory`)"),
    ("print-depth", "the print depth left on each side, aged"),
    (
        "swap-context",
        "the risk position, the aged largest trade, fees",
    ),
    ("prepare-swap", "the quoter's offsets; `PreparedSwap` returned"),
    (
        "quote",
        "the trade priced: `quote_exact_in` / `quote_exact_out` (curve, depth pieces, fee)",
    ),
    (
        "book-swap",
        "print flow and protocol fee booked; the pool written back",
    ),
    (
        "transfers",
        "two token-program CPIs (p-token), signed by the pool",
    ),
    ("invariant", "the vaults re-read and the invariant checked"),
    ("event", "`Swapped` emitted (self-CPI)"),
    ("return", "after the event: return to the runtime"),
];

/// One swap's stage costs, from its transaction's logs.
pub fn stages(logs: &[String]) -> Result<BTreeMap<&'static str, u64>, String> {
    let homeostat = crate::logs::invocations(logs)
        .into_iter()
        .find(|invocation| invocation.program == homeostat::ID.to_string());
    let Some((Some(consumed), Some(budget))) =
        homeostat.map(|invocation| (invocation.units, invocation.budget))
    else {
        return Err("no Homeostat invocation with its units in the logs".into());
    };
    let mut points: Vec<(String, u64)> = Vec::new();
    let mut pending: Option<String> = None;
    for line in logs {
        if let Some(name) = line.strip_prefix("Program log: cu-trace ") {
            pending = Some(name.to_string());
        } else if let Some(rest) = line.strip_prefix("Program consumption: ") {
            let left = rest.split(' ').next().and_then(|n| n.parse::<u64>().ok());
            let (Some(name), Some(left)) = (pending.take(), left) else {
                return Err(format!(
                    "units without a cu-trace point before them: {line}"
                ));
            };
            points.push((name, left));
        }
    }
    let [(first, start), (second, after), rest @ ..] = points.as_slice() else {
        return Err("no cu-trace points: is the program a HOMEOSTAT_CU_TRACE build?".into());
    };
    if first != "trace-overhead" || second != STAGES[0].0 {
        return Err(format!("the trace starts {first}, {second}"));
    }
    let overhead = start - after;
    let mut costs = BTreeMap::new();
    costs.insert(STAGES[0].0, budget - start);
    let mut previous = *after;
    for (name, left) in rest {
        let stage = STAGES
            .iter()
            .find(|(stage, _)| stage == name)
            .ok_or_else(|| format!("an unknown stage {name}"))?;
        costs.insert(stage.0, (previous - left).saturating_sub(overhead));
        previous = *left;
    }
    let end = budget - consumed;
    costs.insert("return", (previous - end).saturating_sub(overhead));
    Ok(costs)
}

/// The breakdown table (markdown) of the swaps in [`COLUMNS`], p-token, on `program` (a
/// tracing build).
pub fn render(program: &[u8]) -> Result<String, String> {
    let glft = measure_logged(program, TokenProgram::PToken, ModelKind::Glft).1;
    let cp = measure_logged(program, TokenProgram::PToken, ModelKind::ConstantProduct).1;
    let mut columns = Vec::new();
    for (index, (row, _)) in COLUMNS.iter().enumerate() {
        let logs = if index == COLUMNS.len() - 1 {
            &cp
        } else {
            &glft
        };
        let (_, lines) = logs
            .iter()
            .find(|(measured, _)| measured == row)
            .ok_or_else(|| format!("no row {row}"))?;
        columns.push(stages(lines).map_err(|error| format!("{row}: {error}"))?);
    }
    let mut out = String::from("| stage | what it covers |");
    for (_, label) in COLUMNS {
        out.push_str(&format!(" {label} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---:|".repeat(COLUMNS.len()));
    for (stage, what) in STAGES {
        out.push_str(&format!("\n| {stage} | {what} |"));
        for column in &columns {
            out.push_str(&format!(
                " {} |",
                thousands(column.get(stage).copied().unwrap_or(0))
            ));
        }
    }
    out.push_str("\n| **total** (trace cost taken out) | |");
    for column in &columns {
        out.push_str(&format!(" **{}** |", thousands(column.values().sum())));
    }
    Ok(out)
}
