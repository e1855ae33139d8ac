use super::*;
use proptest::prelude::*;

const HEX_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

fn no_window_of(secret: &str, text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    secret
        .to_ascii_lowercase()
        .as_bytes()
        .windows(WINDOW)
        .all(|w| !text.as_bytes().windows(WINDOW).any(|t| t == w))
}

/// A secret's characters percent-escaped at will (all, some, either
/// case of hex) are no window of any one form: they were neither
/// scrubbed nor found.
#[test]
fn a_secret_written_in_percent_escapes_is_found_and_scrubbed() {
    remember(b"1122334455667788");
    let all: String = "1122334455667788"
        .bytes()
        .map(|b| format!("%{b:02x}"))
        .collect();
    for text in [
        format!("info={all}&x=1"),
        "a%3122334%34556%3677b".to_string(),
        "%31%312%32%33%33%34%34%35%35%36%36".to_string(),
    ] {
        assert!(holds_secret(text.as_bytes()), "{text}");
        let out = scrub(&text);
        assert!(out.contains(SCRUBBED), "{text} -> {out}");
        assert!(!out.contains("%35"), "{text} -> {out}");
        assert!(!out.contains("4455"), "{text} -> {out}");
    }
    assert_eq!(scrub(&format!("x={all}&y=2")), "x=(a secret)&y=2");
    // 11 characters of it, escaped, are no fragment; a `%` alone is text.
    assert!(!holds_secret(b"%31%31%32%32%33%33%34%34%35%35%36 100% 4%"));
}

