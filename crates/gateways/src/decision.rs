//! What an answer code means for the operation it answers: done, refused,
//! or worth sending again later. The same words for every gateway.

/// How the gateway decided an operation, for summaries and the `outcome`
/// column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accepted,
    Refused,
    Retry,
    /// Neither done nor refused yet: the final state is to be looked up
    /// later (Sips 60, pending).
    Pending,
    /// Done already by an earlier request (Sips 94: a resend of an order
    /// that went through).
    AlreadyDone,
    /// No answer says (the answer was lost, or carries no code): the
    /// operation's state must be asked, never assumed.
    Unknown,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accepted => "accepted",
            Decision::Refused => "refused",
            Decision::Retry => "retry",
            Decision::Pending => "pending",
            Decision::AlreadyDone => "already done",
            Decision::Unknown => "unknown",
        }
    }
}
