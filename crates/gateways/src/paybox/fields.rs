//! The fields of a Paybox operation, in the gateway's Direct vocabulary
//! (TYPE, MONTANT, PORTEUR…): their names in the Direct protocol, in this
//! project's CSV columns and in the Question XML, what each holds (its
//! [`FieldKind`]: what may be shown of it), the answer code the gateway
//! gives when one is wrong, and the fields each operation type needs;
//! and what the other fields of Paybox hold (Direct's own, the status
//! file's, Paybox System's form).

use paylot_cli::text::FieldKind::{self, *};

use super::codes::{Kind, OpType};
use crate::vocabulary::Vocabulary;

/// A Paybox operation field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Question,
    Type,
    Currency,
    Amount,
    Reference,
    Date,
    Activity,
    Pan,
    Expiry,
    Cvv,
    CallId,
    TransactionId,
    Subscriber,
    Authorization,
    Site,
    Rank,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Question,
        Field::Type,
        Field::Currency,
        Field::Amount,
        Field::Reference,
        Field::Date,
        Field::Activity,
        Field::Pan,
        Field::Expiry,
        Field::Cvv,
        Field::CallId,
        Field::TransactionId,
        Field::Subscriber,
        Field::Authorization,
        Field::Site,
        Field::Rank,
    ];

    /// The Paybox Direct name (CSV column).
    pub fn direct(self) -> &'static str {
        match self {
            Field::Question => "NUMQUESTION",
            Field::Type => "TYPE",
            Field::Currency => "DEVISE",
            Field::Amount => "MONTANT",
            Field::Reference => "REFERENCE",
            Field::Date => "DATEQ",
            Field::Activity => "ACTIVITE",
            Field::Pan => "PORTEUR",
            Field::Expiry => "DATEVAL",
            Field::Cvv => "CVV",
            Field::CallId => "NUMAPPEL",
            Field::TransactionId => "NUMTRANS",
            Field::Subscriber => "REFABONNE",
            Field::Authorization => "AUTORISATION",
            Field::Site => "SITE",
            Field::Rank => "RANG",
        }
    }

    /// The readable name (CSV column).
    pub fn readable(self) -> &'static str {
        match self {
            Field::Question => "question",
            Field::Type => "type",
            Field::Currency => "currency",
            Field::Amount => "amount",
            Field::Reference => "reference",
            Field::Date => "date",
            Field::Activity => "activity",
            Field::Pan => "pan",
            Field::Expiry => "expiry",
            Field::Cvv => "cvv",
            Field::CallId => "call_id",
            Field::TransactionId => "transaction_id",
            Field::Subscriber => "subscriber",
            Field::Authorization => "authorization",
            Field::Site => "site",
            Field::Rank => "rank",
        }
    }

    /// The element (or attribute) of the Question XML.
    pub fn element(self) -> &'static str {
        match self {
            Field::Question => "Number",
            Field::Type => "Type",
            Field::Currency => "Currency",
            Field::Amount => "Amount",
            Field::Reference => "Reference",
            Field::Date => "Date",
            Field::Activity => "Activity",
            Field::Pan => "PAN",
            Field::Expiry => "Expiry",
            Field::Cvv => "CVV",
            Field::CallId => "CallId",
            Field::TransactionId => "TransactionId",
            Field::Subscriber => "Subscriber",
            Field::Authorization => "Authorization",
            Field::Site => "Site",
            Field::Rank => "Rank",
        }
    }

    /// What the field holds: a merchant's identifier or reference is
    /// never altered, a card number is masked, a security code blanked.
    pub const fn kind(self) -> FieldKind {
        match self {
            Field::Pan => CardNumber,
            Field::Cvv => SecurityCode,
            Field::Question
            | Field::Reference
            | Field::CallId
            | Field::TransactionId
            | Field::Subscriber
            | Field::Authorization
            | Field::Site
            | Field::Rank => Identifier,
            Field::Type
            | Field::Currency
            | Field::Amount
            | Field::Date
            | Field::Activity
            | Field::Expiry => Figure,
        }
    }

    /// The CSV column for a header name (Direct or readable, any case).
    pub fn from_column(name: &str) -> Option<Field> {
        let name = name.trim();
        Field::ALL.into_iter().find(|f| {
            f.direct().eq_ignore_ascii_case(name) || f.readable().eq_ignore_ascii_case(name)
        })
    }

    /// The Paybox response code the gateway gives when this field is wrong.
    pub fn error_code(self) -> &'static str {
        match self {
            Field::Question => "00005",
            Field::Type => "00009",
            Field::Currency => "00010",
            Field::Amount => "00011",
            Field::Reference => "00012",
            Field::Date => "00007",
            Field::Activity => "00026",
            Field::Pan | Field::Cvv => "00004",
            Field::Expiry => "00008",
            Field::CallId | Field::TransactionId => "00018",
            Field::Subscriber => "00017",
            Field::Authorization => "00014",
            Field::Site | Field::Rank => "00006",
        }
    }
}

/// Every name a Paybox field goes by (an operation field's Direct,
/// readable and Question XML names, then the other fields), with its
/// kind.
pub fn declared() -> impl Iterator<Item = (&'static str, FieldKind)> {
    let operation = Field::ALL
        .into_iter()
        .flat_map(|f| [f.direct(), f.readable(), f.element()].map(|n| (n, f.kind())));
    operation.chain(OTHER_FIELDS.iter().copied())
}

