//! Transaction logs as a validator writes them, from what the native runtime leaves.

/// A transaction's log as a validator writes it: the native harness's extra lines gone
/// ([`normalise_logs`]) and the Homeostat program's error line restored
/// ([`with_error_lines`]).
pub(super) fn validator_logs(logs: &[String]) -> Vec<String> {
    with_error_lines(normalise_logs(logs))
}

/// `logs` with the line Anchor's clients read a program error from
/// (`AnchorError.parse`, the SDK's `SdkError::from_program_logs`) before each
/// `Program <homeostat> failed: custom program error: 0x…` of one of the program's own
/// errors. On a cluster the program logs it itself; natively its `msg!` goes to the
/// process's standard output instead, so the endpoint writes it from the error number
/// and the program's error table — as `AnchorError occurred.`, the form without a source
/// location (a validator's line also names the file and line that raised it).
fn with_error_lines(logs: Vec<String>) -> Vec<String> {
    let failure = format!("Program {} failed: custom program error: 0x", homeostat::ID);
    let mut restored = Vec::with_capacity(logs.len() + 1);
    for line in logs {
        let error = line
            .strip_prefix(&failure)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(homeostat::errors::HomeostatError::from_code);
        let logged = restored
            .iter()
            .any(|earlier: &String| earlier.starts_with("Program log: AnchorError"));
        if let (Some(error), false) = (error, logged) {
            restored.push(format!(
                "Program log: AnchorError occurred. Error Code: {}. Error Number: {}. Error Message: {}.",
                error.name(),
                u32::from(error),
                error
            ));
        }
        restored.push(line);
    }
    restored
}

/// A program running natively in `solana-program-test` leaves two kinds of extra lines:
/// its own invocation is announced twice (by the runtime and by the test harness's native
/// entry), and each of its CPIs once
/// more at the caller's depth (by the harness's CPI stub) before the runtime's line; each
/// extra `invoke` brings an extra `success`. A real invocation is always one level deeper
/// than the current one, and a `success` or `failed` closes the invocation on top: the
/// lines that do neither are the extra ones. (Without this, every `invoke`/`success` is
/// doubled and Anchor's `EventParser` loses track of the stack.)
fn normalise_logs(logs: &[String]) -> Vec<String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut kept = Vec::with_capacity(logs.len());
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            kept.push(line.clone());
            continue;
        };
        let (program, event) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some(depth) = event
            .strip_prefix("invoke [")
            .and_then(|depth| depth.strip_suffix(']'))
            .and_then(|depth| depth.parse::<usize>().ok())
        {
            if depth == stack.len() + 1 {
                stack.push(program);
                kept.push(line.clone());
            }
        } else if event == "success" || event.starts_with("failed") {
            if stack.last() == Some(&program) {
                stack.pop();
                kept.push(line.clone());
            }
        } else {
            kept.push(line.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::{normalise_logs, with_error_lines};

    fn lines(text: &str) -> Vec<String> {
        text.lines()
            .map(|line| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect()
    }

    #[test]
    fn the_native_harness_extra_log_lines_are_removed() {
        // A swap as the native runtime logs it: two token CPIs and the event self-CPI.
        let native = lines(
            "Program C invoke [1]
             Program C success
             Program H invoke [1]
             Program H invoke [1]
             Program T invoke [1]
             Program T invoke [2]
             Program log: Instruction: TransferChecked
             Program T consumed 6174 of 17809 compute units
             Program T success
             Program T success
             Program H invoke [1]
             Program H invoke [2]
             Program H invoke [2]
             Program H success
             Program H success
             Program H success
             Program H success
             Program H success",
        );
        let validator = lines(
            "Program C invoke [1]
             Program C success
             Program H invoke [1]
             Program T invoke [2]
             Program log: Instruction: TransferChecked
             Program T consumed 6174 of 17809 compute units
             Program T success
             Program H invoke [2]
             Program H success
             Program H success",
        );
        assert_eq!(normalise_logs(&native), validator);
        // A validator's log is left as it is.
        assert_eq!(normalise_logs(&validator), validator);
    }

    #[test]
    fn the_program_s_own_errors_get_anchor_s_line_back() {
        let program = homeostat::ID;
        let logs = lines(&format!(
            "Program {program} invoke [1]
             Program {program} failed: custom program error: 0x1781"
        ));
        assert_eq!(
            with_error_lines(logs.clone()),
            lines(&format!(
                "Program {program} invoke [1]
                 Program log: AnchorError occurred. Error Code: SlippageExceeded. Error Number: 6017. Error Message: {}.
                 Program {program} failed: custom program error: 0x1781",
                homeostat::errors::HomeostatError::SlippageExceeded
            ))
        );
        // Once only, and never for another program's code or another program.
        let restored = with_error_lines(logs);
        assert_eq!(with_error_lines(restored.clone()), restored);
        for foreign in [
            format!("Program {program} failed: custom program error: 0x1"),
            "Program T failed: custom program error: 0x1781".to_string(),
        ] {
            assert_eq!(with_error_lines(vec![foreign.clone()]), vec![foreign]);
        }
    }

    #[test]
    fn a_failure_closes_its_invocation_once() {
        let native = lines(
            "Program H invoke [1]
             Program H invoke [1]
             Program H failed: custom program error: 0x1781
             Program H failed: custom program error: 0x1781",
        );
        assert_eq!(
            normalise_logs(&native),
            lines(
                "Program H invoke [1]
                 Program H failed: custom program error: 0x1781"
            )
        );
    }
}
