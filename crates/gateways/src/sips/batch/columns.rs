//! What the tables are made of: a column (its name, presence, format,
//! and where it comes from, how sure), a function (its keyword and
//! columns), and how sure a fact is.

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

pub(super) const fn col(
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
