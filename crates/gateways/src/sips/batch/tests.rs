use super::*;

#[test]
fn the_tables_follow_the_samples() {
    let co = function("CARDORDER").unwrap();
    // Orders 9/10/11/12 as the dictionary states them.
    for (order, name) in [
        (4, "amount"),
        (9, "cardExpiryDate"),
        (10, "cardNumber"),
        (11, "cardSeqNumber"),
        (12, "currencyCode"),
    ] {
        assert_eq!(co.column(name).map(|c| c.0), Some(order), "{name}");
    }
    assert_eq!(co.columns.len(), 62);
    assert_eq!(function("walletOrder").unwrap().columns.len(), 54);
    let wc = function("walletCredit").unwrap();
    assert_eq!(wc.column("paymentMeanId").map(|c| c.0), Some(6));
    assert_eq!(wc.columns.len(), 19);
    assert_eq!(function("acceptChallenge").unwrap().columns.len(), 8);
    assert_eq!(function("refuseChallenge").unwrap().columns.len(), 7);
    for f in &FUNCTIONS {
        assert!(f.columns.iter().all(|c| !c.name.is_empty()), "{}", f.name);
    }
    assert!(function("duplicate").unwrap().unbuildable.is_some());
}

#[test]
fn columns_of_unknown_kind_are_masked_identifiers_never() {
    let co = function("cardOrder");
    let rc = function("refuseChallenge");
    // Card columns, and columns whose kind is not known: past the
    // table, without a published name, or of a function no table has.
    assert_eq!(show_column(co, 10, "1234123412341234"), "123412******1234");
    assert_eq!(show_column(co, 7, "123"), "***");
    assert_eq!(show_column(co, 23, "4970100000000000"), "497010******0000");
    assert_eq!(show_column(rc, 9, "4970100000000000"), "497010******0000");
    assert_eq!(show_column(None, 4, "4970100000000000"), "497010******0000");
    assert_eq!(show_header_column(4, "999"), "***");
    // Identifiers as they came, wherever the function is known or not.
    for f in [co, rc, None] {
        assert_eq!(show_column(f, 2, "201040040170001"), "201040040170001");
        assert_eq!(show_column(f, 3, "2026120612345678"), "2026120612345678");
    }
    assert_eq!(show_header_column(0, "023101122334455"), "023101122334455");
    assert_eq!(show_column(rc, 8, "03"), "03");
    assert_eq!(show_column(co, 4, "1000"), "1000");
}

/// Finding M1: an amount with the record's card number run into it
/// (a lost separator) was echoed and quoted whole.
#[test]
fn the_records_card_number_is_hidden_in_its_other_columns() {
    let co = function("cardOrder").unwrap();
    let mut cols = vec![""; 12];
    cols[0] = "1";
    cols[1] = "201040040170001";
    cols[2] = "4012001037141112";
    cols[3] = "40120010371411121050";
    cols[8] = "203012";
    cols[9] = "4012001037141112";
    cols[11] = "978";
    let shown = show_record(Some(co), &cols);
    assert_eq!(shown[3], "401200******11121050");
    assert_eq!(shown[9], "401200******1112");
    // Identifiers as they came, even one that repeats the card.
    assert_eq!(shown[1], "201040040170001");
    assert_eq!(shown[2], "4012001037141112");
    let problems = check_record(co, &cols);
    let amount = problems.iter().find(|p| p.0 == 4).expect("the amount");
    assert!(
        amount.2.contains("\"401200******11121050\""),
        "{}",
        amount.2
    );
    assert!(
        problems.iter().all(|p| !p.2.contains("401200103714")),
        "{problems:?}"
    );
}

#[test]
fn values_and_envelope() {
    let c = function("cancel").unwrap();
    assert!(value_problem(&c.columns[3], "10.50").is_some());
    assert!(value_problem(&c.columns[3], "").is_some());
    assert_eq!(value_problem(&c.columns[4], "978"), None);
    assert!(value_problem(&c.columns[2], "a;b").is_some());
    assert_eq!(
        parse_file_line(&["FILE", "request", "office", "v19"]),
        Some(("request", 19))
    );
    assert_eq!(parse_file_line(&["FILE", "request", "office", "19"]), None);
    let t = crate::calendar::rfc3339("2021-12-16T14:26:45+01:00").unwrap();
    assert_eq!(
        header_date_time(t),
        ("2021-12-16+0100".to_string(), "14:26:45+0100".to_string())
    );
}