/// A secret's characters written as JSON escapes (`\u0031`, `\/`,
/// a surrogate pair, some or all, in a JSON text or not) are no window
/// of any one form: they were neither found nor scrubbed, and the
/// key pasted that way into a field was sealed and written on.
#[test]
fn a_secret_written_in_json_escapes_is_found_and_scrubbed() {
    remember("Zq8/json-\"escaped\"-\u{1F600}-77".as_bytes());
    for text in [
        r#"{"note":"Zq8\/json-\"escaped\"-\ud83d\ude00-77"}"#,
        r#"{"note":"zQ8\u002Fjson-\u0022escaped\u0022-\uD83D\uDE00-77"}"#,
        r#"x Zq8\/json-\"esc y"#,
        r#"\u005A\u0071\u0038\u002f\u006a\u0073\u006f\u006e\u002d\u0022\u0065\u0073"#,
        // JSON escapes percent-encoded, and percent-escapes JSON-escaped.
        r#"p=Zq8%5C/json-%5C%22esc&q=1"#,
        r#"{"p":"Zq8\u002Fjson\u002D%22esc"}"#,
    ] {
        assert!(holds_secret(text.as_bytes()), "{text}");
        let out = scrub(text);
        assert!(out.contains(SCRUBBED), "{text} -> {out}");
        assert!(!holds_secret(out.as_bytes()), "{text} -> {out}");
        assert!(!out.contains("json"), "{text} -> {out}");
    }
    assert_eq!(
        scrub(r#"{"a":"Zq8\/json-\u0022esc","b":1}"#),
        r#"{"a":"(a secret)","b":1}"#
    );
    // 11 characters of it, escaped, are no fragment; a backslash
    // before anything else is text.
    for text in [
        r#"Zq8\/json-\"e"#,
        r#"\u005A\u0071\u0038\u002f\u006a\u0073\u006f\u006e\u002d\u0022\u0065"#,
        r#"Zq8\/json-\"e\sc \uZZ \ud83d \\"#,
    ] {
        assert!(!holds_secret(text.as_bytes()), "{text}");
        assert_eq!(scrub(text), text);
    }
}

#[test]
fn json_escapes_are_decoded_leniently_and_said_where_they_stand() {
    let text = br#"a\u00e9\ud83d\ude00\ud800x\\u0030\/\z\u12\"\n"#;
    let mut origin = Vec::new();
    let decoded = json_unescaped(text, Some(&mut origin));
    assert_eq!(
        std::str::from_utf8(&decoded).unwrap(),
        "a\u{e9}\u{1F600}\\ud800x\\u0030/\\z\\u12\"\n"
    );
    assert_eq!(origin.len(), decoded.len() + 1);
    assert_eq!(&origin[..8], &[0, 1, 1, 7, 7, 7, 7, 19]);
    assert_eq!(origin.last(), Some(&text.len()));
    // The bytes of `é` end past its escape, not inside it.
    assert_eq!(end_in(&origin, 2), 7);
    assert_eq!(end_in(&origin, 3), 7);
    assert_eq!(end_in(&origin, decoded.len()), text.len());
    assert_eq!(&json_unescaped(b"\\", None)[..], b"\\");
    assert_eq!(&json_unescaped(b"\\u00", None)[..], b"\\u00");
    assert_eq!(&json_unescaped(b"\\u+041", None)[..], b"\\u+041");
    for (escape, past) in [
        (&b"\\u0041"[..], false),
        (b"\\u007F", false),
        (b"\\u0080", true),
        (b"\\u00e9", true),
        (b"\\uD83D\\uDE00", true),
        (b"\\u00", false),
        (b"\\/", false),
    ] {
        assert_eq!(past_ascii(escape), past, "{escape:?}");
    }
}

/// `text` with each character written as `how` says, in turn: as it
/// is (a backslash and a quote escaped, as JSON needs them), `\uXXXX` in lower or
/// upper case hex (a surrogate pair past the first plane), its short
/// escape where it has one (`\/`, `\"`, `\\`), upper case, or with
/// `percent` its bytes percent-escaped.
fn escaped_at_will(text: &str, how: &[u8], percent: bool) -> String {
    let mut out = String::new();
    for (c, how) in text.chars().zip(how.iter().cycle()) {
        let unit = |upper: bool| -> String {
            c.encode_utf16(&mut [0u16; 2])
                .iter()
                .map(|u| match upper {
                    true => format!("\\u{u:04X}"),
                    false => format!("\\u{u:04x}"),
                })
                .collect()
        };
        match (how % if percent { 6 } else { 5 }, c) {
            (1, _) => out.push_str(&unit(false)),
            (2, _) => out.push_str(&unit(true)),
            (3, '/' | '"' | '\\') => {
                out.push('\\');
                out.push(c);
            }
            (4, _) if c != '\\' && c != '"' => out.push(c.to_ascii_uppercase()),
            (5, _) => {
                let mut bytes = [0u8; 4];
                for b in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            (_, '\\' | '"') => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

proptest! {
    // Whatever is escaped, how it is escaped, a text of JSON escapes
    // decodes to what it says, as serde_json reads it.
    #[test]
    fn json_unescaped_reads_what_serde_json_reads(
        text in "\\PC{0,30}",
        how in prop::collection::vec(0u8..4, 1..8),
    ) {
        let escaped = escaped_at_will(&text, &how, false);
        let read: String = serde_json::from_str(&format!("\"{escaped}\"")).unwrap();
        prop_assert_eq!(&read, &text);
        let mut origin = Vec::new();
        let decoded = json_unescaped(escaped.as_bytes(), Some(&mut origin));
        prop_assert_eq!(std::str::from_utf8(&decoded).unwrap(), text.as_str());
        prop_assert_eq!(origin.len(), decoded.len() + 1);
        prop_assert!(origin.windows(2).all(|w| w[0] <= w[1]));
    }

    // Any bytes: decoded without a panic, every byte said where it
    // stands, in order.
    #[test]
    fn json_unescaped_takes_any_bytes(bytes in prop::collection::vec(
        prop::sample::select(b"\\u/\"nt0aAdDfF8%\xc3\xa9".to_vec()), 0..40,
    )) {
        let mut origin = Vec::new();
        let decoded = json_unescaped(&bytes, Some(&mut origin));
        prop_assert_eq!(origin.len(), decoded.len() + 1);
        prop_assert!(origin.windows(2).all(|w| w[0] <= w[1]));
        prop_assert_eq!(origin.last(), Some(&bytes.len()));
    }

    // A window of a secret written with its characters escaped at will
    // (JSON escapes, percent-escapes, raw, any case), among any text, is
    // found, and nothing of it is left once scrubbed.
    #[test]
    fn an_escaped_window_is_found_and_scrubbed(
        secret in "[a-zA-Z0-9/\"\\\\_ \u{e9}\u{20ac}\u{1F600}-]{12,30}",
        from in any::<prop::sample::Index>(),
        len in 12usize..30,
        how in prop::collection::vec(0u8..6, 1..30),
        before in "[a-z :,{}\"]{0,10}",
        after in "[a-z :,{}\"]{0,10}",
    ) {
        let w = Windows::of([secret.as_str()]).unwrap();
        let chars: Vec<char> = secret.chars().collect();
        let from = from.index(chars.len() - WINDOW + 1);
        let end = (from + len).min(chars.len());
        let piece: String = chars[from..end].iter().collect();
        let text = format!("{before}{}{after}", escaped_at_will(&piece, &how, true));
        prop_assert!(w.holds(text.as_bytes()), "{}", text);
        let out = scrub_by(&w, &text);
        prop_assert!(!w.holds(out.as_bytes()), "{} -> {}", text, out);
    }

    // Escapes that give no byte a window holds are not decoded: what
    // is found is what every form decoded, each then decoded the
    // other way, finds.
    #[test]
    fn escapes_left_alone_hide_nothing(
        secret in "[a-zA-Z0-9_/\u{e9}-]{12,24}",
        tokens in prop::collection::vec((0usize..24, 0usize..16, 0usize..14), 1..12),
        how in prop::collection::vec(0u8..6, 1..30),
    ) {
        let w = Windows::of([secret.as_str()]).unwrap();
        let chars: Vec<char> = secret.chars().collect();
        let noise = [
            "\\/", "\\u00e9", "%20", "%2F", "\\\\", "\\\"", "%5C", "\\u0025", "%",
            "\\", "u", "0", "%C3%A9", "\\uD83D\\uDE00",
        ];
        let mut text = String::new();
        for (from, len, n) in tokens {
            let from = from.min(chars.len());
            let end = (from + len).min(chars.len());
            let piece: String = chars[from..end].iter().collect();
            text.push_str(&escaped_at_will(&piece, &how, true));
            text.push_str(noise[n]);
        }
        let t = text.as_bytes();
        let p = percent_decoded(t, None);
        let j = json_unescaped(t, None);
        let every = [
            t,
            &p[..],
            &json_unescaped(&p, None)[..],
            &j[..],
            &percent_decoded(&j, None)[..],
        ]
        .iter()
        .any(|form| w.is_match(form));
        prop_assert_eq!(w.holds(t), every, "{}", text);
    }

    // Pieces of a secret of 11 characters at most, escaped at will,
    // apart: no window, found or scrubbed.
    #[test]
    fn pieces_shorter_than_a_window_are_not_found(
        secret in "[a-zA-Z0-9/_-]{12,30}",
        pieces in prop::collection::vec((0usize..30, 1usize..12, "[#|,:{} ]{1,3}"), 1..5),
        how in prop::collection::vec(0u8..5, 1..30),
    ) {
        let w = Windows::of([secret.as_str()]).unwrap();
        let mut text = String::new();
        for (from, len, apart) in pieces {
            let from = from.min(secret.len());
            let end = (from + len).min(secret.len());
            text.push_str(&escaped_at_will(&secret[from..end], &how, false));
            text.push_str(&apart);
        }
        prop_assert!(!w.holds(text.as_bytes()), "{}", text);
        prop_assert_eq!(scrub_by(&w, &text), text.as_str());
    }
}

#[test]
fn fragments_in_any_case_and_encoding_are_scrubbed() {
    remember(HEX_KEY.as_bytes());
    remember("Tr0ub4dor&3-paylot pass".as_bytes());
    let lower = HEX_KEY.to_ascii_lowercase();
    for text in [
        format!("HASH is \"{}…\"", &HEX_KEY[..40]),
        format!("key {lower}"),
        format!("x{}y", &lower[7..21]),
        "p=Tr0ub4dor%263-paylot+pass".to_string(),
        "p=Tr0ub4dor%263%2Dpaylot%20pass".to_string(),
        "{\"p\":\"Tr0ub4dor&3-paylot pass\"}".to_string(),
    ] {
        let out = scrub(&text);
        assert!(out.contains(SCRUBBED), "{text} -> {out}");
        assert!(no_window_of(HEX_KEY, &out), "{text} -> {out}");
        assert!(!out.contains("paylot"), "{text} -> {out}");
    }
    let latin1 = [b"A\xe9".as_slice(), &lower.as_bytes()[3..20]].concat();
    assert_eq!(scrub_bytes(&latin1).as_ref(), b"A\xe9(a secret)");
    // 11 characters of it are not a fragment worth a scrub.
    assert_eq!(scrub("0123456789A"), "0123456789A");
    assert_eq!(scrub("nothing here"), "nothing here");
}

#[test]
fn short_secrets_are_scrubbed_whole() {
    remember(b"1999888I");
    assert_eq!(
        scrub("SITE=1999888I&RANG=1999888"),
        "SITE=(a secret)&RANG=1999888"
    );
}

#[test]
fn a_thread_sees_a_secret_read_after_its_copy_was_taken() {
    let text = b"x=Zq8-late-secret-77";
    let (asked, ask) = (std::sync::mpsc::channel(), std::sync::mpsc::channel());
    let thread = std::thread::spawn(move || {
        let before = holds_secret(text);
        asked.0.send(()).unwrap();
        ask.1.recv().unwrap();
        (before, holds_secret(text))
    });
    asked.1.recv().unwrap();
    remember(b"Zq8-late-secret-77");
    ask.0.send(()).unwrap();
    assert_eq!(thread.join().unwrap(), (false, true));
}

#[test]
fn the_sieve_lowers_as_to_ascii_lowercase_does() {
    for a in 0..=255u8 {
        for b in [
            0u8, b'@', b'A', b'Z', b'[', b'`', b'a', b'z', 0x80, 0xc1, 0xda, 0xff,
        ] {
            let four = [a, b, b.wrapping_add(a), 0xff - a];
            let lowered = four.map(|c| c.to_ascii_lowercase());
            let h = (u32::from_le_bytes(lowered).wrapping_mul(0x9E37_79B1) >> (32 - GRAM_BITS))
                as usize;
            assert_eq!(gram_bit(four), h, "{four:?}");
        }
    }
}

#[test]
fn the_sieve_finds_a_window_wherever_it_stands() {
    let w = Windows::of(["secret123", HEX_KEY]).unwrap();
    let lower = HEX_KEY.to_ascii_lowercase();
    for text in [
        "SECRET123".to_string(),
        format!("{{\"a\":\"x{}\"}}", &HEX_KEY[5..17]),
        lower[50..62].to_string(),
        format!("ab{}", &lower[0..12]),
    ] {
        for pad in 0..8 {
            let t = format!("{}{text}", "x".repeat(pad));
            assert!(w.is_match(t.as_bytes()), "{t}");
        }
    }
    assert!(!w.is_match(b"secret12"));
    assert!(!w.is_match(&lower.as_bytes()[..11]));
    assert!(!w.is_match(b""));
}

proptest! {
    // The sieve says what the automaton says of the whole text, for
    // secrets of every length and texts holding pieces of them
    // anywhere, in any case.
    #[test]
    fn the_sieve_agrees_with_the_automaton(
        secret in "[a-zA-Z0-9&%+ _-]{6,40}",
        before in "[a-zA-Z0-9&%+ \"{}:,é]{0,30}",
        after in "[a-zA-Z0-9&%+ \"{}:,é]{0,30}",
        from in 0usize..40,
        len in 0usize..20,
        upper in any::<bool>(),
    ) {
        let w = Windows::of([secret.as_str()]).unwrap();
        let from = from.min(secret.len());
        let end = (from + len).min(secret.len());
        let mut piece = secret[from..end].to_string();
        if upper {
            piece = piece.to_ascii_uppercase();
        }
        let text = format!("{before}{piece}{after}");
        prop_assert_eq!(
            w.is_match(text.as_bytes()),
            w.automaton.is_match(text.as_bytes()),
            "{}", text
        );
    }
}

proptest! {
    // Wherever a fragment of 12 characters of a secret stands, in any
    // case, among any text (multi-byte characters included), none is
    // left.
    #[test]
    fn no_fragment_survives(
        before in "\\PC{0,20}",
        after in "\\PC{0,20}",
        from in 0usize..50,
        len in 12usize..64,
        lower in any::<bool>(),
    ) {
        let secret = "9F8E7D6C5B4A39281706F5E4D3C2B1A09F8E7D6C5B4A39281706F5E4D3C2B1A0";
        remember(secret.as_bytes());
        let end = (from + len).min(secret.len());
        prop_assume!(end - from >= WINDOW);
        let mut piece = secret[from..end].to_string();
        if lower {
            piece = piece.to_ascii_lowercase();
        }
        let text = format!("{before}{piece}{after}");
        let out = scrub(&text);
        prop_assert!(no_window_of(secret, &out), "{} -> {}", text, out);
    }
}
