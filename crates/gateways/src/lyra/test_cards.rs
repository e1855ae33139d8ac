//! The sandbox's Lyra test tokens: `TEST-REFUSE-<code>` forces the CB
//! code (e.g. `TEST-REFUSE-51`).

use super::codes::CB_CODES;

/// The CB code a sandbox token forces, if any.
pub fn forced_code(token: &str) -> Option<&'static str> {
    let code = token.strip_prefix("TEST-REFUSE-")?;
    CB_CODES
        .iter()
        .find(|(c, _)| *c == code && *c != "00" && *c != "30" && *c != "96")
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_force_refusals_only() {
        assert_eq!(super::forced_code("TEST-REFUSE-51"), Some("51"));
        assert_eq!(super::forced_code("TEST-REFUSE-00"), None);
        assert_eq!(super::forced_code("TOKEN-1"), None);
    }
}
