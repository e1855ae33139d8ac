//! The floor of every seal that names no gateway: the algorithms
//! ([`Algorithm`]), the tree a message is read into ([`tree`]), the seal
//! string and where a rule writes it ([`SealString`], [`Sink`]), and a
//! digest written and compared ([`write_hex`], [`same_seal`]).
//!
//! Each gateway's rule stands on it: `sips::seal`, `paybox::hmac` (and
//! `paybox::direct`), `lyra::signature`, `paybox::ipn`. The schemes, how
//! one is recognised and which rule each takes, are `crate::schemes`, the
//! one module above them. Nothing here imports a gateway.

mod algorithm;
mod string;
pub mod tree;
mod write;

pub use algorithm::Algorithm;
pub use string::{
    byte_order, has_booleans, has_lists, scalar_text, sort_names, NotFlat, SealString, Segment,
    Segments, Sink, Text, Work,
};
pub use write::{differs_only_in_case, same_bytes, same_seal, write_base64, write_hex};
