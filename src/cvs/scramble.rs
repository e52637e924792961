//! CVS's trivial password "scrambling" (method `A`): a fixed byte substitution that is its
//! own inverse. It only keeps passwords from being read at a glance; it is not encryption.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// The substitution for bytes 32..=255; bytes 0..=31 map to themselves.
const SHIFTS: [u8; 224] = [
    114, 120, 53, 79, 96, 109, 72, 108, 70, 64, 76, 67, 116, 74, 68, 87, 111, 52, 75, 119, 49, 34, 82, 81, 95, 65, 112,
    86, 118, 110, 122, 105, 41, 57, 83, 43, 46, 102, 40, 89, 38, 103, 45, 50, 42, 123, 91, 35, 125, 55, 54, 66, 124,
    126, 59, 47, 92, 71, 115, 78, 88, 107, 106, 56, 36, 121, 117, 104, 101, 100, 69, 73, 99, 63, 94, 93, 39, 37, 61,
    48, 58, 113, 32, 90, 44, 98, 60, 51, 33, 97, 62, 77, 84, 80, 85, 223, 225, 216, 187, 166, 229, 189, 222, 188, 141,
    249, 148, 200, 184, 136, 248, 190, 199, 170, 181, 204, 138, 232, 218, 183, 255, 234, 220, 247, 213, 203, 226, 193,
    174, 172, 228, 252, 217, 201, 131, 230, 197, 211, 145, 238, 161, 179, 160, 212, 207, 221, 254, 173, 202, 146, 224,
    151, 140, 196, 205, 130, 135, 133, 143, 246, 192, 159, 244, 239, 185, 168, 215, 144, 139, 165, 180, 157, 147, 186,
    214, 176, 227, 231, 219, 169, 175, 156, 206, 198, 129, 164, 150, 210, 154, 177, 134, 127, 182, 128, 158, 208, 162,
    132, 167, 209, 149, 241, 153, 251, 237, 236, 171, 195, 243, 233, 253, 240, 194, 250, 191, 155, 142, 137, 245, 235,
    163, 242, 178, 152,
];

fn shift(byte: u8) -> u8 {
    if byte < 32 { byte } else { SHIFTS[usize::from(byte - 32)] }
}

/// Scrambles `password` with method `A`: `A` followed by the substituted bytes.
pub fn scramble(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() + 1));
    out.push(b'A');
    out.extend(password.iter().map(|&byte| shift(byte)));
    out
}

/// Recovers the password from a scrambled string; a method other than `A` (or an empty
/// string) is an error, where cvs exits.
pub fn descramble(scrambled: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    match scrambled.split_first() {
        Some((b'A', rest)) => Ok(Zeroizing::new(rest.iter().map(|&byte| shift(byte)).collect())),
        _ => Err(Error::new(ErrorCode::Protocol, "unknown scrambling method")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(&scramble(b"secret")[..], b"AZdh d,");
        assert_eq!(&scramble(b"anonymous")[..], b"Ay=0=a%0bZ");
        assert_eq!(&scramble(b"")[..], b"A");
        assert_eq!(&descramble(b"AZdh d,").unwrap()[..], b"secret");
    }

    #[test]
    fn every_byte_round_trips_and_the_table_is_a_permutation() {
        let all: Vec<u8> = (0..=255).collect();
        let scrambled = scramble(&all);
        let mut seen = scrambled[1..].to_vec();
        seen.sort_unstable();
        assert_eq!(seen, all);
        assert_eq!(&descramble(&scrambled).unwrap()[..], &all[..]);
        assert!(all.iter().all(|&byte| shift(shift(byte)) == byte), "the map is its own inverse");
    }

    #[test]
    fn unknown_methods_are_errors() {
        assert_eq!(descramble(b"Bxyz").unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(descramble(b"").unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(descramble(b"secret").unwrap_err().message(), "unknown scrambling method");
    }
}
