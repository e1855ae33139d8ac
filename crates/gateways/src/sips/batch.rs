//! Sips Office Batch, CSV flavour (Sips 2.0: Sogenactif, Mercanet,
//! Sherlock's): the file envelope, the columns of each function, the
//! record and envelope checks, `officeBatchResponseCode`.
//!
//! Only part of the format is public (../shared/reference/office-batch.md
//! gathers it, release 24.x pages): every column carries where it comes
//! from and how sure it is ([`Sure`]), so that a real file from Worldline
//! can correct the tables. The sources, by their ids in that reference:
//!
//! - G-CSV, https://docs.sips.worldline-solutions.com/en/WLSIPS.335-UG-Sips-Office-Batch-CSV.html (flow);
//! - D-CO, D-WO, D-WC, D-AC, D-RC, D-CA, D-VA, D-RF, D-DU: the data
//!   dictionary's pages `…/data-dictionary/sob/<function>.html` on
//!   documentation.sogenactif.com, docs.sips.worldline-solutions.com,
//!   documentation.mercanet.bnpparibas.net, sherlocks-documentation.secure.lcl.fr
//!   (Orders, presence, request samples);
//! - FMT, https://documentation.sogenactif.com/en/data-dictionary/formats.html .
//!
//! The rule of the records (inferred, strong): column 0 is the function's
//! keyword, column n the dictionary's Order n; a container such as
//! `s10TransactionReference` takes one column per element.
//!
//! Not published, so not done here: the file names (the ZIP archive
//! `OFBREQ…` is cut off in every copy), the line terminator, the
//! encoding (UTF-8 by the XML flavour), how a `;` inside a value is
//! escaped (a value holding one is refused), the response record's
//! layout beyond `officeBatchResponseCode` for acceptChallenge and
//! refuseChallenge, where `responseCode` stands in a response record,
//! the columns of credit and directDebitOrder, the optional columns of
//! cancel, validate, refund and duplicate, and the file-level rejections.

use std::borrow::Cow;

use paylot_cli::text::{hide_card_values, FieldKind};

use crate::currency;

/// The separator of every published sample.
pub const SEPARATOR: u8 = b';';
/// The CSV interface version of every published sample (`FILE;request;office;v19`).
pub const SAMPLE_VERSION: u32 = 19;

/// How a request file starts, and a response file (by symmetry).
pub const REQUEST_START: &[u8] = b"FILE;request;office;";
pub const RESPONSE_START: &[u8] = b"FILE;response;office;";

/// The name of the response to the request file `request`. Worldline's
/// names are not published (the archive's `OFBREQ…` is cut off): this is
/// the sandbox's own, `<request>.response`, to be replaced by the real
/// rule once known.
pub fn response_name(request: &str) -> String {
    format!("{request}.response")
}

/// How sure a fact is (the reference's marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sure {
    /// Stated by the dictionary (name, Order, presence).
    Stated,
    /// Read off a published sample (position certain, name from the XML
    /// sample's order or the placeholder value).
    Sample,
    /// Inferred: to confirm with Worldline.
    Inferred,
}

impl Sure {
    pub fn as_str(self) -> &'static str {
        match self {
            Sure::Stated => "stated by the dictionary",
            Sure::Sample => "read off the published sample",
            Sure::Inferred => "inferred, to confirm with Worldline",
        }
    }
}

/// What a column's value must be, as far as the dictionary states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Not stated: anything but the separator and line breaks.
    Text,
    /// Digits (recordSequence; s10TransactionId N6: up to 6).
    Digits(usize),
    /// An amount in the smallest currency unit ("EUR 10.50 → 1050").
    Amount,
    /// ISO 4217 numeric.
    Currency,
    /// AN35: letters and digits, up to 35 (transactionReference).
    Reference,
    /// `cardNumber`: N19, or ANS128 when it is a token.
    CardNumber,
    /// `YYYYMMDD` (s10TransactionIdDate in the samples).
    Date,
}

/// One column of a function's record.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The dictionary's name (or, for a column of the samples whose name
    /// is not published, `column<Order>`).
    pub name: &'static str,
    pub required: bool,
    pub format: Format,
    /// The CSV interface version the column appeared in, when published;
    /// None: in the v19 samples, first version not published.
    pub since: Option<u32>,
    pub sure: Sure,
    /// The reference's source id (D-CO, …).
    pub source: &'static str,
}

