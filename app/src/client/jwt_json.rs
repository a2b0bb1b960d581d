//! The JSON of a JWT segment, parsed just enough to show it and to read `iat`/`exp`.
//!
//! `serde_json::Value` does the same, but in the WASM it costs about 10 KB more (a map type,
//! generic (de)serializers, float formatting). The result here is the same as with `Value`:
//! the same documents are accepted, and `pretty` prints what `serde_json::to_string_pretty`
//! prints (keys sorted, the last of duplicate keys kept), which the tests check against
//! serde_json itself. One difference, never met in our tokens: a number serde_json would read as
//! a float (a fraction, an exponent, `-0`, beyond 64 bits) is shown as written, where serde_json
//! reformats it (and refuses one beyond the `f64` range).

/// A parsed JSON value. Objects keep their keys sorted and unique.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// As written; `int` is its value if it is an integer that fits in an `i64`.
    Number {
        text: String,
        int: Option<i64>,
    },
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// serde_json's nesting limit: a document nested this deep is refused.
const MAX_DEPTH: usize = 128;

impl Json {
    /// Parses a complete JSON document; `None` if it is not valid JSON.
    pub fn parse(bytes: &[u8]) -> Option<Json> {
        let mut parser = Parser { bytes, pos: 0 };
        let value = parser.value(MAX_DEPTH)?;
        parser.skip_whitespace();
        (parser.pos == bytes.len()).then_some(value)
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An integer that fits in an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number { int, .. } => *int,
            _ => None,
        }
    }

    /// Indented by two spaces, as `serde_json::to_string_pretty` does.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, level: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number { text, .. } => out.push_str(text),
            Json::String(s) => write_string(out, s),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    new_line(out, level + 1, i > 0);
                    item.write_pretty(out, level + 1);
                }
                new_line(out, level, false);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    new_line(out, level + 1, i > 0);
                    write_string(out, key);
                    out.push_str(": ");
                    value.write_pretty(out, level + 1);
                }
                new_line(out, level, false);
                out.push('}');
            }
        }
    }
}

fn new_line(out: &mut String, level: usize, after_item: bool) {
    if after_item {
        out.push(',');
    }
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// A JSON string literal, escaped as serde_json escapes it.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[c as usize >> 4] as char);
                out.push(HEX[c as usize & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Option<Json> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word.as_bytes()).then(|| {
            self.pos = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        self.skip_whitespace();
        match self.peek()? {
            b'n' => self.literal("null", Json::Null),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' => {
                let depth = depth.checked_sub(1).filter(|d| *d > 0)?;
                self.pos += 1;
                let mut items = Vec::new();
                if !self.close(b']') {
                    loop {
                        items.push(self.value(depth)?);
                        if self.close(b']') {
                            break;
                        }
                        self.comma()?;
                    }
                }
                Some(Json::Array(items))
            }
            b'{' => {
                let depth = depth.checked_sub(1).filter(|d| *d > 0)?;
                self.pos += 1;
                let mut members: Vec<(String, Json)> = Vec::new();
                if !self.close(b'}') {
                    loop {
                        self.skip_whitespace();
                        if self.peek()? != b'"' {
                            return None;
                        }
                        let key = self.string()?;
                        self.skip_whitespace();
                        if self.next()? != b':' {
                            return None;
                        }
                        let value = self.value(depth)?;
                        // Like serde_json's default map: sorted keys, the last duplicate wins.
                        match members.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
                            Ok(i) => members[i].1 = value,
                            Err(i) => members.insert(i, (key, value)),
                        }
                        if self.close(b'}') {
                            break;
                        }
                        self.comma()?;
                    }
                }
                Some(Json::Object(members))
            }
            _ => self.number(),
        }
    }

    /// Consumes `closing` (after whitespace) if it comes next.
    fn close(&mut self, closing: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(closing);
        if found {
            self.pos += 1;
        }
        found
    }

    fn comma(&mut self) -> Option<()> {
        (self.next()? == b',').then_some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.digits() {
            0 => return None,
            n if n > 1 && self.bytes[int_start] == b'0' => return None,
            _ => {}
        }
        // The magnitude, unless it overflows 64 bits.
        let magnitude = self.bytes[int_start..self.pos]
            .iter()
            .try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            });
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits().checked_sub(1)?;
            integer = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.digits().checked_sub(1)?;
            integer = false;
        }
        // serde_json prints an integer as written (the grammar allows no other form); `-0` and
        // integers beyond 64 bits it reads as floats.
        let int = match (integer, negative, magnitude) {
            (true, false, Some(n)) => i64::try_from(n).ok(),
            (true, true, Some(n)) if n != 0 && n <= 1 << 63 => Some((n as i64).wrapping_neg()),
            _ => None,
        };
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
        Some(Json::Number {
            text: text.to_owned(),
            int,
        })
    }

    /// A string literal (the cursor is on its opening quote), unescaped.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                byte if byte < b' ' => return None,
                byte => out.push(byte),
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.next()? != b'\\' || self.next()? != b'u' {
                    return None;
                }
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            code => code,
        };
        char::from_u32(code)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        digits
            .iter()
            .try_fold(0, |n, &d| Some((n << 4) | char::from(d).to_digit(16)?))
    }
}

#[cfg(test)]
mod tests;
