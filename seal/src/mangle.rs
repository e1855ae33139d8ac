//! The ways text is changed between the code that seals it and the
//! message that arrives: encoded twice, in Latin-1, HTML entities one way
//! or the other, line breaks. Each returns `None` when it changes nothing,
//! so that diagnosis tries only what could have happened.

use std::fmt::Write as _;

/// UTF-8 read as Latin-1 and encoded again (PHP's `utf8_encode` on UTF-8).
pub fn double_utf8(text: &str) -> Option<String> {
    (!text.is_ascii()).then(|| text.as_bytes().iter().map(|b| char::from(*b)).collect())
}

/// The text in ISO-8859-1, if it has a character past ASCII and every
/// character fits.
pub fn latin1(text: &str) -> Option<Vec<u8>> {
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// How text was turned into HTML entities before it was sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entities {
    /// `"` as `&#034;` and nothing else: nursit/bank's Paybox form until
    /// commit 624a52c (2023), `str_replace('"', '&#034;', $v)` on the
    /// values it sealed.
    Quotes,
    /// PHP `htmlspecialchars($v, ENT_QUOTES)`: `& < > " '`.
    Special,
    /// Named entities wherever a character has one (PHP `htmlentities`;
    /// `he.encode(…, {useNamedReferences: true})`, which up2pay applied to
    /// PBX_BILLING and PBX_SHOPPINGCART until commit a2a13dc, 2023),
    /// numeric ones for the others past ASCII.
    Named,
    /// Every character past ASCII as `&#N;`, as SPIP's typography leaves
    /// `’` (`&#8217;`) in the texts nursit/bank signed for PayZen (issue
    /// #62, commit 9f7b221).
    Numeric,
    /// Both forms in one value: named entities for the Latin-1 letters
    /// (`é` as `&eacute;`), numeric ones for the other characters past
    /// ASCII (`’` as `&#8217;`), as a text holding SPIP's typographic
    /// `&#8217;` reads once PHP `htmlentities` (ISO-8859-1 table) has
    /// named its accents: `Caf&eacute; d&#8217;Ath&egrave;nes`.
    Mixed,
}

impl Entities {
    pub const ALL: [Entities; 5] = [
        Entities::Quotes,
        Entities::Special,
        Entities::Named,
        Entities::Numeric,
        Entities::Mixed,
    ];

    /// `text` with its characters as entities, or `None` if none is.
    pub fn encode(self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 16);
        let mut changed = false;
        for c in text.chars() {
            let special = match c {
                '"' => Some(if self == Entities::Quotes {
                    "&#034;"
                } else {
                    "&quot;"
                }),
                '&' => Some("&amp;"),
                '<' => Some("&lt;"),
                '>' => Some("&gt;"),
                '\'' => Some("&#039;"),
                _ => None,
            };
            match (self, special) {
                (Entities::Quotes, Some(e)) if c == '"' => out.push_str(e),
                (Entities::Special | Entities::Named | Entities::Mixed, Some(e)) => out.push_str(e),
                (Entities::Mixed, None) if ('\u{a0}'..='\u{ff}').contains(&c) => {
                    match entity_name(c) {
                        Some(name) => {
                            out.push('&');
                            out.push_str(name);
                        }
                        None => {
                            let _ = write!(out, "&#{};", u32::from(c));
                        }
                    }
                }
                (Entities::Named, None) if !c.is_ascii() => match entity_name(c) {
                    Some(name) => {
                        out.push('&');
                        out.push_str(name);
                    }
                    None => {
                        let _ = write!(out, "&#{};", u32::from(c));
                    }
                },
                (Entities::Numeric | Entities::Mixed, None) if !c.is_ascii() => {
                    let _ = write!(out, "&#{};", u32::from(c));
                }
                _ => {
                    out.push(c);
                    continue;
                }
            }
            changed = true;
        }
        changed.then_some(out)
    }
}

/// The HTML name of a character (`eacute;` for `é`), the shortest of its
/// names in lower case when it has several (`rsquo;` for `’`).
///
/// The table is turned around once: looking each character up among
/// htmlize's 2,231 entities made a diagnosis quadratic in practice (2.5 s
/// for a 600 KB message of accented text).
fn entity_name(c: char) -> Option<&'static str> {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<char, &'static str>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let rank = |name: &str| {
                (
                    name.chars().any(|c| c.is_ascii_uppercase()),
                    name.len(),
                    name.to_owned(),
                )
            };
            let mut names = std::collections::HashMap::new();
            for (name, value) in htmlize::ENTITIES.entries() {
                let (Ok(name), Ok(value)) =
                    (std::str::from_utf8(&name[1..]), std::str::from_utf8(value))
                else {
                    continue;
                };
                let mut chars = value.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    continue;
                };
                if !name.ends_with(';') {
                    continue;
                }
                names
                    .entry(c)
                    .and_modify(|best: &mut &'static str| {
                        if rank(name) < rank(best) {
                            *best = name;
                        }
                    })
                    .or_insert(name);
            }
            names
        })
        .get(&c)
        .copied()
}

/// `text` with its HTML entities decoded (PHP `html_entity_decode`), or
/// `None` if it has none.
pub fn entities_decoded(text: &str) -> Option<String> {
    if !text.contains('&') {
        return None;
    }
    let decoded = htmlize::unescape(text);
    (decoded != text).then(|| decoded.into_owned())
}

/// `text` with its CRLF line breaks as LF, or `None` if it has none:
/// a browser posts every line break of a form value as CRLF (the HTML
/// form submission algorithm normalises them), whatever the page held.
pub fn crlf_as_lf(text: &str) -> Option<String> {
    text.contains("\r\n").then(|| text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_as_the_sources_wrote_them() {
        let xml = r#"<?xml version="1.0"?><a>É</a>"#;
        assert_eq!(
            Entities::Quotes.encode(xml).unwrap(),
            "<?xml version=&#034;1.0&#034;?><a>É</a>"
        );
        assert_eq!(
            Entities::Named.encode(xml).unwrap(),
            "&lt;?xml version=&quot;1.0&quot;?&gt;&lt;a&gt;&Eacute;&lt;/a&gt;"
        );
        assert_eq!(
            Entities::Named.encode("l’été").unwrap(),
            "l&rsquo;&eacute;t&eacute;"
        );
        assert_eq!(
            Entities::Numeric.encode("l’été").unwrap(),
            "l&#8217;&#233;t&#233;"
        );
        assert_eq!(
            Entities::Mixed.encode("Café d’Athènes").unwrap(),
            "Caf&eacute; d&#8217;Ath&egrave;nes"
        );
        assert_eq!(Entities::Special.encode("a'b").unwrap(), "a&#039;b");
        assert_eq!(Entities::Numeric.encode("plain"), None);
        assert_eq!(entities_decoded("H&eacute;l&#232;ne").unwrap(), "Hélène");
        assert_eq!(entities_decoded("a & b"), None);
    }
}
