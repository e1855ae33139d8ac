//! Reading messages: one JSON object, one object per line (`--jsonl`), or
//! the raw `application/x-www-form-urlencoded` body of a callback.

use serde_json::{Map, Value};

/// How the input is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputKind {
    /// JSON when the text starts with `{`, else a form body.
    Auto,
    /// A JSON object.
    Json,
    /// A raw form body or query string (`Data=…&Seal=…`, `Mt=…&Sign=…`).
    Form,
}

/// One message, as read.
#[derive(Debug, Clone)]
pub struct Message {
    /// The fields, in message order. Form values are form-decoded.
    pub fields: Map<String, Value>,
    /// The raw text of a form body, exactly as received.
    pub raw_form: Option<String>,
    /// A form body's first name given twice (`fields` keeps one value of
    /// it: a map cannot hold two). Refused where the scheme is known
    /// ([`given_twice`]): all but a Paybox return, whose RSA signature
    /// covers the query string as Paybox wrote it and is only checked.
    pub repeated: Option<String>,
}

/// Why a message that gives a name twice is refused, JSON or form: the
/// gateway and the merchant may each take one value (PHP keeps a form's
/// last, other readers the first; JSON readers one or the other), and a
/// seal says nothing of which.
pub fn given_twice(name: &str) -> String {
    format!(
        "the field {} is given twice: which value is meant? (readers keep one or the other: the gateway's and yours may disagree; keep one)",
        gateways::show(name)
    )
}

/// A message that cannot be judged: what is wrong with it, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

impl From<String> for Unreadable {
    fn from(s: String) -> Unreadable {
        Unreadable(s)
    }
}

impl From<&str> for Unreadable {
    fn from(s: &str) -> Unreadable {
        Unreadable(s.to_string())
    }
}

impl From<gateways::Invalid> for Unreadable {
    fn from(e: gateways::Invalid) -> Unreadable {
        Unreadable(e.0)
    }
}

/// Where a record starts, for messages: `name:line`.
#[derive(Debug, Clone)]
pub struct Location {
    pub name: String,
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.name, self.line)
    }
}

/// Split the input into records: the whole input, or one per non-blank
/// line with `--jsonl`. Each comes with its first line number.
pub fn records(input: &[u8], jsonl: bool) -> Vec<(usize, &[u8])> {
    if !jsonl {
        // The message starts past its blank lines; an input of blank lines
        // only has none, and is said at its first line (not past its end).
        let blank = input.iter().take_while(|b| b.is_ascii_whitespace());
        let line = match blank.clone().count() == input.len() {
            true => 1,
            false => 1 + blank.filter(|b| **b == b'\n').count(),
        };
        return vec![(line, input)];
    }
    input
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(|b| b.is_ascii_whitespace()))
        .map(|(i, l)| (i + 1, l))
        .collect()
}

/// Parse one record. `Err` holds a message that names the position in the
/// record (`line:column: …`), relative to the record's first line.
/// The largest message read, in bytes: a Paybox Direct request or a
/// Paybox System form is a few KiB, a Sips JSON message a few tens of
/// KiB; a longer one is no gateway's message, and is refused before it
/// is held whole (docs/seal.md, "Limits").
pub const MAX_MESSAGE: usize = paylot_cli::limits::MESSAGE as usize;

/// What is said of a message longer than [`MAX_MESSAGE`] (its reading
/// stops one byte past it).
pub fn too_long(first_line: usize) -> Unreadable {
    Unreadable(format!(
        "{first_line}: a message of more than {} MiB: no gateway's message is that long (a Paybox Direct request is a few KiB, a Sips JSON message a few tens of KiB); not read past that (is this the file meant? with --jsonl, one message a line)",
        MAX_MESSAGE >> 20
    ))
}

pub fn parse(bytes: &[u8], kind: InputKind, first_line: usize) -> Result<Message, Unreadable> {
    if bytes.len() > MAX_MESSAGE {
        return Err(too_long(first_line));
    }
    if let Some(found) = paylot_cli::encoding::foreign(bytes) {
        // Said once, at the start: every byte after would say the same.
        let m = found.message("");
        return Err(Unreadable(format!("{first_line}:1{m}")));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, col) = line_col(&bytes[..at], first_line);
        format!(
            "{line}:{col}: {}",
            paylot_cli::encoding::not_utf8(bytes[at], None)
        )
    })?;
    let trimmed = text
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let kind = match kind {
        InputKind::Auto if looks_like_form(trimmed) => InputKind::Form,
        InputKind::Auto => InputKind::Json,
        k => k,
    };
    match kind {
        InputKind::Json => parse_json(trimmed, first_line),
        _ => Ok(parse_form(trimmed)),
    }
}

/// A form body is `name=value` pairs: it has an `=` and does not start
/// like a JSON value.
fn looks_like_form(text: &str) -> bool {
    let t = text.trim_start();
    let json_start =
        t.starts_with(['{', '[', '"', '-']) || t.starts_with(|c: char| c.is_ascii_digit());
    !json_start && t.contains('=')
}

