//! Token amounts in their units. A pool holds two tokens, and most of its amounts are of
//! one of them: base atoms and quote atoms are distinct types, so a base amount cannot be
//! passed where a quote amount is read. Where the token depends on the trade's
//! [`Direction`] (a swap's input and output), [`TokenAtoms`] carries which one it is.
//!
//! Prices that cross a boundary (an oracle's or a venue's, a hedge's fill and entry) are
//! [`LotPrice`]s. Positions (signed base atoms, `i128`) and the curve's own prices keep
//! their plain types; docs/math.md's glossary names each quantity's unit.

use crate::error::{MathErrorKind, OrMathError, Result};
use crate::fixed::Fixed;
use crate::trade::Direction;

macro_rules! atoms {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(u64);

        impl $name {
            /// None.
            pub const ZERO: Self = Self(0);
            /// The most a `u64` counts.
            pub const MAX: Self = Self(u64::MAX);

            /// `atoms` of this token.
            pub const fn new(atoms: u64) -> Self {
                Self(atoms)
            }

            /// The count of atoms.
            pub const fn get(self) -> u64 {
                self.0
            }

            /// Whether there are none.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// `self + other`, or an overflow error.
            #[track_caller]
            pub fn checked_add(self, other: Self) -> Result<Self> {
                self.0
                    .checked_add(other.0)
                    .map(Self)
                    .or_math(MathErrorKind::Overflow)
            }

            /// `self − other`, or an overflow error below zero.
            #[track_caller]
            pub fn checked_sub(self, other: Self) -> Result<Self> {
                self.0
                    .checked_sub(other.0)
                    .map(Self)
                    .or_math(MathErrorKind::Overflow)
            }

            /// `self − other`, zero below zero.
            pub const fn saturating_sub(self, other: Self) -> Self {
                Self(self.0.saturating_sub(other.0))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(formatter)
            }
        }
    };
}

atoms!(
    /// An amount of the base token, in its smallest unit.
    BaseAtoms
);
atoms!(
    /// An amount of the quote token, in its smallest unit.
    QuoteAtoms
);

impl BaseAtoms {
    /// The amount as a signed position change.
    pub fn signed(self) -> i128 {
        i128::from(self.0)
    }
}

/// A price in quote atoms per lot (`lot` base atoms): the program's unit for a price.
///
/// Prices arrive in other units — an oracle's or an exchange's USD per whole token, a
/// venue's fill — and are converted once, where they enter; this type is what they are
/// afterwards, so a whole-token or per-base-atom price cannot be passed where a per-lot one
/// is read. It types prices where they cross module and crate boundaries (the hedge book,
/// the keeper's venues and journal). The curve's arithmetic ([`crate::LinearCurve`], the
/// models, [`crate::MarketState`]) stays on [`Fixed`]: there prices are multiplied by
/// spreads and ratios in every line, and a wrapper would only be unwrapped again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct LotPrice(Fixed);

impl LotPrice {
    /// Zero: the entry price of a flat book.
    pub const ZERO: Self = Self(Fixed::ZERO);

    /// `price` quote atoms per lot.
    pub const fn new(price: Fixed) -> Self {
        Self(price)
    }

    /// The price, quote atoms per lot.
    pub const fn get(self) -> Fixed {
        self.0
    }
}

impl core::fmt::Display for LotPrice {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, formatter)
    }
}

/// An amount of one of the pool's tokens, tagged with which: what a trade's input or
/// output is when the direction decides the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenAtoms {
    /// Base atoms.
    Base(BaseAtoms),
    /// Quote atoms.
    Quote(QuoteAtoms),
}

impl TokenAtoms {
    /// The count of atoms, whichever the token.
    pub const fn get(self) -> u64 {
        match self {
            Self::Base(base) => base.get(),
            Self::Quote(quote) => quote.get(),
        }
    }

    /// The direction of a trade paying this in: selling base for base.
    pub const fn direction_in(self) -> Direction {
        match self {
            Self::Base(_) => Direction::BaseToQuote,
            Self::Quote(_) => Direction::QuoteToBase,
        }
    }

    /// The direction of a trade paying this out: selling base for quote.
    pub const fn direction_out(self) -> Direction {
        match self {
            Self::Base(_) => Direction::QuoteToBase,
            Self::Quote(_) => Direction::BaseToQuote,
        }
    }
}

impl Direction {
    /// `atoms` of the token the trader pays in this direction (base when selling it).
    pub const fn input(self, atoms: u64) -> TokenAtoms {
        match self {
            Self::BaseToQuote => TokenAtoms::Base(BaseAtoms::new(atoms)),
            Self::QuoteToBase => TokenAtoms::Quote(QuoteAtoms::new(atoms)),
        }
    }

    /// `atoms` of the token the trader receives in this direction (quote when selling
    /// base).
    pub const fn output(self, atoms: u64) -> TokenAtoms {
        match self {
            Self::BaseToQuote => TokenAtoms::Quote(QuoteAtoms::new(atoms)),
            Self::QuoteToBase => TokenAtoms::Base(BaseAtoms::new(atoms)),
        }
    }
}
