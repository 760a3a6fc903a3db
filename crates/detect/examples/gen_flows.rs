//! Seeded generator of realistic VPC flow logs for the detection benchmark (bench/detect.sh):
//! AWS's default (version 2) S3 text format, one file per five minutes of a day, 400 ENIs in
//! four subnets, a traffic mix of inbound web requests and their replies, outbound HTTPS,
//! east-west service calls, DNS and NTP, internet background noise (rejected), NODATA records,
//! and injected port scans and SSH/RDP brute-force attacks (printed as ground truth).
//!
//!     cargo run --release -p koban-detect --example gen_flows -- OUT_DIR MEGABYTES [SEED]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::io::Write as _;

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
const ACCOUNT: &str = "123456789012";
const DAY_START: i64 = 1_718_000_000;
const FILES: i64 = 288;

struct Eni {
    id: String,
    ip: String,
}

fn public_ip(rng: &mut ChaCha8Rng) -> String {
    loop {
        let a = rng.gen_range(1..224u8);
        if ![10, 100, 127, 169, 172, 192].contains(&a) {
            return format!("{a}.{}.{}.{}", rng.gen_range(0..256), rng.gen_range(0..256), rng.gen_range(1..255));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn rec(
    out: &mut String,
    eni: &Eni,
    src: &str,
    dst: &str,
    sport: u32,
    dport: u32,
    proto: u32,
    packets: u32,
    bytes: u64,
    start: i64,
    action: &str,
) {
    let _ =
        writeln!(out, "2 {ACCOUNT} {} {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {} {action} OK", eni.id, start + 60);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).ok_or("usage: gen_flows OUT_DIR MEGABYTES [SEED]")?);
    let megabytes: u64 = args.get(2).ok_or("usage: gen_flows OUT_DIR MEGABYTES [SEED]")?.parse()?;
    let seed: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(42);
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let enis: Vec<Eni> =
        (0..400).map(|i| Eni { id: format!("eni-0b{:015x}", 0x1000 + i), ip: format!("10.0.{}.{}", i / 100, 10 + i % 100) }).collect();
    let per_file = megabytes * 1_000_000 / FILES as u64;
    let clients: Vec<String> = (0..20_000).map(|_| public_ip(&mut rng)).collect();
    let services: Vec<String> = (0..300).map(|_| public_ip(&mut rng)).collect();
    // Attacks: (file index, kind, eni, attacker).
    let mut attacks = vec![];
    for i in 0..50 {
        attacks.push((rng.gen_range(0..FILES), "portscan", rng.gen_range(0..enis.len()), public_ip(&mut rng), i));
    }
    for i in 0..40 {
        attacks.push((
            rng.gen_range(0..FILES),
            if i % 4 == 0 { "rdp" } else { "ssh" },
            rng.gen_range(0..enis.len()),
            public_ip(&mut rng),
            i,
        ));
    }
    let mut total = 0u64;
    let mut records = 0u64;
    for f in 0..FILES {
        let t0 = DAY_START + f * 300;
        let mut out = String::with_capacity(per_file as usize + 4096);
        out.push_str(HEADER);
        for (_, kind, e, attacker, _) in attacks.iter().filter(|a| a.0 == f) {
            let eni = &enis[*e];
            match *kind {
                "portscan" => {
                    let ports = rng.gen_range(30..300u32);
                    let base = rng.gen_range(1..2000u32);
                    for p in 0..ports {
                        let action = if p % 17 == 0 { "ACCEPT" } else { "REJECT" };
                        rec(&mut out, eni, attacker, &eni.ip, 40_000 + p, base + p, 6, 1, 44, t0 + (p as i64 % 240), action);
                        records += 1;
                    }
                }
                k => {
                    let port = if k == "rdp" { 3389 } else { 22 };
                    for c in 0..rng.gen_range(30..200u32) {
                        let sport = rng.gen_range(32_768..61_000u32);
                        rec(
                            &mut out,
                            eni,
                            attacker,
                            &eni.ip,
                            sport,
                            port,
                            6,
                            rng.gen_range(8..20),
                            rng.gen_range(1500..4000),
                            t0 + (c as i64 % 280),
                            "ACCEPT",
                        );
                        rec(
                            &mut out,
                            eni,
                            &eni.ip,
                            attacker,
                            port,
                            sport,
                            6,
                            rng.gen_range(8..20),
                            rng.gen_range(1500..5000),
                            t0 + (c as i64 % 280),
                            "ACCEPT",
                        );
                        records += 2;
                    }
                }
            }
        }
        while (out.len() as u64) < per_file {
            let eni = &enis[rng.gen_range(0..enis.len())];
            let start = t0 + rng.gen_range(0..300);
            let roll = rng.gen_range(0..100u32);
            let eph = rng.gen_range(32_768..61_000u32);
            match roll {
                0..=54 => {
                    let c = &clients[rng.gen_range(0..clients.len())];
                    let port = if roll < 45 { 443 } else { 80 };
                    let p = rng.gen_range(4..40);
                    rec(&mut out, eni, c, &eni.ip, eph, port, 6, p, p as u64 * rng.gen_range(60..400), start, "ACCEPT");
                    rec(&mut out, eni, &eni.ip, c, port, eph, 6, p, p as u64 * rng.gen_range(200..1400), start, "ACCEPT");
                    records += 2;
                }
                55..=74 => {
                    let s = &services[rng.gen_range(0..services.len())];
                    let p = rng.gen_range(4..60);
                    rec(&mut out, eni, &eni.ip, s, eph, 443, 6, p, p as u64 * rng.gen_range(100..600), start, "ACCEPT");
                    rec(&mut out, eni, s, &eni.ip, 443, eph, 6, p, p as u64 * rng.gen_range(300..1400), start, "ACCEPT");
                    records += 2;
                }
                75..=84 => {
                    let peer = &enis[rng.gen_range(0..enis.len())];
                    let port = [5432, 6379, 8080, 9092][rng.gen_range(0..4)];
                    let p = rng.gen_range(2..80);
                    rec(&mut out, eni, &eni.ip, &peer.ip, eph, port, 6, p, p as u64 * rng.gen_range(80..900), start, "ACCEPT");
                    records += 1;
                }
                85..=92 => {
                    let (dst, port) = if roll < 90 { ("10.0.0.2", 53) } else { ("169.254.169.123", 123) };
                    rec(&mut out, eni, &eni.ip, dst, eph, port, 17, 1, rng.gen_range(60..120), start, "ACCEPT");
                    records += 1;
                }
                93..=97 => {
                    let noise = &clients[rng.gen_range(0..clients.len())];
                    rec(&mut out, eni, noise, &eni.ip, eph, [23, 445, 3306, 8443, 5900][rng.gen_range(0..5)], 6, 1, 40, start, "REJECT");
                    records += 1;
                }
                _ => {
                    let _ = writeln!(out, "2 {ACCOUNT} {} - - - - - - - {start} {} - NODATA", eni.id, start + 60);
                    records += 1;
                }
            }
        }
        total += out.len() as u64;
        let mut file = std::fs::File::create(dir.join(format!("{ACCOUNT}_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_{:04}.log", f)))?;
        file.write_all(out.as_bytes())?;
    }
    let scans = attacks.iter().filter(|a| a.1 == "portscan").count();
    println!("{{\"files\": {FILES}, \"bytes\": {total}, \"records\": {records}, \"seed\": {seed}, \"portscans\": {scans}, \"brute_forces\": {}}}", attacks.len() - scans);
    Ok(())
}
