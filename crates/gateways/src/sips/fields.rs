//! What the fields of Sips 2.0 hold (their [`FieldKind`]: what may be
//! shown of them), in its JSON and POST vocabulary (Sips data dictionary;
//! ../shared/reference/sips.md).

use paylot_cli::text::FieldKind::{self, *};

use crate::vocabulary::Vocabulary;

/// Sips's vocabulary: what its fields hold, by their names, and the
/// fields that name the shop; what Sips's own code judges its fields
/// by (`crate::kinds` joins it with the other gateways').
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| Vocabulary::new(FIELDS.iter().copied(), SHOP_FIELDS.iter().copied()))
}

/// The fields that name the shop itself: never altered, not even where
/// they overlap a secret (`Vocabulary::names_the_shop`).
pub const SHOP_FIELDS: &[&str] = &["merchantId", "remitterId", "merchant_id"];

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
    // The other named columns of the Office Batch records (sips::batch):
    // declared, so that a column of no declared kind is known to be one
    // whose content nobody can vouch for (masked as card data).
    ("subMerchantId", Identifier),
    ("subMerchantLegalId", Identifier),
    ("invoiceReference", Identifier),
    ("settlementArchivingReference", Identifier),
    ("cardEffectiveDate", Figure),
    ("cardSeqNumber", Figure),
    // 3-D Secure's authentication value: sensitive authentication data.
    ("initialCavv", SecurityCode),
    ("captureMode", Text),
    ("comment", Text),
    ("customerEmail", Text),
    ("customerIpAddress", Text),
    ("merchantTransactionDateTime", Text),
    ("orderChannel", Text),
    ("operationOrigin", Text),
    ("paymentMeanBrand", Text),
    ("paymentPattern", Text),
    ("returnContext", Text),
    ("transactionOrigin", Text),
    ("validationIndicator", Text),
    ("accordSettlementMode", Text),
    ("settlementMode", Text),
    ("merchantAuthentMethod", Text),
    ("panType", Text),
    ("subMerchantCategoryCode", Text),
    ("subMerchantName", Text),
    ("subMerchantCity", Text),
    ("subMerchantCountry", Text),
    ("subMerchantStreet", Text),
    ("subMerchantStreetNumber", Text),
    ("subMerchantZipCode", Text),
    ("subMerchantAddressAdditional1", Text),
    ("subMerchantAddressAdditional2", Text),
    ("subMerchantAddressAdditional3", Text),
    ("subMerchantPostBox", Text),
    ("subMerchantState", Text),
    ("subMerchantUrl", Text),
];
