//! Background work of the server: the watched inbox and scheduled reports.

pub mod inbox;
pub mod reports;
