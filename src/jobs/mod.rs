//! Background work of the server: the watched inbox.

pub mod inbox;
