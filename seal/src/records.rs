//! The messages of an input, record by record (the whole input, or one
//! per line with `--jsonl`), and the count of those that could not be
//! read: reported with their location and skipped, the others are still
//! processed, and the run ends with status 2.

use paylot_cli::limits::Line;
use paylot_cli::summary::Summary;
use paylot_cli::{say, Error, Input, KeyArgs, Outcome, Result, Secret};

use crate::cli::MessageArgs;

use crate::batch::{Batch, Cut, Place};
use crate::cli::TOOL;
use crate::message::{self, InputKind, Message};

/// Records from the input: the whole input, or one per line.
pub struct Records {
    input: Input,
    jsonl: bool,
    line: usize,
    done: bool,
    buf: Vec<u8>,
}

impl Records {
    pub fn new(input: Input, jsonl: bool) -> Records {
        Records {
            input,
            jsonl,
            line: 0,
            done: false,
            buf: Vec::with_capacity(1024),
        }
    }

    pub fn name(&self) -> String {
        self.input.name().to_string()
    }

    /// The next record and its first line number.
    pub fn next_record(&mut self) -> Result<Option<(usize, &[u8])>> {
        if self.done {
            return Ok(None);
        }
        let name = self.input.name().to_string();
        let rerr = |e| Error::reading(paylot_cli::input::quote(&name), e);
        if !self.jsonl {
            self.done = true;
            let (first, content) = read_whole(&mut self.input, &mut self.buf)?;
            return Ok(Some((first, &self.buf[..content])));
        }
        loop {
            self.buf.clear();
            let read = paylot_cli::limits::append_line(
                self.input.reader(),
                &mut self.buf,
                message::MAX_MESSAGE as u64,
            )
            .map_err(rerr)?;
            match read {
                Line::End => {
                    self.done = true;
                    return Ok(None);
                }
                // Its bound and one byte are held, which `message::parse`
                // refuses; reading stops there (docs/conventions.md,
                // Limits): a line is never read to its end, which an
                // endless line never reaches.
                Line::TooLong => self.done = true,
                Line::Read => {}
            }
            self.line += 1;
            // The bound is on the line's content: its line end (`\n` or
            // `\r\n`) is no part of the message (a line of exactly the
            // bound is read whole).
            let content = content(&self.buf, read);
            // A line past its bound is said, blank or not.
            if self.done || !self.buf[..content].iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(Some((self.line, &self.buf[..content])));
            }
        }
    }
}

pub fn read_secret(key: &KeyArgs, needed_for: Option<&str>) -> Result<Option<Secret>> {
    match key.read(TOOL)? {
        Some(secret) => Ok(Some(secret)),
        None => match needed_for {
            Some(what) => Err(Error::trouble(format!(
                "{what} needs the secret key: give --key-file PATH or --key-env VAR \
                 (keys are never taken from the command line)"
            ))),
            None => Ok(None),
        },
    }
}

/// The records of a run, counted: the bad ones are reported where they
/// are and end the run with status 2; a `--jsonl` run ends with one
/// summary line on stderr (unless `-q`), and an empty one is trouble.
pub struct Trouble {
    bad: usize,
    summary: Summary,
    jsonl: bool,
    quiet: bool,
    name: String,
}

