//! What a transaction's logs and inner instructions say: the tree of program invocations
//! with the units each consumed, and Homeostat's `emit_cpi!` events.

use anchor_lang::prelude::Pubkey;

/// One program invocation and the ones it made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The program's address (base58).
    pub program: String,
    /// The units it consumed, its invocations' included (`None`: a builtin, which logs none).
    pub units: Option<u64>,
    /// The units it had when it started (the `of N` of its `consumed` line).
    pub budget: Option<u64>,
    /// The invocations it made, in order.
    pub children: Vec<Invocation>,
}

impl Invocation {
    /// The units its direct invocations consumed together.
    pub fn children_units(&self) -> u64 {
        self.children.iter().filter_map(|child| child.units).sum()
    }

    /// The units its direct invocations of `program` consumed together.
    pub fn units_of(&self, program: &str) -> u64 {
        self.children
            .iter()
            .filter(|child| child.program == program)
            .filter_map(|child| child.units)
            .sum()
    }
}

/// The top-level invocations a transaction's logs record, each with its invocations.
/// An invocation counts once it logged its end (`success` or `failed`).
pub fn invocations(logs: &[String]) -> Vec<Invocation> {
    let mut roots = Vec::new();
    let mut stack: Vec<Invocation> = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        let mut words = rest.split(' ');
        let (Some(program), Some(verb)) = (words.next(), words.next()) else {
            continue;
        };
        match verb {
            "invoke" => stack.push(Invocation {
                program: program.to_string(),
                units: None,
                budget: None,
                children: Vec::new(),
            }),
            "consumed" => {
                if let Some(top) = stack.last_mut().filter(|top| top.program == program) {
                    top.units = words.next().and_then(|units| units.parse().ok());
                    // `consumed <units> of <budget> compute units`.
                    top.budget = words.nth(1).and_then(|budget| budget.parse().ok());
                }
            }
            "success" | "failed:" if stack.last().is_some_and(|top| top.program == program) => {
                let done = stack.pop().expect("checked above");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => roots.push(done),
                }
            }
            _ => {}
        }
    }
    roots
}

/// The payloads of Homeostat's `emit_cpi!` events among a transaction's inner
/// instructions, given as (program index into `keys`, data), in order: self-invocations
/// whose data starts with Anchor's event tag (the tag removed).
pub fn events<'a>(
    keys: &[Pubkey],
    inner: impl IntoIterator<Item = (u8, &'a [u8])>,
) -> Vec<Vec<u8>> {
    let tag = anchor_lang::event::EVENT_IX_TAG_LE;
    inner
        .into_iter()
        .filter(|(program, data)| {
            keys[usize::from(*program)] == homeostat::ID && data.starts_with(tag)
        })
        .map(|(_, data)| data[tag.len()..].to_vec())
        .collect()
}

/// [`events`] of LiteSVM's inner-instruction list.
pub fn events_of(
    keys: &[Pubkey],
    inner: &[Vec<solana_message::inner_instruction::InnerInstruction>],
) -> Vec<Vec<u8>> {
    events(
        keys,
        inner.iter().flatten().map(|entry| {
            (
                entry.instruction.program_id_index,
                entry.instruction.data.as_slice(),
            )
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn the_invocation_tree_carries_each_program_s_units() {
        let logs = lines(
            "Program ComputeBudget111111111111111111111111111111 invoke [1]\n\
             Program ComputeBudget111111111111111111111111111111 success\n\
             Program H1 invoke [1]\n\
             Program log: Instruction: SwapExactIn\n\
             Program T1 invoke [2]\n\
             Program T1 consumed 4645 of 1370000 compute units\n\
             Program T1 success\n\
             Program T1 invoke [2]\n\
             Program T1 consumed 4646 of 1360000 compute units\n\
             Program T1 success\n\
             Program H1 invoke [2]\n\
             Program H1 consumed 495 of 1350000 compute units\n\
             Program H1 success\n\
             Program H1 consumed 32945 of 1399850 compute units\n\
             Program H1 success",
        );
        let roots = invocations(&logs);
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].units, None);
        let swap = &roots[1];
        assert_eq!((swap.program.as_str(), swap.units), ("H1", Some(32_945)));
        assert_eq!(swap.children.len(), 3);
        assert_eq!(swap.units_of("T1"), 9_291);
        assert_eq!(swap.units_of("H1"), 495);
        assert_eq!(swap.children_units(), 9_786);
    }

    #[test]
    fn an_unfinished_or_failed_invocation_is_kept_only_once_it_ends() {
        let logs = lines(
            "Program H1 invoke [1]\n\
             Program H1 consumed 100 of 200 compute units\n\
             Program H1 failed: custom program error: 0x1770\n\
             Program H2 invoke [1]",
        );
        let roots = invocations(&logs);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].units, Some(100));
    }

    #[test]
    fn only_homeostat_s_tagged_self_invocations_are_events() {
        let keys = [Pubkey::new_unique(), homeostat::ID];
        let tag = anchor_lang::event::EVENT_IX_TAG_LE;
        let event = [tag, &[7, 8][..]].concat();
        let untagged = [1u8, 2, 3];
        let inner: Vec<(u8, &[u8])> = vec![(0, &event), (1, &untagged), (1, &event)];
        assert_eq!(events(&keys, inner), vec![vec![7, 8]]);
    }
}
