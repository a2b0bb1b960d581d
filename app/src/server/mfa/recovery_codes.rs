//! Recovery codes: `RECOVERY_CODES` codes of 80 random bits each, written as four groups of four
//! base32 letters (`k7qm-2xgd-p4ta-9wve`: no 0/1/8 look-alikes), shown once and stored as SHA-256
//! (80 bits are beyond brute force, so a slow hash would only slow logins).

use rand_core::{OsRng, RngCore};

use super::RECOVERY_CODES;
use crate::server::secret_token;

/// RFC 4648 base32, lower-cased.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A new set of codes, as shown to the user.
pub fn generate() -> Vec<String> {
    (0..RECOVERY_CODES).map(|_| one()).collect()
}

/// A new set and the stored form of each code.
pub fn generate_hashed() -> (Vec<String>, Vec<String>) {
    let codes = generate();
    let hashes = codes.iter().filter_map(|c| hash_input(c)).collect();
    (codes, hashes)
}

fn one() -> String {
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let letters: Vec<u8> = (0..16)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize])
        .collect();
    letters
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a code as typed: case, spaces and hyphens do not matter. `None` when it
/// cannot be a code (so nothing is looked up).
pub fn hash_input(raw: &str) -> Option<String> {
    let normal: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let valid = normal.len() == 16 && normal.bytes().all(|b| ALPHABET.contains(&b));
    valid.then(|| secret_token::hash(&normal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_grouped_and_hash_however_they_are_typed() {
        let codes = generate();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3);
        let typed = format!("  {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(hash_input(&typed), hash_input(code));
        assert!(hash_input(code).is_some());
    }

    #[test]
    fn what_cannot_be_a_code_is_not_hashed() {
        for bad in [
            "",
            "123456",
            "abcd-efgh-ijkl",
            "abcd-efgh-ijkl-mno1",
            "abcd-efgh-ijkl-mnop-q",
        ] {
            assert_eq!(hash_input(bad), None, "{bad:?}");
        }
    }
}
