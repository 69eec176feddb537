//! The zailai server side: key files, storage backends, and the sync server.

pub mod campaign_templates;
pub mod csv;
pub mod devices;
pub mod diagnoses;
pub mod facts;
pub mod facts_ledger;
pub mod facts_rebuild;
pub mod keys;
pub mod messages;
pub mod notices;
pub mod op_log;
pub mod operators;
pub mod populate;
pub mod report;
pub mod report_charts;
pub mod report_svg;
pub mod report_svg_scorecard;
pub mod scorecard;
pub mod serve;
pub mod store;
pub mod sync_service;
pub mod versions;
pub mod what_if;
