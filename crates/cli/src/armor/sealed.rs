//! The one test of "is this text exactly one armored, encrypted OpenPGP
//! message": the armor read line by line, its base64 decoded and its
//! checksum checked, the packets it holds judged (`packets.rs`).

use super::packets::Packets;
use super::{BEGIN_MESSAGE, END_MESSAGE};

/// Why an element's content (or a file) is not one armored, encrypted
/// OpenPGP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsealed {
    /// It does not begin with a `BEGIN PGP MESSAGE` line: clear content.
    NotArmored,
    /// An armor line is there, but what follows is not a well-formed
    /// armored message, or something stands beside it. Where (the line,
    /// counted from the content's first line) and what, in words.
    Armor { line: u64, what: String },
    /// The armor is sound, but the packets it holds are not an encrypted
    /// message (a signed-only or literal message, garbage, a truncated
    /// one). What, in words.
    NotEncrypted(String),
}

impl Unsealed {
    /// The line of the content it is on, where there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Unsealed::Armor { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// In words, for a message that names the element or file (and the
    /// [`line`](Self::line)) before it.
    pub fn describe(&self) -> String {
        match self {
            Unsealed::NotArmored => "is in clear (not an armored OpenPGP message)".into(),
            Unsealed::Armor { what, .. } => {
                format!("is not one armored OpenPGP message and nothing else: {what}")
            }
            Unsealed::NotEncrypted(what) => {
                format!("holds an armor that is not an encrypted OpenPGP message: {what}")
            }
        }
    }
}

/// The longest armor line read (RFC 9580 §6.3 says 76 characters; a
/// bound keeps the memory of a hostile line constant).
const MAX_LINE: usize = 1024;

/// Tells, streaming and in constant memory, whether some text is exactly
/// one armored OpenPGP message that is encrypted (RFC 9580 §6.2, §10.3):
/// white space, the `BEGIN PGP MESSAGE` line, armor headers, a blank
/// line, base64, an optional checksum, the `END PGP MESSAGE` line, white
/// space, and nothing else; and, decoded, its packets are one or more
/// session keys (PKESK, tag 1, or SKESK, tag 3) followed by the one
/// integrity-protected encrypted data packet (SEIPD, tag 18, or the AEAD
/// packet, tag 20) that runs to the end. A signature is inside the
/// encryption (sign, then encrypt: shared/spec/pgp-envelope.md), so
/// that it is there cannot be seen from outside. The one test of "is this
/// an encrypted message" every tool uses (dropwatch check before an
/// upload, pgpwrap decrypt --element before decrypting).
#[derive(Debug)]
pub struct SealedCheck {
    stage: Stage,
    /// The line being read (a prefix of it, bounded).
    line: Vec<u8>,
    line_no: u64,
    /// Base64 characters waiting to make a quartet.
    quartet: [u8; 4],
    filled: usize,
    /// A `=` was seen: the body's data is over.
    padded: bool,
    crc: u32,
    packets: Packets,
    failed: Option<Unsealed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Leading,
    Headers,
    Body,
    Checksum,
    Trailing,
}

impl Default for SealedCheck {
    fn default() -> Self {
        SealedCheck {
            stage: Stage::Leading,
            line: Vec::new(),
            line_no: 1,
            quartet: [0; 4],
            filled: 0,
            padded: false,
            crc: CRC24_INIT,
            packets: Packets::default(),
            failed: None,
        }
    }
}

impl SealedCheck {
    pub fn new() -> Self {
        Self::default()
    }

