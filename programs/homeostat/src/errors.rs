//! Program errors. Append-only: codes are part of the interface.

use anchor_lang::prelude::*;
use homeostat_math::{MathError, MathErrorKind};

#[error_code]
pub enum HomeostatError {
    /// 6000 (0x1770)
    #[msg("Arithmetic overflow")]
    MathOverflow,
    /// 6001 (0x1771)
    #[msg("Division by zero")]
    DivisionByZero,
    /// 6002 (0x1772)
    #[msg("Input outside the math domain")]
    OutOfDomain,
    /// 6003 (0x1773)
    #[msg("Parameter outside its documented bounds")]
    InvalidParameter,
    /// 6004 (0x1774)
    #[msg("Price is zero or negative")]
    NonPositivePrice,
    /// 6005 (0x1775)
    #[msg("Trade would drive the quote to zero or below")]
    QuoteNotPositive,
    /// 6006 (0x1776)
    #[msg("Trade would exceed the inventory cap")]
    InventoryCapExceeded,
    /// 6007 (0x1777)
    #[msg("Trade exceeds the maximum trade size")]
    TradeTooLarge,
    /// 6008 (0x1778)
    #[msg("Pool holds too little of the output token")]
    InsufficientLiquidity,
    /// 6009 (0x1779)
    #[msg("Amount is zero or the trade rounds to nothing")]
    ZeroAmount,
    /// 6010 (0x177a)
    #[msg("Pool is paused")]
    PoolPaused,
    /// 6011 (0x177b)
    #[msg("Oracle price is older than the pool's maximum age")]
    StaleOracle,
    /// 6012 (0x177c)
    #[msg("Oracle confidence interval is wider than the pool allows")]
    OracleConfidenceTooWide,
    /// 6013 (0x177d)
    #[msg("Oracle account is for a different price feed")]
    WrongOracleFeed,
    /// 6014 (0x177e)
    #[msg("Oracle account is not owned by the Pyth receiver program")]
    WrongOracleOwner,
    /// 6015 (0x177f)
    #[msg("Oracle price update is not fully verified")]
    OracleNotFullyVerified,
    /// 6016 (0x1780)
    #[msg("Oracle account is not a PriceUpdateV2 account")]
    InvalidOracleAccount,
    /// 6017 (0x1781)
    #[msg("Slippage limit exceeded")]
    SlippageExceeded,
    /// 6018 (0x1782)
    #[msg("Signer is not the authority for this action")]
    Unauthorized,
    /// 6019 (0x1783)
    #[msg("No admin transfer is pending for this signer")]
    NoPendingAdmin,
    /// 6020 (0x1784)
    #[msg("Mint has an extension the pool cannot handle (transfer fee, transfer hook, ...)")]
    UnsupportedMintExtension,
    /// 6021 (0x1785)
    #[msg("Base and quote mints must differ")]
    IdenticalMints,
    /// 6022 (0x1786)
    #[msg("Deposit would mint no shares")]
    ZeroShares,
    /// 6023 (0x1787)
    #[msg("Pool accounting does not match its vaults")]
    InvariantViolated,
    /// 6024 (0x1788)
    #[msg("Oracle price is non-positive")]
    NonPositiveOraclePrice,
    /// 6025 (0x1789)
    #[msg("Net delta is within the rebalance band")]
    WithinBand,
    /// 6026 (0x178a)
    #[msg("Too soon since the last rebalance request")]
    RebalanceTooSoon,
    /// 6027 (0x178b)
    #[msg("The previous rebalance request has no recorded hedge yet")]
    RebalancePending,
    /// 6028 (0x178c)
    #[msg("Sequence number is not the pending rebalance request")]
    UnknownSequence,
    /// 6029 (0x178d)
    #[msg("Hedge position would exceed the pool's maximum")]
    HedgeTooLarge,
    /// 6030 (0x178e)
    #[msg(
        "Oracle print is older than the newest one the pool has used: pass a fresher price update"
    )]
    OracleOlderThanLastUsed,
    /// 6031 (0x178f)
    #[msg("Oracle print is published in the future beyond the tolerance")]
    OracleFromFuture,
    /// 6032 (0x1790)
    #[msg("Oracle price diverges from its EMA beyond the pool's bound")]
    OracleDivergesFromEma,
    /// 6033 (0x1791)
    #[msg("Quote oracle mismatch: a two-feed pool needs its quote/USD price update as quote_oracle; a single-feed pool takes none")]
    QuoteOracleMismatch,
    /// 6034 (0x1792)
    #[msg("The signer's token account holds less than the instruction moves out of it (tokens to pay, or LP shares to burn)")]
    InsufficientFunds,
    /// 6035 (0x1793)
    #[msg("Hedge fill price is more than 10 % from the request's oracle price")]
    HedgePriceImplausible,
    /// 6036 (0x1794)
    #[msg("This pool takes deposits from its admin only (lp_access = operator)")]
    DepositsRestricted,
    /// 6037 (0x1795)
    #[msg("Retarget outside its bounds: a positive target within 10% of the current one, after the first deposit")]
    RetargetOutOfBounds,
    /// 6038 (0x1796)
    #[msg("Retargeted less than an hour ago")]
    RetargetTooSoon,
    /// 6039 (0x1797)
    #[msg("Only the pool's admin makes the first deposit, and the first after the pool was emptied: it fixes the depth the skew and the cap are stated at")]
    FirstDepositByAdmin,
    /// 6040 (0x1798)
    #[msg("The pool holds no liquidity but its locked shares: no swaps until its admin deposits again")]
    PoolEmpty,
    /// 6041 (0x1799)
    #[msg("Only the pool's admin withdraws from an operator pool (its quotes credit the admin's hedge)")]
    WithdrawalsRestricted,
    /// 6042 (0x179a)
    #[msg(
        "An account was passed in two roles (the program log names them): pass each account once"
    )]
    AccountAliased,
    /// 6043 (0x179b)
    #[msg("The recorded hedge is larger than the request, or of the opposite sign")]
    HedgeExceedsRequest,
    /// 6044 (0x179c)
    #[msg("Retarget beyond the cap: the target stays within inventory_cap of the one the first deposit set")]
    RetargetBeyondCap,
    /// 6045 (0x179d)
    #[msg("The pending change is not due yet: it applies from the time its ChangeProposed event gives")]
    ChangeNotDue,
    /// 6046 (0x179e)
    #[msg("No change is pending")]
    NoPendingChange,
    /// 6047 (0x179f)
    #[msg("The oracle account is owned by the legacy Pyth receiver, which this pool's config no longer accepts: post the update through the current receiver (rec2HHDDnjLfj4kE7VyEtFA1HPGQLK33259532cRyHp)")]
    LegacyReceiverRetired,
    /// 6048 (0x17a0)
    #[msg("The quote's sequence number is not above the last one the pool accepted: every push needs a new, higher sequence (a restarted quoter must resume from its journal)")]
    QuoteSequenceNotIncreasing,
    /// 6049 (0x17a1)
    #[msg("The quote's valid_until slot has already passed: push with a later slot")]
    QuoteExpired,
    /// 6050 (0x17a2)
    #[msg("The pool refuses swaps without a usable quoter price (none pushed, expired, or outside quote_band_bps of Pyth) and its quote_fallback is 1 (refuse): wait for the quoter's next update")]
    QuoteUnavailable,
    /// 6051 (0x17a3)
    #[msg("The Pyth Pro update is not the one an ed25519 instruction earlier in this transaction verified: put the ed25519 precompile instruction first, its offsets pointing at the message inside this instruction (homeostat_sdk::instructions::post_pro_price builds both)")]
    ProUpdateNotVerified,
    /// 6052 (0x17a4)
    #[msg("The Pyth Pro update's signer is not a trusted signer of the Pyth Pro storage account, or its trust has expired: fetch a fresh update from Pyth Pro")]
    ProSignerNotTrusted,
    /// 6053 (0x17a5)
    #[msg("The Pyth Pro update is malformed, or lacks the price, exponent or confidence (or best bid and ask) of the pool's feed: subscribe with the properties price, exponent and confidence in the Solana format")]
    InvalidProUpdate,
    /// 6054 (0x17a6)
    #[msg("The pool has no Pyth Pro feed: its admin names one with set_pro_feeds")]
    ProFeedNotSet,
}