/// One batch function.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    /// The dictionary's name (`cardOrder`).
    pub name: &'static str,
    /// Column 0 (`CARDORDER`).
    pub keyword: &'static str,
    /// Whether the keyword was seen in a sample or is the upper-cased name.
    pub keyword_sure: Sure,
    /// Columns 1, 2, … (Order n at index n-1), as far as published.
    pub columns: &'static [Column],
    /// Why records of it cannot be built, when a required column's
    /// position is not published.
    pub unbuildable: Option<&'static str>,
    /// The Order of `officeBatchResponseCode` in its response record,
    /// when published.
    pub response_code_order: Option<usize>,
}

impl Function {
    /// The column named `name` (compared without regard to case), and its
    /// Order.
    pub fn column(&self, name: &str) -> Option<(usize, &'static Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(name))
            .map(|(i, c)| (i + 1, c))
    }
}

const fn col(
    name: &'static str,
    required: bool,
    format: Format,
    sure: Sure,
    source: &'static str,
) -> Column {
    Column {
        name,
        required,
        format,
        since: None,
        sure,
        source,
    }
}

use Format::*;
use Sure::*;

/// Orders 1–3, as every function has them: recordSequence and merchantId
/// Required (D-CA, D-VA, D-RF, D-AC, D-RC), transactionReference at 3 in
/// every sample.
const fn head(reference_required: bool, sure: Sure, source: &'static str) -> [Column; 3] {
    [
        col("recordSequence", true, Digits(9), Stated, "D-CA"),
        col("merchantId", true, Text, Stated, "D-CA"),
        col(
            "transactionReference",
            reference_required,
            Reference,
            sure,
            source,
        ),
    ]
}

/// The sub-merchant block of card and wallet orders (names inferred from
/// the samples' placeholder values).
macro_rules! sub_merchant {
    ($src:expr) => {
        [
            col("subMerchantId", false, Text, Inferred, $src),
            col("subMerchantCategoryCode", false, Text, Inferred, $src),
            col("subMerchantLegalId", false, Text, Inferred, $src),
            col("subMerchantName", false, Text, Inferred, $src),
            col("subMerchantCity", false, Text, Inferred, $src),
            col("subMerchantCountry", false, Text, Inferred, $src),
            col("subMerchantStreet", false, Text, Inferred, $src),
            col("subMerchantStreetNumber", false, Text, Inferred, $src),
            col("subMerchantZipCode", false, Text, Inferred, $src),
            col("subMerchantAddressAdditional1", false, Text, Inferred, $src),
            col("subMerchantAddressAdditional2", false, Text, Inferred, $src),
            col("subMerchantAddressAdditional3", false, Text, Inferred, $src),
            col("subMerchantPostBox", false, Text, Inferred, $src),
            col("subMerchantState", false, Text, Inferred, $src),
            col("subMerchantUrl", false, Text, Inferred, $src),
        ]
    };
}

/// Eleven fraud-control-like values of the samples whose names are not
/// published (`Y`, `ctrl1`, `info1`, 8 country codes), from Order `$first`.
macro_rules! unnamed_eleven {
    ($src:expr, $($n:literal),*) => {
        [$(col(concat!("column", $n), false, Text, Sample, $src)),*]
    };
}

