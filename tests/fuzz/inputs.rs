//! What a stranger might upload, for property tests: arbitrary bytes, and valid files (UTF-8 and
//! GB18030) with bytes flipped, cut, repeated or inserted. Every one goes through decode → parse →
//! validate, which must not panic and must answer within a bounded size. Shared by the test in
//! `tests/api/fuzz.rs` (a few thousand cases) and `benches/fuzz_ingest.rs` (100 000).

use plantrack::catalog::Regions;
use plantrack::domain::Budget;
use plantrack::ingest::{IndicatorInfo, NotPrepared, Reference, prepare};
use proptest::prelude::*;

/// The most an answer may hold, serialised: a thousand listed problems of bounded echoes.
pub const MAX_ANSWER_BYTES: usize = 2_500_000;

pub fn reference() -> Reference {
    let indicator = |id, slug: &str, name: &str, unit: &str, is_milestone| IndicatorInfo {
        id,
        slug: slug.to_owned(),
        name: name.to_owned(),
        unit: unit.to_owned(),
        can_be_negative: false,
        is_milestone,
        earliest_year: Some(2016),
        frequency: plantrack::domain::Frequency::Annual,
        reporter: None,
    };
    Reference {
        indicators: vec![
            indicator(1, "ftth-takeup-rate", "实际光纤入户率", "%", false),
            indicator(2, "open-data-sets", "政府数据开放数据集", "项", false),
            indicator(3, "aigs-smart-haoban-4", "智慧好办", "%", true),
        ],
        target_names: Vec::new(),
        regions: Regions {
            default: "全市".to_owned(), districts: vec!["浦东新区".to_owned(), "黄浦区".to_owned()]
        },
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date"),
    }
}

const VALID: &str = "指标,期间,数值,地区,备注,来源\n\
    实际光纤入户率,2020,70%,全市,,001:614\n\
    open-data-sets,2021-Q3,\"4,500\",浦东新区,季报,\n\
    aigs-smart-haoban-4,2025-06,完成,,,\n\
    ftth-takeup-rate,２０１９,６５．５,黄浦区,\"多行\n备注\",x\n";

/// A valid file as UTF-8 or GB18030 bytes.
fn valid_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(VALID.as_bytes().to_vec()),
        Just(encoding_rs::GB18030.encode(VALID).0.into_owned()),
        Just([b"\xEF\xBB\xBF".as_slice(), VALID.as_bytes()].concat()),
        Just(VALID.replace(',', "\t").into_bytes()),
    ]
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, to: u8 },
    Cut { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Repeat { from: usize, len: usize, times: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, to)| Mutation::Flip { at, to }),
        any::<usize>().prop_map(|at| Mutation::Cut { at }),
        (
            any::<usize>(),
            prop::collection::vec(prop_oneof![any::<u8>(), Just(b','), Just(b'"'), Just(b'\n'), Just(0u8)], 1..40)
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..60, 1usize..200).prop_map(|(from, len, times)| Mutation::Repeat { from, len, times }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: Vec<Mutation>) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match m {
            Mutation::Flip { at, to } => {
                if !bytes.is_empty() {
                    bytes[at % n] = to;
                }
            }
            Mutation::Cut { at } => bytes.truncate(at % n),
            Mutation::Insert { at, bytes: inserted } => {
                let at = (at % n).min(bytes.len());
                bytes.splice(at..at, inserted);
            }
            Mutation::Repeat { from, len, times } => {
                let from = (from % n).min(bytes.len());
                let piece = bytes[from..(from + len).min(bytes.len())].to_vec();
                let repeated: Vec<u8> = piece.iter().copied().cycle().take(piece.len() * times).collect();
                bytes.splice(from..from, repeated);
            }
        }
    }
    bytes
}

/// Arbitrary bytes, or a valid file with a few mutations.
pub fn upload_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2000),
        (valid_bytes(), prop::collection::vec(mutation(), 1..6)).prop_map(|(bytes, m)| apply(bytes, m)),
    ]
}

/// Runs one upload through the checks; Err says what went wrong with the answer.
pub fn check(bytes: &[u8], reference: &Reference) -> Result<(), String> {
    match prepare(bytes, None, None, reference, &Budget::unlimited()) {
        Ok(prepared) => {
            if prepared.rows.len() > bytes.len() {
                return Err(format!("{} rows from {} bytes", prepared.rows.len(), bytes.len()));
            }
            Ok(())
        }
        Err(NotPrepared::Invalid(problems)) => {
            let size = serde_json::to_vec(&problems).map_err(|e| e.to_string())?.len();
            if problems.total == 0 {
                return Err("refused without a problem".to_owned());
            }
            if problems.errors.len() > 1000 || size > MAX_ANSWER_BYTES {
                return Err(format!("{} problems listed, {size} bytes", problems.errors.len()));
            }
            if problems.errors.iter().any(|e| e.reason.is_empty() || e.reason_zh.is_empty()) {
                return Err("a problem without its reason in both languages".to_owned());
            }
            Ok(())
        }
        Err(NotPrepared::Stopped(stopped)) => Err(format!("stopped without a limit: {stopped}")),
    }
}