impl Trouble {
    /// For the records of `name`, whose outcomes are `outcomes` (and
    /// `unreadable`).
    pub fn new(args: &MessageArgs, name: &str, outcomes: &[&'static str]) -> Trouble {
        let mut all = outcomes.to_vec();
        all.push("unreadable");
        Trouble {
            bad: 0,
            summary: Summary::new(("message", "messages"), &all),
            jsonl: args.jsonl,
            quiet: args.quiet.quiet,
            name: name.to_string(),
        }
    }

    /// One more record read.
    pub fn record(&mut self) {
        self.summary.read();
    }

    /// `n` more records read.
    pub fn records(&mut self, n: usize) {
        for _ in 0..n {
            self.summary.read();
        }
    }

    /// One more record with this outcome.
    pub fn count(&mut self, outcome: &'static str) {
        self.summary.count(outcome);
    }

    /// A record that could not be read: said where, and counted.
    pub fn report(&mut self, name: &str, what: impl std::fmt::Display) {
        self.bad += 1;
        self.summary.count("unreadable");
        say(TOOL, format_args!("{name}:{what}"));
    }

    /// The end of the run: its status, and the summary to say once the
    /// output is out (a run in trouble says it now: nothing goes out).
    pub fn finish(self, outcome: Outcome) -> Result<Finished> {
        if self.jsonl && self.summary.total() == 0 {
            return Err(Error::trouble(format!(
                "no message: {} is empty (expected one message a line)",
                paylot_cli::input::quote(&self.name)
            )));
        }
        let summary = (self.jsonl && !self.quiet).then_some(self.summary);
        match self.bad {
            0 => Ok(Finished {
                outcome,
                summary,
                warnings: Vec::new(),
            }),
            n => {
                if let Some(s) = summary {
                    s.say(TOOL, false);
                }
                Err(Error::trouble(if n == 1 {
                    "1 message could not be read (see above); nothing was written".to_string()
                } else {
                    format!("{n} messages could not be read (see above); nothing was written")
                }))
            }
        }
    }
}

/// A run that went to its end: its outcome, and the summary line to say
/// after the output was delivered (not before: a reader that went away
/// ends the run quietly).
pub struct Finished {
    pub outcome: Outcome,
    summary: Option<Summary>,
    /// Warnings about the run as a whole, said with the summary.
    pub warnings: Vec<String>,
}

impl Finished {
    /// Say the warnings and the summary; the outcome.
    pub fn said(self) -> Outcome {
        for w in &self.warnings {
            paylot_cli::warn(TOOL, w);
        }
        if let Some(s) = self.summary {
            s.say(TOOL, false);
        }
        self.outcome
    }
}

/// Parse one record; what is wrong with it as `line: what` (the input's
/// name is the caller's to add), the 415 page named.
pub fn parse_message(
    bytes: &[u8],
    kind: InputKind,
    line: usize,
) -> std::result::Result<Message, String> {
    if gateways::sips::office::is_unsupported_media_type_page(bytes) {
        return Err(format!(
            "{line}: this is the Sips platform's HTML page \"415 Unsupported Media Type\", not a response: \
             the request was sent without the header Content-Type: application/json \
             (curl: -H 'Content-Type: application/json'); the function was not run, send the request again with it"
        ));
    }
    message::parse(bytes, kind, line).map_err(|e| e.0)
}

pub fn parse_record(
    bytes: &[u8],
    kind: InputKind,
    line: usize,
    name: &str,
    trouble: &mut Trouble,
) -> Option<Message> {
    match parse_message(bytes, kind, line) {
        Ok(m) => Some(m),
        Err(e) => {
            trouble.report(name, e);
            None
        }
    }
}

/// How much of a line just read (`line`, as `append_line` left it) is its
/// content: all but its line end (`\n` or `\r\n`, which `append_line`
/// does not count either), the message that `message::parse` bounds: a
/// line of exactly [`message::MAX_MESSAGE`] bytes holds one or two more
/// with its line end. A line cut at its bound (`TooLong`) is all content.
fn content(line: &[u8], read: Line) -> usize {
    match read {
        Line::Read if line.ends_with(b"\r\n") => line.len() - 2,
        Line::Read if line.ends_with(b"\n") => line.len() - 1,
        _ => line.len(),
    }
}

/// Read the whole input as one message into `buf`: its first line number
/// and how much of `buf` is its content, all but a final line end (`\n`
/// or `\r\n`, which a file saved by an editor ends with): an input of
/// exactly [`message::MAX_MESSAGE`] bytes with it is read whole, as one
/// without. Reading stops past the bound and a line end, where the
/// content is past the bound, which `message::parse` refuses.
pub fn read_whole(input: &mut Input, buf: &mut Vec<u8>) -> Result<(usize, usize)> {
    buf.clear();
    input.read_at_most(buf, message::MAX_MESSAGE + 3)?;
    Ok((message::records(buf, false)[0].0, content(buf, Line::Read)))
}

/// Lines per part of a batch: small enough that the threads end a batch
/// together (a part is a few hundred microseconds of work).
const PART_LINES: usize = 64;

/// How `--jsonl` input is cut into batches: 4096 lines, each split
/// between the threads while the next is read, or 4 MiB (a batch then
/// holds at most this and one message more); read 64 KiB at a time.
const CUT: Cut = Cut {
    max_line: message::MAX_MESSAGE,
    lines: 4096,
    bytes: 4 << 20,
    read: 64 << 10,
};

/// What a part keeps of its output buffer from one batch to the next.
const PART_KEEP: usize = 256 << 10;

/// A part's output buffer made ready for its next batch: emptied, and
/// given back down to [`PART_KEEP`] when a batch of long lines made it
/// large. The parts of two batches are kept between batches (128 of
/// them): each keeping the most it ever held, long lines placed to fall
/// in every part in turn held 325 MB where one batch needs 8.
pub fn clear_part_buffer(buf: &mut Vec<u8>) {
    buf.clear();
    buf.shrink_to(PART_KEEP);
}

/// One batch and the states of its parts, shared by the threads that
/// work on it.
#[derive(Default)]
struct Round<S> {
    batch: Batch,
    /// A state per part (more may be kept from an earlier, longer batch).
    slots: Vec<std::sync::Mutex<S>>,
    /// The next part a thread may take.
    taken: std::sync::atomic::AtomicUsize,
}

impl<S: Default> Round<S> {
    fn parts(&self) -> usize {
        self.batch.lines.len().div_ceil(PART_LINES)
    }