const fn concat_columns<const A: usize, const B: usize, const C: usize>(
    a: [Column; A],
    b: [Column; B],
) -> [Column; C] {
    let mut out = [col("", false, Text, Inferred, ""); C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < B {
        out[A + j] = b[j];
        j += 1;
    }
    out
}

const CARD_ORDER_1: [Column; 22] = concat_columns(
    head(false, Sample, "D-CO"),
    [
        col("amount", true, Amount, Stated, "D-CO"),
        col("captureDay", false, Text, Sample, "D-CO"),
        col("captureMode", false, Text, Sample, "D-CO"),
        col("cardCSCValue", false, Text, Sample, "D-CO"),
        col("cardEffectiveDate", false, Text, Sample, "D-CO"),
        col("cardExpiryDate", true, Text, Stated, "D-CO"),
        col("cardNumber", true, CardNumber, Stated, "D-CO"),
        col("cardSeqNumber", true, Text, Stated, "D-CO"),
        col("currencyCode", true, Currency, Stated, "D-CO"),
        col("customerEmail", false, Text, Sample, "D-CO"),
        col("customerId", false, Text, Sample, "D-CO"),
        col("customerIpAddress", false, Text, Inferred, "D-CO"),
        col("merchantTransactionDateTime", false, Text, Inferred, "D-CO"),
        col("orderChannel", false, Text, Inferred, "D-CO"),
        col("orderId", false, Text, Sample, "D-CO"),
        col("paymentPattern", false, Text, Inferred, "D-CO"),
        col("returnContext", false, Text, Sample, "D-CO"),
        col("statementReference", false, Text, Sample, "D-CO"),
        col("transactionOrigin", false, Text, Sample, "D-CO"),
    ],
);
const CARD_ORDER_2: [Column; 33] = concat_columns(
    CARD_ORDER_1,
    unnamed_eleven!("D-CO", 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33),
);
const CARD_ORDER_3: [Column; 47] = concat_columns(
    CARD_ORDER_2,
    [
        col("panType", false, Text, Inferred, "D-CO"),
        col("accordSettlementMode", false, Text, Sample, "D-CO"),
        col("settlementMode", false, Text, Sample, "D-CO"),
        col("initialCavv", false, Text, Sample, "D-CO"),
        col("merchantAuthentMethod", false, Text, Sample, "D-CO"),
        col("column39", false, Text, Sample, "D-CO"),
        col("s10TransactionId", false, Digits(6), Sample, "D-CO"),
        col("s10TransactionIdDate", false, Date, Sample, "D-CO"),
        col("paymentMeanBrand", false, Text, Inferred, "D-CO"),
        col(
            "paymentMeanBrandSelectionStatus",
            false,
            Text,
            Sample,
            "D-CO",
        ),
        col(
            "initialSchemeTransactionIdentifier",
            false,
            Text,
            Sample,
            "D-CO",
        ),
        col("settlementArchivingReference", false, Text, Sample, "D-CO"),
        col(
            "settlementMerchantSpecificData",
            false,
            Text,
            Sample,
            "D-CO",
        ),
        col("invoiceReference", false, Text, Sample, "D-CO"),
    ],
);
static CARD_ORDER: [Column; 62] = concat_columns(CARD_ORDER_3, sub_merchant!("D-CO"));

const WALLET_ORDER_1: [Column; 20] = concat_columns(
    head(false, Sample, "D-WO"),
    [
        col("amount", false, Amount, Sample, "D-WO"),
        col("captureDay", false, Text, Sample, "D-WO"),
        col("captureMode", false, Text, Sample, "D-WO"),
        col("currencyCode", false, Currency, Sample, "D-WO"),
        col("customerEmail", false, Text, Sample, "D-WO"),
        col("customerId", false, Text, Sample, "D-WO"),
        col("customerIpAddress", false, Text, Sample, "D-WO"),
        col("merchantTransactionDateTime", false, Text, Sample, "D-WO"),
        col("orderChannel", false, Text, Sample, "D-WO"),
        col("orderId", false, Text, Sample, "D-WO"),
        col("paymentMeanId", false, Text, Sample, "D-WO"),
        col("returnContext", false, Text, Sample, "D-WO"),
        col("statementReference", false, Text, Sample, "D-WO"),
        col("merchantWalletId", false, Text, Sample, "D-WO"),
        col("transactionOrigin", false, Text, Sample, "D-WO"),
        col("cardCSCValue", false, Text, Inferred, "D-WO"),
        col("paymentPattern", false, Text, Inferred, "D-WO"),
    ],
);
const WALLET_ORDER_2: [Column; 31] = concat_columns(
    WALLET_ORDER_1,
    unnamed_eleven!("D-WO", 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31),
);
const WALLET_ORDER_3: [Column; 39] = concat_columns(
    WALLET_ORDER_2,
    [
        col("s10TransactionId", false, Digits(6), Sample, "D-WO"),
        col("s10TransactionIdDate", false, Date, Sample, "D-WO"),
        col(
            "initialSchemeTransactionIdentifier",
            false,
            Text,
            Sample,
            "D-WO",
        ),
        col("paymentMeanBrand", false, Text, Inferred, "D-WO"),
        col("settlementArchivingReference", false, Text, Sample, "D-WO"),
        col(
            "settlementMerchantSpecificData",
            false,
            Text,
            Sample,
            "D-WO",
        ),
        col(
            "paymentMeanBrandSelectionStatus",
            false,
            Text,
            Sample,
            "D-WO",
        ),
        col("merchantAuthentMethod", false, Text, Sample, "D-WO"),
    ],
);
static WALLET_ORDER: [Column; 54] = concat_columns(WALLET_ORDER_3, sub_merchant!("D-WO"));

static WALLET_CREDIT: [Column; 19] = concat_columns(
    head(false, Sample, "D-WC"),
    [
        col("amount", true, Amount, Stated, "D-WC"),
        col("merchantWalletId", true, Text, Stated, "D-WC"),
        col("paymentMeanId", true, Text, Stated, "D-WC"),
        col("currencyCode", true, Currency, Stated, "D-WC"),
        col("customerEmail", false, Text, Sample, "D-WC"),
        col("customerId", false, Text, Sample, "D-WC"),
        col("customerIpAddress", false, Text, Sample, "D-WC"),
        col("orderChannel", false, Text, Sample, "D-WC"),
        col("orderId", false, Text, Sample, "D-WC"),
        col("returnContext", false, Text, Sample, "D-WC"),
        col("transactionOrigin", false, Text, Sample, "D-WC"),
        col("s10TransactionId", false, Digits(6), Sample, "D-WC"),
        col("s10TransactionIdDate", false, Date, Sample, "D-WC"),
        col("statementReference", false, Text, Sample, "D-WC"),
        col("settlementArchivingReference", false, Text, Sample, "D-WC"),
        col(
            "settlementMerchantSpecificData",
            false,
            Text,
            Sample,
            "D-WC",
        ),
    ],
);

static ACCEPT_CHALLENGE: [Column; 8] = concat_columns(
    head(false, Stated, "D-AC"),
    [
        col("validationIndicator", false, Text, Sample, "D-AC"),
        col("operationOrigin", false, Text, Stated, "D-AC"),
        col("comment", false, Text, Stated, "D-AC"),
        col("s10TransactionId", false, Digits(6), Stated, "D-AC"),
        col("s10TransactionIdDate", false, Date, Sample, "D-AC"),
    ],
);

static REFUSE_CHALLENGE: [Column; 7] = concat_columns(
    head(false, Stated, "D-RC"),
    [
        col("operationOrigin", false, Text, Stated, "D-RC"),
        col("comment", false, Text, Stated, "D-RC"),
        col("s10TransactionId", false, Digits(6), Stated, "D-RC"),
        col("s10TransactionIdDate", false, Date, Sample, "D-RC"),
    ],
);

static CANCEL: [Column; 5] = concat_columns(
    head(true, Stated, "D-CA"),
    [
        col("amount", true, Amount, Stated, "D-CA"),
        col("currencyCode", true, Currency, Stated, "D-CA"),
    ],
);

static VALIDATE: [Column; 5] = concat_columns(
    head(false, Inferred, "D-VA"),
    [
        col("operationAmount", true, Amount, Stated, "D-VA"),
        col("currencyCode", true, Currency, Stated, "D-VA"),
    ],
);

static REFUND: [Column; 5] = concat_columns(
    head(false, Inferred, "D-RF"),
    [
        col("operationAmount", true, Amount, Stated, "D-RF"),
        col("currencyCode", true, Currency, Stated, "D-RF"),
    ],
);

static DUPLICATE: [Column; 5] = concat_columns(
    head(false, Inferred, "D-DU"),
    [
        col("amount", true, Amount, Stated, "D-DU"),
        col("currencyCode", true, Currency, Stated, "D-DU"),
    ],
);

/// The functions whose columns are (partly) published. Credit and
/// directDebitOrder are listed by the dictionary's index with no column.
pub static FUNCTIONS: [Function; 9] = [
    Function {
        name: "cardOrder",
        keyword: "CARDORDER",
        keyword_sure: Sample,
        columns: &CARD_ORDER,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "walletOrder",
        keyword: "WALLETORDER",
        keyword_sure: Sample,
        columns: &WALLET_ORDER,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "walletCredit",
        keyword: "WALLETCREDIT",
        keyword_sure: Sample,
        columns: &WALLET_CREDIT,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "acceptChallenge",
        keyword: "ACCEPTCHALLENGE",
        keyword_sure: Sample,
        columns: &ACCEPT_CHALLENGE,
        unbuildable: None,
        response_code_order: Some(12),
    },
    Function {
        name: "refuseChallenge",
        keyword: "REFUSECHALLENGE",
        keyword_sure: Sample,
        columns: &REFUSE_CHALLENGE,
        unbuildable: None,
        response_code_order: Some(8),
    },
    Function {
        name: "cancel",
        keyword: "CANCEL",
        keyword_sure: Inferred,
        columns: &CANCEL,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "validate",
        keyword: "VALIDATE",
        keyword_sure: Inferred,
        columns: &VALIDATE,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "refund",
        keyword: "REFUND",
        keyword_sure: Inferred,
        columns: &REFUND,
        unbuildable: None,
        response_code_order: None,
    },
    Function {
        name: "duplicate",
        keyword: "DUPLICATE",
        keyword_sure: Inferred,
        columns: &DUPLICATE,
        unbuildable: Some(
            "its required fromTransactionReference has no published column (its Order is cut off in every copy of the dictionary)",
        ),
        response_code_order: None,
    },
];

/// The function named `name` or keyed `name` (any case).
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name) || f.keyword.eq_ignore_ascii_case(name))
}

