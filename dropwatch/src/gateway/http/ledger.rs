//! The sandbox's memory, kept by one thread: the requests that arrive
//! together are run one after the other, each a step of its own (whole
//! or not at all), and committed together — one write to the disk for
//! all of them — and each is answered only once its step is committed.
//! The runtime's threads never wait on SQLite, nor on each other for it.

use std::sync::mpsc;

use gateways::memory::{Books, Memory, MemoryError, Step};
use gateways::paybox::direct::gateway as ppps;
use serde_json::{Map, Value};

/// At most this many steps in one commit.
const BATCH: usize = 256;

/// What a step made.
pub enum Done {
    Direct(ppps::Reply),
    Sips(Map<String, Value>),
}

/// A step of the gateways' rules, to run in the memory.
pub type Work = Box<dyn FnOnce(&Books<'_>) -> Result<Done, MemoryError> + Send>;

struct Job {
    work: Work,
    answer: tokio::sync::oneshot::Sender<Result<Done, String>>,
}

/// The way to the thread that keeps the memory.
pub struct Ledger {
    jobs: mpsc::Sender<Job>,
}

impl Ledger {
    /// Start the thread that keeps `memory`; it ends with the last
    /// [`Ledger`].
    pub fn start(memory: Memory) -> std::io::Result<Ledger> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let (steps, answers): (Vec<Step<'_, Done>>, Vec<_>) =
                        batch.into_iter().map(|j| (j.work, j.answer)).unzip();
                    match memory.update_each(steps) {
                        Ok(outcomes) => {
                            for (out, answer) in outcomes.into_iter().zip(answers) {
                                let _ = answer.send(out.map_err(|e| e.to_string()));
                            }
                        }
                        Err(e) => {
                            for answer in answers {
                                let _ = answer.send(Err(e.to_string()));
                            }
                        }
                    }
                }
            })?;
        Ok(Ledger { jobs })
    }

    /// Run `work` in the memory; what it made once committed, or why not.
    pub async fn run(&self, work: Work) -> Result<Done, String> {
        let (answer, made) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job { work, answer })
            .map_err(|_| "the sandbox's memory is no longer kept".to_string())?;
        made.await
            .map_err(|_| "the sandbox's memory stopped".to_string())?
    }
}
