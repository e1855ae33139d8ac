use super::*;

fn date() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::December, 6).unwrap()
}

fn ask(memory: &Memory, body: &str) -> Vec<(String, String)> {
    let keys = Keys {
        hmac: b"",
        password: b"1999888I",
    };
    let reply = answer(body.as_bytes(), Some(&keys), memory, date())
        .unwrap()
        .unwrap();
    assert!(!reply.line.ends_with(b"\n"));
    super::super::parse_answer(&reply.line)
}

fn field<'a>(a: &'a [(String, String)], k: &str) -> &'a str {
    a.iter().find(|(n, _)| n == k).map_or("?", |(_, v)| v)
}

#[test]
fn a_life_capture_refund_inquiry() {
    let m = Memory::in_memory().unwrap();
    let a = ask(&m, "TYPE=3&VERSION=00104&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL=1230&DATEQ=06122026");
    assert_eq!(field(&a, "CODEREPONSE"), "00000");
    assert_eq!(field(&a, "NUMQUESTION"), "0000000007");
    assert_eq!(field(&a, "AUTORISATION"), "XXXXXX");
    assert_eq!(field(&a, "PAYS"), "?", "not asked");
    let numtrans = field(&a, "NUMTRANS").to_string();
    let numappel = field(&a, "NUMAPPEL").to_string();
    let again = ask(&m, "TYPE=3&VERSION=00104&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=7&MONTANT=1000&DEVISE=978&REFERENCE=R&PORTEUR=1111222233334444&DATEVAL=1230");
    assert_eq!(field(&again, "CODEREPONSE"), "00039");
    let refund = ask(&m, &format!("TYPE=00014&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=8&MONTANT=600&DEVISE=978&NUMTRANS={numtrans}&NUMAPPEL={numappel}"));
    assert_eq!(field(&refund, "CODEREPONSE"), "00000");
    let more = ask(&m, &format!("TYPE=00014&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=9&MONTANT=600&DEVISE=978&NUMTRANS={numtrans}&NUMAPPEL={numappel}"));
    assert_eq!(field(&more, "CODEREPONSE"), "00011");
    let q = ask(&m, &format!("TYPE=00017&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=10&NUMTRANS={numtrans}"));
    assert_eq!(field(&q, "STATUS"), "Remboursé");
    assert_eq!(field(&q, "NUMAPPEL"), numappel);
    let unknown = ask(&m, "TYPE=00002&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION=11&MONTANT=600&DEVISE=978&REFERENCE=R&NUMTRANS=1&NUMAPPEL=2");
    assert_eq!(field(&unknown, "CODEREPONSE"), "00015");
}

#[test]
fn a_wrong_cle_is_not_allowed_and_a_void_with_zeros_is_taken() {
    let m = Memory::in_memory().unwrap();
    let a = ask(
        &m,
        "VERSION=00103&TYPE=00001&SITE=1999888&RANG=32&CLE=nope&NUMQUESTION=44",
    );
    assert_eq!(field(&a, "CODEREPONSE"), "00006");
    assert_eq!(field(&a, "COMMENTAIRE"), "Non autorise");
    assert_eq!(field(&a, "NUMQUESTION"), "0000000044");
    let p = ask(&m, "REFERENCE=1&PORTEUR=1111222233334444&DATEVAL=1228&CVV=123&MONTANT=0000000100&DEVISE=978&VERSION=00103&TYPE=00003&DATEQ=06122026101010&NUMQUESTION=0000341744&SITE=1999888&RANG=222&CLE=1999888I&PAYS=&ARCHIVAGE=");
    assert_eq!(field(&p, "PAYS"), "FRA");
    let void = ask(&m, &format!("REFERENCE=1&NUMAPPEL={}&NUMTRANS={}&PORTEUR=000000000000000&DATEVAL=0000&MONTANT=0000000100&DEVISE=978&VERSION=00103&TYPE=00005&NUMQUESTION=0000341745&SITE=1999888&RANG=222&CLE=1999888I&PAYS=&ARCHIVAGE=", field(&p, "NUMAPPEL"), field(&p, "NUMTRANS")));
    assert_eq!(field(&void, "CODEREPONSE"), "00000");
}
