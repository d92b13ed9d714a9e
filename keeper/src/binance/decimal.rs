//! Decimal text as the venue writes it (`"149.95"`), to and from the pool's integer units:
//! token atoms and the program's price (quote atoms per lot, I80F48 bits). No floats.

use homeostat_math::{Fixed, LotPrice, Rounding};

use crate::{KeeperError, Result};

/// Decimal text (`"149.95"`) as mantissa and scale.
pub(crate) fn parse_decimal(text: &str) -> Option<(u128, u32)> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = format!("{whole}{fraction}");
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, u32::try_from(fraction.len()).ok()?))
}

pub(crate) fn pow10(exponent: u32) -> Option<u128> {
    10u128.checked_pow(exponent)
}

/// Decimal text (`what`, for errors) as atoms of a token with `decimals`, rounded as asked.
pub(crate) fn decimal_atoms(
    text: &str,
    decimals: u8,
    rounding: Rounding,
    what: &str,
) -> Result<u64> {
    let (mantissa, scale) =
        parse_decimal(text).ok_or_else(|| KeeperError::Venue(format!("{what} `{text}`")))?;
    let decimals = u32::from(decimals);
    let atoms = if scale <= decimals {
        pow10(decimals - scale).and_then(|factor| mantissa.checked_mul(factor))
    } else {
        pow10(scale - decimals).map(|divisor| match rounding {
            Rounding::Down => mantissa / divisor,
            Rounding::Up => mantissa.div_ceil(divisor),
        })
    };
    atoms
        .and_then(|atoms| u64::try_from(atoms).ok())
        .ok_or_else(|| KeeperError::Venue(format!("{what} `{text}` out of range")))
}

/// `atoms` of base as the venue's quantity text for a symbol whose step is `step` base
/// atoms: rounded down to the step, with as many decimals as the step needs (the venue
/// rejects more: `-1111`); `None` when that is zero.
pub(crate) fn quantity_text(atoms: u64, step: u64, base_decimals: u8) -> Option<String> {
    let rounded = atoms.checked_div(step)?.checked_mul(step)?;
    if rounded == 0 {
        return None;
    }
    let mut decimals = u32::from(base_decimals);
    let mut unit = step;
    while decimals > 0 && unit % 10 == 0 {
        unit /= 10;
        decimals -= 1;
    }
    let scale = 10u64.pow(u32::from(base_decimals) - decimals);
    let shown = rounded / scale;
    let divisor = 10u64.pow(decimals);
    Some(if decimals == 0 {
        shown.to_string()
    } else {
        format!(
            "{}.{:0width$}",
            shown / divisor,
            shown % divisor,
            width = decimals as usize
        )
    })
}

/// A price text (quote per base) in the program's unit: quote atoms per `lot` base atoms,
/// rounded as asked.
pub(crate) fn price_per_lot(
    text: &str,
    base_decimals: u8,
    quote_decimals: u8,
    lot: u64,
    rounding: Rounding,
) -> Result<LotPrice> {
    let invalid = |message: String| KeeperError::Venue(message);
    let (mantissa, scale) =
        parse_decimal(text).ok_or_else(|| invalid(format!("price `{text}`")))?;
    let numerator = pow10(u32::from(quote_decimals))
        .and_then(|factor| mantissa.checked_mul(factor))
        .and_then(|value| value.checked_mul(u128::from(lot)))
        .and_then(|value| i128::try_from(value).ok());
    let denominator = pow10(scale)
        .and_then(|value| value.checked_mul(pow10(u32::from(base_decimals))?))
        .and_then(|value| i128::try_from(value).ok());
    match (numerator, denominator) {
        (Some(numerator), Some(denominator)) => Fixed::ratio(numerator, denominator, rounding)
            .map(LotPrice::new)
            .map_err(|error| invalid(format!("price `{text}`: {error}"))),
        _ => Err(invalid(format!("price `{text}` out of range"))),
    }
}
