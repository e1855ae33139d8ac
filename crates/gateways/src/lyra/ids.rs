//! A transaction id is unique per shop per day, the day taken in UTC,
//! whatever file it came in: "the merchant guarantees uniqueness"
//! (https://paiement.systempay.fr/doc/en-EN/payment-file/ips/v6-request-file.html,
//! position 05). The gateway answers a line whose id the shop already
//! used that day `96` with the additional code `transaction.exist`
//! (https://docs.lyra.com/en/collect/payment-file/oneclick-payment/error-handling.html).
//!
//! Per mode too: TEST and PRODUCTION are separate platforms of the
//! shop's, with their own keys ("the TEST or PRODUCTION key", chosen by
//! `vads_ctx_mode`: https://payzen.io/en-EN/form-payment/payment-method/sepa-recurring/computing-the-signature.html,
//! ../shared/reference/lyra.md §7)
//! and their own transactions (a TEST file's payments are "test
//! transactions", listed apart in the Back Office:
//! https://paiement.systempay.fr/doc/en-EN/payment-file/ips/validation-process-of-a-test-file.html,
//! lyra.md §4):
//! an id a TEST file used is not used in PRODUCTION, nor the other way.
//!
//! The day is the line's transaction date (position 03), which is a UTC
//! date: `xmlbatch build` writes the UTC day (a file built at 00:30 in
//! Paris belongs to the previous day), as the hosted form's
//! `vads_trans_date` is UTC.
//!
//! Within one file, [`super::file::TransactionIds`] finds a reuse; across
//! files, the uses are read from the files already sent ([`each_use`])
//! or kept by the sandbox ([`write_uses`], [`read_uses`]).

use std::collections::HashSet;
use std::io::{BufRead, Read, Write};

use paylot_cli::{Error, Result};

use super::file::reader;
use crate::calendar::is_yyyymmdd;

/// The return code and additional code of a line whose id was used.
pub const REUSED: (&str, &str) = ("96", "transaction.exist");

/// One use of a transaction id: the shop, its mode (the header's
/// `TEST` or `PRODUCTION`), the UTC day, the id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayId {
    pub shop: String,
    pub mode: String,
    pub day: String,
    pub id: String,
}

impl DayId {
    /// The use a detail line of a file of `shop` in `mode` makes (`day`
    /// its position 03, `id` its 05), when both are there to be judged (a
    /// malformed line is the detail checks' business).
    pub fn of_line(shop: &str, mode: &str, day: &str, id: &str) -> Option<DayId> {
        (!id.is_empty() && is_yyyymmdd(day)).then(|| DayId {
            shop: shop.to_string(),
            mode: mode.to_string(),
            day: day.to_string(),
            id: id.to_string(),
        })
    }
}

/// Whether a line answered `code` used its transaction id: a transaction
/// was created, accepted or refused (a refused payment is a transaction
/// in the Back Office, and a retry needs a new id: nursit/bank issue
/// #13). A line refused as a request error (`30`) or a reuse (`96`)
/// created none. A line without a code yet is processed later (the
/// "analyzing the return file" pages): it will use its id.
pub fn answer_uses_id(code: &str) -> bool {
    !matches!(code, "30" | "96")
}

/// What a Lyra file is, for reading its uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A REQ: every detail line will use its id.
    Request,
    /// An ANS: the lines [`answer_uses_id`] says did; none when the whole
    /// file was rejected (header result not 0).
    Answer,
}

/// Call `f` with the line and the use of each detail line of a REQ or
/// ANS read from `src` (streaming: memory does not grow with the file).
/// A file that is not a Lyra file gives no use.
pub fn each_use<R: Read>(
    src: R,
    side: Side,
    name: &str,
    mut f: impl FnMut(u64, DayId),
) -> Result<()> {
    let mut rdr = reader(src);
    let mut rec = csv::StringRecord::new();
    let mut shop: Option<(String, String)> = None;
    while rdr.next_record(name, &mut rec)? {
        let line = rdr.line();
        let col = |i: usize| rec.get(i - 1).unwrap_or("");
        let Some((shop, mode)) = &shop else {
            if col(1).trim_start_matches('\u{feff}') != "00" || col(2) != "PAY" {
                return Ok(());
            }
            shop = match side {
                Side::Request => Some((col(4).to_string(), col(5).to_string())),
                Side::Answer if col(4) == "0" => Some((col(6).to_string(), col(7).to_string())),
                // Rejected whole: nothing was processed.
                Side::Answer => return Ok(()),
            };
            continue;
        };
        if col(1) != "02" {
            continue;
        }
        if side == Side::Answer && !answer_uses_id(col(19)) {
            continue;
        }
        if let Some(u) = DayId::of_line(shop, mode, col(3), col(5)) {
            f(line, u);
        }
    }
    Ok(())
}

