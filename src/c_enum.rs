//! Enums whose numbers cross the C boundary: one trait and one macro instead of a hand-written
//! number conversion per enum.
//!
//! C may pass any integer where a header names an enum, and a Rust enum holding a number outside
//! its variants is undefined behaviour, so exports take the integer and convert it with
//! [`CEnum::from_c`], which refuses unknown numbers.

use crate::error::{Error, ErrorCode, Result};

/// A fieldless `#[repr(C)]` enum with a number per variant.
pub trait CEnum: Copy + Sized + 'static {
    /// Every variant (the [`c_enum!`] macro checks that none is missing).
    const ALL: &'static [Self];
    /// What a value is, for error messages ("log level").
    const WHAT: &'static str;

    /// The variant's number.
    fn number(self) -> i64;

    /// The variant with this number, if there is one.
    fn from_number(number: i64) -> Option<Self> {
        Self::ALL.iter().copied().find(|variant| variant.number() == number)
    }

    /// The variant with this number, or an `InvalidArgument` error naming what was expected.
    fn from_c(number: impl Into<i64>) -> Result<Self> {
        let number = number.into();
        Self::from_number(number)
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, format!("{number} is not a {}", Self::WHAT)))
    }
}

/// Implements [`CEnum`] for `$ty` with the listed variants; fails to compile if one is missing.
macro_rules! c_enum {
    ($ty:ident, $what:literal, [$($variant:ident),+ $(,)?]) => {
        impl $crate::c_enum::CEnum for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            const WHAT: &'static str = $what;
            fn number(self) -> i64 {
                self as i64
            }
        }
        const _: () = {
            // A variant left out of the list above makes this match non-exhaustive.
            #[allow(dead_code)]
            fn every_variant_is_listed(value: $ty) {
                match value {
                    $($ty::$variant)|+ => {}
                }
            }
        };
    };
}
pub(crate) use c_enum;