/// What is wrong with `value` in column `c`, in words (None: nothing the
/// dictionary states). An empty value is judged by presence only.
pub fn value_problem(c: &Column, value: &str) -> Option<String> {
    if value.is_empty() {
        return c
            .required
            .then(|| "missing (the dictionary says Required)".to_string());
    }
    if value
        .bytes()
        .any(|b| b == SEPARATOR || b == b'\r' || b == b'\n')
    {
        // The value is not quoted: it may be card data.
        return Some(
            "the value contains ;, CR or LF (how Office Batch escapes them is not published: it is refused)"
                .to_string(),
        );
    }
    let digits = crate::all_digits(value);
    match c.format {
        Text => None,
        Digits(max) => (!digits || value.len() > max)
            .then(|| format!("{} is not a number of up to {max} digits", crate::show(value))),
        Amount => (!digits || value.len() > 12).then(|| {
            format!(
                "{} is not an amount in the smallest currency unit (digits, e.g. 1050 for EUR 10.50)",
                crate::show(value)
            )
        }),
        Currency => currency::currency_by_numeric(value).is_none().then(|| {
            format!(
                "{} is not a known ISO 4217 numeric currency (e.g. 978)",
                crate::show(value)
            )
        }),
        Reference => (value.len() > 35 || !value.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| {
                format!(
                    "{} is not a transactionReference (AN35: up to 35 letters and digits)",
                    crate::show(value)
                )
            }),
        CardNumber => {
            let card = digits && value.len() <= 19;
            let token = value.chars().count() <= 128 && !value.chars().any(char::is_control);
            (!card && !token).then(|| {
                "is not a card number (N19) nor a token (ANS128)".to_string()
            })
        }
        Date => (!crate::calendar::is_yyyymmdd(value))
            .then(|| format!("{} is not a date YYYYMMDD", crate::show(value))),
    }
}

