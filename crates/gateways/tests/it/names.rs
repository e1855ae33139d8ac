//! Property tests of the naming rules: the parsers never panic on
//! arbitrary input, and what is built parses back.

use gateways::lyra::names::{request_problem, strip_decorations, FileKind, Mode, Name};
use gateways::paybox::names::{Template, DEFAULT_TEMPLATE};
use proptest::prelude::*;

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let s = String::from_utf8_lossy(&bytes);
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let _ = Name::parse(&s);
        let _ = request_problem(&s);
        let _ = strip_decorations(&s);
        let _ = t.parse_name(&s);
        let _ = t.problem(&s);
        let _ = t.question_of(&s);
        let _ = Template::parse(&s).map(|t| t.parse_name("1999888.032.000001.xml"));
    }

    #[test]
    fn lyra_names_round_trip(y in 2000i32..2100, m in 1u8..=12, d in 1u8..=28,
                             shop in 0u32..100_000_000, seq in 1u8..=99, prod: bool, ans: bool) {
        let n = Name {
            date: format!("{y:04}{m:02}{d:02}"),
            shop: format!("{shop:08}"),
            kind: if ans { FileKind::Ans } else { FileKind::Req },
            mode: if prod { Mode::Production } else { Mode::Test },
            seq,
        };
        let text = n.to_string();
        prop_assert_eq!(Name::parse(&text), Some(n.clone()));
        prop_assert_eq!(request_problem(&text).is_none(), !ans);
        for suffix in ["_ERROR", "_DUPLICATE", "_ERROR.gz"] {
            let decorated = format!("{text}{suffix}");
            prop_assert_eq!(strip_decorations(&decorated).0, text.as_str());
        }
    }

    #[test]
    fn any_valid_template_parses_what_it_renders(
        p1 in "[a-zA-Z0-9._-]{0,4}", p2 in "[a-zA-Z0-9._-]{0,4}", p3 in "[a-zA-Z0-9._-]{0,4}",
        w in 0usize..8, with_site: bool, batch in 1u64..10,
    ) {
        let b = if w == 0 { "{batch}".to_string() } else { format!("{{batch:{w:02}}}") };
        let text = if with_site {
            format!("{p1}{{site}}{p2}{b}{p3}.xml")
        } else {
            format!("{p1}{b}{p3}.xml")
        };
        if let Ok(t) = Template::parse(&text) {
            let name = t.render("1999888", "032", batch);
            prop_assert_eq!(t.parse_name(&name).map(|q| q.batch), Some(batch), "{} -> {}", text, name);
        }
    }

    #[test]
    fn question_names_round_trip(site in 0u32..10_000_000, rank in 0u32..1000, batch in 1u64..1_000_000) {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let name = t.render(&format!("{site:07}"), &format!("{rank:03}"), batch);
        let q = t.parse_name(&name).unwrap();
        prop_assert_eq!(q.batch, batch);
        prop_assert_eq!(q.site, Some(format!("{site:07}")));
    }
}
