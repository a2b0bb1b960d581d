//! TOTP (RFC 6238) as authenticator apps speak it: SHA-1, 6 digits, 30-second steps, a 160-bit
//! secret. totp-rs computes and compares the codes; this module decides which steps count (the
//! current one and one either side, for clock skew) and reports the step a code matched, so the
//! caller can refuse a code whose step was already used.

use rand_core::{OsRng, RngCore};
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Steps accepted either side of the current one.
const SKEW_STEPS: i64 = 1;

/// A new secret: 20 random bytes (the RFC 4226 recommendation), base32 as apps expect it.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The TOTP of `secret` (base32) for the account `username` at `issuer`. `None` for a secret that
/// does not decode (a corrupt row).
pub fn totp(secret: &str, issuer: &str, username: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS as u64,
        bytes,
        Some(issuer.to_owned()),
        username.to_owned(),
    )
    .ok()
}

/// The step `code` is valid for at `now`: the current step, or one either side. Anything but six
/// ASCII digits never matches.
pub fn matching_step(totp: &TOTP, code: &str, now: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now.div_euclid(STEP_SECS);
    (current - SKEW_STEPS..=current + SKEW_STEPS).find(|step| {
        let at = u64::try_from(step * STEP_SECS).unwrap_or(0);
        totp.check(code, at)
    })
}

/// The `otpauth://` URL an app scans.
pub fn otpauth_url(totp: &TOTP) -> String {
    totp.get_url()
}

/// The URL as an SVG QR code (medium error correction), for the set-up page.
pub fn qr_svg(url: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret ("12345678901234567890"), base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn rfc_totp() -> TOTP {
        // totp-rs refuses secrets under 128 bits; the RFC's is 160.
        totp(RFC_SECRET, "Tokengate", "alice").expect("valid secret")
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let t = rfc_totp();
        // Appendix B, truncated to 6 digits: T = 59 -> 94287082, T = 1111111109 -> 07081804.
        assert_eq!(matching_step(&t, "287082", 59), Some(1));
        assert_eq!(matching_step(&t, "081804", 1_111_111_109), Some(37_037_036));
    }

    #[test]
    fn one_step_of_skew_either_side_is_accepted_and_two_are_not() {
        let t = rfc_totp();
        let now = 1_000_000_020; // inside step 33_333_334
        let code_at = |step: i64| t.generate(u64::try_from(step * STEP_SECS).unwrap());
        let current = now / STEP_SECS;
        for offset in [-1, 0, 1] {
            let step = current + offset;
            assert_eq!(matching_step(&t, &code_at(step), now), Some(step));
        }
        for offset in [-2, 2] {
            assert_eq!(matching_step(&t, &code_at(current + offset), now), None);
        }
    }

    #[test]
    fn step_boundaries_move_the_window() {
        let t = rfc_totp();
        let code = t.generate(60); // step 2
                                   // Step 2 is current from 60 to 89; as the previous step it still counts until 119.
        assert_eq!(
            matching_step(&t, &code, 30),
            Some(2),
            "next step, early clock"
        );
        assert_eq!(matching_step(&t, &code, 119), Some(2));
        assert_eq!(matching_step(&t, &code, 120), None);
        assert_eq!(matching_step(&t, &code, 29), None);
    }

    #[test]
    fn only_six_digits_are_ever_compared() {
        let t = rfc_totp();
        for bad in ["", "28708", "2870820", "28708a", "２８７０８２", " 287082x"] {
            assert_eq!(matching_step(&t, bad, 59), None, "{bad:?}");
        }
        assert_eq!(matching_step(&t, " 287082 ", 59), Some(1));
    }

    #[test]
    fn generated_secrets_are_160_bit_base32_and_make_a_scannable_url() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 32);
        let t = totp(&secret, "Tokengate", "alice").unwrap();
        let url = otpauth_url(&t);
        assert!(
            url.starts_with("otpauth://totp/Tokengate:alice?secret="),
            "{url}"
        );
        assert!(url.contains("issuer=Tokengate"), "{url}");
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert_ne!(generate_secret(), secret);
    }
}
