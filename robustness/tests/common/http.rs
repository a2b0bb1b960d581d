//! Raw HTTP/1 over TCP: send exactly the bytes a test wrote, read back what the server did.
//!
//! No HTTP client library: they refuse to send the malformed requests these tests are about.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// How long one exchange may take before the server counts as hung.
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// What the server did with one request.
#[derive(Debug)]
pub enum Outcome {
    Answered(Response),
    /// The connection was closed or reset before a complete response; `partial` is what came.
    Closed {
        partial: Vec<u8>,
    },
    /// Neither a complete response nor a close before the deadline.
    Silent {
        partial: Vec<u8>,
    },
}

impl Outcome {
    /// The status of the response, or of whatever status line arrived before the close.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Answered(response) => Some(response.status),
            Outcome::Closed { partial } | Outcome::Silent { partial } => status_line(partial),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Answered(r) => write!(f, "answered {} {}", r.status, shown(&r.body, 300)),
            Outcome::Closed { partial } => write!(f, "closed after {}", shown(partial, 300)),
            Outcome::Silent { partial } => write!(f, "silent after {}", shown(partial, 300)),
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        values.next().map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The stable `error` code of a JSON error body.
    pub fn error_code(&self) -> Option<String> {
        Some(self.json()?.get("error")?.as_str()?.to_owned())
    }
}

/// One client connection; responses are read from it in order.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let connect = tokio::time::timeout(ANSWER_DEADLINE, TcpStream::connect(addr)).await;
        let stream = connect.map_err(|_| std::io::ErrorKind::TimedOut)??;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Writes `bytes`; a server that closes mid-request is not an error here (it may have
    /// answered first), so write failures are ignored and show up in the next read.
    pub async fn send(&mut self, bytes: &[u8]) {
        let _ = tokio::time::timeout(ANSWER_DEADLINE, self.stream.write_all(bytes)).await;
    }

    /// Tells the server nothing more is coming (FIN), so a request it waits on can end.
    pub async fn half_close(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// The next response, skipping `1xx`; `to_head` when it answers a HEAD (no body follows).
    pub async fn response(&mut self, to_head: bool, deadline: Instant) -> Outcome {
        loop {
            match parse(&self.buf, to_head, false) {
                Parsed::Informational(used) => {
                    self.buf.drain(..used);
                    continue;
                }
                Parsed::Complete(response, used) => {
                    self.buf.drain(..used);
                    return Outcome::Answered(response);
                }
                Parsed::Incomplete => {}
            }
            let mut chunk = [0u8; 16 * 1024];
            match timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return self.closed(to_head),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                // The bytes stay: a later call may still complete the response.
                Err(_) => {
                    return Outcome::Silent {
                        partial: self.buf.clone(),
                    }
                }
            }
        }
    }

    /// Waits until the server closes the connection; `Err` with what arrived if it did not.
    pub async fn closed_by_server(&mut self, deadline: Instant) -> Result<(), Vec<u8>> {
        let mut chunk = [0u8; 4096];
        loop {
            match timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => return Err(std::mem::take(&mut self.buf)),
            }
        }
    }

    /// Sends `bytes` one at a time, `interval` apart, until the server closes the connection
    /// (`Ok` with what it sent first) or `deadline` passes (`Err`).
    pub async fn trickle(
        &mut self,
        bytes: &[u8],
        interval: Duration,
        deadline: Instant,
    ) -> Result<Vec<u8>, Vec<u8>> {
        let mut received = Vec::new();
        let mut pending = bytes.iter().cycle();
        let mut next_byte = Instant::now() + interval;
        let mut chunk = [0u8; 4096];
        loop {
            tokio::select! {
                ready = self.stream.readable() => {
                    if ready.is_err() {
                        return Ok(received);
                    }
                    match self.stream.try_read(&mut chunk) {
                        Ok(0) => return Ok(received),
                        Ok(n) => received.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => return Ok(received),
                    }
                }
                _ = tokio::time::sleep_until(next_byte) => {
                    let byte = pending.next().copied().unwrap_or(b'a');
                    // A refused write means the server is gone; the read side confirms it.
                    let _ = self.stream.write_all(&[byte]).await;
                    next_byte += interval;
                }
                _ = tokio::time::sleep_until(deadline) => return Err(received),
            }
        }
    }

    fn closed(&mut self, to_head: bool) -> Outcome {
        match parse(&self.buf, to_head, true) {
            Parsed::Complete(response, _) => Outcome::Answered(response),
            _ => Outcome::Closed {
                partial: std::mem::take(&mut self.buf),
            },
        }
    }
}

