//! `xmlbatch check` for Question XML.

use crate::util::*;

#[test]
fn our_own_output_checks_clean() {
    let d = Dir::new();
    let sample = sample(&d, "paybox.csv");
    d.run(&paybox_args(&["-o", "q.xml", sample.to_str().unwrap()]))
        .expect(0);
    let r = d.run(&["check", "q.xml"]).expect(0);
    assert_eq!(r.stderr, "xmlbatch: 5 questions read: 5 valid\n");
    assert_eq!(r.stdout, "");
    let r = d.run(&["check", "-q", "q.xml"]).expect(0);
    assert_eq!(r.stderr, "");
}

#[test]
fn every_problem_of_a_hand_made_file_is_reported() {
    let d = Dir::new();
    d.write(
        "hand.xml",
        r#"<?xml version="1.0"?>
<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="0" CreatedOn="yesterday">
  <Merchant Site="1999888" Rank="32">
    <Question Number="0000000001" Type="00003">
      <Amount>10.00</Amount><Currency>EUR</Currency><Reference>A &amp; B</Reference>
      <Card><CB><PAN>1111222233334445</PAN><Expiry>0120</Expiry></CB></Card>
    </Question>
    <Question Number="0000000001" Type="00002">
      <Amount>100</Amount><Currency>978</Currency><Reference>C</Reference><CallId>1</CallId><TransactionId>2</TransactionId>
    </Question>
    <Question Number="0000000003" Type="00003">
      <Amount>100</Amount><Unknown>x</Unknown>
    </Question>
  </Merchant>
</PayboxBatch>
"#,
    );
    let r = d.run(&["check", "hand.xml"]).expect(1);
    assert_eq!(
        r.stderr,
        "hand.xml:2: BatchNumber \"0\" is not a batch number (expected 1 to 2147483647)\n\
hand.xml:2: CreatedOn \"yesterday\" is not a time (expected RFC 3339, e.g. 2026-11-22T10:15:00+01:00)\n\
hand.xml:3: Merchant Rank: \"32\" is not a rank (expected 3 digits, e.g. 032)\n\
hand.xml:4: question \"0000000001\": element \"Currency\": \"EUR\" is not a known ISO 4217 numeric currency (expected e.g. 978)\n\
hand.xml:4: question \"0000000001\": element \"Amount\": \"10.00\" is not an amount in cents (expected digits, e.g. 1250)\n\
hand.xml:4: question \"0000000001\": element \"PAN\": \"111122******4445\" fails the Luhn check (mistyped card number?)\n\
hand.xml:4: question \"0000000001\": element \"Expiry\": the expiry date is in the past: the card has expired (value not shown: it may be a security code in the wrong column)\n\
hand.xml:8: question \"0000000001\": Number is already used on line 4 (numbers must be unique in a file)\n\
hand.xml:11: question \"0000000003\": unexpected element <Unknown> in <Question>\n\
hand.xml:11: question \"0000000003\": element \"Currency\": missing (a authorize_capture (00003) needs it)\n\
hand.xml:11: question \"0000000003\": element \"Reference\": missing (a authorize_capture (00003) needs it)\n\
hand.xml:11: question \"0000000003\": element \"PAN\": missing (a authorize_capture (00003) needs it)\n\
hand.xml:11: question \"0000000003\": element \"Expiry\": missing (a authorize_capture (00003) needs it)\n\
xmlbatch: \"hand.xml\": 13 problems\n"
    );
}

#[test]
fn check_exit_statuses() {
    let d = Dir::new();
    d.run_stdin(&["check"], "not xml").expect(2);
    d.run_stdin(&["check"], "<PayboxBatch><Merchant>")
        .expect(2)
        .stderr_has("malformed XML");
    d.run(&["check", "missing.xml"])
        .expect(2)
        .stderr_has("cannot open \"missing.xml\": No such file or directory");
    d.run_stdin(
        &["check"],
        "<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\"/>",
    )
    .expect(1)
    .stderr_has("no <Merchant> element");
}

/// Finding M1: a question's card number glued to an amount in another
/// element (a lost separator) was quoted whole in the message about that
/// element; digits alone cannot tell it from a reference, the question's
/// own PAN can. A reference glued the same way stays as it is.
#[test]
fn the_questions_card_number_is_masked_wherever_a_message_quotes_it() {
    let d = Dir::new();
    d.write(
        "glued.xml",
        r#"<?xml version="1.0"?>
<PayboxBatch xmlns="http://www.paybox.com/PayboxBatch" BatchNumber="1" CreatedOn="2026-11-22T10:15:00+01:00">
  <Merchant Site="1999888" Rank="032">
    <Question Number="0000000001" Type="00003">
      <Amount>1000</Amount><Currency>978</Currency><Reference>R1</Reference>
      <Activity>&#52;0120010371411121000</Activity>
      <Card><CB><PAN>4012001037141112</PAN><Expiry>1249</Expiry></CB></Card>
    </Question>
    <Question Number="0000000002" Type="00003">
      <Amount>1000</Amount><Currency>978</Currency><Reference>R2</Reference>
      <Activity>20104004017000110</Activity>
      <Card><CB><PAN>1111222233334444</PAN><Expiry>1249</Expiry></CB></Card>
    </Question>
  </Merchant>
</PayboxBatch>
"#,
    );
    let r = d.run(&["check", "glued.xml"]).expect(1);
    assert!(!r.stderr.contains("401200103714"), "{}", r.stderr);
    r.stderr_has("question \"0000000001\": element \"Activity\": \"401200******11121000\" is not an activity")
        .stderr_has("question \"0000000002\": element \"Activity\": \"20104004017000110\" is not an activity");
}