/// The meaning of an `officeBatchResponseCode` (D-AC, D-RC: the list is
/// cut off after 04).
pub fn office_batch_response_meaning(code: &str) -> &'static str {
    match code {
        "00" => "no error: every field is correct",
        "01" => "merchantId error",
        "03" => "transactionReference error",
        "" => "",
        _ => "not in the published part of the list",
    }
}

/// The file's first line: `FILE;<type>;office;v<NN>`; its type and
/// version.
pub fn parse_file_line(cols: &[&str]) -> Option<(&'static str, u32)> {
    if cols.len() != 4 || cols[0] != "FILE" || cols[2] != "office" {
        return None;
    }
    let kind = match cols[1] {
        "request" => "request",
        "response" => "response",
        _ => return None,
    };
    let v = cols[3].strip_prefix('v')?;
    (crate::all_digits(v) && v.len() <= 4)
        .then(|| v.parse().ok())
        .flatten()
        .map(|n| (kind, n))
}

/// The header's date and time as the samples write them
/// (`2021-12-16+0100`, `14:26:45+0100`), from a time with its offset.
pub fn header_date_time(t: time::OffsetDateTime) -> (String, String) {
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    let zone = format!("{sign}{:02}{:02}", h.unsigned_abs(), m.unsigned_abs());
    (
        format!(
            "{:04}-{:02}-{:02}{zone}",
            t.year(),
            t.month() as u8,
            t.day()
        ),
        format!("{:02}:{:02}:{:02}{zone}", t.hour(), t.minute(), t.second()),
    )
}

