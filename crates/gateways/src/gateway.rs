//! Which gateway's rules apply (`--gateway`): the one type above the
//! gateways that names each, with the drop-tree layouts each declares
//! (`paybox::drop`, `lyra::drop`).

use crate::{lyra, paybox};

/// Which gateway's rules apply (`--gateway` in every tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Gateway {
    /// Paybox, E-Transactions, Up2pay.
    Paybox,
    /// Lyra: Systempay, PayZen, Scellius, Sogecommerce.
    Lyra,
}

impl Gateway {
    pub const ALL: [Gateway; 2] = [Gateway::Paybox, Gateway::Lyra];

    /// The name on command lines and in JSON records.
    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::Paybox => "paybox",
            Gateway::Lyra => "lyra",
        }
    }

    /// The (upload, answer) directories of an account's drop tree, in the
    /// order they are looked for (Lyra: newest layout first).
    pub fn layouts(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Gateway::Paybox => std::slice::from_ref(&paybox::drop::LAYOUT),
            Gateway::Lyra => &lyra::drop::LAYOUTS,
        }
    }
}

/// The answer directory beside an upload directory named `upload`, in
/// any gateway's layout (Lyra `request_ips` → `result_ips`, `depot` →
/// `id`; Paybox `in` → `out`): what a drop tree looked into from its
/// upload directory holds beside it.
pub fn answer_dir_beside(upload: &str) -> Option<&'static str> {
    Gateway::ALL
        .into_iter()
        .flat_map(Gateway::layouts)
        .find(|(up, _)| *up == upload)
        .map(|(_, answer)| *answer)
}

impl std::fmt::Display for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Gateway {
    type Err = String;
    fn from_str(s: &str) -> Result<Gateway, String> {
        Gateway::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| "expected paybox or lyra".to_string())
    }
}
