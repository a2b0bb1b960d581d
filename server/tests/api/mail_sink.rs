//! The test SMTP sink itself: what lettre's client sends is what a test reads back, byte for
//! byte where SMTP could garble it (dot-stuffed lines, quoted-printable UTF-8), and a sink
//! stopped and started again on its port looks like an outage that ends.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::helpers::smtp::SmtpSink;

const LINK: &str = "http://127.0.0.1:3000/verify-email?token=Zm9v_YmFy-42";
const WAIT: Duration = Duration::from_secs(5);

fn client(port: u16) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .timeout(Some(Duration::from_secs(5)))
        .build()
}

fn message(to: &str, text: &str) -> Message {
    Message::builder()
        .from("Tokengate <no-reply@localhost>".parse().unwrap())
        .to(to.parse().unwrap())
        .subject("Grüße: confirm ✓")
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .header(ContentTransferEncoding::QuotedPrintable)
                        .body(text.to_owned()),
                )
                .singlepart(SinglePart::html(format!(
                    "<p><a href=\"{LINK}\">ok</a></p>"
                ))),
        )
        .unwrap()
}

#[tokio::test]
async fn a_message_sent_with_lettre_reads_back_intact() {
    let sink = SmtpSink::start().await;
    let text = format!(
        "Grüße, Zoë — ünïcödé forces quoted-printable.\n.\n.. two dots\n.starts with a dot\n\n{LINK}\n"
    );

    client(sink.port())
        .send(message("Alice <alice@example.com>", &text))
        .await
        .unwrap();

    let mail = sink.wait_for("ALICE@example.com", WAIT).await;
    assert_eq!(mail.to, ["alice@example.com"]);
    assert_eq!(mail.subject, "Grüße: confirm ✓");
    assert_eq!(mail.text.replace("\r\n", "\n"), text);
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(
        raw.contains("Content-Transfer-Encoding: quoted-printable"),
        "{raw}"
    );
    assert!(
        raw.contains("\r\n.. two dots\r\n"),
        "unstuffed wrongly: {raw}"
    );
    assert!(mail.html.contains(LINK), "{}", mail.html);
    assert_eq!(mail.header("From"), Some("Tokengate <no-reply@localhost>"));
    assert_eq!(mail.link("/verify-email"), LINK);
    assert_eq!(mail.token("verify-email"), "Zm9v_YmFy-42");
    assert_eq!(sink.messages().len(), 1);
    sink.stop().await;
}

#[tokio::test]
async fn a_sink_stopped_and_started_again_on_its_port_is_an_outage_that_ends() {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    sink.stop().await;

    let during = client(port)
        .send(message("bob@example.com", "first try\n"))
        .await;
    let sink = SmtpSink::start_on(port).await;
    let after = client(port)
        .send(message("bob@example.com", "second try\n"))
        .await;

    assert!(during.is_err(), "a stopped sink accepted mail");
    assert!(after.is_ok(), "{after:?}");
    let mail = sink.wait_for("bob@example.com", WAIT).await;
    assert_eq!(mail.text.trim_end(), "second try");
    assert_eq!(sink.url(), format!("smtp://127.0.0.1:{port}"));
}
