//! The pieces of a WebAuthn credential as an authenticator and a browser make them
//! (`clientDataJSON`, `authenticatorData`, the CBOR attestation object, a COSE key), with a
//! minimal CBOR writer, so that tests can send them whole, broken or anywhere in between.

use sha2::{Digest, Sha256};

/// `authenticatorData` flag bits (WebAuthn §6.1).
pub struct Flags;

impl Flags {
    pub const USER_PRESENT: u8 = 0x01;
    pub const USER_VERIFIED: u8 = 0x04;
    pub const ATTESTED_DATA: u8 = 0x40;
    /// What a passkey's registration answer carries: present, verified, with its key.
    pub const REGISTERED: u8 = Self::USER_PRESENT | Self::USER_VERIFIED | Self::ATTESTED_DATA;
    /// What a passkey's sign-in answer carries.
    pub const ASSERTED: u8 = Self::USER_PRESENT | Self::USER_VERIFIED;
}

/// `clientDataJSON` (raw bytes) for a ceremony of `kind` (`webauthn.create` / `webauthn.get`).
pub fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::json!({
        "type": kind,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": false,
    })
    .to_string()
    .into_bytes()
}

/// `authenticatorData` of a registration: RP ID hash, flags, counter 0, a zero AAGUID, the
/// credential id and its COSE key.
pub fn registration_data(rp_id: &str, flags: u8, credential_id: &[u8], cose_key: &[u8]) -> Vec<u8> {
    let mut data = assertion_data(rp_id, flags, 0);
    data.extend_from_slice(&[0; 16]);
    let id_len = u16::try_from(credential_id.len()).unwrap_or(u16::MAX);
    data.extend_from_slice(&id_len.to_be_bytes());
    data.extend_from_slice(credential_id);
    data.extend_from_slice(cose_key);
    data
}

/// `authenticatorData` of an assertion: RP ID hash, flags, signature counter (37 bytes).
pub fn assertion_data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
    let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
    data.push(flags);
    data.extend_from_slice(&counter.to_be_bytes());
    data
}

/// The CBOR attestation object `{fmt, attStmt, authData}`; `statement` is CBOR already.
pub fn attestation_object(format: &str, statement: &[u8], auth_data: &[u8]) -> Vec<u8> {
    let mut object = cbor_map_head(3);
    object.extend(cbor_text("fmt"));
    object.extend(cbor_text(format));
    object.extend(cbor_text("attStmt"));
    object.extend_from_slice(statement);
    object.extend(cbor_text("authData"));
    object.extend(cbor_bytes(auth_data));
    object
}

/// A COSE EC2 key for ES256 on P-256 with coordinates `x` and `y` (not checked to be a point).
pub fn cose_es256_key(x: &[u8; 32], y: &[u8; 32]) -> Vec<u8> {
    let mut key = cbor_map_head(5);
    key.extend_from_slice(&[0x01, 0x02]); // kty: EC2
    key.extend_from_slice(&[0x03, 0x26]); // alg: -7 (ES256)
    key.extend_from_slice(&[0x20, 0x01]); // crv (-1): P-256
    key.push(0x21); // x (-2)
    key.extend(cbor_bytes(x));
    key.push(0x22); // y (-3)
    key.extend(cbor_bytes(y));
    key
}

pub fn cbor_map_head(entries: u64) -> Vec<u8> {
    head(5, entries)
}

pub fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = head(3, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
    out
}

pub fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = head(2, bytes.len() as u64);
    out.extend_from_slice(bytes);
    out
}

/// A CBOR item head: major type and length, in the shortest form.
fn head(major: u8, len: u64) -> Vec<u8> {
    let major = major << 5;
    match len {
        0..=23 => vec![major | len as u8],
        24..=0xff => vec![major | 24, len as u8],
        0x100..=0xffff => [vec![major | 25], (len as u16).to_be_bytes().to_vec()].concat(),
        0x1_0000..=0xffff_ffff => [vec![major | 26], (len as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![major | 27], len.to_be_bytes().to_vec()].concat(),
    }
}

/// An authenticator of the tests' own: one ES256 (P-256) passkey that registers with a "none"
/// attestation and signs assertions, correct ones or forged ones.
pub struct SoftPasskey {
    key: p256::ecdsa::SigningKey,
    pub credential_id: Vec<u8>,
}

impl SoftPasskey {
    /// `seed` must be a valid P-256 scalar (any small non-zero bytes are).
    pub fn from_seed(seed: [u8; 32], credential_id: &[u8]) -> Self {
        let key = p256::ecdsa::SigningKey::from_bytes(&seed.into())
            .unwrap_or_else(|e| panic!("{seed:?} is no P-256 key: {e}"));
        Self {
            key,
            credential_id: credential_id.to_vec(),
        }
    }

    /// The public key as COSE.
    pub fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| {
            let bytes: [u8; 32] = c.map(|c| (*c).into()).unwrap_or([0; 32]);
            bytes
        };
        cose_es256_key(&coordinate(point.x()), &coordinate(point.y()))
    }

    /// A "none" attestation object registering this passkey for `rp_id`.
    pub fn attestation_object(&self, rp_id: &str) -> Vec<u8> {
        let auth_data = registration_data(
            rp_id,
            Flags::REGISTERED,
            &self.credential_id,
            &self.cose_key(),
        );
        attestation_object("none", &cbor_map_head(0), &auth_data)
    }

    /// The DER ECDSA signature of an assertion: over `auth_data` and SHA-256 of `client_data`.
    pub fn sign(&self, auth_data: &[u8], client_data: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let client_data_hash: [u8; 32] = Sha256::digest(client_data).into();
        let signed = [auth_data, &client_data_hash].concat();
        let signature: p256::ecdsa::Signature = self.key.sign(&signed);
        signature.to_der().as_bytes().to_vec()
    }
}
