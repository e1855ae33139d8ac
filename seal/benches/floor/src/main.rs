//! Per line, in microseconds of one core, on the lines of a `--jsonl`
//! file: each part of sealing it alone, and the fastest JSON readers in
//! Rust beside seal's. Usage: seal-floor KEYFILE FILE [ROUNDS]; prints
//! `part microseconds` a line per part: the median of ROUNDS rounds over
//! the file.

use std::time::Instant;

use gateways::seal::tree::Spare;
use gateways::seal::{Text, Work};
use gateways::sips::seal::{build, excluded, Direction, SipsJsonRule};
use hmac::{Hmac, Mac};

/// Lines a chunk: each part runs on a chunk in turn, so that the parts
/// after the first find the lines in the cache, as they do in seal, where
/// one pass over a line does them all (timed over the whole file, each
/// part would read every line from memory), and a drift in the machine's
/// speed falls on all of them.
const CHUNK: usize = 256;

/// A part: its name, and what it does to a chunk of lines (with their
/// seal strings).
type Part<'p> = (
    &'static str,
    Box<dyn FnMut(&[&[u8]], &[String]) -> usize + 'p>,
);

/// The Sips seal string of `line` (a request), as seal builds it.
fn seal_string(line: &[u8], spare: &mut Spare, work: &mut Work, out: &mut String) -> bool {
    let mut tree = spare.tree();
    out.clear();
    let read = tree
        .read(std::str::from_utf8(line).unwrap_or_default())
        .is_some();
    let request = excluded(Direction::Request);
    let rule = SipsJsonRule::default();
    build(tree.root(), request, rule, &mut Text::new(out, ""), work);
    spare.keep(tree);
    read
}

fn read_seal(spare: &mut Spare) -> impl FnMut(&[&[u8]], &[String]) -> usize + '_ {
    move |lines, _| {
        lines
            .iter()
            .map(|l| {
                let mut tree = spare.tree();
                let read = tree
                    .read(std::str::from_utf8(l).unwrap_or_default())
                    .is_some();
                spare.keep(tree);
                usize::from(read)
            })
            .sum()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(key), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: seal-floor KEYFILE FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let key = std::fs::read(key).expect("the key file");
    let key = key.strip_suffix(b"\n").unwrap_or(&key).to_vec();
    paylot_cli::secret::hold(&key);
    let data = std::fs::read(file).expect("the input");
    // Each line with its line end, as a batch holds it.
    let lines: Vec<&[u8]> = data
        .split_inclusive(|b| *b == b'\n')
        .filter(|l| l.len() > 1)
        .collect();
    // Their content, in the same bytes.
    let contents: Vec<&[u8]> = lines
        .iter()
        .map(|l| l.strip_suffix(b"\n").unwrap_or(l))
        .collect();
    // Each line's seal string, made once: the HMAC is timed alone.
    let (mut spare, mut work) = (Spare::default(), Work::default());
    let strings: Vec<String> = contents
        .iter()
        .map(|l| {
            let mut out = String::new();
            assert!(
                seal_string(l, &mut spare, &mut work, &mut out),
                "seal's reader reads it"
            );
            out
        })
        .collect();
    let (mut spare_read, mut spare_string) = (Spare::default(), Spare::default());
    let (mut scratch, mut buffers) = (Vec::new(), simd_json::Buffers::default());
    let mut out = String::new();
    let mut parts: Vec<Part> = vec![
        // Each line's end found, and its content checked as UTF-8, as
        // every reader must (on the lines with their ends).
        (
            "lines",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .map(|l| {
                        let end = memchr::memchr(b'\n', l).unwrap_or(l.len());
                        end + usize::from(std::str::from_utf8(&l[..end]).is_ok())
                    })
                    .sum()
            }),
        ),
        // The pasted-secret check (conventions.md) of every line.
        (
            "secret",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .filter(|l| paylot_cli::redact::holds_secret(l))
                    .count()
            }),
        ),
        (
            "hmac",
            Box::new(|_, strings| {
                strings
                    .iter()
                    .map(|s| {
                        let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(&key).expect("any key");
                        mac.update(s.as_bytes());
                        usize::from(mac.finalize().into_bytes()[0])
                    })
                    .sum()
            }),
        ),
        ("read.seal", Box::new(read_seal(&mut spare_read))),
        // Read, and the seal string built (names sorted, escapes decoded).
        (
            "string.seal",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .map(|l| usize::from(seal_string(l, &mut spare_string, &mut work, &mut out)))
                    .sum()
            }),
        ),
        (
            "read.simd-json",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .map(|l| {
                        // simd-json reads in place: each line copied first,
                        // as a reader of a batch would have to.
                        scratch.clear();
                        scratch.extend_from_slice(l);
                        simd_json::to_tape_with_buffers(&mut scratch, &mut buffers)
                            .map_or(0, |tape| tape.0.len())
                    })
                    .sum()
            }),
        ),
        (
            "read.sonic-rs",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .map(|l| {
                        sonic_rs::from_slice::<sonic_rs::Value>(l)
                            .map_or(0, |v| usize::from(sonic_rs::JsonValueTrait::is_object(&v)))
                    })
                    .sum()
            }),
        ),
        (
            "read.serde_json",
            Box::new(|lines, _| {
                lines
                    .iter()
                    .map(|l| {
                        serde_json::from_slice::<serde_json::Value>(l)
                            .map_or(0, |v| usize::from(v.is_object()))
                    })
                    .sum()
            }),
        ),
    ];
    let mut times = vec![Vec::new(); parts.len()];
    for _ in 0..rounds {
        let mut round = vec![0.0; parts.len()];
        let chunks = lines
            .chunks(CHUNK)
            .zip(contents.chunks(CHUNK))
            .zip(strings.chunks(CHUNK));
        for ((lines, contents), strings) in chunks {
            for (i, ((_, part), time)) in parts.iter_mut().zip(round.iter_mut()).enumerate() {
                // The first part reads the lines with their ends; the
                // others their content.
                let given = if i == 0 { lines } else { contents };
                let start = Instant::now();
                std::hint::black_box(part(given, strings));
                *time += start.elapsed().as_secs_f64();
            }
        }
        for (times, time) in times.iter_mut().zip(round) {
            times.push(time * 1e6 / lines.len() as f64);
        }
    }
    for ((name, _), mut times) in parts.iter().zip(times) {
        times.sort_by(f64::total_cmp);
        println!("{name} {:.3}", times[rounds / 2]);
    }
}
