//! Facts about the request being answered, each decided in one place: the client's address
//! (through trusted proxies only) and its throttle key, the user agent, and whether a browser
//! sent the request from another origin.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ipnet::IpNet;

use super::public_url::PublicUrl;
use crate::error::ApiError;

/// Runs `f` on the request a server function is answering (Leptos keeps its parts in context).
pub fn with_parts<T>(f: impl FnOnce(&Parts) -> T) -> Result<T, ApiError> {
    leptos::prelude::with_context::<Parts, _>(f).ok_or_else(|| {
        tracing::error!("request parts missing from the server-function context");
        ApiError::internal()
    })
}

/// The current request's client address (see `client_address`).
pub fn client_ip(trusted: &TrustedProxies) -> Result<IpAddr, ApiError> {
    with_parts(|parts| client_ip_of(parts, trusted))
}

/// The client address of the request `parts` belong to (for plain axum handlers).
pub fn client_ip_of(parts: &Parts, trusted: &TrustedProxies) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(a)| a.ip());
    client_address(peer, &parts.headers, trusted)
}

/// The throttle key of the current request's client (see `client_address`, `address_key`).
pub fn client_key(trusted: &TrustedProxies) -> Result<String, ApiError> {
    client_ip(trusted).map(address_key)
}

/// `TOKENGATE_TRUSTED_PROXIES`: the reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, thiserror::Error)]
#[error("TOKENGATE_TRUSTED_PROXIES: {0:?} is not an IP address or CIDR range")]
pub struct TrustedProxiesError(String);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, ::1`).
    pub fn parse(list: &str) -> Result<Self, TrustedProxiesError> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| TrustedProxiesError(item.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address. The TCP peer, unless the peer is a trusted proxy: then the rightmost
/// hop of `Forwarded` (or, without it, `X-Forwarded-For`) that is not itself a trusted proxy.
/// Hops to the left of that one were written by the client and are never believed; an
/// unreadable hop stops the walk at the last trusted address.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if trusted.is_empty() || !trusted.contains(peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(*ip);
                if !trusted.contains(client) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The throttle key of an address: IPv4 as it is, IPv6 by its /64, which one subscriber or host
/// usually gets whole (counting single IPv6 addresses would let one host rotate through 2^64).
pub fn address_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, dual-stack sockets) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Every hop the forwarding headers list, left (client) to right (nearest proxy); `None` for a
/// hop that is not an address (`unknown`, an obfuscated name, garbage).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// True when a browser sent this request from a page of another origin. `Sec-Fetch-Site` is
/// decisive where sent (every current browser): only `same-origin` and `none` (typed by the
/// user) pass. Without it, an `Origin` must equal the public URL's. Requests with neither are not
/// from a browser's cross-site context (curl, other services) and pass.
pub fn is_cross_origin(headers: &HeaderMap, public_url: &PublicUrl) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    match headers.get(header::ORIGIN) {
        None => false,
        Some(origin) => !origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(public_url.origin())),
    }
}

/// The request's `User-Agent` (for the sessions list), at most 256 characters.
pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(256).collect())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let none = TrustedProxies::default();
        assert_eq!(client_address(ip("10.0.0.1"), &h, &none), ip("10.0.0.1"));
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        // The client forged the first entry; the proxies appended the real address and each other.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")]);
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_is_parsed_per_rfc_7239() {
        let h = headers(&[
            (
                "forwarded",
                "for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\";proto=https",
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        let trusted = TrustedProxies::parse("::1, 127.0.0.1").unwrap();
        let client = client_address(ip("127.0.0.1"), &h, &trusted);
        assert_eq!(client, ip("2001:db8:cafe::17"));
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9, garbage")]);
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn ipv6_addresses_share_a_key_per_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            address_key(ip("2001:db8:1:2:ffff::9")),
            address_key(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:3::1")),
            address_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(address_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }

    #[test]
    fn bad_proxy_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse(" ").unwrap().is_empty());
    }

    #[test]
    fn cross_origin_is_decided_by_sec_fetch_site_then_origin() {
        let url = PublicUrl::parse("https://auth.example").unwrap();
        assert!(!is_cross_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &url
        ));
        assert!(!is_cross_origin(
            &headers(&[("sec-fetch-site", "none")]),
            &url
        ));
        assert!(is_cross_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            &url
        ));
        assert!(is_cross_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &url
        ));
        assert!(!is_cross_origin(
            &headers(&[("origin", "https://auth.example")]),
            &url
        ));
        assert!(is_cross_origin(
            &headers(&[("origin", "https://evil.example")]),
            &url
        ));
        assert!(is_cross_origin(&headers(&[("origin", "null")]), &url));
        assert!(!is_cross_origin(&headers(&[]), &url));
    }
}