    /// Read more of the text. Once it has failed, the rest is ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.failed.is_some() {
                return;
            }
            if b == b'\n' {
                self.end_line();
                self.line_no += 1;
            } else if self.line.len() < MAX_LINE {
                self.line.push(b);
            } else {
                self.fail_armor("a line longer than 1,024 characters".into());
            }
        }
    }

    /// The text is an element's content and markup (`<`) comes next: a
    /// tag, a comment, CDATA. Between the BEGIN and END lines, that is
    /// markup inside the armor (clear XML dressed as a message).
    pub fn markup(&mut self) {
        if self.failed.is_none()
            && matches!(self.stage, Stage::Headers | Stage::Body | Stage::Checksum)
        {
            self.fail_armor(
                "'<' (markup) inside the armored message, where only base64 may stand".into(),
            );
        }
    }

    /// Whether it has already failed (the rest need not be read).
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// The verdict, once the whole text was fed.
    pub fn finish(mut self) -> Result<(), Unsealed> {
        if self.failed.is_none() && !self.line.is_empty() {
            self.end_line();
        }
        if let Some(f) = self.failed {
            return Err(f);
        }
        match self.stage {
            Stage::Leading => Err(Unsealed::NotArmored),
            Stage::Trailing => Ok(()),
            _ => Err(Unsealed::Armor {
                line: self.line_no,
                what: "the armored message has no END PGP MESSAGE line".into(),
            }),
        }
    }

    fn fail_armor(&mut self, what: String) {
        self.failed.get_or_insert(Unsealed::Armor {
            line: self.line_no,
            what,
        });
    }

    fn end_line(&mut self) {
        let raw = std::mem::take(&mut self.line);
        let line = raw.trim_ascii();
        match self.stage {
            Stage::Leading if line.is_empty() => {}
            Stage::Leading if line == BEGIN_MESSAGE => self.stage = Stage::Headers,
            Stage::Leading if raw.trim_ascii_start().starts_with(BEGIN_MESSAGE) => {
                self.fail_armor("text after the BEGIN PGP MESSAGE line, on that line".into())
            }
            Stage::Leading => self.failed = Some(Unsealed::NotArmored),
            Stage::Headers if line.is_empty() => self.stage = Stage::Body,
            Stage::Headers => {
                // `Key: Value` (RFC 9580 §6.2.2.2): printable ASCII.
                let header = line
                    .iter()
                    .position(|&b| b == b':')
                    .filter(|&i| i > 0 && line.get(i + 1) == Some(&b' '))
                    .is_some_and(|_| line.iter().all(|b| (0x20..0x7f).contains(b)));
                if !header {
                    self.fail_armor(
                        "an armor header line that is not \"Key: Value\" (the headers end with \
                         a blank line before the base64)"
                            .into(),
                    );
                }
            }
            Stage::Body if line == END_MESSAGE => self.end_body(),
            Stage::Body if line.first() == Some(&b'=') && !line.is_empty() && self.filled == 0 => {
                self.checksum(line);
                self.stage = Stage::Checksum;
            }
            Stage::Body => {
                for &c in line {
                    if !self.base64(c) {
                        return;
                    }
                }
            }
            Stage::Checksum if line == END_MESSAGE => self.end_body(),
            Stage::Checksum => {
                self.fail_armor("the checksum line is not followed by the END line".into())
            }
            Stage::Trailing if line.is_empty() => {}
            Stage::Trailing => self.fail_armor(format!(
                "{} after the END PGP MESSAGE line",
                if line.starts_with(BEGIN_MESSAGE) {
                    "a second armored message"
                } else {
                    "text"
                }
            )),
        }
    }

    fn base64(&mut self, c: u8) -> bool {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                // Padding: two or three characters of the quartet are data.
                if self.filled < 2 {
                    self.fail_armor("misplaced base64 padding '='".into());
                    return false;
                }
                self.padded = true;
                self.quartet[self.filled] = 64;
                self.filled += 1;
                if self.filled == 4 {
                    self.flush_quartet();
                }
                return true;
            }
            _ => {
                let shown = if c.is_ascii_graphic() {
                    format!("'{}'", c as char)
                } else {
                    format!("byte 0x{c:02x}")
                };
                self.fail_armor(format!(
                    "{shown} is not a base64 character (the armor holds base64 only, from \
                     the blank line after the headers to the END line)"
                ));
                return false;
            }
        };
        if self.padded {
            self.fail_armor("base64 data after the padding '='".into());
            return false;
        }
        self.quartet[self.filled] = v;
        self.filled += 1;
        if self.filled == 4 {
            self.flush_quartet();
        }
        true
    }

    fn flush_quartet(&mut self) {
        let q = self.quartet;
        let n = q.iter().take_while(|&&v| v < 64).count();
        let bits = q
            .iter()
            .fold(0u32, |acc, &v| (acc << 6) | u32::from(v & 0x3f));
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        let data = &bytes[..n.saturating_sub(1)];
        for &b in data {
            self.crc = crc24(self.crc, b);
        }
        if let Err(what) = self.packets.feed(data) {
            self.failed.get_or_insert(Unsealed::NotEncrypted(what));
        }
        self.filled = 0;
    }

    fn checksum(&mut self, line: &[u8]) {
        use base64::Engine as _;
        let expected = base64::engine::general_purpose::STANDARD
            .decode(&line[1..])
            .ok()
            .filter(|d| d.len() == 3);
        let Some(d) = expected else {
            self.fail_armor("a checksum line that is not '=' and 4 base64 characters".into());
            return;
        };
        let crc = (u32::from(d[0]) << 16) | (u32::from(d[1]) << 8) | u32::from(d[2]);
        if crc != self.crc & 0xff_ffff {
            self.fail_armor(
                "the armor's checksum does not match its data (the base64 was changed or cut)"
                    .into(),
            );
        }
    }

    fn end_body(&mut self) {
        if self.filled != 0 {
            self.fail_armor("the base64 data ends in the middle of a group of 4".into());
            return;
        }
        if let Err(what) = self.packets.finish() {
            self.failed.get_or_insert(Unsealed::NotEncrypted(what));
            return;
        }
        self.stage = Stage::Trailing;
    }
}

