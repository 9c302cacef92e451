fn main() {
    let root = std::path::Path::new("/work/main");
    let api = nordpay_codegen::api("direct_payment_soap").unwrap();
    match nordpay_codegen::generate(api, root) {
        Ok(g) => print!("{}", g.source),
        Err(e) => {
            eprintln!("ERROR {e}");
            std::process::exit(1)
        }
    }
}
