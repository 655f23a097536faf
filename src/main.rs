use std::process::ExitCode;

fn main() -> ExitCode {
    plantrack::cli::main()
}
