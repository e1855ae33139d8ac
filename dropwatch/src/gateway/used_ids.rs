//! Where the Lyra sandbox remembers the transaction ids each shop used,
//! per mode (TEST and PRODUCTION apart) and UTC day, across files: the gateway answers a line reusing one `96
//! transaction.exist` (the rule: `gateways::lyra::ids`). The responder is
//! handed the ids of the days its request covers (`DROPWATCH_USED_IDS`,
//! read by `xmlbatch respond --used-ids`), and the ids its answer says
//! were used are remembered once the answer is in place.
//!
//! The memory sits in the state file today, behind [`UsedIds`]: a store
//! of the sandbox's own takes it over by implementing the same two calls
//! (a table keyed by shop, day and id; pruned the same way).

use std::collections::BTreeSet;

use gateways::lyra::ids::DayId;

use crate::state::GatewayState;

/// How many UTC days are kept per shop, the latest ones: a file's lines
/// are of the day it is built, and a month covers every resend the
/// gateway's retention (15 days) lets a merchant see. Forgetting older
/// days can only make the sandbox more lenient than the gateway.
pub const DAYS_KEPT: usize = 31;

/// The sandbox's memory of the ids used.
pub(crate) trait UsedIds {
    /// The ids used on these (shop, mode, day)s.
    fn uses_on(&self, days: &BTreeSet<(String, String, String)>) -> Vec<DayId>;
    /// Remember ids used (again: no change).
    fn remember(&mut self, uses: Vec<DayId>);
}

/// The state file's key for a shop's ids in a mode: `SHOP/MODE`. A key
/// without a mode (`SHOP`, written before the modes were told apart) is
/// read as TEST's, the mode the sandbox plays.
fn key(shop: &str, mode: &str) -> String {
    format!("{shop}/{mode}")
}

impl UsedIds for GatewayState {
    fn uses_on(&self, days: &BTreeSet<(String, String, String)>) -> Vec<DayId> {
        let mut out = Vec::new();
        for (shop, mode, day) in days {
            let mut keys = vec![key(shop, mode)];
            if mode == "TEST" {
                keys.push(shop.clone());
            }
            let ids = keys
                .iter()
                .filter_map(|k| self.lyra_ids.get(k).and_then(|d| d.get(day)))
                .flatten()
                .collect::<BTreeSet<_>>();
            for id in ids {
                out.push(DayId {
                    shop: shop.clone(),
                    mode: mode.clone(),
                    day: day.clone(),
                    id: id.clone(),
                });
            }
        }
        out
    }

    fn remember(&mut self, uses: Vec<DayId>) {
        for u in uses {
            let days = self.lyra_ids.entry(key(&u.shop, &u.mode)).or_default();
            days.entry(u.day).or_default().insert(u.id);
            while days.len() > DAYS_KEPT {
                days.pop_first();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_shop_mode_and_day_and_forgets_the_oldest_days() {
        let mut st = GatewayState::default();
        let u = |shop: &str, day: &str, id: &str| DayId::of_line(shop, "TEST", day, id).unwrap();
        st.remember(vec![u("12345678", "20261123", "000001")]);
        st.remember(vec![
            u("12345678", "20261123", "000001"),
            u("87654321", "20261123", "000002"),
        ]);
        let on = |mode: &str| -> BTreeSet<_> {
            [(
                "12345678".to_string(),
                mode.to_string(),
                "20261123".to_string(),
            )]
            .into()
        };
        assert_eq!(
            st.uses_on(&on("TEST")),
            vec![u("12345678", "20261123", "000001")]
        );
        // PRODUCTION is another platform: TEST's ids are not its.
        assert!(st.uses_on(&on("PRODUCTION")).is_empty());
        // A state file written before the modes were told apart: TEST's.
        st.lyra_ids.insert(
            "12345678".into(),
            [("20261123".to_string(), ["000005".to_string()].into())].into(),
        );
        assert_eq!(st.uses_on(&on("TEST")).len(), 2);
        assert!(st.uses_on(&on("PRODUCTION")).is_empty());
        st.lyra_ids.remove("12345678");
        for d in 1..=DAYS_KEPT {
            st.remember(vec![u("12345678", &format!("202612{d:02}"), "000009")]);
        }
        assert!(st.uses_on(&on("TEST")).is_empty());
        assert_eq!(st.lyra_ids["12345678/TEST"].len(), DAYS_KEPT);
    }
}
