// A Rust WASI command: arguments, an environment variable, a file written and read back
// in the preopened directory /sandbox, and an exit status from std::process::exit.
use std::fs;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("hello from Rust, args {:?}", &args[1..]);
    println!("KILN_GREETING={}", std::env::var("KILN_GREETING").unwrap_or_else(|_| "(unset)".into()));
    let path = "/sandbox/rust.txt";
    let mut file = fs::File::create(path).expect("create");
    writeln!(file, "written by Rust").expect("write");
    drop(file);
    print!("read back: {}", fs::read_to_string(path).expect("read"));
    let mut names: Vec<String> = fs::read_dir("/sandbox").expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    println!("listing: {}", names.join(" "));
    match fs::read_to_string("/sandbox/../secret.txt") {
        Ok(_) => println!("escaped the sandbox"),
        Err(_) => println!("outside the sandbox: refused"),
    }
    let code: i32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    std::process::exit(code);
}
