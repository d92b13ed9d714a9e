//! Transactions that land (feature `rpc`): what a busy cluster needs from a sender.
//!
//! 1. **Compute-unit limit from simulation.** The instructions are simulated first (the
//!    node's latest blockhash substituted, signatures not checked) with the largest
//!    limit; the limit sent is the units consumed plus a margin. A transaction the
//!    program would refuse fails here, with the program's named error, and is never sent.
//! 2. **A compute-unit price** (priority fee, micro-lamports per CU): a fixed value or a
//!    percentile of `getRecentPrioritizationFees` over the accounts the transaction
//!    writes, never above a cap.
//! 3. **Resend until the blockhash expires.** Signed once per blockhash, sent without the
//!    node's own retries, sent again every `resend_interval` while the statuses are polled;
//!    once the cluster's block height passes the blockhash's `lastValidBlockHeight` the
//!    transaction can no longer land, so it is re-signed with a fresh blockhash — never
//!    before, which is what makes a resend safe against executing twice.
//! 4. **Confirmed at the chosen commitment**, with errors that say what happened:
//!    [`SdkError::Expired`] (with what was tried and what to change), the program's error
//!    for a transaction that executed and failed, [`SdkError::is_rpc_failure`] for the node.
//!
//! Given address lookup tables, the transaction is a v0 one naming every account the
//! tables hold by a one-byte index instead of its 32 bytes — what a route of several
//! instructions needs to fit Solana's 1 232-byte packet. Without tables it is a legacy
//! transaction, which every node and wallet reads.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use serde_json::{json, Value};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_rpc_client::api::request::RpcRequest;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use crate::{Result, SdkError};

/// The most compute units a transaction may request.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// How the compute-unit price is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityFee {
    /// This many micro-lamports per compute unit.
    Fixed(u64),
    /// The given percentile (0–100) of the fees recent transactions writing the same
    /// accounts paid (`getRecentPrioritizationFees`), over the slots where one paid: a
    /// validator lists its 150 cached slots, 0 wherever nobody wrote the accounts, and
    /// those zeros would make any percentile of a quiet pool 0.
    Percentile(u8),
}

/// A priority fee that is neither micro-lamports per compute unit nor a percentile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPriorityFee {
    /// The text given.
    pub text: String,
}

impl std::fmt::Display for InvalidPriorityFee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "priority fee `{}`: expected micro-lamports per compute unit (e.g. 5000) or a \
             percentile of recent fees (p0 … p100, e.g. p75)",
            self.text
        )
    }
}

impl std::error::Error for InvalidPriorityFee {}

impl std::str::FromStr for PriorityFee {
    type Err = InvalidPriorityFee;

    /// `p75` (a percentile) or `5000` (micro-lamports per CU).
    fn from_str(text: &str) -> core::result::Result<Self, InvalidPriorityFee> {
        let invalid = || InvalidPriorityFee { text: text.into() };
        match text.strip_prefix('p') {
            Some(percentile) => match percentile.parse::<u8>() {
                Ok(percentile) if percentile <= 100 => Ok(Self::Percentile(percentile)),
                _ => Err(invalid()),
            },
            None => text.parse().map(Self::Fixed).map_err(|_| invalid()),
        }
    }
}

/// How the confirmation is awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commitment {
    /// Executed by the node's bank.
    Processed,
    /// Voted on by a supermajority.
    Confirmed,
    /// Rooted.
    Finalized,
}

impl Commitment {
    fn name(self) -> &'static str {
        match self {
            Self::Processed => "processed",
            Self::Confirmed => "confirmed",
            Self::Finalized => "finalized",
        }
    }

    /// Whether a status's `confirmationStatus` has reached this level.
    fn reached_by(self, status: &str) -> bool {
        let rank = |name: &str| match name {
            "processed" => 0,
            "confirmed" => 1,
            "finalized" => 2,
            _ => -1,
        };
        rank(status) >= rank(self.name())
    }
}

/// A commitment that is none of the three levels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidCommitment {
    /// The text given.
    pub text: String,
}

impl std::fmt::Display for InvalidCommitment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commitment `{}`: expected processed, confirmed or finalized",
            self.text
        )
    }
}

impl std::error::Error for InvalidCommitment {}

