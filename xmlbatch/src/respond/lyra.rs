//! `xmlbatch respond` for Lyra: a PAY REQ in, its PAY ANS out, read and
//! written line by line (the header's and trailer's checks, each payment
//! line's answer, a transaction id reused answered 96).

use std::collections::HashSet;
use std::io::{BufRead, Write};

use paylot_cli::output::Held;
use paylot_cli::{Error, Result};

use gateways::calendar::{is_hhmmss, is_yyyymmdd};
use gateways::lyra::file as lyra;
use gateways::lyra::ids::{self, DayId};
use gateways::lyra::names::{Mode, Name};

use super::mix;

fn plus_hour(date: &str, time_: &str) -> Option<(String, String)> {
    if !is_yyyymmdd(date) || !is_hhmmss(time_) {
        return None;
    }
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
    let t = time::PrimitiveDateTime::parse(&format!("{date}{time_}"), &fmt)
        .ok()?
        .checked_add(time::Duration::hours(1))?;
    let s = t.format(&fmt).ok()?;
    Some((s[..8].to_string(), s[8..].to_string()))
}

/// What the answer's header says and every answer line repeats, from the
/// request's header.
#[derive(Default)]
struct AnsHeader {
    version: String,
    shop: String,
    mode: String,
    cdate: String,
    ctime: String,
    edate: String,
    etime: String,
}

impl AnsHeader {
    fn of(header: &[String]) -> AnsHeader {
        let get = |i: usize| header.get(i).map(String::as_str).unwrap_or("");
        let shop = if gateways::lyra::names::is_shop_id(get(3)) {
            get(3)
        } else {
            ""
        };
        let mode = if Mode::from_word(get(4)).is_some() {
            get(4)
        } else {
            ""
        };
        let (cdate, ctime) = if is_yyyymmdd(get(5)) && is_hhmmss(get(6)) {
            (get(5), get(6))
        } else {
            ("", "")
        };
        let (edate, etime) = plus_hour(cdate, ctime).unwrap_or_default();
        // The answer echoes the request's version (Lyra's published answers to
        // V2 files carry 02: lyra::VERSIONS); a version the gateway does not
        // know is rejected, and answered with the current one.
        let version = if lyra::VERSIONS.contains(&get(2)) {
            get(2)
        } else {
            lyra::VERSION
        };
        AnsHeader {
            version: version.into(),
            shop: shop.into(),
            mode: mode.into(),
            cdate: cdate.into(),
            ctime: ctime.into(),
            edate,
            etime,
        }
    }
}

/// Answer a REQ read from `reader` with an ANS on `out`. `file_name` is the
/// REQ's name, when it follows the naming rule: the header must agree;
/// `used` the ids the shop used in earlier files (answered 96).
///
/// The REQ is read line by line (`lyra::each_req_line`), of it kept only
/// its header, trailer and counts and the transaction ids seen; the answer
/// lines, written as each request line passes, are held back
/// ([`Held`]: past 64 KiB in a temporary file) until the trailer has said
/// whether the file is accepted and the header can be written: memory
/// does not grow with the file (a 310 MB REQ, read whole, aborted under a
/// 300 MB limit).
pub fn respond_lyra(
    seed: u64,
    file_name: Option<&Name>,
    name: &str,
    reader: Box<dyn BufRead>,
    used: &HashSet<DayId>,
    out: &mut dyn Write,
) -> Result<()> {
    let werr = |e: csv::Error| Error::trouble(format!("writing: {e}"));
    let mut req = lyra::ReqShape::default();
    let mut h = AnsHeader::default();
    // Whether the header rejects the file: its lines are then not answered.
    let mut header_rejects = false;
    let mut lines = lyra::writer(Held::new());
    let mut count = 0usize;
    let mut seen = lyra::TransactionIds::default();
    lyra::each_req_line(reader, name, |line_no, kind, rec| {
        req.take(line_no, kind, rec);
        match kind {
            lyra::ReqLine::Header => {
                let header: Vec<&str> = req.header.iter().map(String::as_str).collect();
                header_rejects = lyra::check_header(&header, file_name).is_some();
                h = AnsHeader::of(&req.header);
            }
            lyra::ReqLine::Detail if !header_rejects => {
                let c: Vec<&str> = rec.iter().collect();
                let line = answer_line(seed, &h, &c, line_no, &mut seen, used);
                // An ANS carries no card data: each column is shown as its
                // kind says (the merchant's identifiers exactly as they came,
                // a card number in a text column masked), a control character
                // shown escaped, as in the Paybox status file.
                let kinds = gateways::lyra::fields::ANS_KINDS;
                lines
                    .write_record(line.iter().zip(kinds).map(|(v, k)| k.show(v).into_owned()))
                    .map_err(werr)?;
                count += 1;
            }
            _ => {}
        }
        Ok(())
    })?;
    if req.header.is_empty() {
        // No line at all: answered as an empty header.
        h = AnsHeader::of(&[]);
    }
    let header: Vec<&str> = req.header.iter().map(String::as_str).collect();
    let rejection = lyra::check_header(&header, file_name).or_else(|| lyra::check_trailer(&req));

    let (result, message) = match &rejection {
        Some((r, m)) => (r.to_string(), m.clone()),
        None => ("0".to_string(), String::new()),
    };
    let ferr = |e| Error::io("writing the ANS", e);
    let mut w = lyra::writer(&mut *out);
    w.write_record([
        "00", "PAY", &h.version, &result, &message, &h.shop, &h.mode, &h.cdate, &h.ctime, &h.edate,
        &h.etime,
    ])
    .map_err(werr)?;
    w.flush().map_err(ferr)?;
    drop(w);
    if rejection.is_none() {
        let held = lines
            .into_inner()
            .map_err(|e| Error::io("holding the answer lines", e.into_error()))?;
        let mut held = held
            .into_reader()
            .map_err(|e| Error::io("reading the answer lines back", e))?;
        std::io::copy(&mut held, out).map_err(ferr)?;
    } else {
        count = 0;
    }
    let mut w = lyra::writer(out);
    w.write_record(["01", &count.to_string()]).map_err(werr)?;
    w.flush().map_err(ferr)?;
    Ok(())
}

