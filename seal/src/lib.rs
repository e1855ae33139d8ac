//! `seal`: compute, verify and explain the integrity seals of French
//! payment gateways (Worldline Sips, Paybox, Lyra), and when a seal is
//! wrong, name the integration mistake that made it.
//!
//! The seal rules themselves (schemes, algorithms, seal strings, keys) are
//! the gateways' (`gateways::seal` and each family's module); this library
//! is what the `seal` binary does with them: [`message`] reads messages,
//! [`analysis`] says which rules apply to one and why, [`check`] checks
//! its seal, [`diagnose`] and [`ipn`] find the likely cause of a mismatch,
//! [`report`] shows it all to a person; one module per subcommand
//! ([`compute`], [`verify`], [`explain`]) over [`records`]; [`cli`] is the
//! command line, [`fast`] the fast path of `compute --jsonl`.

use paylot_cli::{Outcome, Output, Result};

pub mod analysis;
mod batch;
pub mod check;
pub mod cli;
pub mod compute;
pub mod diagnose;
pub mod explain;
pub mod fast;
pub mod ipn;
pub mod mangle;
pub mod message;
pub mod records;
pub mod report;
pub mod verify;

pub use cli::{command, TOOL};
use cli::{Cli, Command};

/// Parse the command line and run.
pub fn main() -> Result<Outcome> {
    gateways::kinds::install();
    let cli: Cli = paylot_cli::args::parse()?;
    let out_path = match &cli.command {
        Command::Compute(c) => c.output.path(),
        Command::Verify(v) => v.output.path(),
        Command::Explain(e) => e.output.path(),
    }
    .map(std::path::Path::to_path_buf);
    // A sealed cardOrder holds a card number and its security code. A run
    // that ends in trouble leaves nothing, on stdout as in -o FILE
    // (docs/conventions.md): the output is held back until the end.
    let mut out = Output::create_spooled(out_path.as_deref(), paylot_cli::Access::Private)?;
    let outcome = match cli.command {
        Command::Compute(args) => crate::compute::run(&args, &mut out),
        Command::Verify(args) => crate::verify::run(&args, &mut out),
        Command::Explain(args) => crate::explain::run(&args, &mut out),
    };
    let finished = outcome?;
    out.commit()?;
    Ok(finished.said())
}

/// JSON values for the property tests that hold the fast paths to the
/// general one (compute and verify).
#[cfg(test)]
pub(crate) mod strategies {
    use proptest::prelude::*;
    use serde_json::Value;

    /// Any JSON value a message may hold: scalars (strings with escapes
    /// and non-ASCII), lists and objects, nested twice.
    pub fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| Value::Number(n.into())),
            "[ -~\u{e9}\\\\\"]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z]{1,4}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }
}
