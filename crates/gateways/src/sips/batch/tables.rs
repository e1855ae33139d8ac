//! Each function's columns, in Order, each with its source and how sure
//! it is (../shared/reference/office-batch.md), and the functions by
//! name or keyword.

use super::columns::Format::*;
use super::columns::Sure::{self, *};
use super::columns::{col, Column, Function};

/// Orders 1–3, as every function has them: recordSequence and merchantId
/// Required (D-CA, D-VA, D-RF, D-AC, D-RC), transactionReference at 3 in
/// every sample.
pub(super) const fn head(
    reference_required: bool,
    sure: Sure,
    source: &'static str,
) -> [Column; 3] {
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
