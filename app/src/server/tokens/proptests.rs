//! Property tests (bounded, part of `cargo test`): whatever bytes arrive as a token or as
//! credentials, parsing and verification return an error or a value, never panic, and no
//! mutation of a valid token verifies. Failing cases are kept in `proptest-regressions/`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use proptest::prelude::*;

use super::tests::{now, policy, subject, verify_both};
use super::*;
use crate::server::credentials::{Password, Username};

fn valid_token(keys: &SigningKeys) -> String {
    issue_access_token(keys, &policy(), subject(), now())
        .map(|(t, _)| t)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_verify(input in ".{0,400}") {
        let keys = SigningKeys::ephemeral();
        prop_assert!(verify_both(&keys, &policy(), &input).is_err());
    }

    #[test]
    fn three_arbitrary_base64_parts_never_verify(
        h in proptest::collection::vec(any::<u8>(), 0..200),
        p in proptest::collection::vec(any::<u8>(), 0..400),
        s in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let keys = SigningKeys::ephemeral();
        let token = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(h), URL_SAFE_NO_PAD.encode(p), URL_SAFE_NO_PAD.encode(s));
        prop_assert!(verify_both(&keys, &policy(), &token).is_err());
    }

    #[test]
    fn any_single_byte_change_to_a_valid_token_is_rejected(index in 0usize..10_000, replacement in any::<u8>()) {
        let keys = SigningKeys::ephemeral();
        let token = valid_token(&keys);
        let mut bytes = token.clone().into_bytes();
        let i = index % bytes.len();
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        // A change in the last character can leave the decoded signature intact (unused
        // base64 bits); such a token is the same token, so only count real changes.
        let same_signature = {
            let decoded = |t: &str| t.rsplit('.').next().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
            mutated.split('.').take(2).eq(token.split('.').take(2)) && decoded(&mutated) == decoded(&token)
        };
        prop_assume!(!same_signature);
        prop_assert!(verify_both(&keys, &policy(), &mutated).is_err());
    }

    #[test]
    fn credential_parsers_never_panic(name in "\\PC{0,80}", password in "\\PC{0,300}") {
        if let Ok(username) = Username::parse(&name) {
            prop_assert!(username.as_str().len() <= 32);
            prop_assert_eq!(username.key(), username.as_str().to_ascii_lowercase());
            let _ = Password::parse(password.clone(), &username);
        }
        let _ = Password::for_login(password);
    }
}