impl std::str::FromStr for Commitment {
    type Err = InvalidCommitment;

    fn from_str(text: &str) -> core::result::Result<Self, InvalidCommitment> {
        match text {
            "processed" => Ok(Self::Processed),
            "confirmed" => Ok(Self::Confirmed),
            "finalized" => Ok(Self::Finalized),
            other => Err(InvalidCommitment { text: other.into() }),
        }
    }
}

/// How transactions are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing {
    /// The compute-unit price.
    pub priority_fee: PriorityFee,
    /// The most micro-lamports per compute unit ever paid, whatever the fee policy says.
    pub max_priority_fee: u64,
    /// Extra compute units on top of the simulated ones, basis points of them.
    pub compute_margin_bps: u32,
    /// The level to wait for.
    pub commitment: Commitment,
    /// How often the statuses are polled.
    pub poll_interval: Duration,
    /// How often an unconfirmed transaction is sent again.
    pub resend_interval: Duration,
    /// How many blockhashes to try, each until it expires, before giving up.
    pub blockhashes: u32,
}

impl Default for Landing {
    /// The median recent fee, at most 1 000 000 micro-lamports per CU (0.08 SOL for an
    /// 80 000-CU swap — a cap against fee spikes, not a target); 20 % compute margin;
    /// confirmed; polled every 0.5 s, resent every 2 s; three blockhashes (about three
    /// minutes on mainnet).
    fn default() -> Self {
        Self {
            priority_fee: PriorityFee::Percentile(50),
            max_priority_fee: 1_000_000,
            compute_margin_bps: 2_000,
            commitment: Commitment::Confirmed,
            poll_interval: Duration::from_millis(500),
            resend_interval: Duration::from_secs(2),
            blockhashes: 3,
        }
    }
}

/// What a landed transaction was sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    /// Its signature (of the copy that landed).
    pub signature: String,
    /// Compute units the simulation consumed.
    pub simulated_units: u64,
    /// The compute-unit limit it requested.
    pub compute_unit_limit: u32,
    /// The compute-unit price it paid, micro-lamports per CU.
    pub compute_unit_price: u64,
    /// How many blockhashes it was signed with (1 unless one expired first).
    pub blockhashes: u32,
    /// How many times it was sent in all.
    pub sends: u32,
}

async fn call(rpc: &RpcClient, request: RpcRequest, params: Value) -> Result<Value> {
    rpc.send::<Value>(request, params)
        .await
        .map_err(|error| crate::rpc::node_error(&rpc.url(), &request.to_string(), error))
}

