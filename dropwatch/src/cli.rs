//! What the subcommands' command lines share, below them all: the
//! tool's name their messages begin with, the value parsers of durations
//! and naming templates, and the option groups several flatten
//! (`--template`, the Lyra scan schedule).

use std::time::Duration;

use paylot_cli::{Error, Result};

use gateways::lyra::schedule;
use gateways::paybox::names::{Template, DEFAULT_TEMPLATE};

/// The tool's name, for messages.
pub const TOOL: &str = "dropwatch";

/// clap value parser for durations.
pub fn duration_arg(s: &str) -> std::result::Result<Duration, String> {
    paylot_cli::time::parse_duration(s)
}

/// clap value parser for templates.
pub fn template_arg(s: &str) -> std::result::Result<Template, gateways::Invalid> {
    Template::parse(s)
}

/// Paybox naming options shared by several commands.
#[derive(clap::Args, Debug, Clone)]
pub struct NamingOpts {
    /// Paybox Question naming template: {site} 7 digits, {rank} 3 digits, {batch} or {batch:N}
    #[arg(long, value_name = "TEMPLATE", default_value = DEFAULT_TEMPLATE, value_parser = template_arg)]
    pub template: Template,
}

/// The Lyra scan schedule (`check`, `gateway --on-schedule`): Systempay's
/// by default (`gateways::lyra::schedule` gives the sources).
#[derive(clap::Args, Debug, Clone)]
pub struct ScheduleOpts {
    /// Lyra: the TEST scans, times of day in --schedule-zone, each
    /// SCAN>ANSWERS-FROM-ANSWERS-BY (or SCAN, or SCAN>ANSWER), by commas
    #[arg(long, value_name = "SCANS", default_value = schedule::TEST_SCANS, help_heading = "Lyra schedule")]
    pub test_scans: String,
    /// Lyra: the PRODUCTION scans, as --test-scans
    #[arg(long, value_name = "SCANS", default_value = schedule::PRODUCTION_SCANS, help_heading = "Lyra schedule")]
    pub production_scans: String,
    /// Lyra: how long before a scan a file must be uploaded for that scan
    /// to take it (10m for Monetico Retail and old Systempay)
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = duration_arg, help_heading = "Lyra schedule")]
    pub upload_lead: Duration,
    /// Lyra: the time zone of the scan times (a tz database name)
    #[arg(long, value_name = "ZONE", default_value = schedule::ZONE, help_heading = "Lyra schedule")]
    pub schedule_zone: String,
}

impl ScheduleOpts {
    pub fn schedule(&self) -> Result<schedule::Schedule> {
        let lead = u32::try_from(self.upload_lead.as_secs() / 60).unwrap_or(u32::MAX);
        schedule::Schedule::new(
            &self.schedule_zone,
            &self.test_scans,
            &self.production_scans,
            lead,
        )
        .map_err(|e| Error::usage(e.to_string()))
    }
}
