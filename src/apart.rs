//! Work done in a child process of this same program: a report's layout, and reading the files
//! strangers send (spreadsheets, plan documents). A child can be stopped when its time is up or
//! its client has gone, gives all its memory back when it exits, and reads a file under a memory
//! ceiling of its own: a 1.5 KB spreadsheet that declares a cell a million rows down, or a PDF
//! whose one stream inflates to gigabytes, ends that child, not the server.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::RwLock;
use std::time::Duration;

use crate::domain::{Budget, Stopped};

/// The address space a reading child may use: a sheet of a million rows read by calamine, or a
/// 5 MB document, fits with room to spare; a file built to exhaust memory does not.
pub const READING_MEMORY_BYTES: u64 = 2 << 30;

/// The most a child may answer: a full Excel sheet (1 048 576 rows of five columns) as JSON. A
/// child that says more is stopped, and its work refused as too large.
pub const MOST_ANSWER_BYTES: u64 = 128 << 20;

/// The program files are read by, once the server has said (`serve` sets its own executable);
/// none: read in this process (the CLI, unit tests).
static READER: RwLock<Option<PathBuf>> = RwLock::new(None);

pub fn set_reader(program: Option<&Path>) {
    *READER.write().unwrap_or_else(|e| e.into_inner()) = program.map(Path::to_owned);
}

pub fn reader() -> Option<PathBuf> {
    READER.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Why a child's work came to nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failed {
    #[error(transparent)]
    Stopped(#[from] Stopped),
    /// The program could not be started (replaced or removed under a running server).
    #[error("the child process could not be started: {0}")]
    NotStarted(String),
    /// It ran out of memory (its ceiling, or the machine's), or answered more than
    /// [`MOST_ANSWER_BYTES`].
    #[error("the work needed more memory than it may have")]
    OutOfMemory,
    #[error("{0}")]
    Broke(String),
}

/// Runs `program args…` with `input` on its standard input and answers its standard output,
/// once it has exited successfully; stopped (killed) as soon as the budget says.
pub fn run(program: &Path, args: &[&str], input: Vec<u8>, budget: &Budget) -> Result<Vec<u8>, Failed> {
    let broke = |what: &str, e: std::io::Error| Failed::Broke(format!("{what}: {e}"));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failed::NotStarted(format!("{}: {e}", program.display())))?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        return Err(Failed::Broke("the child process has no pipes".to_owned()));
    };
    // Each pipe in a thread of its own: a child blocked on a full pipe would never finish.
    let sender = std::thread::spawn(move || stdin.write_all(&input));
    let overflowed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = std::thread::spawn({
        let overflowed = overflowed.clone();
        move || {
            let mut answer = Vec::new();
            let read = (&mut stdout).take(MOST_ANSWER_BYTES + 1).read_to_end(&mut answer);
            if answer.len() as u64 > MOST_ANSWER_BYTES {
                overflowed.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            read.map(|_| answer)
        }
    });
    let complaints = std::thread::spawn(move || {
        let mut said = Vec::new();
        // What a child says on stderr is its log: the first 64 KB are plenty to say why it failed.
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut said);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        String::from_utf8_lossy(&said).trim().to_owned()
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| broke("the child process was lost", e))? {
            break status;
        }
        if let Err(stopped) = budget.check() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(stopped.into());
        }
        // The reader stops at the most a child may answer; the child, blocked on a full pipe, is
        // stopped then.
        if overflowed.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failed::OutOfMemory);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // A child that failed early may leave its input unread: its exit status says what happened.
    let _ = sender.join();
    let answer = reader.join().map_err(|_| Failed::Broke("the child's reader panicked".to_owned()))?;
    let complaints = complaints.join().unwrap_or_default();
    // A child stopped reading from may end on its broken pipe before the loop saw why.
    if overflowed.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Failed::OutOfMemory);
    }
    if status.success() {
        if !complaints.is_empty() {
            tracing::debug!(said = %complaints, "the child process's log");
        }
        return answer.map_err(|e| broke("the child's answer could not be read", e));
    }
    if ran_out_of_memory(&status, &complaints) {
        return Err(Failed::OutOfMemory);
    }
    Err(Failed::Broke(format!("the child process failed ({status}): {complaints}")))
}