impl HomeostatError {
    /// The program error a math failure is reported as (one variant per kind).
    pub fn from_math(kind: MathErrorKind) -> Self {
        match kind {
            MathErrorKind::Overflow => HomeostatError::MathOverflow,
            MathErrorKind::DivisionByZero => HomeostatError::DivisionByZero,
            MathErrorKind::OutOfDomain => HomeostatError::OutOfDomain,
            MathErrorKind::InvalidParameter => HomeostatError::InvalidParameter,
            MathErrorKind::NonPositivePrice => HomeostatError::NonPositivePrice,
            MathErrorKind::QuoteNotPositive => HomeostatError::QuoteNotPositive,
            MathErrorKind::InventoryCapExceeded => HomeostatError::InventoryCapExceeded,
            MathErrorKind::TradeTooLarge => HomeostatError::TradeTooLarge,
            MathErrorKind::InsufficientLiquidity => HomeostatError::InsufficientLiquidity,
            MathErrorKind::ZeroAmount => HomeostatError::ZeroAmount,
            MathErrorKind::ZeroShares => HomeostatError::ZeroShares,
        }
    }

    /// Every error, in code order (`ALL[i]` has code 6000 + i).
    pub const ALL: [Self; 55] = [
        Self::MathOverflow,
        Self::DivisionByZero,
        Self::OutOfDomain,
        Self::InvalidParameter,
        Self::NonPositivePrice,
        Self::QuoteNotPositive,
        Self::InventoryCapExceeded,
        Self::TradeTooLarge,
        Self::InsufficientLiquidity,
        Self::ZeroAmount,
        Self::PoolPaused,
        Self::StaleOracle,
        Self::OracleConfidenceTooWide,
        Self::WrongOracleFeed,
        Self::WrongOracleOwner,
        Self::OracleNotFullyVerified,
        Self::InvalidOracleAccount,
        Self::SlippageExceeded,
        Self::Unauthorized,
        Self::NoPendingAdmin,
        Self::UnsupportedMintExtension,
        Self::IdenticalMints,
        Self::ZeroShares,
        Self::InvariantViolated,
        Self::NonPositiveOraclePrice,
        Self::WithinBand,
        Self::RebalanceTooSoon,
        Self::RebalancePending,
        Self::UnknownSequence,
        Self::HedgeTooLarge,
        Self::OracleOlderThanLastUsed,
        Self::OracleFromFuture,
        Self::OracleDivergesFromEma,
        Self::QuoteOracleMismatch,
        Self::InsufficientFunds,
        Self::HedgePriceImplausible,
        Self::DepositsRestricted,
        Self::RetargetOutOfBounds,
        Self::RetargetTooSoon,
        Self::FirstDepositByAdmin,
        Self::PoolEmpty,
        Self::WithdrawalsRestricted,
        Self::AccountAliased,
        Self::HedgeExceedsRequest,
        Self::RetargetBeyondCap,
        Self::ChangeNotDue,
        Self::NoPendingChange,
        Self::LegacyReceiverRetired,
        Self::QuoteSequenceNotIncreasing,
        Self::QuoteExpired,
        Self::QuoteUnavailable,
        Self::ProUpdateNotVerified,
        Self::ProSignerNotTrusted,
        Self::InvalidProUpdate,
        Self::ProFeedNotSet,
    ];

