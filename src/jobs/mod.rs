//! Background work of the server: the watched inbox, scheduled reports and the reminders outbox.

pub mod inbox;
pub mod reminders;
pub mod reports;
