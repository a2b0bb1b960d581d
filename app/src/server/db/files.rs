//! Files that hold secrets. The SQLite database (password hashes, refresh tokens, signing keys)
//! and its directory are created private to the server's user; key files are read as encoded
//! random bytes. One that other users can reach is reported at start-up, not refused: the server
//! keeps serving while its operator is told what to fix.

use std::path::Path;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use secrecy::{SecretSlice, SecretString};

use super::DbError;

/// Creates the directory of the SQLite database at `url` (0700) and, when SQLite would create
/// the file anyway (`mode=rwc`), the empty database file (0600) before SQLite opens it: SQLite
/// gives its `-wal` and `-shm` files the database file's mode, so they are private too.
/// Existing ones are left as they are and only checked.
pub fn prepare_sqlite(url: &str) -> Result<(), DbError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let path = Path::new(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| DbError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        warn_if_shared(dir, "the data directory", "700");
    }
    if query.split('&').any(|param| param == "mode=rwc") {
        create_private_file(path).map_err(|source| DbError::DataFile {
            path: path.display().to_string(),
            source,
        })?;
    }
    if path.exists() {
        warn_if_shared(path, "the database file", "600");
    }
    Ok(())
}

/// Reads a key file (`what` names its setting in the warning), warning when others can read it.
pub fn read_key_file(path: &Path, what: &str) -> std::io::Result<SecretString> {
    let text = std::fs::read_to_string(path)?;
    warn_if_shared(path, what, "600");
    Ok(SecretString::from(text))
}

/// Random bytes as operators write them down: base64 or base64url, padded or not, surrounding
/// whitespace (the newline `openssl rand -base64 32` ends with) ignored. `None` for anything
/// else, a passphrase included.
pub fn decode_encoded_key(text: &str) -> Option<SecretSlice<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let text = text.trim();
    [alphabet::STANDARD, alphabet::URL_SAFE]
        .iter()
        .find_map(|alphabet| GeneralPurpose::new(alphabet, config).decode(text).ok())
        .map(SecretSlice::from)
}

#[cfg(unix)]
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates `path` empty unless it exists (`create_new`: no window in which another process's
/// file could be opened instead).
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Logs a warning when the group or others have any access to `path`.
#[cfg(unix)]
pub fn warn_if_shared(path: &Path, what: &str, private_mode: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            "{what} {} is accessible to other users (mode {mode:03o}); `chmod {private_mode}` it",
            path.display()
        );
    }
}

#[cfg(not(unix))]
pub fn warn_if_shared(_path: &Path, _what: &str, _private_mode: &str) {}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::decode_encoded_key;

    fn decoded(text: &str) -> Option<Vec<u8>> {
        decode_encoded_key(text).map(|bytes| bytes.expose_secret().to_vec())
    }

    #[test]
    fn base64_and_base64url_padded_or_not_decode_to_the_same_bytes() {
        let bytes: Vec<u8> = (0..32).map(|i| 250 - i).collect();
        let standard = "+vn49/b19PPy8fDv7u3s6+rp6Ofm5eTj4uHg397d3Ns=";
        let url = "-vn49_b19PPy8fDv7u3s6-rp6Ofm5eTj4uHg397d3Ns";

        assert_eq!(decoded(standard), Some(bytes.clone()));
        assert_eq!(decoded(&format!("{standard}\n")), Some(bytes.clone()));
        assert_eq!(decoded(url), Some(bytes.clone()));
        assert_eq!(decoded(&format!("{url}=")), Some(bytes));
    }

    #[test]
    fn a_passphrase_is_not_an_encoded_key() {
        assert_eq!(decoded("correct horse battery staple"), None);
        assert_eq!(decoded("mixed+and-alphabets/0000"), None);
    }
}
