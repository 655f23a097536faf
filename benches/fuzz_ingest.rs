//! 100 000 arbitrary and mangled uploads through decode → parse → validate (the property test of
//! `tests/api/fuzz.rs` at a hundred times its size): no panic, every answer bounded.
//! `cargo bench --bench fuzz_ingest [-- CASES]`.

use proptest::test_runner::{Config, TestRunner};

#[path = "../tests/fuzz/inputs.rs"]
mod inputs;

fn main() {
    let cases: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let reference = inputs::reference();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    let result = runner.run(&inputs::upload_bytes(), |bytes| {
        inputs::check(&bytes, &reference).map_err(proptest::test_runner::TestCaseError::fail)
    });
    match result {
        Ok(()) => println!(
            "{cases} uploads checked in {:.1} s: no panic, every answer bounded",
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("failed: {e}");
            std::process::exit(1);
        }
    }
}
