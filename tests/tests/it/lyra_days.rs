//! Lyra's day-wide rule through the real binaries: a transaction id is
//! unique per shop per UTC day, whatever file it came in. `dropwatch
//! check` warns before the upload, from the files already sent; the
//! sandbox (dropwatch gateway with xmlbatch respond) answers the reused
//! line 96 transaction.exist, from its memory, across files and runs.

use crate::util::Sh;

const PAYMENTS: &str = "transaction_id,amount,currency,token\n1,1000,EUR,TOK-1\n2,2000,EUR,TOK-2\n";

/// Build a REQ at `created` (RFC 3339, local time with its offset) under
/// the next free name in the sandbox's request_ips for `day` (the name's
/// date, local), and upload it; the name.
fn upload(sh: &Sh, csv: &str, created: &str, day: &str) -> String {
    std::fs::write(sh.path("pay.csv"), csv).unwrap();
    sh.ok(&format!(
        r#"mkdir -p sb/12345678/request_ips outbox
        name=$(dropwatch name --gateway lyra --shop 12345678 --mode test --date {day} sb/12345678/request_ips)
        xmlbatch build --format lyra --shop 12345678 --mode test --created-on {created} -q -o "outbox/$name" pay.csv
        cp "outbox/$name" "sb/12345678/request_ips/.$name.part" && mv "sb/12345678/request_ips/.$name.part" "sb/12345678/request_ips/$name"
        echo "$name""#
    ))
    .trim()
    .to_string()
}

fn run_gateway(sh: &Sh) {
    sh.ok("dropwatch gateway --gateway lyra --once --settle 0s sb >/dev/null");
}

/// The return codes of an answer, by transaction id.
fn codes(sh: &Sh, req: &str) -> Vec<(String, String)> {
    let ans = req.replace(".REQ.", ".ANS.");
    let out = sh.ok(&format!(
        "xmlbatch status -q sb/12345678/result_ips/{ans} || test $? -eq 1"
    ));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    r.records()
        .map(Result::unwrap)
        .map(|row| (row[1].to_string(), row[6].to_string()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_second_file_the_same_utc_day_reusing_an_id_is_warned_and_answered_96() {
    let sh = Sh::new();
    let first = upload(&sh, PAYMENTS, "2026-11-23T10:15:00+01:00", "20261123");
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &first),
        pairs(&[("000001", "00"), ("000002", "00")])
    );
    // The next file of the day reuses 000002.
    let csv = "transaction_id,amount,currency,token\n2,500,EUR,TOK-3\n3,700,EUR,TOK-4\n";
    let second = upload(&sh, csv, "2026-11-23T16:00:00+01:00", "20261123");
    assert_eq!(second, "20261123.12345678.PAY.REQ.T.02");
    let out = sh.run(&format!(
        "dropwatch check --json sb/12345678/request_ips/{second}"
    ));
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning, not a refusal: {out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "warning: \"sb/12345678/request_ips/{second}\": line 2: transaction id 000002 of shop 12345678 in TEST is already used on 20261123 (a UTC day) by \"sb/12345678/result_ips/{}\" line 3: the gateway would answer this line 96 transaction.exist",
            first.replace(".REQ.", ".ANS.")
        )),
        "{err}"
    );
    let record: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(record["ok"], true);
    assert_eq!(record["warnings"].as_array().unwrap().len(), 1, "{record}");
    assert_eq!(record["warnings"][0]["code"], "transaction_exist");
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &second),
        pairs(&[("000002", "96"), ("000003", "00")])
    );
    // The sandbox remembers, whatever is left in its tree: the first
    // file purged, a third file reusing its 000001 is answered 96 too.
    for kind in [".REQ.", ".ANS."] {
        std::fs::remove_file(sh.path(&format!(
            "sb/12345678/result_ips/{}",
            first.replace(".REQ.", kind)
        )))
        .unwrap();
    }
    let csv = "transaction_id,amount,currency,token\n1,500,EUR,TOK-5\n";
    let third = upload(&sh, csv, "2026-11-23T18:00:00+01:00", "20261123");
    assert_eq!(third, "20261123.12345678.PAY.REQ.T.03");
    run_gateway(&sh);
    assert_eq!(codes(&sh, &third), pairs(&[("000001", "96")]));
}

