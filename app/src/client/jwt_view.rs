//! Reading an access token in the browser, for display and scheduling only: the browser cannot
//! verify a token and never trusts what it reads here.

/// Segment `index` (0 header, 1 claims) of a JWT as JSON. For display and scheduling only: the
/// browser cannot verify a token and never trusts what it reads here.
pub fn jwt_segment(token: &str, index: usize) -> Option<serde_json::Value> {
    let bytes = decode_base64url(token.split('.').nth(index)?)?;
    serde_json::from_slice(&bytes).ok()
}

/// Unpadded base64url, as in JWTs; `None` for anything else (padding, other alphabets,
/// impossible lengths, non-zero trailing bits). A few lines here instead of the `base64` crate's
/// engine keep several KB out of the WASM.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | sextet(c)?;
        }
        // Left-align the chunk's bits in 24; the bits past its last whole byte must be zero.
        let bytes = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        acc <<= 6 * (4 - chunk.len() as u32);
        if acc & (0xFF_FFFF >> (8 * bytes)) != 0 {
            return None;
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..=bytes]);
    }
    Some(out)
}

/// A string claim of a token's payload (`role`, `sub`), for display only.
pub fn claim_str(token: &str, name: &str) -> Option<String> {
    Some(jwt_segment(token, 1)?.get(name)?.as_str()?.to_owned())
}

/// `(iat, exp)` read from a token's payload.
pub fn token_times(token: &str) -> Option<(i64, i64)> {
    let claims = jwt_segment(token, 1)?;
    Some((claims.get("iat")?.as_i64()?, claims.get("exp")?.as_i64()?))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    #[test]
    fn reads_string_claims_only() {
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"u1","role":"admin","exp":42}"#);
        let token = format!("h.{claims}.s");
        assert_eq!(claim_str(&token, "role").as_deref(), Some("admin"));
        assert_eq!(claim_str(&token, "exp"), None);
        assert_eq!(claim_str(&token, "missing"), None);
        assert_eq!(claim_str("not-a-token", "role"), None);
    }

    #[test]
    fn decodes_base64url_exactly_like_the_base64_crate() {
        let samples: [&[u8]; 6] = [b"", b"f", b"fo", b"foo", b"foob", &[0xfb, 0xff, 0xfe, 0x00]];
        for bytes in samples {
            let text = URL_SAFE_NO_PAD.encode(bytes);
            assert_eq!(decode_base64url(&text).as_deref(), Some(bytes), "{text}");
        }
        for bad in ["a", "abcde", "ab==", "a+b/", "ab c", "AB", "AAB"] {
            assert!(URL_SAFE_NO_PAD.decode(bad).is_err(), "{bad}");
            assert_eq!(decode_base64url(bad), None, "{bad}");
        }
    }
}
