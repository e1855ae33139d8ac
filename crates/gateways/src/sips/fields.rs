//! What the fields of Sips 2.0 hold (their [`FieldKind`]: what may be
//! shown of them), in its JSON and POST vocabulary (Sips data dictionary;
//! ../shared/reference/sips.md).

use paylot_cli::text::FieldKind::{self, *};

pub const FIELDS: &[(&str, FieldKind)] = &[
    ("merchantId", Identifier),
    ("transactionReference", Identifier),
    ("s10TransactionId", Identifier),
    ("transactionId", Identifier),
    ("orderId", Identifier),
    ("customerId", Identifier),
    ("statementReference", Identifier),
    ("authorisationId", Identifier),
    ("paymentMeanId", Identifier),
    ("merchantWalletId", Identifier),
    ("tokenPan", Identifier),
    ("intermediateServiceProvider", Identifier),
    ("seal", Seal),
    ("amount", Figure),
    ("currencyCode", Figure),
    ("keyVersion", Figure),
    ("responseCode", Figure),
    ("acquirerResponseCode", Figure),
    ("captureDay", Figure),
    ("s10TransactionIdDate", Figure),
    ("cardExpiryDate", Figure),
    ("cardNumber", CardNumber),
    ("cardCSCValue", SecurityCode),
    // Office Batch (sips::batch): the envelope's and records' own fields,
    // and the columns xmlbatch status writes.
    ("remitterId", Identifier),
    ("recordSequence", Identifier),
    ("operationAmount", Figure),
    ("record_sequence", Identifier),
    ("merchant_id", Identifier),
    ("transaction_reference", Identifier),
    ("office_batch_response_code", Figure),
];