/// Write uses one a line, `shop;mode;day;id` (the file the sandbox hands
/// its responder).
pub fn write_uses<'a, W: Write>(out: W, uses: impl IntoIterator<Item = &'a DayId>) -> Result<()> {
    let mut w = super::file::writer(out);
    for u in uses {
        w.write_record([&u.shop, &u.mode, &u.day, &u.id])
            .map_err(|e| Error::trouble(format!("writing the ids used: {e}")))?;
    }
    w.flush().map_err(|e| Error::io("writing the ids used", e))
}

/// Read a file written by [`write_uses`]; a line of three fields,
/// `shop;day;id` (what was written before modes were told apart), is a
/// TEST file's use, the sandbox's.
pub fn read_uses<R: BufRead>(src: R, name: &str) -> Result<HashSet<DayId>> {
    let mut rdr = reader(src);
    let mut rec = csv::StringRecord::new();
    let mut uses = HashSet::new();
    while rdr.next_record(name, &mut rec)? {
        let fields: Vec<&str> = rec.iter().collect();
        let use_ = match fields[..] {
            [shop, mode, day, id] => Some((shop, mode, day, id)),
            [shop, day, id] => Some((shop, "TEST", day, id)),
            [""] => None,
            _ => {
                let line = rdr.line();
                return Err(Error::trouble(format!(
                    "{name}:{line}: expected shop;TEST or PRODUCTION;YYYYMMDD;transaction id"
                )));
            }
        };
        if let Some((shop, mode, day, id)) = use_ {
            if let Some(u) = DayId::of_line(shop, mode, day, id) {
                uses.insert(u);
            }
        }
    }
    Ok(uses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_of_a_request_and_of_an_answer() {
        let req = "00;PAY;06;12345678;TEST;20261123;233000;\n\
02;1;20261123;233000;000001;CD;100;978;;;TOK;;;;;\n\
02;2;2026112;233000;000002;CD;100;978;;;TOK;;;;;\n\
01;2\n";
        let mut got = Vec::new();
        each_use(req.as_bytes(), Side::Request, "r", |l, u| got.push((l, u))).unwrap();
        assert_eq!(
            got,
            [(
                2,
                DayId::of_line("12345678", "TEST", "20261123", "000001").unwrap()
            )]
        );
        let mut line = vec![""; 25];
        line[0] = "02";
        line[2] = "20261123";
        line[4] = "000001";
        let ok = line.join(";");
        line[4] = "000002";
        line[18] = "30";
        let bad = line.join(";");
        line[4] = "000003";
        line[18] = "51";
        let refused = line.join(";");
        let ans = format!(
            "00;PAY;06;0;;12345678;TEST;20261123;233000;20261124;003000\n{ok}\n{bad}\n{refused}\n01;3\n"
        );
        let mut ids = Vec::new();
        each_use(ans.as_bytes(), Side::Answer, "a", |_, u| ids.push(u.id)).unwrap();
        assert_eq!(ids, ["000001", "000003"]);
        let rejected = ans.replacen(";0;;", ";1;bad;", 1);
        let mut n = 0;
        each_use(rejected.as_bytes(), Side::Answer, "a", |_, _| n += 1).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn uses_round_trip_through_their_file() {
        let uses: Vec<DayId> = ["000001", "000002"]
            .iter()
            .filter_map(|id| DayId::of_line("12345678", "PRODUCTION", "20261123", id))
            .collect();
        let mut buf = Vec::new();
        write_uses(&mut buf, &uses).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&buf),
            "12345678;PRODUCTION;20261123;000001\n12345678;PRODUCTION;20261123;000002\n"
        );
        let back = read_uses(&buf[..], "u").unwrap();
        assert_eq!(back.len(), 2);
        assert!(back.contains(&uses[0]));
        let before = read_uses(&b"12345678;20261123;000001\n"[..], "u").unwrap();
        assert!(before.contains(&DayId::of_line("12345678", "TEST", "20261123", "000001").unwrap()));
        assert!(read_uses(&b"x;y\n"[..], "u").is_err());
    }
}
