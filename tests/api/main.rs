//! Integration tests: the real server on 127.0.0.1:0 over HTTP, on a fresh SQLite file per test,
//! and on a fresh PostgreSQL database per test when PLANTRACK_TEST_POSTGRES_URL is set.
//! One test binary, so the application links once.

mod browser;
mod catalog_cli;
mod charts;
mod departments;
mod drafts;
mod faults;
mod fuzz;
mod hardening;
mod helpers;
mod inbox;
mod ingest_cli;
mod pages;
mod progress_api;
mod read_api;
mod reports;
mod spreadsheets;
mod sync;
mod uploads;