/// A csv reader for Office Batch files: `;`, no quoting (none is
/// published), any number of columns, LF or CRLF.
pub fn reader<R: std::io::Read>(src: R) -> paylot_cli::csv::Lines<R> {
    crate::lyra::file::reader(src)
}

/// A csv writer for Office Batch files: `;`, never quoted, LF line ends
/// (the terminator is not published).
pub fn writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    crate::lyra::file::writer(out)
}

/// The columns a file of CSV interface `version` may carry for `f`, or
/// why none can be written: the published columns are those of the v19
/// samples, and which of them earlier versions had is not published.
pub fn columns_for(f: &Function, version: u32) -> Result<&'static [Column], String> {
    if version < SAMPLE_VERSION {
        return Err(format!(
            "which columns CSV interface version {version} had is not published (the samples are v{SAMPLE_VERSION}): declare v{SAMPLE_VERSION} or later"
        ));
    }
    let n = f
        .columns
        .iter()
        .rposition(|c| c.since.is_none_or(|s| s <= version))
        .map_or(0, |i| i + 1);
    Ok(&f.columns[..n])
}

/// Problems of one record of `f` (columns 1, 2, … in `cols`, column 0
/// left out), as (Order, column name, message), in Order. Columns past
/// the published ones are not judged.
///
/// The record's card number is hidden wherever a message quotes it
/// again (an amount with the card number run into it, a lost separator:
/// no digit rule could tell that run from a reference).
pub fn check_record(f: &Function, cols: &[&str]) -> Vec<(usize, &'static str, String)> {
    let cards = card_values(Some(f), cols);
    let mut out = Vec::new();
    for (i, c) in f.columns.iter().enumerate() {
        let v = cols.get(i).copied().unwrap_or("");
        if let Some(m) = value_problem(c, v) {
            out.push((i + 1, c.name, hide_card_values(&m, &cards).into_owned()));
        }
    }
    out
}

/// The values of a record's card-number columns (columns 1, 2, … in
/// `cols`): card data wherever the record quotes them again.
fn card_values<'a>(f: Option<&Function>, cols: &[&'a str]) -> Vec<&'a str> {
    cols.iter()
        .enumerate()
        .filter(|(i, _)| column_kind(f, i + 1) == Some(FieldKind::CardNumber))
        .map(|(_, v)| *v)
        .collect()
}

/// A record's columns (1, 2, … in `cols`) as the tools may show them
/// (xmlbatch respond's echo, xmlbatch status): each as [`show_column`]
/// says, and the record's card number hidden wherever a column that is
/// not an identifier quotes it again, glued to other digits or not (the
/// amount `40120010371411121050`: the card number and the amount run
/// together). An identifier is never altered.
pub fn show_record(f: Option<&Function>, cols: &[&str]) -> Vec<String> {
    let cards = card_values(f, cols);
    cols.iter()
        .enumerate()
        .map(|(i, v)| {
            let shown = show_column(f, i + 1, v);
            match column_kind(f, i + 1) {
                Some(FieldKind::Identifier | FieldKind::CardNumber) => shown.into_owned(),
                _ => hide_card_values(&shown, &cards).into_owned(),
            }
        })
        .collect()
}