fn encode(transaction: &VersionedTransaction) -> Result<String> {
    let bytes = bincode::serialize(transaction).map_err(|error| SdkError::Build {
        step: "serialising the transaction",
        source: std::sync::Arc::new(error),
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The accounts `instructions` write: the ones recent fees are looked up for.
fn writable_accounts(instructions: &[Instruction]) -> Vec<Pubkey> {
    let mut accounts: Vec<Pubkey> = instructions
        .iter()
        .flat_map(|instruction| &instruction.accounts)
        .filter(|meta| meta.is_writable)
        .map(|meta| meta.pubkey)
        .collect();
    accounts.sort();
    accounts.dedup();
    // The node accepts at most 128 addresses.
    accounts.truncate(128);
    accounts
}

/// The `percentile` (nearest rank) of `fees`, 0 for none.
pub fn percentile(mut fees: Vec<u64>, percentile: u8) -> u64 {
    if fees.is_empty() {
        return 0;
    }
    fees.sort_unstable();
    let rank = (usize::from(percentile.min(100)) * fees.len()).div_ceil(100);
    fees[rank.saturating_sub(1)]
}

/// The compute-unit price `landing` asks for `instructions` now.
pub async fn compute_unit_price(
    rpc: &RpcClient,
    instructions: &[Instruction],
    landing: &Landing,
) -> Result<u64> {
    let price = match landing.priority_fee {
        PriorityFee::Fixed(price) => price,
        PriorityFee::Percentile(rank) => {
            let addresses: Vec<String> = writable_accounts(instructions)
                .iter()
                .map(Pubkey::to_string)
                .collect();
            let recent = call(
                rpc,
                RpcRequest::GetRecentPrioritizationFees,
                json!([addresses]),
            )
            .await?;
            let fees = recent
                .as_array()
                .ok_or(SdkError::Malformed {
                    method: "getRecentPrioritizationFees",
                    problem: "not a list",
                })?
                .iter()
                .filter_map(|entry| entry["prioritizationFee"].as_u64())
                .filter(|&fee| fee > 0)
                .collect();
            percentile(fees, rank)
        }
    };
    Ok(price.min(landing.max_priority_fee))
}

/// `instructions` behind the two compute-budget instructions.
fn budgeted(instructions: &[Instruction], limit: u32, price: u64) -> Vec<Instruction> {
    let mut all = vec![
        ComputeBudgetInstruction::set_compute_unit_limit(limit),
        ComputeBudgetInstruction::set_compute_unit_price(price),
    ];
    all.extend_from_slice(instructions);
    all
}

/// `instructions` paid by `payer` at `blockhash`: a v0 message over `lookup_tables` when
/// there are any, else a legacy one.
fn compile(
    payer: &Pubkey,
    instructions: &[Instruction],
    lookup_tables: &[AddressLookupTableAccount],
    blockhash: solana_message::Hash,
) -> Result<VersionedMessage> {
    if lookup_tables.is_empty() {
        return Ok(VersionedMessage::Legacy(Message::new_with_blockhash(
            instructions,
            Some(payer),
            &blockhash,
        )));
    }
    v0::Message::try_compile(payer, instructions, lookup_tables, blockhash)
        .map(VersionedMessage::V0)
        .map_err(|error| SdkError::Build {
            step: "compiling the v0 message",
            source: std::sync::Arc::new(error),
        })
}

/// Simulates `transaction` at the node's latest blockhash; the units consumed, or the
/// program's error (named from its logs) if it would fail.
async fn simulate(rpc: &RpcClient, transaction: &VersionedTransaction) -> Result<u64> {
    let simulated = call(
        rpc,
        RpcRequest::SimulateTransaction,
        json!([
            encode(transaction)?,
            {
                "encoding": "base64",
                "sigVerify": false,
                "replaceRecentBlockhash": true,
                "commitment": "processed",
            }
        ]),
    )
    .await?;
    let value = &simulated["value"];
    if !value["err"].is_null() {
        let logs: Vec<String> = value["logs"]
            .as_array()
            .map(|logs| {
                logs.iter()
                    .filter_map(|line| line.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        return Err(SdkError::from_program_logs(&logs)
            .or_else(|| custom_code(&value["err"]).map(SdkError::from_code))
            .unwrap_or_else(|| SdkError::Failed {
                what: "the simulation".into(),
                // The program's own last words, when it left any, say why.
                error: match logs.len() {
                    0 => value["err"].to_string(),
                    n => format!(
                        "{}; its logs end: {}",
                        value["err"],
                        logs[n.saturating_sub(3)..].join(" | ")
                    ),
                },
            }));
    }
    value["unitsConsumed"].as_u64().ok_or(SdkError::Malformed {
        method: "simulateTransaction",
        problem: "no unitsConsumed",
    })
}

/// The custom error code of `{"InstructionError":[i,{"Custom":n}]}`.
fn custom_code(error: &Value) -> Option<u32> {
    error["InstructionError"][1]["Custom"]
        .as_u64()
        .and_then(|code| u32::try_from(code).ok())
}

/// The status of `signature`: `None` until the node has it, then its error (null when it
/// succeeded) and confirmation level.
async fn status(rpc: &RpcClient, signature: &str) -> Result<Option<(Value, String)>> {
    let statuses = call(
        rpc,
        RpcRequest::GetSignatureStatuses,
        json!([[signature], { "searchTransactionHistory": false }]),
    )
    .await?;
    let status = &statuses["value"][0];
    if status.is_null() {
        return Ok(None);
    }
    let level = status["confirmationStatus"]
        .as_str()
        .unwrap_or("processed")
        .to_string();
    Ok(Some((status["err"].clone(), level)))
}

/// Simulates, prices, signs, sends, resends and confirms `instructions` (see the module
/// documentation) — a v0 transaction over `lookup_tables` if any are given; the first
/// signer pays.
pub async fn send_and_confirm(
    rpc: &RpcClient,
    instructions: &[Instruction],
    signers: &[&dyn Signer],
    lookup_tables: &[AddressLookupTableAccount],
    landing: &Landing,
) -> Result<Landed> {
    let payer = signers.first().ok_or(SdkError::NoPayer)?.pubkey();
    let price = compute_unit_price(rpc, instructions, landing).await?;
    let (simulated_units, limit) =
        compute_unit_limit(rpc, &payer, instructions, lookup_tables, landing, price).await?;
    let sender = Sender {
        rpc,
        payer,
        instructions: budgeted(instructions, limit, price),
        signers,
        lookup_tables,
        landing,
    };
    let mut sends = 0;
    for attempt in 1..=landing.blockhashes.max(1) {
        let signed = sender.sign_at_fresh_blockhash().await?;
        if let Some(signature) = sender.send_until_expired(&signed, &mut sends).await? {
            return Ok(Landed {
                signature,
                simulated_units,
                compute_unit_limit: limit,
                compute_unit_price: price,
                blockhashes: attempt,
                sends,
            });
        }
    }
    Err(SdkError::Expired {
        blockhashes: landing.blockhashes.max(1),
        sends,
        compute_unit_price: price,
    })
}

/// The units `instructions` consume in a simulation, and the limit to request: those
/// units plus the margin, within the most a transaction may ask.
async fn compute_unit_limit(
    rpc: &RpcClient,
    payer: &Pubkey,
    instructions: &[Instruction],
    lookup_tables: &[AddressLookupTableAccount],
    landing: &Landing,
    price: u64,
) -> Result<(u64, u32)> {
    // Unsigned: the node substitutes its blockhash and skips the signatures.
    let message = compile(
        payer,
        &budgeted(instructions, MAX_COMPUTE_UNIT_LIMIT, price),
        lookup_tables,
        Default::default(),
    )?;
    let probe = VersionedTransaction {
        signatures: vec![Default::default(); usize::from(message.header().num_required_signatures)],
        message,
    };
    let simulated_units = simulate(rpc, &probe).await?;
    let margin = simulated_units.saturating_mul(u64::from(landing.compute_margin_bps)) / 10_000;
    let limit = u32::try_from(simulated_units.saturating_add(margin))
        .unwrap_or(u32::MAX)
        .min(MAX_COMPUTE_UNIT_LIMIT);
    Ok((simulated_units, limit))
}

/// A transaction signed at one blockhash: its encoding, signature and the last block
/// height it can land at.
struct Signed {
    encoded: String,
    signature: String,
    last_valid: u64,
}

/// What [`send_and_confirm`] sends, and where, once its budget is set.
struct Sender<'a> {
    rpc: &'a RpcClient,
    payer: Pubkey,
    instructions: Vec<Instruction>,
    signers: &'a [&'a dyn Signer],
    lookup_tables: &'a [AddressLookupTableAccount],
    landing: &'a Landing,
}

impl Sender<'_> {
    async fn call(&self, request: RpcRequest, params: Value) -> Result<Value> {
        call(self.rpc, request, params).await
    }

    /// The transaction signed at the latest blockhash. One identical to a transaction
    /// already executed — same instructions, signers and blockhash — is that transaction
    /// (the cluster deduplicates it): wait for the next blockhash rather than report the
    /// earlier one's outcome as this one's.
    async fn sign_at_fresh_blockhash(&self) -> Result<Signed> {
        let commitment = json!([{ "commitment": self.landing.commitment.name() }]);
        loop {
            let latest = self
                .call(RpcRequest::GetLatestBlockhash, commitment.clone())
                .await?;
            let value = &latest["value"];
            let blockhash = value["blockhash"]
                .as_str()
                .and_then(|text| text.parse().ok())
                .ok_or(SdkError::Malformed {
                    method: "getLatestBlockhash",
                    problem: "no blockhash",
                })?;
            let last_valid = value["lastValidBlockHeight"]
                .as_u64()
                .ok_or(SdkError::Malformed {
                    method: "getLatestBlockhash",
                    problem: "no lastValidBlockHeight",
                })?;
            let message = compile(
                &self.payer,
                &self.instructions,
                self.lookup_tables,
                blockhash,
            )?;
            let transaction =
                VersionedTransaction::try_new(message, self.signers).map_err(|error| {
                    SdkError::Build {
                        step: "signing",
                        source: std::sync::Arc::new(error),
                    }
                })?;
            let signature = transaction.signatures[0].to_string();
            if status(self.rpc, &signature).await?.is_none() {
                return Ok(Signed {
                    encoded: encode(&transaction)?,
                    signature,
                    last_valid,
                });
            }
            tokio::time::sleep(self.landing.poll_interval).await;
        }
    }

    /// Sends `signed` every `resend_interval` until it reaches the commitment (its
    /// signature) or its blockhash expires (`None`: it can never land); `sends` counts.
    async fn send_until_expired(&self, signed: &Signed, sends: &mut u32) -> Result<Option<String>> {
        let landing = self.landing;
        let mut last_send: Option<tokio::time::Instant> = None;
        loop {
            if last_send.is_none_or(|sent| sent.elapsed() >= landing.resend_interval) {
                // Preflight was the simulation; the node's own retries would outlive our
                // view of the blockhash.
                self.call(
                    RpcRequest::SendTransaction,
                    json!([signed.encoded, { "encoding": "base64", "skipPreflight": true, "maxRetries": 0 }]),
                )
                .await?;
                *sends += 1;
                last_send = Some(tokio::time::Instant::now());
            }
            if let Some((error, level)) = status(self.rpc, &signed.signature).await? {
                if !error.is_null() {
                    return Err(custom_code(&error).map_or_else(
                        || SdkError::Failed {
                            what: format!("transaction {}", signed.signature),
                            error: error.to_string(),
                        },
                        SdkError::from_code,
                    ));
                }
                if landing.commitment.reached_by(&level) {
                    return Ok(Some(signed.signature.clone()));
                }
                // Executed, not yet at the level: wait, do not resend.
                last_send = Some(tokio::time::Instant::now());
                tokio::time::sleep(landing.poll_interval).await;
                continue;
            }
            let height = self
                .call(
                    RpcRequest::GetBlockHeight,
                    json!([{ "commitment": landing.commitment.name() }]),
                )
                .await?;
            if height
                .as_u64()
                .is_some_and(|height| height > signed.last_valid)
            {
                // The blockhash has expired: this copy can never land. One last look, for
                // a status that arrived with the last block.
                if status(self.rpc, &signed.signature).await?.is_some() {
                    continue;
                }
                return Ok(None);
            }
            tokio::time::sleep(landing.poll_interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let fees = vec![50, 10, 40, 20, 30];
        assert_eq!(percentile(fees.clone(), 0), 10);
        assert_eq!(percentile(fees.clone(), 20), 10);
        assert_eq!(percentile(fees.clone(), 21), 20);
        assert_eq!(percentile(fees.clone(), 50), 30);
        assert_eq!(percentile(fees.clone(), 100), 50);
        assert_eq!(percentile(Vec::new(), 75), 0);
    }

    #[test]
    fn fees_and_commitments_parse_with_named_errors() {
        assert_eq!("p75".parse(), Ok(PriorityFee::Percentile(75)));
        assert_eq!("5000".parse(), Ok(PriorityFee::Fixed(5_000)));
        for bad in ["p101", "px", "-1", "fast"] {
            let error = bad.parse::<PriorityFee>().expect_err(bad).to_string();
            assert!(
                error.starts_with(&format!("priority fee `{bad}`")),
                "{error}"
            );
        }
        assert_eq!("finalized".parse(), Ok(Commitment::Finalized));
        assert_eq!(
            "final"
                .parse::<Commitment>()
                .map_err(|error| error.to_string()),
            Err("commitment `final`: expected processed, confirmed or finalized".into())
        );
        assert!(Commitment::Confirmed.reached_by("finalized"));
        assert!(Commitment::Confirmed.reached_by("confirmed"));
        assert!(!Commitment::Confirmed.reached_by("processed"));
    }

    #[test]
    fn only_written_accounts_count_for_fees() {
        use anchor_lang::solana_program::instruction::AccountMeta;
        let (written, read) = (Pubkey::new_unique(), Pubkey::new_unique());
        let instruction = Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![
                AccountMeta::new(written, false),
                AccountMeta::new_readonly(read, false),
                AccountMeta::new(written, true),
            ],
            data: vec![],
        };
        assert_eq!(writable_accounts(&[instruction]), vec![written]);
    }
}
