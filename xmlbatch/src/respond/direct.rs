//! `xmlbatch respond` for Paybox Direct: request lines in, one answer
//! line each out — what the gateway does with each is
//! `gateways::paybox::direct::gateway`, the very code the HTTP sandbox
//! (`dropwatch gateway --http`) runs. The lines of one run share a memory,
//! so that a capture finds the authorisation of an earlier line; the
//! authentication (CLE or HMAC) is the sandbox's to check, with the
//! shop's key, and is not checked here.

use std::io::{BufRead, Write};

use gateways::memory::Memory;
use gateways::paybox::direct::{self, gateway};
use paylot_cli::{Error, Result};

/// Answer each request line of `reader` with an answer line on `out`.
pub fn respond_direct(name: &str, mut reader: Box<dyn BufRead>, out: &mut dyn Write) -> Result<()> {
    let werr = |e: std::io::Error| Error::io("writing the Direct answers", e);
    let memory = Memory::in_memory().map_err(|e| Error::trouble(e.to_string()))?;
    let today = gateways::calendar::today();
    // A line past its bound is refused whole (status 1 from respond).
    direct::each_line(&mut *reader, name, |n, line| {
        let reply = gateway::answer(line, None, &memory, today)
            .map_err(|e| Error::trouble(e.to_string()))?;
        match reply {
            Some(reply) => {
                out.write_all(&reply.line).map_err(werr)?;
                out.write_all(b"\n").map_err(werr)?;
            }
            // A blank line gets no answer.
            None if direct::parse_request(line).is_empty() => {}
            // A line without a Direct field got none either, and no
            // word: a request fewer answered than sent, status 0. It is
            // said, as status --question says it of the same file.
            None => {
                return Err(Error::trouble(format!(
                    "{name}:{n}: not a Paybox Direct request (none of its fields, such as \
                     VERSION, TYPE, SITE): no answer can be given to it; give respond the \
                     requests file xmlbatch build --format paybox-direct wrote, one request \
                     a line"
                )))
            }
        }
        Ok(())
    })?;
    out.flush().map_err(werr)
}
