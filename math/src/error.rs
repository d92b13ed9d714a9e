//! Typed errors. Every error records the source location of the operation that failed,
//! so a failed swap's log says *where* the arithmetic broke, not just that it did.

use core::fmt;
use core::panic::Location;

/// What went wrong.
///
/// Variants are append-only: the program maps them to stable error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MathErrorKind {
    /// A result does not fit its type.
    Overflow = 0,
    /// Division by zero.
    DivisionByZero = 1,
    /// The operation is undefined for this input (e.g. `sqrt` of a negative, `ln` of 0).
    OutOfDomain = 2,
    /// A model parameter lies outside its documented bounds.
    InvalidParameter = 3,
    /// The oracle price is zero or negative.
    NonPositivePrice = 4,
    /// The trade would move the quote along the inventory path to zero or below.
    QuoteNotPositive = 5,
    /// The trade would push `|inventory|` beyond the pool's cap.
    InventoryCapExceeded = 6,
    /// The trade is larger than the pool's maximum trade size.
    TradeTooLarge = 7,
    /// The pool does not hold enough of the output token.
    InsufficientLiquidity = 8,
    /// A zero amount was given, or the trade rounds to zero output.
    ZeroAmount = 9,
    /// A deposit would mint no LP shares.
    ZeroShares = 10,
}

impl MathErrorKind {
    /// A short human-readable description.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Overflow => "arithmetic overflow",
            Self::DivisionByZero => "division by zero",
            Self::OutOfDomain => "input outside the function's domain",
            Self::InvalidParameter => "model parameter outside its documented bounds",
            Self::NonPositivePrice => "price is zero or negative",
            Self::QuoteNotPositive => "trade would drive the quote to zero or below",
            Self::InventoryCapExceeded => "trade would exceed the inventory cap",
            Self::TradeTooLarge => "trade exceeds the maximum trade size",
            Self::InsufficientLiquidity => "pool holds too little of the output token",
            Self::ZeroAmount => "amount is zero or the trade rounds to nothing",
            Self::ZeroShares => "deposit is too small to mint an LP share",
        }
    }
}

/// An error with the place it was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MathError {
    /// What went wrong.
    pub kind: MathErrorKind,
    /// Where: the caller of the checked helper that failed.
    pub location: &'static Location<'static>,
}

impl MathError {
    /// An error of `kind` located at the caller (through `#[track_caller]` frames).
    #[track_caller]
    pub fn new(kind: MathErrorKind) -> Self {
        Self {
            kind,
            location: Location::caller(),
        }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}:{}",
            self.kind.description(),
            self.location.file(),
            self.location.line()
        )
    }
}

impl core::error::Error for MathError {}

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, MathError>;

/// Returns an error of the given kind, located at the call site, unless `condition` holds.
#[track_caller]
pub fn ensure(condition: bool, kind: MathErrorKind) -> Result<()> {
    if condition {
        Ok(())
    } else {
        Err(MathError::new(kind))
    }
}

/// Turns a failed `Option`/`Result` into a [`MathError`] located at the caller. (A closure
/// passed to `ok_or_else` would not carry `#[track_caller]` through, so this is a trait.)
pub trait OrMathError<T> {
    /// `Ok` with the value, or an error of `kind` located at the caller.
    fn or_math(self, kind: MathErrorKind) -> Result<T>;
}

impl<T> OrMathError<T> for Option<T> {
    #[track_caller]
    fn or_math(self, kind: MathErrorKind) -> Result<T> {
        match self {
            Some(value) => Ok(value),
            None => Err(MathError::new(kind)),
        }
    }
}

impl<T, E> OrMathError<T> for core::result::Result<T, E> {
    #[track_caller]
    fn or_math(self, kind: MathErrorKind) -> Result<T> {
        match self {
            Ok(value) => Ok(value),
            Err(_) => Err(MathError::new(kind)),
        }
    }
}