#[test]
fn test_and_production_ids_are_apart() {
    let sh = Sh::new();
    // TEST and PRODUCTION are separate platforms of the shop's (own keys,
    // own transactions: gateways::lyra::ids): a PRODUCTION file reusing
    // the ids of the day's TEST file is neither warned nor answered 96.
    let test = upload(&sh, PAYMENTS, "2026-11-23T10:15:00+01:00", "20261123");
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &test),
        pairs(&[("000001", "00"), ("000002", "00")])
    );
    std::fs::write(sh.path("pay.csv"), PAYMENTS).unwrap();
    let prod = sh
        .ok(r#"name=$(dropwatch name --gateway lyra --shop 12345678 --mode production --date 20261123 sb/12345678/request_ips)
        xmlbatch build --format lyra --shop 12345678 --mode production --created-on 2026-11-23T11:00:00+01:00 -q -o "outbox/$name" pay.csv
        cp "outbox/$name" "sb/12345678/request_ips/.$name.part" && mv "sb/12345678/request_ips/.$name.part" "sb/12345678/request_ips/$name"
        echo "$name""#)
        .trim()
        .to_string();
    assert_eq!(prod, "20261123.12345678.PAY.REQ.P.01");
    let out = sh.run(&format!("dropwatch check sb/12345678/request_ips/{prod}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("transaction.exist"), "{err}");
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &prod),
        pairs(&[("000001", "00"), ("000002", "00")])
    );
    // Within PRODUCTION, the rule holds.
    let csv = "transaction_id,amount,currency,token\n2,500,EUR,TOK-3\n";
    std::fs::write(sh.path("pay.csv"), csv).unwrap();
    let again = sh
        .ok(r#"name=$(dropwatch name --gateway lyra --shop 12345678 --mode production --date 20261123 sb/12345678/request_ips)
        xmlbatch build --format lyra --shop 12345678 --mode production --created-on 2026-11-23T12:00:00+01:00 -q -o "outbox/$name" pay.csv
        mv "outbox/$name" "sb/12345678/request_ips/$name"
        echo "$name""#)
        .trim()
        .to_string();
    let out = sh.run(&format!("dropwatch check sb/12345678/request_ips/{again}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("transaction id 000002 of shop 12345678 in PRODUCTION is already used"),
        "{err}"
    );
    run_gateway(&sh);
    assert_eq!(codes(&sh, &again), pairs(&[("000002", "96")]));
}

#[test]
fn around_midnight_the_day_is_the_utc_day() {
    let sh = Sh::new();
    let first = upload(&sh, PAYMENTS, "2026-11-23T10:15:00+01:00", "20261123");
    run_gateway(&sh);
    // 00:30 in Paris on the 24th is 23:30 UTC on the 23rd: the same day
    // as the first file, though the name (local) says the 24th.
    let late = upload(&sh, PAYMENTS, "2026-11-24T00:30:00+01:00", "20261124");
    assert_eq!(late, "20261124.12345678.PAY.REQ.T.01");
    let req = std::fs::read_to_string(sh.path(&format!("outbox/{late}"))).unwrap();
    assert!(
        req.starts_with("00;PAY;06;12345678;TEST;20261123;233000;\n"),
        "{req}"
    );
    let out = sh.run(&format!("dropwatch check sb/12345678/request_ips/{late}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("transaction.exist").count(), 2, "{err}");
    // xmlbatch check says the name is a local day ahead, as a warning.
    let out = sh.run(&format!("xmlbatch check outbox/{late}"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("the day before the name's date"));
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &late),
        pairs(&[("000001", "96"), ("000002", "96")])
    );
    // 01:30 in Paris on the 24th is 00:30 UTC on the 24th: a new day.
    let next = upload(&sh, PAYMENTS, "2026-11-24T01:30:00+01:00", "20261124");
    let out = sh.run(&format!("dropwatch check sb/12345678/request_ips/{next}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("transaction.exist"), "{err}");
    run_gateway(&sh);
    assert_eq!(
        codes(&sh, &next),
        pairs(&[("000001", "00"), ("000002", "00")])
    );
    let _ = first;
}

/// `--date` takes a day the same way in every tool: `YYYYMMDD` (as Lyra
/// writes it) or `YYYY-MM-DD` (as `date -I` does). `dropwatch name` took
/// both, `xmlbatch build` only the first, the HTTP sandbox only the
/// second: one `$day` could not be given to all three.
#[test]
fn a_date_is_taken_in_both_forms_by_every_tool() {
    let sh = Sh::new();
    std::fs::write(sh.path("pay.csv"), PAYMENTS).unwrap();
    for day in ["20261123", "2026-11-23"] {
        let out = sh.ok(&format!(
            "mkdir -p d
            dropwatch name --gateway lyra --shop 12345678 --date {day} d
            xmlbatch build --format lyra --shop 12345678 --mode test --date {day} --time 101010 \
                -q pay.csv | head -1"
        ));
        assert_eq!(
            out, "20261123.12345678.PAY.REQ.T.01\n00;PAY;06;12345678;TEST;20261123;101010;\n",
            "{day}"
        );
        let sandbox = crate::util::Sandbox::start(&sh, &["--store", "s.db", "--date", day]);
        let log = std::fs::read_to_string(sh.path("http.log")).unwrap();
        assert!(log.contains("\"date\":\"2026-11-23\""), "{day}: {log}");
        drop(sandbox);
    }
    // A day that is not one is said in the same words everywhere.
    for script in [
        "dropwatch name --gateway lyra --shop 12345678 --date 2026-11-31 d",
        "xmlbatch build --format lyra --shop 12345678 --mode test --date 2026-11-31 pay.csv",
        "dropwatch gateway --http 0 --date 2026-11-31",
    ] {
        let out = sh.run(script);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{script}: {err}");
        assert!(
            err.contains("not a date (expected YYYYMMDD or YYYY-MM-DD"),
            "{script}: {err}"
        );
    }
}