fn line_col(before: &[u8], first_line: usize) -> (usize, usize) {
    let line = first_line + before.iter().filter(|b| **b == b'\n').count();
    let col = 1 + before.iter().rev().take_while(|b| **b != b'\n').count();
    (line, col)
}

fn parse_json(text: &str, first_line: usize) -> Result<Message, Unreadable> {
    if text.trim().is_empty() {
        return Err(format!("{first_line}: empty input: expected a JSON object").into());
    }
    // Numbers as written: the seal covers their text (gateways::seal::tree::parse).
    let value: Value = gateways::seal::tree::parse(text).map_err(|e| {
        let line = first_line + e.line().saturating_sub(1);
        let what = e.to_string();
        let what = match what.find(" at line ") {
            Some(at) => what[..at].to_string(),
            None => what,
        };
        // More after the object: on a later line, a file of JSON Lines
        // read whole; on the object's own line, --jsonl would not help
        // (it said so to a --jsonl run too): a lone CR ends no line.
        let hint = if !what.contains("trailing characters") {
            ""
        } else if e.line() > 1 {
            " (for one object per line, use --jsonl)"
        } else if text.contains('\r') {
            " (lines end with a lone CR, which ends no line: one object per line with \\n \
             endings, tr '\\r' '\\n' converts)"
        } else {
            " (one JSON object a message; with --jsonl, one a line: put the next on a line \
             of its own)"
        };
        Unreadable(format!(
            "{line}:{}: malformed JSON: {what}{hint}",
            e.column().max(1)
        ))
    })?;
    if let Some(name) = gateways::seal::tree::repeated_name(text.as_bytes()) {
        return Err(Unreadable(format!("{first_line}: {}", given_twice(&name))));
    }
    match value {
        Value::Object(fields) => Ok(Message {
            fields,
            raw_form: None,
            repeated: None,
        }),
        other => Err(Unreadable(format!(
            "{first_line}: expected a JSON object, found {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A form body: the pairs form-decoded (`+` is a space, `%XX` a byte), and
/// the raw text kept, since some seals cover it as received.
pub fn parse_form(raw: &str) -> Message {
    let mut fields = Map::new();
    let mut repeated = None;
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let k = k.into_owned();
        if fields.contains_key(&k) {
            repeated.get_or_insert_with(|| k.clone());
        }
        fields.insert(k, Value::String(v.into_owned()));
    }
    Message {
        fields,
        raw_form: Some(raw.to_string()),
        repeated,
    }
}

/// The fields as ordered `(name, text)` pairs, for the flat schemes.
pub fn flat_pairs<'a>(
    fields: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Result<Vec<(String, String)>, Unreadable> {
    fields
        .into_iter()
        .map(|(k, v)| match gateways::seal::scalar_text(v) {
            Some(t) => Ok((k.clone(), t)),
            None => Err(Unreadable(format!(
                "field \"{k}\" is {}: this scheme takes flat fields only",
                kind_of(v)
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_records_keep_their_line_numbers() {
        let r = records(b"{}\n\n{\"a\":1}\n", true);
        assert_eq!(r.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(b"{\n \"a\": 1,\n}", InputKind::Json, 1)
            .unwrap_err()
            .0;
        assert!(e.starts_with("3:1: malformed JSON"), "{e}");
        let e = parse(b"{\"a\": \"\xe9\"}", InputKind::Json, 4)
            .unwrap_err()
            .0;
        assert!(e.starts_with("4:8: byte 0xE9 is not UTF-8"), "{e}");
        assert!(e.contains("iconv -f WINDOWS-1252 -t UTF-8"), "{e}");
        let utf16: Vec<u8> = "{\"a\":\"1\"}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let e = parse(&utf16, InputKind::Json, 1).unwrap_err().0;
        assert!(
            e.starts_with("1:1: the file is UTF-16 (little-endian)"),
            "{e}"
        );
        let e = parse(b"[1]", InputKind::Json, 1).unwrap_err().0;
        assert_eq!(e, "1: expected a JSON object, found an array");
        let e = parse(
            br#"{"a":{"responseCode":"05","responseCode":"00"}}"#,
            InputKind::Json,
            2,
        )
        .unwrap_err()
        .0;
        assert!(
            e.starts_with("2: the field \"responseCode\" is given twice"),
            "{e}"
        );
    }

    #[test]
    fn forms_are_decoded_and_kept_raw() {
        let m = parse(b"Data=a%3D1%7Cb%3D2&Seal=x+y", InputKind::Auto, 1).unwrap();
        assert_eq!(m.fields["Data"], "a=1|b=2");
        assert_eq!(m.fields["Seal"], "x y");
        assert_eq!(m.raw_form.as_deref(), Some("Data=a%3D1%7Cb%3D2&Seal=x+y"));
    }
}
