//! One Paybox operation read and checked whole: every field through its
//! parser, then what the operation type requires.

use super::codes::OpType;
use super::fields::{required, Field};
use super::values::*;
use crate::currency::{parse_amount, parse_currency, parse_decimal_amount, Currency};
use crate::invalid::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub number: u32,
    pub op: &'static OpType,
    pub amount: Option<u64>,
    pub currency: Option<&'static Currency>,
    pub reference: Option<String>,
    pub date: Option<String>,
    pub activity: Option<&'static str>,
    pub pan: Option<String>,
    pub expiry: Option<String>,
    pub cvv: Option<String>,
    pub call_id: Option<String>,
    pub transaction_id: Option<String>,
    pub subscriber: Option<String>,
    pub authorization: Option<String>,
    pub site: Option<String>,
    pub rank: Option<String>,
}

/// What is wrong with one field of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

/// Read and check one operation. `get` gives the raw value of a field
/// (None or empty when absent). `number` is used when the operation
/// carries no question number. Every problem is returned, in field order.
pub fn parse_operation<'a>(
    get: impl Fn(Field) -> Option<&'a str>,
    number: Option<u32>,
    rules: &Rules,
) -> Result<Operation, Vec<Problem>> {
    let mut problems = Vec::new();
    let val = |f: Field| get(f).filter(|v| !v.is_empty());
    macro_rules! check {
        ($field:expr, $parse:expr) => {
            match val($field) {
                None => None,
                Some(v) => match $parse(v) {
                    Ok(x) => Some(x),
                    Err(Invalid(message)) => {
                        problems.push(Problem {
                            field: $field,
                            message,
                        });
                        None
                    }
                },
            }
        };
    }
    let question = check!(Field::Question, parse_question);
    let number = match (question, val(Field::Question), number) {
        (Some(q), _, _) => Some(q),
        (None, Some(_), _) => None,
        (None, None, Some(n)) => Some(n),
        (None, None, None) => {
            problems.push(Problem {
                field: Field::Question,
                message: "missing (every question needs a number)".into(),
            });
            None
        }
    };
    let op = match val(Field::Type) {
        None => {
            problems.push(Problem {
                field: Field::Type,
                message: "missing (every operation needs a type)".into(),
            });
            None
        }
        Some(v) => match parse_type(v, rules.allow_names) {
            Ok(op) => Some(op),
            Err(Invalid(message)) => {
                problems.push(Problem {
                    field: Field::Type,
                    message,
                });
                None
            }
        },
    };
    let currency = check!(Field::Currency, |v| parse_currency(v, rules.allow_names));
    let amount = match (val(Field::Amount), currency, rules.decimal_amounts) {
        (None, _, _) => None,
        (Some(v), Some(c), true) => match parse_decimal_amount(v, c) {
            Ok(a) => Some(a),
            Err(Invalid(message)) => {
                problems.push(Problem {
                    field: Field::Amount,
                    message,
                });
                None
            }
        },
        // Without a good currency a decimal amount cannot be converted:
        // the currency's own problem is reported.
        (Some(_), None, true) => None,
        (Some(v), _, false) => match parse_amount(v) {
            Ok(a) => Some(a),
            Err(Invalid(mut message)) => {
                if rules.allow_names && !rules.decimal_amounts && v.contains(['.', ',']) {
                    message.push_str("; use --decimal-amounts to read 12.50 as 1250");
                }
                problems.push(Problem {
                    field: Field::Amount,
                    message,
                });
                None
            }
        },
    };
    let reference = check!(Field::Reference, |v| parse_text(v, 250));
    let date = check!(Field::Date, parse_dateq);
    let activity = check!(Field::Activity, |v| parse_activity(v, rules.allow_names));
    let token = op.map(|o| o.token).unwrap_or(false);
    let pan = check!(Field::Pan, |v| if token {
        parse_token(v)
    } else {
        parse_pan(v)
    });
    let expiry = check!(Field::Expiry, |v| parse_expiry(v, rules.today));
    let cvv = check!(Field::Cvv, parse_cvv);
    let call_id = check!(Field::CallId, parse_paybox_number);
    let transaction_id = check!(Field::TransactionId, parse_paybox_number);
    let subscriber = check!(Field::Subscriber, |v| parse_text(v, 250));
    let authorization = check!(Field::Authorization, parse_authorization);
    let site = check!(Field::Site, parse_site);
    let rank = check!(Field::Rank, parse_rank);

    if let Some(op) = op {
        for &field in required(op) {
            if val(field).is_none() {
                problems.push(Problem {
                    field,
                    message: format!("missing (a {} ({}) needs it)", op.name, op.code),
                });
            }
        }
    }
    problems.sort_by_key(|p| p.field as usize);
    match (problems.is_empty(), number, op) {
        (true, Some(number), Some(op)) => Ok(Operation {
            number,
            op,
            amount,
            currency,
            reference,
            date,
            activity,
            pan,
            expiry,
            cvv,
            call_id,
            transaction_id,
            subscriber,
            authorization,
            site,
            rank,
        }),
        _ => Err(problems),
    }
}