/// `METHOD target HTTP/1.1` with a Host header and, when given, a JSON body.
pub fn request(method: &str, target: &str, json_body: Option<&str>) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
    if let Some(body) = json_body {
        head += "Content-Type: application/json\r\n";
        head += &format!("Content-Length: {}\r\n\r\n{body}", body.len());
    } else {
        head += "\r\n";
    }
    head.into_bytes()
}

/// `bytes` (a request from `request`) with one more header, right after the request line.
pub fn with_header(bytes: Vec<u8>, name: &str, value: &[u8]) -> Vec<u8> {
    let at = find(&bytes, b"\r\n").map_or(0, |i| i + 2);
    let line = [name.as_bytes(), b": ", value, b"\r\n"].concat();
    [&bytes[..at], &line, &bytes[at..]].concat()
}

/// Bytes as escaped ASCII, cut after `limit` characters: for failure messages.
pub fn shown(bytes: &[u8], limit: usize) -> String {
    let escaped: String = bytes.escape_ascii().to_string();
    if escaped.len() <= limit {
        return format!("\"{escaped}\"");
    }
    let cut = escaped
        .char_indices()
        .nth(limit)
        .map_or(escaped.len(), |(i, _)| i);
    format!("\"{}\"... ({} bytes)", &escaped[..cut], bytes.len())
}

fn status_line(bytes: &[u8]) -> Option<u16> {
    let rest = bytes.strip_prefix(b"HTTP/1.")?.get(2..5)?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

enum Parsed {
    Incomplete,
    Informational(usize),
    Complete(Response, usize),
}

fn parse(buf: &[u8], to_head: bool, at_eof: bool) -> Parsed {
    let Some(head_end) = find(buf, b"\r\n\r\n").map(|i| i + 4) else {
        return Parsed::Incomplete;
    };
    let Some(status) = status_line(buf) else {
        return Parsed::Incomplete;
    };
    if (100..200).contains(&status) {
        return Parsed::Informational(head_end);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let response = |body: Vec<u8>| Response {
        status,
        headers: headers.clone(),
        body,
    };
    let rest = &buf[head_end..];
    let value = |name: &str| {
        let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.next().map(|(_, v)| v.to_ascii_lowercase())
    };
    if to_head || status == 204 || status == 304 {
        return Parsed::Complete(response(Vec::new()), head_end);
    }
    if value("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        return match dechunk(rest) {
            Some((body, used)) => Parsed::Complete(response(body), head_end + used),
            None => Parsed::Incomplete,
        };
    }
    if let Some(length) = value("content-length").and_then(|v| v.parse::<usize>().ok()) {
        return match rest.get(..length) {
            Some(body) => Parsed::Complete(response(body.to_vec()), head_end + length),
            None => Parsed::Incomplete,
        };
    }
    // Delimited by the close.
    if at_eof {
        Parsed::Complete(response(rest.to_vec()), buf.len())
    } else {
        Parsed::Incomplete
    }
}

/// A complete chunked body (with trailers) and how many bytes it took.
fn dechunk(mut rest: &[u8]) -> Option<(Vec<u8>, usize)> {
    let total = rest.len();
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_field = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_hex = size_field.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            let trailers_end = if rest.starts_with(b"\r\n") {
                2
            } else {
                find(rest, b"\r\n\r\n")? + 4
            };
            return Some((body, total - rest.len() + trailers_end));
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
