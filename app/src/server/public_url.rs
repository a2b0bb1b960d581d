//! `TOKENGATE_PUBLIC_URL`: where users reach the app. Behind a TLS proxy the server itself speaks
//! plain HTTP and sees whatever `Host` the proxy forwards (nginx and Apache send the upstream
//! address by default), so the request can never tell whether cookies must be `Secure`. The
//! configured URL alone decides that, HSTS, the same-origin check of the cookie endpoints, and
//! (later) the links in e-mails.

use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `scheme://host[:port]`, lower-cased, no path: what browsers send as `Origin`.
    origin: String,
    https: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("TOKENGATE_PUBLIC_URL must be an http:// or https:// URL with a host and no path, query or credentials (got {0:?})")]
pub struct PublicUrlError(String);

impl PublicUrl {
    /// The configured URL, or `http://localhost:<port>` when listening on a loopback address,
    /// else `http://<listen address>` (after binding, so port 0 resolves). `localhost`
    /// rather than `127.0.0.1`: WebAuthn accepts no IP address as relying party, so passkeys
    /// work on the default set-up.
    pub fn resolve(
        configured: Option<&str>,
        listening: SocketAddr,
    ) -> Result<Self, PublicUrlError> {
        match configured.map(str::trim).filter(|s| !s.is_empty()) {
            Some(url) => Self::parse(url),
            None if listening.ip().is_loopback() => {
                Self::parse(&format!("http://localhost:{}", listening.port()))
            }
            None => Self::parse(&format!("http://{listening}")),
        }
    }

    pub fn parse(url: &str) -> Result<Self, PublicUrlError> {
        let invalid = || PublicUrlError(url.to_owned());
        let uri: http::Uri = url.parse().map_err(|_| invalid())?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(invalid()),
        };
        let authority = uri.authority().ok_or_else(invalid)?;
        let path_is_root = matches!(uri.path(), "" | "/");
        if !path_is_root || uri.query().is_some() || authority.as_str().contains('@') {
            return Err(invalid());
        }
        if authority.host().is_empty() {
            return Err(invalid());
        }
        let scheme = if https { "https" } else { "http" };
        let default_port = if https { 443 } else { 80 };
        let host = authority.host().to_ascii_lowercase();
        let origin = match authority.port_u16() {
            Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
            _ => format!("{scheme}://{host}"),
        };
        Ok(Self { origin, https })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True when users reach the app over TLS: cookies get `Secure`, responses get HSTS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// An absolute URL for `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_normalised_and_drops_default_ports() {
        let url = PublicUrl::parse("HTTPS://Auth.Example.com:443/").unwrap();
        assert_eq!(url.origin(), "https://auth.example.com");
        assert!(url.is_https());
        let url = PublicUrl::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(url.origin(), "http://127.0.0.1:3000");
        assert!(!url.is_https());
        assert_eq!(url.join("/reset"), "http://127.0.0.1:3000/reset");
    }

    #[test]
    fn urls_with_paths_queries_credentials_or_other_schemes_are_refused() {
        for bad in [
            "ftp://example.com",
            "example.com",
            "https://example.com/auth",
            "https://example.com/?x=1",
            "https://user:pw@example.com",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_is_localhost_on_loopback_else_the_listen_address() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let url = PublicUrl::resolve(None, addr).unwrap();
        assert_eq!(url.origin(), "http://localhost:4321");
        let v6: SocketAddr = "[::1]:4321".parse().unwrap();
        assert_eq!(
            PublicUrl::resolve(None, v6).unwrap().origin(),
            "http://localhost:4321"
        );
        let lan: SocketAddr = "192.0.2.7:80".parse().unwrap();
        assert_eq!(
            PublicUrl::resolve(None, lan).unwrap().origin(),
            "http://192.0.2.7"
        );
        let url = PublicUrl::resolve(Some("https://a.example"), addr).unwrap();
        assert_eq!(url.origin(), "https://a.example");
    }
}