/// The answer to one payment line `c` (its columns) at `line_no`, before
/// its columns are shown as their kinds say.
fn answer_line(
    seed: u64,
    h: &AnsHeader,
    c: &[&str],
    line_no: u64,
    seen: &mut lyra::TransactionIds,
    used: &HashSet<DayId>,
) -> Vec<String> {
    let shop = h.shop.as_str();
    let col = |i: usize| c.get(i - 1).copied().unwrap_or("");
    let mut line: Vec<String> = vec![String::new(); lyra::ANS_COLUMNS];
    for i in 1..=8 {
        line[i - 1] = col(i).to_string();
    }
    let problems = lyra::check_detail(c, &h.version);
    let (code, additional) = if let Some((pos, _)) = problems.first() {
        ("30".to_string(), pos.to_string())
    } else if seen.record(col(3), col(5), line_no) != lyra::Used::First
        || DayId::of_line(shop, &h.mode, col(3), col(5)).is_some_and(|u| used.contains(&u))
    {
        (ids::REUSED.0.to_string(), ids::REUSED.1.to_string())
    } else if let Some(code) = gateways::lyra::test_cards::forced_code(col(11)) {
        (code.to_string(), String::new())
    } else {
        ("00".to_string(), "00".to_string())
    };
    let hash = |salt: &str| mix(seed, &[salt, shop, col(3), col(5), col(2)]);
    if code != "30" {
        line[8] = col(7).to_string();
        line[9] = col(8).to_string();
        line[10] = if col(9).is_empty() {
            col(3).to_string()
        } else {
            col(9).to_string()
        };
        line[11] = col(10).to_string();
        line[12] = col(11).to_string();
        line[13] = col(12).to_string();
        line[14] = col(13).to_string();
    }
    if code == "00" {
        line[15] = format!("{:06}", hash("auth") % 1_000_000);
    }
    if code != "30" && code != "96" {
        line[16] = "CB".into();
    }
    line[18] = code.clone();
    line[19] = match code.as_str() {
        "00" => "AUTHORISED",
        "30" | "96" => "ERROR",
        _ => "REFUSED",
    }
    .into();
    line[20] = format!("{:016x}{:016x}", hash("uuid1"), hash("uuid2"));
    line[21] = h.edate.clone();
    line[22] = h.etime.clone();
    line[24] = additional;
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_hour_at_the_end_of_the_calendar_is_none() {
        assert_eq!(plus_hour("99991231", "235959"), None);
    }

    #[test]
    fn plus_hour_rolls_over_midnight() {
        assert_eq!(
            plus_hour("20261231", "233000"),
            Some(("20270101".into(), "003000".into()))
        );
        assert_eq!(plus_hour("2026123", "233000"), None);
    }
}