/// Rust aborts a process whose allocation fails, saying so; the kernel kills one it finds using
/// too much of the machine.
fn ran_out_of_memory(status: &std::process::ExitStatus, complaints: &str) -> bool {
    use std::os::unix::process::ExitStatusExt;
    complaints.contains("memory allocation of") || status.signal() == Some(libc::SIGKILL)
}

/// Sets this process's address-space ceiling: an allocation past it fails, and the process ends.
pub fn limit_memory(bytes: u64) -> std::io::Result<()> {
    let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit reads the struct passed and changes only this process's own limit.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// What a reading child is asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reading {
    /// A spreadsheet of actuals (.xlsx, .xls, .ods): its sheet as a grid of cells.
    Sheet,
    /// A plan document (.txt, .docx, .html, .pdf): its numbered lines.
    Document,
}

/// The `read-file` command: the file on `input`, what was read (JSON) on `output`.
pub fn read_piped(
    reading: Reading,
    sheet: Option<&str>,
    mut input: impl Read,
    mut output: impl Write,
) -> anyhow::Result<()> {
    limit_memory(READING_MEMORY_BYTES)?;
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let answer = match reading {
        Reading::Sheet => {
            let kind = crate::ingest::sheet::kind_of(&bytes)
                .ok_or_else(|| anyhow::anyhow!("the file is not a spreadsheet"))?;
            serde_json::to_vec(&crate::ingest::sheet::read_workbook_here(&bytes, kind, sheet))?
        }
        Reading::Document => serde_json::to_vec(&crate::intake::read_document(&bytes))?,
    };
    drop(bytes);
    output.write_all(&answer)?;
    output.flush()?;
    Ok(())
}

/// Reads `bytes` as `reading` in a child of the reading program, when the server has set one;
/// `None` when there is none (read it here).
pub fn read_apart<T: serde::de::DeserializeOwned>(
    reading: Reading,
    sheet: Option<&str>,
    bytes: &[u8],
    budget: &Budget,
) -> Option<Result<T, Failed>> {
    let program = reader()?;
    let kind = match reading {
        Reading::Sheet => "sheet",
        Reading::Document => "document",
    };
    // `--sheet=…` in one argument: a sheet named like a flag stays a name.
    let sheet = sheet.map(|sheet| format!("--sheet={sheet}"));
    let args: Vec<&str> = ["read-file", kind].into_iter().chain(sheet.as_deref()).collect();
    Some(run(&program, &args, bytes.to_vec(), budget).and_then(|answer| {
        serde_json::from_slice(&answer).map_err(|e| Failed::Broke(format!("the child's answer is not JSON: {e}")))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> (PathBuf, Vec<String>) {
        (PathBuf::from("/bin/sh"), vec!["-c".to_owned(), script.to_owned()])
    }

    fn run_sh(script: &str, budget: &Budget) -> Result<Vec<u8>, Failed> {
        let (program, args) = sh(script);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&program, &args, b"input".to_vec(), budget)
    }

    #[test]
    fn a_child_answers_what_it_writes_and_its_failures_say_why() {
        assert_eq!(run_sh("cat; printf ' done'", &Budget::unlimited()).unwrap(), b"input done");
        let Err(Failed::Broke(why)) = run_sh("echo 'no font' >&2; exit 3", &Budget::unlimited()) else { panic!() };
        assert!(why.contains("no font"), "{why}");
        let oom =
            run_sh("echo 'memory allocation of 549755813888 bytes failed' >&2; kill -ABRT $$", &Budget::unlimited());
        assert_eq!(oom, Err(Failed::OutOfMemory));
        let missing = run(Path::new("/no/such/program"), &[], Vec::new(), &Budget::unlimited());
        assert!(matches!(missing, Err(Failed::NotStarted(_))), "{missing:?}");
    }

    #[test]
    fn a_child_that_answers_too_much_or_takes_too_long_is_stopped() {
        let started = std::time::Instant::now();
        assert_eq!(run_sh("exec yes", &Budget::unlimited()), Err(Failed::OutOfMemory), "more than it may answer");
        let slow = run_sh("sleep 30", &Budget::within(Duration::from_millis(200)));
        assert_eq!(slow, Err(Failed::Stopped(Stopped::TimedOut)));
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    }
}
