//! Input text is UTF-8. A file in another encoding is named as such,
//! with the command that converts it, in one message — not a cascade of
//! "not valid UTF-8" and "missing field" for every value of it: UTF-16
//! and UTF-32 are recognised by their byte-order mark or their zero bytes
//! before anything is read; bytes that are not UTF-8 are most often
//! ISO-8859-1 / Windows-1252 (a French spreadsheet export: `é` is 0xE9).

/// A text encoding found where UTF-8 was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    Utf16 {
        big_endian: bool,
    },
    Utf32 {
        big_endian: bool,
    },
    /// UTF-16 that starts with its byte-order mark (which iconv reads).
    Utf16Marked,
}

impl Foreign {
    /// The name `iconv -f` takes.
    pub fn iconv_name(self) -> &'static str {
        match self {
            Foreign::Utf16 { big_endian: false } => "UTF-16LE",
            Foreign::Utf16 { big_endian: true } => "UTF-16BE",
            Foreign::Utf32 { big_endian: false } => "UTF-32LE",
            Foreign::Utf32 { big_endian: true } => "UTF-32BE",
            Foreign::Utf16Marked => "UTF-16",
        }
    }

    /// The message for `input` (already quoted).
    pub fn message(self, input: &str) -> String {
        let what = match self {
            Foreign::Utf16 { big_endian: false } => "UTF-16 (little-endian)",
            Foreign::Utf16 { big_endian: true } => "UTF-16 (big-endian)",
            Foreign::Utf16Marked => "UTF-16 (with a byte-order mark)",
            Foreign::Utf32 { big_endian: false } => "UTF-32 (little-endian)",
            Foreign::Utf32 { big_endian: true } => "UTF-32 (big-endian)",
        };
        format!(
            "{input}: the file is {what}, not UTF-8: convert it with iconv -f {} -t UTF-8 FILE > FILE.utf8",
            self.iconv_name()
        )
    }
}

/// The encoding the first bytes of a text show, when it is not UTF-8
/// (nor ASCII): a UTF-16 or UTF-32 byte-order mark, or the zero bytes that
/// ASCII characters have in UTF-16 and UTF-32.
pub fn foreign(head: &[u8]) -> Option<Foreign> {
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Some(Foreign::Utf32 { big_endian: false });
    }
    if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(Foreign::Utf32 { big_endian: true });
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some(Foreign::Utf16Marked);
    }
    // No mark: ASCII text in UTF-16 has a zero byte in every other place.
    let sample = &head[..head.len().min(512) & !3];
    if sample.len() < 4 {
        return None;
    }
    let zeros = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    // Of the bytes at even and at odd places, how many are zero.
    let half = sample.len() / 2;
    let (even, odd) = (zeros(0), zeros(1));
    if odd > half / 2 && even < half / 8 {
        return Some(Foreign::Utf16 { big_endian: false });
    }
    if even > half / 2 && odd < half / 8 {
        return Some(Foreign::Utf16 { big_endian: true });
    }
    None
}

/// What to say of a byte that is not UTF-8 in a text, and how to fix it:
/// `extra` is a tool's own way (`give --encoding windows-1252`).
pub fn not_utf8(byte: u8, extra: Option<&str>) -> String {
    let guess = if byte >= 0x80 {
        format!(
            "byte 0x{byte:02X} is not UTF-8: the file looks like ISO-8859-1 or Windows-1252 text (a spreadsheet export; é is 0xE9 there): convert it with iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8"
        )
    } else {
        format!("byte 0x{byte:02X} is not UTF-8 text: convert the file to UTF-8")
    };
    match extra {
        Some(e) => format!("{guess}, or {e}"),
        None => guess,
    }
}

/// Strip a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units: Vec<u16> = if bom {
            std::iter::once(0xFEFF).chain(text.encode_utf16()).collect()
        } else {
            text.encode_utf16().collect()
        };
        for u in units {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn utf16_with_and_without_a_mark() {
        let csv = "type,amount,currency\nauthorize,1000,EUR\n";
        for be in [false, true] {
            for bom in [false, true] {
                let want = if bom {
                    Foreign::Utf16Marked
                } else {
                    Foreign::Utf16 { big_endian: be }
                };
                assert_eq!(foreign(&utf16(csv, be, bom)), Some(want), "{be} {bom}");
            }
        }
        assert_eq!(foreign(csv.as_bytes()), None);
        assert_eq!(foreign("é,à\n".as_bytes()), None);
        assert_eq!(
            foreign(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0]),
            Some(Foreign::Utf32 { big_endian: false })
        );
        assert!(Foreign::Utf16 { big_endian: false }
            .message("\"x.csv\"")
            .contains("iconv -f UTF-16LE -t UTF-8"));
    }

    #[test]
    fn latin1_is_named_with_its_fix() {
        let m = not_utf8(0xE9, Some("give --encoding windows-1252"));
        assert!(
            m.contains("0xE9")
                && m.contains("iconv -f WINDOWS-1252 -t UTF-8")
                && m.ends_with("give --encoding windows-1252"),
            "{m}"
        );
    }
}
