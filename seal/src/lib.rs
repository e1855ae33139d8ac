//! `seal`: compute, verify and explain the integrity seals of French
//! payment gateways (Worldline Sips, Paybox, Lyra), and when a seal is
//! wrong, name the integration mistake that made it.
//!
//! The library is what the `seal` binary runs; it is split by concern:
//! [`scheme`] and [`algorithm`] say what applies, [`canon`] builds seal
//! strings, [`compute`] turns them into seals, [`diagnose`] and
//! [`ipn::diagnose`] find the likely cause of a mismatch, [`explain`]
//! shows it all to a person, and [`cli`] / `commands` are the command line.

pub mod algorithm;
pub mod analysis;
pub mod canon;
pub mod cli;
mod commands;
pub mod compute;
pub mod diagnose;
pub mod explain;
pub mod fast;
pub mod ipn;
pub mod message;
pub mod scheme;

pub use cli::command;
