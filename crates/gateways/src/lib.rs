//! The gateways' rules, each in one place, for every tool: a newcomer who
//! must change a Lyra naming rule, a Paybox answer code or how a Sips
//! seal string is built changes it here, and `seal`, `xmlbatch`,
//! `pgpwrap` and `dropwatch` all follow.
//!
//! - [`paybox`]: Paybox (E-Transactions, Up2pay) — the Direct vocabulary
//!   of operation fields, the operation and answer code tables, the
//!   Question and status XML, Question file names and batch numbers, the
//!   drop directory's rules, the sandbox's test cards;
//! - [`lyra`]: Lyra (Systempay, PayZen, Scellius, Sogecommerce) — the PAY
//!   REQ / ANS files, their names, the return codes, the drop directory's
//!   rules, the sandbox's test tokens;
//! - [`sips`]: Worldline Sips 2.0 — the JSON and POST seals;
//! - [`seal`]: the seal machinery that names no gateway (algorithms, the
//!   tree a message is read into, seal strings and where a rule writes
//!   them), under each gateway's seal rule (`sips::seal`, `paybox::hmac`,
//!   `lyra::signature`);
//! - [`schemes`]: the one module above the gateways: the seal schemes,
//!   how one is recognised, and which gateway's rule each takes;
//! - [`currency`], [`calendar`], [`Decision`]: what the families share
//!   (ISO 4217 amounts, the date formats, what an answer code decides);
//! - [`kinds`]: what a field holds by its name, in every gateway's
//!   vocabulary (card number, security code, identifier…): what the
//!   tools' masking asks.
//!
//! What is shown to a person about a value goes through the shared
//! masking of `paylot-cli` ([`show`]): messages built here never hold a
//! card number.

pub mod calendar;
pub mod currency;
mod decision;
pub mod drop;
mod gateway;
mod invalid;
pub mod kinds;
pub mod lyra;
pub mod memory;
pub mod paybox;
pub mod schemes;
pub mod seal;
pub mod sips;
pub mod test_cards;
pub mod vocabulary;
mod xml;

pub use decision::Decision;

pub use gateway::{answer_dir_beside, Gateway};
pub use invalid::{show, Invalid};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_masked_and_escaped() {
        assert_eq!(show("a\u{1b}[31m"), "\"a\\u{1b}[31m\"");
        assert_eq!(show("4111111111111111"), "\"411111******1111\"");
        assert_eq!("LYRA".parse::<Gateway>(), Ok(Gateway::Lyra));
    }

    #[test]
    fn each_upload_directory_has_its_answer_directory_beside_it() {
        for (upload, answer) in [
            ("request_ips", "result_ips"),
            ("depot", "id"),
            ("in", "out"),
        ] {
            assert_eq!(answer_dir_beside(upload), Some(answer), "{upload}");
        }
        assert_eq!(answer_dir_beside("result_ips"), None);
        assert!(lyra::drop::is_answer_dir("id") && !lyra::drop::is_answer_dir("out"));
    }
}
