//! The one layout of every mail, rendered twice from the same blocks: as plain text and as HTML,
//! so that the two parts cannot say different things. Every value is escaped for HTML here, in
//! one place; values from elsewhere (a user agent is whatever the client sent) go through
//! [`value`] first, which keeps them on one line and short. No remote styles, no images: the
//! HTML stands alone.

use html_escape::{encode_double_quoted_attribute, encode_text};

use super::templates::{Context, Rendered};
use crate::time_fmt::utc_datetime;

/// A value shown in a mail is cut to this many characters.
const MAX_VALUE_CHARS: usize = 200;
const FOOTER: &str = "This is an automatic message from Tokengate.";

/// One piece of a mail's body.
pub(super) enum Block<'a> {
    /// A paragraph of plain words (escaped in HTML).
    Para(String),
    /// A link, written out in full in both parts so that it can be checked and copied.
    Link { label: &'a str, url: &'a str },
    /// Where a change came from: when, which browser, which address.
    Details(&'a str, &'a Context),
}

/// The subject and both parts of a mail made of `blocks`.
pub(super) fn render(subject: &str, blocks: &[Block<'_>]) -> Rendered {
    let mut text = Vec::new();
    let mut html = Vec::new();
    for block in blocks {
        match block {
            Block::Para(words) => {
                text.push(words.clone());
                html.push(format!("<p>{}</p>", encode_text(words)));
            }
            Block::Link { label, url } => {
                let url = one_line(url);
                text.push(format!("{label}:\n{url}"));
                html.push(format!(
                    "<p>{}:<br><a href=\"{}\">{}</a></p>",
                    encode_text(label),
                    encode_double_quoted_attribute(&url),
                    encode_text(&url)
                ));
            }
            Block::Details(intro, ctx) => {
                let rows = details(ctx);
                let lines: Vec<String> = rows.iter().map(|(k, v)| format!("  {k}: {v}")).collect();
                text.push(format!("{intro}\n{}", lines.join("\n")));
                let items: String = rows
                    .iter()
                    .map(|(k, v)| format!("<li>{k}: {}</li>", encode_text(v)))
                    .collect();
                html.push(format!("<p>{}</p><ul>{items}</ul>", encode_text(intro)));
            }
        }
    }
    text.push(format!("-- \n{FOOTER}"));
    html.push(format!("<hr><p><small>{FOOTER}</small></p>"));
    let subject = one_line(subject);
    Rendered {
        text: text.join("\n\n") + "\n",
        html: format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
             <body style=\"font-family: sans-serif; line-height: 1.5\">\n{}\n</body></html>\n",
            encode_text(&subject),
            html.join("\n")
        ),
        subject,
    }
}

/// "1 hour", "24 hours".
pub(super) fn count(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn details(ctx: &Context) -> [(&'static str, String); 3] {
    let or_unknown = |shown: &str| {
        let shown = value(shown);
        if shown.is_empty() {
            "unknown".to_owned()
        } else {
            shown
        }
    };
    [
        ("When", utc_datetime(ctx.when)),
        ("Browser", or_unknown(&ctx.user_agent)),
        ("IP address", or_unknown(&ctx.client_address)),
    ]
}

/// A value from elsewhere (a username, a user agent) as a mail shows it: on one line, and cut
/// when long.
pub(super) fn value(shown: &str) -> String {
    let line = one_line(shown);
    match line.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Control characters (line breaks included) become spaces; the ends are trimmed.
fn one_line(shown: &str) -> String {
    let line: String = shown
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_on_several_lines_becomes_one() {
        assert_eq!(value(" a\r\nBcc: x@y\tz "), "a  Bcc: x@y z");
    }

    #[test]
    fn a_long_value_is_cut() {
        let long = "x".repeat(500);

        assert_eq!(value(&long).chars().count(), MAX_VALUE_CHARS + 1);
        assert!(value(&long).ends_with('…'));
    }

    #[test]
    fn counts_are_singular_or_plural() {
        assert_eq!(count(1, "hour"), "1 hour");
        assert_eq!(count(24, "hour"), "24 hours");
    }
}
