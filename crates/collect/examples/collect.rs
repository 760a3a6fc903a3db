fn main() {
    let a: Vec<String> = std::env::args().collect();
    let o = koban_collect::Options { out: a[1].clone().into(), regions: a[2..].to_vec(), role_name: std::env::var("ROLE").ok(), ..Default::default() };
    match koban_collect::collect(&o) {
        Ok(s) => println!("{}", serde_json::to_string_pretty(&s.manifest.failures().map(|e| e.to_json()).collect::<Vec<_>>()).unwrap_or_default()),
        Err(e) => eprintln!("{e}"),
    }
}
