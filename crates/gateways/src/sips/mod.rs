//! Worldline Sips 2.0 (Sogenactif, Mercanet, Sherlock's): the seals of
//! Office Server JSON, Paypage JSON and Paypage POST messages.

pub mod batch;
pub mod codes;
pub mod fields;
pub mod functions;
pub mod office;
pub mod seal;
pub mod server;