/// Paybox's vocabulary: what its fields hold, by their names, and the
/// fields that name the shop; what Paybox's own code judges its fields
/// by (`crate::kinds` joins it with the other gateways').
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| Vocabulary::new(declared(), SHOP_FIELDS.iter().copied()))
}

/// The fields that name the shop itself, in every Paybox vocabulary
/// (Direct, the Question XML, Paybox System): what the merchant and the
/// gateway know the shop by, never altered, not even where it overlaps a
/// secret (`Vocabulary::names_the_shop`).
pub const SHOP_FIELDS: &[&str] = &[
    "SITE",
    "RANG",
    "IDENTIFIANT",
    "Site",
    "Rank",
    "PBX_SITE",
    "PBX_RANG",
    "PBX_IDENTIFIANT",
];

/// The field of a Direct request that carries its seal (HMAC
/// authentication).
pub const SEAL_FIELD: &str = "HMAC";
/// The field of a Direct request that names the seal's algorithm.
pub const ALGORITHM_FIELD: &str = "HASH";
/// The Direct password field (the other authentication).
pub const PASSWORD_FIELD: &str = "CLE";
/// The field of a Direct answer that carries its code.
pub const CODE_FIELD: &str = "CODEREPONSE";

/// What the fields of Paybox that are not operation fields hold: Direct's
/// own (its authentication, its answer), the status file's, and the
/// Paybox System form's (`PBX_*`; `PBX_PORTEUR` is the customer's e-mail
/// address, not a card).
pub const OTHER_FIELDS: &[(&str, FieldKind)] = &[
    // Paybox Direct.
    ("VERSION", Figure),
    (PASSWORD_FIELD, Secret),
    (ALGORITHM_FIELD, Text),
    (SEAL_FIELD, Seal),
    (CODE_FIELD, Figure),
    ("COMMENTAIRE", Text),
    ("PAYS", Figure),
    ("TYPECARTE", Text),
    ("SHA-1", Seal),
    ("ID3D", Identifier),
    ("DIFFERE", Figure),
    // The status file's elements.
    ("BatchNumber", Identifier),
    ("PayboxId", Identifier),
    ("ResponseCode", Figure),
    ("Comment", Text),
    ("CardCountryCode", Figure),
    // Paybox System.
    ("PBX_SITE", Identifier),
    ("PBX_RANG", Identifier),
    ("PBX_IDENTIFIANT", Identifier),
    ("PBX_CMD", Identifier),
    ("PBX_REFABONNE", Identifier),
    ("PBX_TOTAL", Figure),
    ("PBX_DEVISE", Figure),
    ("PBX_HMAC", Seal),
    ("PBX_PORTEUR", Text),
];

/// The columns `xmlbatch status` writes for a Paybox answer, in order,
/// each with the kind of what it holds, declared here once so that each
/// is masked or shown by what it is: the question, call and transaction
/// numbers and the subscriber are identifiers (shown as they are), the
/// token is what PORTEUR gives back, a card number or the token standing
/// for one (its first 6 and last 4 kept, whatever its digits: attack M7
/// found it read as text, so a number failing the Luhn check went out
/// whole). A Question's status file has the first
/// [`QUESTION_ANSWER_COLUMNS`]; a Direct answer all of them.
pub const ANSWER_COLUMNS: [(&str, FieldKind); 16] = [
    ("question", Field::Question.kind()),
    ("operation", Field::Type.kind()),
    ("operation_name", Text),
    ("reference", Field::Reference.kind()),
    ("amount", Field::Amount.kind()),
    ("currency", Field::Currency.kind()),
    // CODEREPONSE, ResponseCode.
    ("response_code", Figure),
    ("meaning", Text),
    ("outcome", Text),
    ("authorization", Field::Authorization.kind()),
    ("call_id", Field::CallId.kind()),
    ("transaction_id", Field::TransactionId.kind()),
    // PAYS, CardCountryCode.
    ("card_country", Figure),
    ("comment", Text),
    // Direct answers only.
    ("subscriber", Field::Subscriber.kind()),
    ("token", Field::Pan.kind()),
];

/// How many of [`ANSWER_COLUMNS`] a Question's status file fills.
pub const QUESTION_ANSWER_COLUMNS: usize = 14;

/// The names of [`ANSWER_COLUMNS`].
pub fn answer_column_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| ANSWER_COLUMNS.iter().map(|(name, _)| *name).collect())
}

/// The kind of an answer column by its name (declared in
/// [`ANSWER_COLUMNS`]); a column not declared there is read as text.
pub fn answer_column_kind(column: &str) -> FieldKind {
    ANSWER_COLUMNS
        .iter()
        .find(|(name, _)| *name == column)
        .map_or(Text, |(_, kind)| *kind)
}

/// The fields an operation type needs.
pub fn required(op: &OpType) -> &'static [Field] {
    use Field::*;
    match op.kind {
        Kind::Card => &[Amount, Currency, Reference, Pan, Expiry],
        Kind::FollowUp => &[Amount, Currency, Reference, CallId, TransactionId],
        Kind::Check | Kind::Inquiry => &[TransactionId],
        Kind::SubscriberCard => &[Amount, Currency, Reference, Subscriber, Pan, Expiry],
        Kind::SubscriberFollowUp => &[
            Amount,
            Currency,
            Reference,
            Subscriber,
            CallId,
            TransactionId,
        ],
        Kind::SubscriberDelete => &[Subscriber],
    }
}