    /// The error with this code, for clients decoding a failed transaction.
    pub fn from_code(code: u32) -> Option<Self> {
        let index = usize::try_from(code.checked_sub(ERROR_CODE_OFFSET)?).ok()?;
        Self::ALL.get(index).copied()
    }

    /// Whether the error means "the oracle is not usable now" (stale, too wide, wrong
    /// feed or account, unverified, non-positive): trading resumes with a good price.
    pub fn is_oracle(self) -> bool {
        matches!(
            self,
            Self::StaleOracle
                | Self::OracleConfidenceTooWide
                | Self::WrongOracleFeed
                | Self::WrongOracleOwner
                | Self::LegacyReceiverRetired
                | Self::OracleNotFullyVerified
                | Self::InvalidOracleAccount
                | Self::NonPositiveOraclePrice
                | Self::OracleOlderThanLastUsed
                | Self::OracleFromFuture
                | Self::OracleDivergesFromEma
        )
    }
}

/// Converts a math error into the program error of the same kind, logging where in the
/// math it failed (file:line) so a failed transaction explains itself.
pub fn math_error(error: MathError) -> anchor_lang::error::Error {
    msg!("homeostat-math: {}", error);
    HomeostatError::from_math(error.kind).into()
}

/// `.math()?` on a math result: the program error of the same kind, with its location logged.
pub trait MathResultExt<T> {
    /// Converts the error side.
    fn math(self) -> Result<T>;
}

impl<T> MathResultExt<T> for core::result::Result<T, MathError> {
    fn math(self) -> Result<T> {
        self.map_err(math_error)
    }
}
