//! The account form of a [`Fixed`].

use anchor_lang::prelude::*;
use homeostat_math::Fixed;

/// A [`Fixed`] as stored in accounts and passed in instruction arguments: its I80F48 bits
/// as 16 little-endian bytes, alignment 1, so it sits in a zero-copy account the same way
/// on every target (`i128` alignment differs between x86-64 and SBF) and serializes
/// exactly as an `i128` does in borsh. (marginfi's `WrappedI80F48` is the same idea.)
#[zero_copy]
// Borsh directly: Anchor's `AnchorSerialize` derive would add a second `IdlBuild` impl
// next to `zero_copy`'s.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize, Default, Debug, PartialEq, Eq, Hash)]
#[borsh(crate = "anchor_lang::prelude::borsh")]
pub struct StoredFixed {
    /// `value · 2^48`, little-endian.
    pub bits: [u8; 16],
}

impl StoredFixed {
    /// Zero.
    pub const ZERO: Self = Self { bits: [0; 16] };

    /// From raw I80F48 bits (`value · 2^48`).
    pub const fn from_bits(bits: i128) -> Self {
        Self {
            bits: bits.to_le_bytes(),
        }
    }

    /// The raw I80F48 bits.
    pub const fn to_bits(self) -> i128 {
        i128::from_le_bytes(self.bits)
    }

    /// The value (`i128::MIN` reads as `Fixed::MIN`, as `Fixed::from_bits` does).
    pub const fn get(self) -> Fixed {
        Fixed::from_bits(self.to_bits())
    }
}

impl From<Fixed> for StoredFixed {
    fn from(value: Fixed) -> Self {
        Self::from_bits(value.to_bits())
    }
}

impl From<StoredFixed> for Fixed {
    fn from(value: StoredFixed) -> Self {
        value.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_math::Rounding;

    #[test]
    fn round_trips_in_sixteen_unaligned_bytes_and_never_yields_the_asymmetric_minimum() {
        let value = Fixed::ratio(-12345, 7, Rounding::Up).unwrap();
        let stored = StoredFixed::from(value);
        assert_eq!(Fixed::from(stored), value);
        assert_eq!(core::mem::size_of::<StoredFixed>(), 16);
        assert_eq!(core::mem::align_of::<StoredFixed>(), 1);
        assert_eq!(bytemuck::bytes_of(&stored), &value.to_bits().to_le_bytes());
        assert_eq!(
            anchor_lang::prelude::borsh::to_vec(&stored).unwrap(),
            value.to_bits().to_le_bytes().to_vec(),
            "borsh writes the same bytes as an i128"
        );
        let minimum = StoredFixed::from_bits(i128::MIN).get();
        assert_eq!(minimum, Fixed::MIN);
        assert_eq!(minimum.neg(), Fixed::MAX);
    }
}
