//! Arbitrary and mangled uploads through decode → parse → validate: no panic, a bounded answer,
//! every problem explained. `cargo bench --bench fuzz_ingest` runs 100 000 cases.

use proptest::prelude::*;

#[path = "../fuzz/inputs.rs"]
mod inputs;

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_upload_is_checked_without_panic_and_answered_briefly(bytes in inputs::upload_bytes()) {
        let reference = inputs::reference();
        if let Err(why) = inputs::check(&bytes, &reference) {
            prop_assert!(false, "{why}");
        }
    }
}
