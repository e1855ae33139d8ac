//! The packets inside an armored message, read as their bytes come:
//! whether they make an encrypted message (RFC 9580 §4.2, §10.3).

/// The packet framing of an encrypted message (RFC 9580 §4.2), read as
/// its bytes come: only headers and lengths are looked at, and the first
/// byte of each packet's body (its version).
#[derive(Debug, Default)]
pub(super) struct Packets {
    /// Header bytes gathered so far.
    head: Vec<u8>,
    /// Bytes of the current packet (or chunk) still to skip.
    remaining: u64,
    /// The current chunk is a partial body: another length follows it.
    partial: bool,
    /// The current packet runs to the end (old format, indeterminate).
    to_end: bool,
    /// The current packet's tag, and whether its first body byte was seen.
    tag: Option<u8>,
    version_seen: bool,
    /// Reading a partial body's next length.
    in_partial_length: bool,
    session_keys: usize,
    encrypted: bool,
}

fn tag_name(tag: u8) -> String {
    let name = match tag {
        1 => "a public-key encrypted session key (PKESK)",
        2 => "a signature packet: the message is signed, not encrypted",
        3 => "a symmetric-key encrypted session key (SKESK)",
        4 => "a one-pass signature packet: the message is signed, not encrypted",
        5 | 7 => "a secret key packet: this is a key, not a message",
        6 | 14 => "a public key packet: this is a key, not a message",
        8 => "a compressed data packet: the message is not encrypted",
        9 => "a symmetrically encrypted data packet without integrity protection (obsolete)",
        10 => "a marker packet",
        11 => "a literal data packet: the message is not encrypted",
        18 => "the encrypted data (SEIPD)",
        20 => "the encrypted data (AEAD)",
        21 => "a padding packet",
        _ => "",
    };
    if name.is_empty() {
        format!("a packet of tag {tag}, which no message holds")
    } else {
        format!("{name} (tag {tag})")
    }
}

impl Packets {
    pub(super) fn feed(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            if self.to_end || self.remaining > 0 {
                if !self.version_seen {
                    self.version_seen = true;
                    self.version(data[0])?;
                }
                if self.to_end {
                    return Ok(());
                }
                let n = (self.remaining.min(data.len() as u64)) as usize;
                self.remaining -= n as u64;
                data = &data[n..];
                continue;
            }
            if self.partial || self.in_partial_length {
                // The next length of a partial body (new format only).
                self.in_partial_length = true;
                self.head.push(data[0]);
                data = &data[1..];
                if let Some((len, partial)) = new_length(&self.head)? {
                    self.head.clear();
                    self.in_partial_length = false;
                    self.remaining = len;
                    self.partial = partial;
                }
                continue;
            }
            if self.tag.is_some() && self.remaining == 0 {
                self.end_packet()?;
            }
            self.head.push(data[0]);
            data = &data[1..];
            self.header()?;
        }
        Ok(())
    }

    /// A packet's header, once its bytes are all there.
    fn header(&mut self) -> Result<(), String> {
        let first = self.head[0];
        if first & 0x80 == 0 {
            return Err(format!(
                "byte 0x{first:02x} where a packet header should be: not OpenPGP data"
            ));
        }
        let (tag, length) = if first & 0x40 != 0 {
            let tag = first & 0x3f;
            let Some(length) = new_length(&self.head[1..])? else {
                return Ok(());
            };
            (tag, length)
        } else {
            let tag = (first >> 2) & 0x0f;
            let octets = match first & 3 {
                0 => 1,
                1 => 2,
                2 => 4,
                _ => 0,
            };
            if self.head.len() < 1 + octets {
                return Ok(());
            }
            if octets == 0 {
                self.to_end = true;
                (tag, (0, false))
            } else {
                let len = self.head[1..]
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                (tag, (len, false))
            }
        };
        self.head.clear();
        self.order(tag)?;
        let (len, partial) = length;
        if partial && !matches!(tag, 8 | 9 | 11 | 18 | 20) {
            return Err(format!(
                "{} with a partial length, which only data packets have",
                tag_name(tag)
            ));
        }
        self.tag = Some(tag);
        self.version_seen = false;
        self.remaining = len;
        self.partial = partial;
        if len == 0 && !partial && !self.to_end {
            self.end_packet()?;
        }
        Ok(())
    }

    /// Where a packet of `tag` may stand in an encrypted message.
    fn order(&self, tag: u8) -> Result<(), String> {
        let first = self.session_keys == 0 && !self.encrypted;
        match tag {
            1 | 3 if !self.encrypted => Ok(()),
            18 | 20 if self.session_keys > 0 && !self.encrypted => Ok(()),
            21 if self.encrypted => Ok(()),
            _ if first => Err(format!(
                "its first packet is {}; an encrypted message starts with a session key \
                 (PKESK or SKESK)",
                tag_name(tag)
            )),
            _ if self.encrypted => Err(format!(
                "{} after the encrypted data, which must be the message's last packet",
                tag_name(tag)
            )),
            _ => Err(format!(
                "{} after the session keys, where the encrypted data (SEIPD) should be",
                tag_name(tag)
            )),
        }
    }

    fn version(&mut self, v: u8) -> Result<(), String> {
        let ok = match self.tag {
            Some(1) => matches!(v, 3 | 6),
            Some(3) => matches!(v, 4..=6),
            Some(18) => matches!(v, 1 | 2),
            Some(20) => v == 1,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{} of version {v}, which does not exist",
                tag_name(self.tag.unwrap_or(0))
            ))
        }
    }

    fn end_packet(&mut self) -> Result<(), String> {
        match self.tag.take() {
            Some(1 | 3) => self.session_keys += 1,
            Some(18 | 20) => self.encrypted = true,
            _ => {}
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> Result<(), String> {
        if !self.head.is_empty() || self.in_partial_length || self.remaining > 0 || self.partial {
            return Err("the message is cut short (its last packet is incomplete)".into());
        }
        if self.tag.is_some() {
            self.end_packet()?;
        }
        if self.session_keys == 0 && !self.encrypted {
            return Err("the armor holds no packet at all".into());
        }
        if !self.encrypted {
            return Err("session keys with no encrypted data after them".into());
        }
        Ok(())
    }
}

/// A new-format body length from `octets` (RFC 9580 §4.2.1), once they
/// are all there: the length and whether it is partial.
fn new_length(octets: &[u8]) -> Result<Option<(u64, bool)>, String> {
    let Some(&o1) = octets.first() else {
        return Ok(None);
    };
    Ok(match o1 {
        0..=191 => Some((u64::from(o1), false)),
        192..=223 => octets
            .get(1)
            .map(|&o2| (((u64::from(o1) - 192) << 8) + u64::from(o2) + 192, false)),
        224..=254 => Some((1u64 << (o1 & 0x1f), true)),
        255 => (octets.len() >= 5).then(|| {
            (
                octets[1..5]
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
                false,
            )
        }),
    })
}
