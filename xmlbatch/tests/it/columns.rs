//! `xmlbatch build`'s column mapping (`--column HEADER=NAME`, `--columns
//! FILE`) and the report of every unknown column at once, the same for
//! every format that reads a CSV.

use crate::util::*;

/// A French spreadsheet's export: `;`, its own headers.
fn french_paybox() -> String {
    format!(
        "Type opération;Référence;Montant;Devise;Carte;Expiration\n\
         authorize;ORDER-1;1000;EUR;1111222233334444;{}\n",
        expiry()
    )
}

/// The same operation, in the names xmlbatch reads without a mapping.
fn plain_paybox() -> String {
    format!(
        "type;reference;amount;currency;pan;expiry\n\
         authorize;ORDER-1;1000;EUR;1111222233334444;{}\n",
        expiry()
    )
}

const FRENCH_LYRA: &str =
    "N° transaction;Montant;Devise;Jeton;Référence\n1;1000;EUR;TOKEN-1;CMD-1\n";
const PLAIN_LYRA: &str =
    "transaction_id;amount;currency;token;reference\n1;1000;EUR;TOKEN-1;CMD-1\n";

/// The Paybox Direct options, with a Direct password (CLE) file.
fn direct_args<'a>(d: &Dir, extra: &[&'a str]) -> Vec<&'a str> {
    let cle = d.write("cle", "1999888I");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cle, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut v = vec![
        "build",
        "--format",
        "paybox-direct",
        "--site",
        "1999888",
        "--rank",
        "32",
        "--first-question",
        "7",
        "--created-on",
        CREATED_ON,
        "--cle-file",
        "cle",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn every_unknown_column_is_reported_at_once_with_the_names_accepted() {
    let d = Dir::new();
    d.write("fr.csv", french_paybox());
    let r = d
        .run(&paybox_args(&["-d", ";", "-o", "out.xml", "fr.csv"]))
        .expect(2);
    assert_eq!(
        r.stderr,
        "fr.csv:1: column 1 \"Type opération\": not a Paybox column; did you mean type? (--column 'Type opération=type')\n\
         fr.csv:1: column 2 \"Référence\": not a Paybox column; did you mean reference? (--column 'Référence=reference')\n\
         fr.csv:1: column 5 \"Carte\": not a Paybox column\n\
         fr.csv:1: column 6 \"Expiration\": not a Paybox column; did you mean expiry? (--column 'Expiration=expiry')\n\
         xmlbatch: \"fr.csv\": 4 unknown columns, nothing read. Paybox columns (any case): \
         NUMQUESTION/question, TYPE/type, DEVISE/currency, MONTANT/amount, REFERENCE/reference, \
         DATEQ/date, ACTIVITE/activity, PORTEUR/pan, DATEVAL/expiry, CVV/cvv, NUMAPPEL/call_id, \
         NUMTRANS/transaction_id, REFABONNE/subscriber, AUTORISATION/authorization, SITE/site, \
         RANG/rank. Map a header to one with --column 'HEADER=NAME' or --columns FILE (one \
         HEADER=NAME a line)\n",
        "{r}"
    );
    assert!(r.stdout.is_empty() && !d.exists("out.xml"), "{r}");

    // The same report for Paybox Direct, and for Lyra in its own names.
    let r = d.run(&direct_args(&d, &["-d", ";", "fr.csv"])).expect(2);
    r.stderr_has("fr.csv:1: column 2 \"Référence\": not a Paybox column; did you mean reference?")
        .stderr_has("xmlbatch: \"fr.csv\": 4 unknown columns, nothing read.");
    assert!(r.stdout.is_empty(), "{r}");
    d.write("fr-lyra.csv", FRENCH_LYRA);
    let r = d.run(&lyra_args(&["-d", ";", "fr-lyra.csv"])).expect(2);
    r.stderr_has("fr-lyra.csv:1: column 1 \"N° transaction\": not a Lyra column\n")
        .stderr_has("fr-lyra.csv:1: column 5 \"Référence\": not a Lyra column; did you mean reference? (--column 'Référence=reference')\n")
        .stderr_has("xmlbatch: \"fr-lyra.csv\": 5 unknown columns, nothing read. Lyra columns (any case): transaction_id/trans_id, amount, currency, token/identifier,");
    assert!(r.stdout.is_empty(), "{r}");
}

#[test]
fn a_mapping_reads_a_french_export_as_the_plain_names_would() {
    let d = Dir::new();
    // A file with comments, blank lines, a BOM and CRLF line ends, as a
    // Windows editor saves it; options for the rest.
    d.write(
        "colonnes.txt",
        "\u{feff}# export du tableur\r\nType opération = type\r\n\r\n  Référence=reference\r\nmontant=MONTANT\r\nDevise=currency\r\n",
    );
    let mapped = [
        "--columns",
        "colonnes.txt",
        "--column",
        "Carte=pan",
        "--column",
        " EXPIRATION = expiry ",
    ];
    d.write("fr.csv", french_paybox());
    d.write("plain.csv", plain_paybox());
    let want = d.run(&paybox_args(&["-d", ";", "plain.csv"])).expect(0);
    let mut args = paybox_args(&["-d", ";", "fr.csv"]);
    args.extend_from_slice(&mapped);
    let got = d.run(&args).expect(0);
    assert_eq!(got.stdout, want.stdout);
    assert!(
        got.stdout.contains("<Reference>ORDER-1</Reference>"),
        "{got}"
    );

    // The same mapping for Paybox Direct.
    let want = d.run(&direct_args(&d, &["-d", ";", "plain.csv"])).expect(0);
    let mut args = direct_args(&d, &["-d", ";", "fr.csv"]);
    args.extend_from_slice(&mapped);
    let got = d.run(&args).expect(0);
    assert_eq!(got.stdout, want.stdout);
    assert!(got.stdout.contains("&REFERENCE=ORDER-1&"), "{got}");

    // Lyra, from a Windows-1252 export: the headers are decoded before
    // they are compared.
    let latin1: Vec<u8> = FRENCH_LYRA
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    d.write("fr-lyra.csv", latin1);
    d.write("plain-lyra.csv", PLAIN_LYRA);
    d.write(
        "lyra-colonnes.txt",
        "N° transaction=transaction_id\nMontant=amount\nDevise=currency\nJeton=token\n",
    );
    let want = d.run(&lyra_args(&["-d", ";", "plain-lyra.csv"])).expect(0);
    let got = d
        .run(&lyra_args(&[
            "-d",
            ";",
            "--encoding",
            "windows-1252",
            "--columns",
            "lyra-colonnes.txt",
            "--column",
            "Référence=order_id",
            "fr-lyra.csv",
        ]))
        .expect(0);
    assert_eq!(got.stdout, want.stdout);
    assert!(got.stdout.contains(";TOKEN-1;;CMD-1;"), "{got}");
}

/// The Office Batch acceptChallenge sample (D-AC), built from a French
/// export: its headers unknown, then mapped.
#[test]
fn office_batch_reads_the_same_mapping() {
    let d = Dir::new();
    let build = office_batch_args(&["-d", ";"]);
    d.write(
        "ob.csv",
        "Fonction;Commerçant;Référence;validationIndicator;operationOrigin;comment;s10TransactionId;s10TransactionIdDate\n\
         acceptChallenge;023101122334456;SIM20220329092501;valid;origin;comment;101;20210329\n",
    );
    let mut args = build.clone();
    args.push("ob.csv");
    let r = d.run(&args).expect(2);
    assert_eq!(
        r.stderr.lines().take(3).collect::<Vec<_>>(),
        [
            "ob.csv:1: column 1 \"Fonction\": not a Sips Office Batch column; did you mean function? (--column 'Fonction=function')",
            "ob.csv:1: column 2 \"Commerçant\": not a Sips Office Batch column; did you mean comment? (--column 'Commerçant=comment')",
            "ob.csv:1: column 3 \"Référence\": not a Sips Office Batch column",
        ],
        "{r}"
    );
    r.stderr_has("xmlbatch: \"ob.csv\": 3 unknown columns, nothing read. Sips Office Batch columns (any case): function, recordSequence, merchantId, transactionReference, amount,");
    assert!(r.stdout.is_empty(), "{r}");

    d.write(
        "ob-colonnes.txt",
        "Fonction=function\nCommerçant=merchantId\nRéférence=transactionReference\n",
    );
    let mut args = build.clone();
    args.extend(["--columns", "ob-colonnes.txt", "ob.csv"]);
    let r = d.run(&args).expect(0);
    assert_eq!(
        r.stdout,
        "FILE;request;office;v19\n\
         HEADER;023101122334455;2021-12-16+0100;14:26:45+0100;1\n\
         ACCEPTCHALLENGE;1;023101122334456;SIM20220329092501;valid;origin;comment;101;20210329\n\
         END;1\n"
    );
    // A row's problem names the column as the export does.
    d.write(
        "ob-bad.csv",
        "Fonction;Commerçant;Référence;validationIndicator;operationOrigin;comment;s10TransactionId;s10TransactionIdDate\n\
         acceptChallenge;;SIM20220329092501;valid;origin;comment;101;20210329\n",
    );
    let mut args = build.clone();
    args.extend(["--columns", "ob-colonnes.txt", "ob-bad.csv"]);
    d.run(&args)
        .expect(1)
        .stderr_has("ob-bad.csv:2: column \"Commerçant\": ");
    // A Paybox name is not an Office Batch one.
    let mut args = build.clone();
    args.extend(["--column", "Montant=MONTANT", "ob.csv"]);
    d.run(&args).expect(2).stderr_has(
        "--column \"Montant=MONTANT\": the name after = is not a Sips Office Batch column\n",
    );
}

#[test]
fn headers_are_compared_composed_and_in_any_case() {
    let d = Dir::new();
    // The header as macOS writes it (e + combining acute), the mapping as
    // typed (é), in another case.
    let nfd = french_paybox().replace("Référence", "Re\u{301}fe\u{301}rence");
    assert_ne!(nfd, french_paybox());
    d.write("fr.csv", nfd);
    let r = d
        .run(&paybox_args(&[
            "-d",
            ";",
            "--column",
            "TYPE OPÉRATION=type",
            "--column",
            "référence=reference",
            "--column",
            "Carte=pan",
            "--column",
            "Expiration=expiry",
            "fr.csv",
        ]))
        .expect(0);
    assert!(r.stdout.contains("<Reference>ORDER-1</Reference>"), "{r}");
}

#[test]
fn every_mapping_problem_is_reported_at_once_with_its_place() {
    let d = Dir::new();
    d.write("fr.csv", french_paybox());
    d.write(
        "map.txt",
        "# the export's names\nType opération=type\nRéférence\nMontant=montnt\nDevise=\nCarte=pan\n",
    );
    let r = d
        .run(&paybox_args(&[
            "-d",
            ";",
            "--columns",
            "map.txt",
            "--column",
            "type opération=TYPE",
            "--column",
            "Expiration=fin de validité",
            "-o",
            "out.xml",
            "fr.csv",
        ]))
        .expect(2);
    assert_eq!(
        r.stderr,
        "map.txt:3: no =: expected HEADER=NAME, e.g. Montant=amount\n\
         map.txt:4: \"montnt\" is not a Paybox column; did you mean MONTANT?\n\
         map.txt:5: the name after = is missing: expected HEADER=NAME, e.g. Montant=amount\n\
         --column \"type opération=TYPE\": the header \"type opération\" is already mapped by map.txt:2 (map each header once)\n\
         --column \"Expiration=fin de validité\": the name after = is not a Paybox column\n\
         xmlbatch: 5 problems in the column mapping, nothing read. Each is HEADER=NAME: the \
         CSV's header, then one of the Paybox columns (any case): NUMQUESTION/question, \
         TYPE/type, DEVISE/currency, MONTANT/amount, REFERENCE/reference, DATEQ/date, \
         ACTIVITE/activity, PORTEUR/pan, DATEVAL/expiry, CVV/cvv, NUMAPPEL/call_id, \
         NUMTRANS/transaction_id, REFABONNE/subscriber, AUTORISATION/authorization, SITE/site, \
         RANG/rank\n",
        "{r}"
    );
    assert!(r.stdout.is_empty() && !d.exists("out.xml"), "{r}");

    // Lyra's names for Lyra: a Paybox name is not one.
    let r = d
        .run(&lyra_args(&["--column", "Jeton=PORTEUR", "x.csv"]))
        .expect(2);
    r.stderr_has("--column \"Jeton=PORTEUR\": the name after = is not a Lyra column\n");

    // A mapping file that cannot be read is named.
    let r = d
        .run(&paybox_args(&["--columns", "missing.txt", "fr.csv"]))
        .expect(2);
    r.stderr_has("\"missing.txt\"");
    d.run(&paybox_args(&["--columns", "-", "fr.csv"]))
        .expect(2)
        .stderr_has("--columns -: give the mapping as a file (standard input is the CSV's)");
    // Not a mapping: refused before it is held whole.
    d.write("big.txt", "# x\n".repeat(300_000));
    d.run(&paybox_args(&["--columns", "big.txt", "fr.csv"]))
        .expect(2)
        .stderr_has(
            "\"big.txt\": larger than 1 MiB: not a column mapping (one HEADER=NAME a line)",
        );
    // Not UTF-8: the line, and the command that converts it.
    d.write("latin1.txt", b"Type op\xe9ration=type\n");
    d.run(&paybox_args(&["--columns", "latin1.txt", "fr.csv"]))
        .expect(2)
        .stderr_has("latin1.txt:1: byte 0xE9 is not UTF-8")
        .stderr_has("iconv -f WINDOWS-1252 -t UTF-8");
}

#[test]
fn two_headers_giving_one_column_are_named_with_the_mapping_behind_them() {
    let d = Dir::new();
    d.write(
        "two.csv",
        format!(
            "Type opération;Total;reference;amount;currency;pan;expiry\n\
             authorize;1000;ORDER-1;1000;EUR;1111222233334444;{}\n",
            expiry()
        ),
    );
    let r = d
        .run(&paybox_args(&[
            "-d",
            ";",
            "--column",
            "Type opération=type",
            "--column",
            "Total=amount",
            "two.csv",
        ]))
        .expect(2);
    assert_eq!(
        r.stderr,
        "two.csv:1: columns 2 \"Total\" (mapped by --column \"Total=amount\") and 4 \"amount\" both give MONTANT (keep one)\n\
         xmlbatch: \"two.csv\": a problem with its columns, nothing read. Paybox columns (any \
         case): NUMQUESTION/question, TYPE/type, DEVISE/currency, MONTANT/amount, \
         REFERENCE/reference, DATEQ/date, ACTIVITE/activity, PORTEUR/pan, DATEVAL/expiry, \
         CVV/cvv, NUMAPPEL/call_id, NUMTRANS/transaction_id, REFABONNE/subscriber, \
         AUTORISATION/authorization, SITE/site, RANG/rank. Map a header to one with --column \
         'HEADER=NAME' or --columns FILE (one HEADER=NAME a line)\n",
        "{r}"
    );
    // Lyra: the same rule.
    let r = d
        .run_stdin(
            &lyra_args(&["--column", "Jeton=token"]),
            "transaction_id,amount,currency,Jeton,identifier\n1,100,978,T,T\n",
        )
        .expect(2);
    r.stderr_has("<stdin>:1: columns 4 \"Jeton\" (mapped by --column \"Jeton=token\") and 5 \"identifier\" both give token (keep one)\n");
}

#[test]
fn what_a_header_or_a_mapping_holds_is_shown_safely() {
    let d = Dir::new();
    // A key file given as the mapping: its lines are never repeated.
    let key = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    d.write("shop.hmac", format!("{key}\nPAYBOX_HMAC={key}\n"));
    let r = d
        .run_stdin(
            &paybox_args(&["--columns", "shop.hmac"]),
            "type\nauthorize\n",
        )
        .expect(2);
    r.stderr_has("shop.hmac:1: no =: expected HEADER=NAME")
        .stderr_has("shop.hmac:2: the name after = is not a Paybox column\n");
    for i in 0..=key.len() - 12 {
        let run = &key[i..i + 12];
        assert!(
            !r.stderr
                .to_ascii_lowercase()
                .contains(&run.to_ascii_lowercase()),
            "{r}"
        );
    }

    // A data row where the header should be: its card number is not
    // shown; a header holding a terminal escape is escaped, and no fix
    // is offered that would not paste as it reads.
    let r = d
        .run_stdin(
            &paybox_args(&[]),
            "authorize,4111111111111111,refer\u{1b}[31mence,,amount\n",
        )
        .expect(2);
    r.stderr_has("<stdin>:1: column 2 of 16 characters with no letter")
        .stderr_has("<stdin>:1: column 3 \"refer\\u{1b}[31mence\": not a Paybox column\n")
        .stderr_has(
            "<stdin>:1: column 4 has no name (a delimiter too many at the end of the header?)\n",
        )
        .stderr_has("xmlbatch: <stdin>: 4 unknown columns, nothing read.")
        .stderr_lacks("4111111111111111")
        .stderr_lacks("\u{1b}");
}

#[test]
fn the_help_shows_the_mapping_options_and_an_example() {
    let d = Dir::new();
    let r = d.run(&["build", "--help"]).expect(0);
    let io = r.stdout.split("Input and output:").nth(1).unwrap_or("");
    for needle in ["--column <HEADER=NAME>", "--columns <FILE>"] {
        assert!(io.contains(needle), "{r}");
    }
    assert!(
        r.stdout
            .contains("        --column 'Type opération=type' --column 'Référence=reference' \\\n"),
        "{r}"
    );
}

/// A mapping file's lines end as the CSV's rows do, by LF, CRLF or a bare
/// CR: a file of CR-ended lines was one line, its mappings lost without a
/// word (then "column 5 \"Carte\": not a Paybox column"), a bad name on
/// it said at line 1.
#[test]
fn a_mapping_file_of_cr_ended_lines_is_read_line_by_line() {
    let d = Dir::new();
    d.write("fr.csv", french_paybox());
    d.write("plain.csv", plain_paybox());
    let want = d.run(&paybox_args(&["-d", ";", "plain.csv"])).expect(0);
    let mapping = "Type opération=type\rRéférence=reference\rMontant=amount\r\nDevise=currency\rCarte=pan\nExpiration=expiry\r";
    d.write("colonnes.txt", mapping);
    let got = d
        .run(&paybox_args(&[
            "-d",
            ";",
            "--columns",
            "colonnes.txt",
            "fr.csv",
        ]))
        .expect(0);
    assert_eq!(got.stdout, want.stdout);
    d.write("colonnes.txt", mapping.replace("=pan", "=pann"));
    let r = d
        .run(&paybox_args(&[
            "-d",
            ";",
            "--columns",
            "colonnes.txt",
            "fr.csv",
        ]))
        .expect(2);
    r.stderr_has("colonnes.txt:5: \"pann\" is not a Paybox column; did you mean pan?\n");
    assert!(r.stdout.is_empty(), "{r}");
}