    /// Ready to be worked on: a state for each part, none taken.
    fn prepare(&mut self) {
        let parts = self.parts();
        self.slots
            .resize_with(parts.max(self.slots.len()), Default::default);
        *self.taken.get_mut() = 0;
    }

    /// Take parts until none is left, each line handled by `work` into
    /// its part's state (a line it returns false for ends that part).
    fn work<W>(
        &self,
        scratch: &mut W,
        reset: &(impl Fn(&mut S) + Sync),
        work: &(impl Fn(&mut W, &mut S, usize, &[u8]) -> bool + Sync),
    ) {
        use std::sync::atomic::Ordering;
        loop {
            let i = self.taken.fetch_add(1, Ordering::Relaxed);
            let Some(lines) = self.batch.lines.chunks(PART_LINES).nth(i) else {
                break;
            };
            // A thread that panicked left its part unusable: said when
            // the part is emitted.
            let Ok(mut slot) = self.slots[i].lock() else {
                break;
            };
            reset(&mut slot);
            for (line, range) in lines {
                if !work(scratch, &mut slot, *line, self.batch.line(range.clone())) {
                    break;
                }
            }
        }
    }
}

/// Every non-blank line of `input`, worked on by every core, and the
/// results given back in input order: `work(scratch, part, line, bytes)`
/// handles one line into its part's state (returning false stops that
/// part: a fatal error), `emit(part, lines)` takes each part's state in
/// turn with the number of lines it held. The input is read in batches;
/// while the other threads work on one batch, the reading thread emits
/// the one before and reads the next (so that writing the output, the one
/// job that must be done in order, is not done while the other threads
/// wait), then works too: each batch is cut into parts that the threads
/// take in turn. The threads are started once, for the whole input, and
/// keep their scratch: started again for each batch, a new thread was
/// often put on the reading thread's core until the scheduler moved it,
/// milliseconds a batch (seal gained 1.3-1.6x from a second core, where
/// two independent processes gain 1.8x). Memory: two batches, each at
/// most [`CUT`]'s bytes and a message, the outputs of two, and what the
/// parts keep between batches (`reset` gives back what is past
/// [`PART_KEEP`]: [`clear_part_buffer`]).
pub fn each_line_in_parallel<W, S>(
    input: &mut Input,
    reset: impl Fn(&mut S) + Sync,
    work: impl Fn(&mut W, &mut S, usize, &[u8]) -> bool + Sync,
    mut emit: impl FnMut(&mut S, usize) -> Result<()>,
) -> Result<()>
where
    W: Default,
    S: Default + Send,
{
    use std::sync::{mpsc, Arc};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut at = Place::default();
    let mut current = Round::<S>::default();
    current
        .batch
        .fill(input.reader(), &mut at, CUT)
        .map_err(|e| input.read_error(e))?;
    // The parts of a round worked on, in order, each with its lines.
    let mut emit_round = |round: &mut Round<S>| -> Result<()> {
        let sizes: Vec<usize> = round
            .batch
            .lines
            .chunks(PART_LINES)
            .map(<[_]>::len)
            .collect();
        for (slot, n) in round.slots.iter_mut().zip(sizes) {
            let part = slot
                .get_mut()
                .map_err(|_| Error::internal("a worker thread failed"))?;
            emit(part, n)?;
        }
        Ok(())
    };
    std::thread::scope(|scope| -> Result<()> {
        let (reset, work) = (&reset, &work);
        let (done_tx, done_rx) = mpsc::channel::<std::result::Result<(), String>>();
        let mut workers = Vec::new();
        for _ in 1..threads {
            let (job_tx, job_rx) = mpsc::channel::<Arc<Round<S>>>();
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut scratch = W::default();
                // Each round received is answered once, whatever happens
                // in it, so that the reading thread never waits forever.
                while let Ok(round) = job_rx.recv() {
                    let worked = paylot_cli::contain(|| round.work(&mut scratch, reset, work));
                    drop(round);
                    if done_tx.send(worked).is_err() {
                        break;
                    }
                }
            });
            workers.push(job_tx);
        }
        drop(done_tx);
        let mut scratch = W::default();
        let mut before: Option<Round<S>> = None;
        let ended = loop {
            if current.batch.lines.is_empty() {
                break Ok(());
            }
            current.prepare();
            let round = Arc::new(current);
            let sent = workers
                .iter()
                .filter(|w| w.send(Arc::clone(&round)).is_ok())
                .count();
            // The round before is emitted first: its output leaves as
            // soon as the batch after it has been read, as it always has;
            // its batch and states then take the next batch.
            let mut next = before.take().unwrap_or_default();
            let emitted = emit_round(&mut next);
            let read = match emitted {
                Ok(()) => next
                    .batch
                    .fill(input.reader(), &mut at, CUT)
                    .map_err(|e| input.read_error(e)),
                // A fatal error: nothing more is read.
                Err(_) => Ok(()),
            };
            let mut worked = paylot_cli::contain(|| round.work(&mut scratch, reset, work));
            for _ in 0..sent {
                let answer = done_rx
                    .recv()
                    .unwrap_or_else(|_| Err("a worker thread ended".into()));
                worked = worked.and(answer);
            }
            if sent < workers.len() {
                worked = worked.and(Err("a worker thread ended".into()));
            }
            if let Err(what) = worked {
                break Err(Error::internal(&what));
            }
            let Ok(finished) = Arc::try_unwrap(round) else {
                break Err(Error::internal("a worker thread kept its batch"));
            };
            if let Err(e) = emitted.and(read) {
                break Err(e);
            }
            before = Some(finished);
            current = next;
        };
        // The workers end when their channels close.
        drop(workers);
        ended?;
        match before {
            Some(mut last) => emit_round(&mut last),
            None => Ok(()),
        }
    })
}
