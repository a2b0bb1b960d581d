//! A loopback SMTP server for the tests: the real server's lettre client delivers to it as to any
//! relay, and a test reads back what arrived. It speaks just enough SMTP for that client, without
//! TLS (no STARTTLS is offered): EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed up to CRLF.CRLF),
//! RSET, NOOP and QUIT; anything else gets 500. It can be stopped and started again on the same
//! port, which is what an SMTP outage and its end look like to the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Longest accepted command line and message, so a runaway client cannot fill the memory.
const MAX_LINE: usize = 4_096;
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
const BIND_RETRY: Duration = Duration::from_secs(10);

/// One message as it arrived: envelope recipients, raw bytes, and the parts a test reads.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// `RCPT TO` addresses, as the client sent them.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every header, in order, unfolded: (name, value).
    pub headers: Vec<(String, String)>,
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// Parses `raw` (RFC 5322, as written to the wire or to an `.eml` file).
    pub fn parse(to: Vec<String>, raw: &[u8]) -> Self {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .unwrap_or_else(|| panic!("not a mail:\n{}", String::from_utf8_lossy(raw)));
        let unfold = |value: &str| {
            value
                .replace("\r\n", "")
                .replace('\n', "")
                .trim()
                .to_owned()
        };
        Self {
            to,
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message.body_text(0).unwrap_or_default().into_owned(),
            html: message.body_html(0).unwrap_or_default().into_owned(),
            headers: message
                .headers_raw()
                .map(|(name, value)| (name.to_owned(), unfold(value)))
                .collect(),
            raw: raw.to_vec(),
        }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first `http(s)://…<path>?token=…` URL in the text part (`path` like `/verify-email`).
    pub fn link(&self, path: &str) -> String {
        let needle = format!("/{}?token=", path.trim_start_matches('/'));
        self.text
            .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .find(|word| {
                (word.starts_with("http://") || word.starts_with("https://"))
                    && word.contains(&needle)
            })
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {needle} link in the text part:\n{}", self.text))
    }

    /// The `token` parameter of [`link`](Self::link).
    pub fn token(&self, path: &str) -> String {
        let link = self.link(path);
        let (_, query) = link.split_once("token=").unwrap_or_default();
        query
            .split(['&', '#'])
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

pub struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    acceptor: JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Listens on `port` (0: any free one), retrying for a while if it is still taken (a sink
    /// stopped a moment ago, a server's connection in the way).
    pub async fn start_on(port: u16) -> Self {
        let deadline = tokio::time::Instant::now() + BIND_RETRY;
        let listener = loop {
            match bind(port) {
                Ok(listener) => break listener,
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen on 127.0.0.1:{port}: {e}"),
            }
        };
        let port = listener.local_addr().expect("a bound address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let acceptor = tokio::spawn(accept(listener, received.clone()));
        Self {
            port,
            received,
            acceptor,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// For `TOKENGATE_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The first message received for `to` (case-insensitive), waiting up to `timeout` for it;
    /// panics with what did arrive if none does.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            let found = messages
                .iter()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)));
            if let Some(message) = found {
                return message.clone();
            }
            if tokio::time::Instant::now() >= deadline {
                let got: Vec<String> = messages
                    .iter()
                    .map(|m| format!("{:?}: {}", m.to, m.subject))
                    .collect();
                panic!("no mail to {to} within {timeout:?}; received {got:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Closes the listener and every open connection.
    pub async fn stop(self) {
        self.acceptor.abort();
        let _ = self.acceptor.await;
    }
}

/// SO_REUSEADDR, so a port just given up can be listened on again at once.
fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(64)
}

/// Accepts until aborted; the connections live in `sessions`, so aborting this ends them too.
async fn accept(listener: TcpListener, received: Arc<Mutex<Vec<ReceivedMail>>>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    sessions.spawn(session(stream, received.clone()));
                }
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// One SMTP conversation; ends on QUIT, on a closed connection or on an I/O error.
async fn session(stream: TcpStream, received: Arc<Mutex<Vec<ReceivedMail>>>) {
    let _ = converse(stream, received).await;
}

async fn converse(
    stream: TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 tokengate-test-sink ESMTP\r\n")
        .await?;
    let mut sender: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader).await? else {
            return Ok(());
        };
        let line = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = line
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-tokengate-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 tokengate-test-sink\r\n",
            "MAIL" => {
                sender = Some(address(&line));
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" if sender.is_some() => {
                recipients.push(address(&line));
                b"250 OK\r\n"
            }
            "RCPT" => b"503 MAIL first\r\n",
            "DATA" if !recipients.is_empty() => {
                writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let Some(raw) = read_data(&mut reader).await? else {
                    return Ok(());
                };
                let mail = ReceivedMail::parse(std::mem::take(&mut recipients), &raw);
                if let Ok(mut all) = received.lock() {
                    all.push(mail);
                }
                sender = None;
                b"250 OK queued\r\n"
            }
            "DATA" => b"503 RCPT first\r\n",
            "RSET" => {
                sender = None;
                recipients.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"500 Command not recognised\r\n",
        };
        writer.write_all(reply).await?;
    }
}

/// One line including its CRLF; `None` at end of stream.
async fn read_line(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = (&mut *reader)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    Ok((read > 0).then_some(line))
}

/// The message after DATA: lines up to the lone `.`, a leading dot removed from each
/// (RFC 5321 4.5.2).
async fn read_data(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<Vec<u8>>> {
    let mut raw = Vec::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Ok(None);
        };
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(raw));
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if raw.len() + line.len() > MAX_MESSAGE {
            return Err(std::io::Error::other("message too large"));
        }
        raw.extend_from_slice(line);
    }
}

/// The address inside `<…>` of `MAIL FROM:<a@b> …` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_owned()
}