/// What the HEADER's columns after the keyword hold: the remitter's
/// identifier, the date, the time and the file's sequence number (the
/// order `xmlbatch build` writes, by the samples).
const HEADER_KINDS: [FieldKind; 4] = [
    FieldKind::Identifier,
    FieldKind::Text,
    FieldKind::Text,
    FieldKind::Identifier,
];

/// The kind of the column of Order `order` (1, 2, …) of a record of `f`
/// (None: a keyword no table has), when it is known: the kind its
/// published name declares (Sips's vocabulary), a code where a response
/// holds `officeBatchResponseCode`. Orders 1–3 are every function's
/// (recordSequence, merchantId, transactionReference). None
/// for a column past the table, of no published name (`column23`) or of
/// a name nobody declared: what it holds is not known.
pub fn column_kind(f: Option<&Function>, order: usize) -> Option<FieldKind> {
    const HEAD: [Column; 3] = head(false, Inferred, "");
    if f.is_some_and(|f| f.response_code_order == Some(order)) {
        return Some(FieldKind::Figure);
    }
    let columns = f.map_or(&HEAD[..], |f| f.columns);
    let column = columns.get(order.checked_sub(1)?)?;
    super::fields::vocabulary().known(column.name)
}

/// The value of the column of Order `order` of a record of `f`, as the
/// tools may show it (xmlbatch status, xmlbatch respond's echo): as its
/// kind says when its kind is known, else masked as a card number would
/// be. A column passed through by position may be the request's card
/// number or security code (a function whose layout is not published, a
/// column past the table): only a column known not to hold card data is
/// shown as it is.
pub fn show_column<'a>(f: Option<&Function>, order: usize, value: &'a str) -> Cow<'a, str> {
    column_kind(f, order)
        .unwrap_or(FieldKind::CardNumber)
        .show(value)
}

/// [`show_column`] for the HEADER's column `i` (0: the first after the
/// keyword).
pub fn show_header_column(i: usize, value: &str) -> Cow<'_, str> {
    HEADER_KINDS
        .get(i)
        .copied()
        .unwrap_or(FieldKind::CardNumber)
        .show(value)
}

/// The `officeBatchResponseCode` the platform gives a record of `f`:
/// `01` for a bad merchantId, `03` for a bad transactionReference, else
/// `00` (the published part of the list; which check comes first is not
/// published: merchantId, Order 2, is taken first).
pub fn office_batch_response_code(f: &Function, cols: &[&str]) -> &'static str {
    let bad = |name: &str| {
        f.column(name).is_some_and(|(order, c)| {
            value_problem(c, cols.get(order - 1).copied().unwrap_or("")).is_some()
        })
    };
    if bad("merchantId") {
        "01"
    } else if bad("transactionReference") {
        "03"
    } else {
        "00"
    }
}

/// One line of an Office Batch file, as read.
#[derive(Debug)]
pub enum Line<'a> {
    /// `FILE;<type>;office;v<NN>`: request or response, and the version.
    File(&'static str, u32),
    /// `HEADER;…`, its columns after the keyword.
    Header(Vec<&'a str>),
    /// A record: its function when published, its keyword, and columns
    /// 1, 2, ….
    Record(Option<&'static Function>, &'a str, Vec<&'a str>),
    /// `END;<n>`: the count given.
    End(&'a str),
    /// Anything else (a first line that is not `FILE`, an empty line).
    Other(Vec<&'a str>),
}

/// What a line of a file says, the first line being `first`.
pub fn classify<'a>(cols: &[&'a str], first: bool) -> Line<'a> {
    let kw = cols.first().copied().unwrap_or("");
    if first {
        if let Some((kind, v)) = parse_file_line(cols) {
            return Line::File(kind, v);
        }
        return Line::Other(cols.to_vec());
    }
    match kw {
        "HEADER" => Line::Header(cols[1..].to_vec()),
        "END" => Line::End(cols.get(1).copied().unwrap_or("")),
        "" => Line::Other(cols.to_vec()),
        _ if kw.bytes().all(|b| b.is_ascii_uppercase()) => Line::Record(
            function(kw).filter(|f| f.keyword == kw),
            kw,
            cols[1..].to_vec(),
        ),
        _ => Line::Other(cols.to_vec()),
    }
}

#[cfg(test)]
mod tests {
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
}