/// Whether `text` is exactly one armored, encrypted OpenPGP message
/// (white space around it allowed): [`SealedCheck`] over a whole text.
pub fn sealed(text: &[u8]) -> Result<(), Unsealed> {
    let mut c = SealedCheck::new();
    c.feed(text);
    c.finish()
}

const CRC24_INIT: u32 = 0xB7_04CE;

fn crc24(crc: u32, b: u8) -> u32 {
    let mut crc = crc ^ (u32::from(b) << 16);
    for _ in 0..8 {
        crc <<= 1;
        if crc & 0x100_0000 != 0 {
            crc ^= 0x186_4CFB;
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pgpwrap encrypt --element Merchant` (sequoia: new-format
    /// packets, a PKESK then a SEIPD).
    const ENCRYPTED: &str = include_str!("../../testdata/encrypted.asc");
    /// `gpg --symmetric --armor` (an old-format SKESK, then a SEIPD).
    const GPG_SYMMETRIC: &str = "-----BEGIN PGP MESSAGE-----

jA0ECQMCxcS2WsMsxPf/0jgBpuBsuwIg+h5ly4itvTUFeFuOV+zScZ5EUqBMktxP
I20UyIWJMujjcVVtubkBYw0UL4UcQMpxXw==
=tVfB
-----END PGP MESSAGE-----
";
    /// `pgpwrap sign --armor`: signed, not encrypted.
    const SIGNED: &str = "-----BEGIN PGP MESSAGE-----

xA0DAAgWEhPS9YOBetsBywxiAAAAAABoZWxsbwrCvQQAFggAbwWCaxWJOgkQEhPS
9YOBettHFAAAAAAAHgAgc2FsdEBub3RhdGlvbnMuc2VxdW9pYS1wZ3Aub3Jnb1Ve
eSUvwCOUpb3xYtSUATqjshZoLXUdlOOFA5iTs3UWIQQEsWa1TakfDAxM54YSE9L1
g4F62wAAP3cBAJeF7iuCcHg6OB1rmHKlCdEzBJOkbDcEeuV60/H1R8Y0AP97Q52w
6Gg3pAM+ARxU5SW/VHQJhK8dId5Y9IvZwLnlBw==
=xnn2
-----END PGP MESSAGE-----
";

    fn armor(packets: &[u8]) -> String {
        use base64::Engine as _;
        let crc = packets.iter().fold(CRC24_INIT, |c, &b| crc24(c, b)) & 0xff_ffff;
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = b64.encode(packets);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PGP MESSAGE-----\n\n{}\n={}\n-----END PGP MESSAGE-----\n",
            lines.join("\n"),
            b64.encode([(crc >> 16) as u8, (crc >> 8) as u8, crc as u8])
        )
    }

    #[test]
    fn encrypted_messages_are_sealed() {
        assert_eq!(sealed(ENCRYPTED.as_bytes()), Ok(()));
        assert_eq!(sealed(GPG_SYMMETRIC.as_bytes()), Ok(()));
        // White space around it, as in an element; CRLF lines.
        let spaced = format!("\n  {}  \n\t", ENCRYPTED.replace('\n', "\r\n"));
        assert_eq!(sealed(spaced.as_bytes()), Ok(()));
        // Fed in pieces of any size, the same verdict.
        for size in [1, 2, 3, 5, 64, 1000] {
            let mut c = SealedCheck::new();
            for piece in ENCRYPTED.as_bytes().chunks(size) {
                c.feed(piece);
            }
            assert_eq!(c.finish(), Ok(()), "pieces of {size}");
        }
    }

    #[test]
    fn partial_lengths_are_followed() {
        // A PKESK (v3, 10 bytes), then a SEIPD in partial chunks of 512
        // and 1 bytes, then a last chunk of 3 bytes.
        let mut p = vec![0xc1, 10, 3];
        p.extend([0u8; 9]);
        p.extend([0xd2, 0xe9, 1]);
        p.extend([0u8; 511]);
        p.extend([0xe0, 0xaa, 3, 0xbb, 0xcc, 0xdd]);
        assert_eq!(sealed(armor(&p).as_bytes()), Ok(()));
        // Cut inside a chunk.
        let cut = &p[..p.len() - 1];
        assert!(matches!(
            sealed(armor(cut).as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("cut short")
        ));
    }

    #[test]
    fn clear_content_is_not_armored() {
        assert_eq!(
            sealed(b"<Question><PAN>1111222233334444</PAN></Question>"),
            Err(Unsealed::NotArmored)
        );
        assert_eq!(sealed(b"  \n "), Err(Unsealed::NotArmored));
    }

    #[test]
    fn an_armor_line_over_clear_text_is_refused() {
        let fake = "\n-----BEGIN PGP MESSAGE-----\n\n<Question><PAN>1111222233334444</PAN>\
                    </Question>\n-----END PGP MESSAGE-----\n";
        assert!(matches!(
            sealed(fake.as_bytes()),
            Err(Unsealed::Armor { line: 4, what }) if what.contains("'<' is not a base64")
        ));
        // No END line at all.
        assert!(matches!(
            sealed(b"-----BEGIN PGP MESSAGE-----\n1111222233334444 123"),
            Err(Unsealed::Armor { .. })
        ));
        // Base64 that decodes to no message.
        let garbage =
            "-----BEGIN PGP MESSAGE-----\n\nZ2FyYmFnZSBnYXJiYWdl\n-----END PGP MESSAGE-----\n";
        assert!(matches!(
            sealed(garbage.as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("not OpenPGP data")
        ));
        // The first bytes of a real message, cut.
        let short = "-----BEGIN PGP MESSAGE-----\n\nwcBMA0\n-----END PGP MESSAGE-----\n";
        assert!(sealed(short.as_bytes()).is_err());
    }

    #[test]
    fn anything_beside_the_message_is_refused() {
        let after = format!("{ENCRYPTED}<Question><PAN>1111222233334444</PAN></Question>");
        assert!(matches!(
            sealed(after.as_bytes()),
            Err(Unsealed::Armor { what, .. }) if what.contains("text after the END")
        ));
        let twice = format!("{ENCRYPTED}{ENCRYPTED}");
        assert!(matches!(
            sealed(twice.as_bytes()),
            Err(Unsealed::Armor { what, .. }) if what.contains("a second armored message")
        ));
        let before = format!("4970100000000000\n{ENCRYPTED}");
        assert_eq!(sealed(before.as_bytes()), Err(Unsealed::NotArmored));
        // A changed base64 character: the checksum says so.
        let changed = ENCRYPTED.replacen("Yq+Q", "Zq+Q", 1);
        assert!(matches!(
            sealed(changed.as_bytes()),
            Err(Unsealed::Armor { what, .. }) if what.contains("checksum")
        ));
    }

    #[test]
    fn a_message_not_encrypted_is_refused() {
        assert!(matches!(
            sealed(SIGNED.as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("one-pass signature")
        ));
        // A literal data packet alone.
        let literal = armor(&[0xcb, 3, b'b', 0, b'x']);
        assert!(matches!(
            sealed(literal.as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("literal data")
        ));
        // A session key and nothing it opens.
        let mut p = vec![0xc1, 10, 3];
        p.extend([0u8; 9]);
        assert!(matches!(
            sealed(armor(&p).as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("no encrypted data")
        ));
        // Encrypted data, then a literal packet in clear after it.
        p.extend([0xd2, 2, 1, 0, 0xcb, 3, b'b', 0, b'x']);
        assert!(matches!(
            sealed(armor(&p).as_bytes()),
            Err(Unsealed::NotEncrypted(w)) if w.contains("after the encrypted data")
        ));
    }

    #[test]
    fn a_hostile_line_is_bounded() {
        let mut long = b"-----BEGIN PGP MESSAGE-----\n\n".to_vec();
        long.extend(std::iter::repeat_n(b'A', 100_000));
        let mut c = SealedCheck::new();
        c.feed(&long);
        assert!(c.failed());
        assert!(c.line.len() <= MAX_LINE);
    }
}
