//! The `flink-inspect` binary: a thin layer over the library (see `cli/`).

mod cli;

fn main() {
    // Behave like other Unix tools when the reader of our output goes away (`| head`): end
    // quietly instead of failing on the next write.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(cli::run());
}
