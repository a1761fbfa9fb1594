fn main() {
    eprintln!("flink-inspect: not wired yet");
    std::process::exit(2);
}
