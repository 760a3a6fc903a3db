//! Differential tests of the version orderings against the real implementations, each run once
//! as a separate process over a batch of seeded generated pairs: `dpkg --compare-versions`,
//! Python's `packaging.version`, and rpm's own `rpm.vercmp` (rpm's Lua binding of `rpmverCmp`).
//! Peers missing on the machine skip the test, unless `KOBAN_REQUIRE_PEERS` is set
//! (`scripts/test.sh` installs them and sets it).

use koban_vulns::version::Scheme;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::io::Write;
use std::process::{Command, Stdio};

fn peer_missing(what: &str) {
    if std::env::var_os("KOBAN_REQUIRE_PEERS").is_some() {
        panic!("peer {what} is required (KOBAN_REQUIRE_PEERS is set) but not available");
    }
    eprintln!("skipping: peer {what} not available");
}

fn has(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false)
}

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.gen_range(0..xs.len())]
}

/// A pair: independent, or the second derived from the first by a small edit, so that equal
/// and nearly-equal versions are frequent.
fn pairs(
    n: usize,
    seed: u64,
    generate: impl Fn(&mut ChaCha8Rng) -> String,
    mutate: impl Fn(&mut ChaCha8Rng, &str) -> String,
) -> Vec<(String, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let a = generate(&mut rng);
            let b = match rng.gen_range(0..4) {
                0 => generate(&mut rng),
                1 => a.clone(),
                _ => mutate(&mut rng, &a),
            };
            (a, b)
        })
        .collect()
}

fn segment(rng: &mut ChaCha8Rng, alphabet: &[&str], len: usize) -> String {
    (0..rng.gen_range(1..=len)).map(|_| pick(rng, alphabet)).collect()
}

const DIGITS: &[&str] = &["0", "1", "2", "9", "10", "01", "00", "123", "3"];

fn dpkg_version(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::new();
    if rng.gen_bool(0.2) {
        s.push_str(pick(rng, &["0:", "1:", "2:", "10:"]));
    }
    s.push_str(pick(rng, DIGITS));
    let parts = ["0", "1", "2", "10", "a", "b", "z", "A", ".", ".", "+", "~", "~~", "rc", "dfsg", "+b1", "~rc1", "."];
    s.push_str(&segment(rng, &parts, 5));
    if rng.gen_bool(0.6) {
        s.push('-');
        let rev = ["0", "1", "2", "ubuntu", "deb12u", "+", "~", ".", "a", "build1", "~bpo"];
        s.push_str(&segment(rng, &rev, 4));
    }
    s
}

fn mutate_chars(rng: &mut ChaCha8Rng, s: &str, inserts: &[&str]) -> String {
    let mut s = s.to_string();
    let pos = rng.gen_range(1..=s.len());
    match rng.gen_range(0..3) {
        0 => s.insert_str(pos, pick(rng, inserts)),
        1 if pos < s.len() => {
            s.remove(pos);
        }
        _ => s.push_str(pick(rng, inserts)),
    }
    s
}

#[test]
fn dpkg_ordering_matches_dpkg_compare_versions() {
    if !has("dpkg", &["--version"]) {
        return peer_missing("dpkg");
    }
    let cases = pairs(3000, 7, dpkg_version, |rng, a| mutate_chars(rng, a, &["~", "+", "0", "1", "a", ".", "~rc", "-1"]));
    let cases: Vec<_> = cases.into_iter().filter(|(a, b)| Scheme::Dpkg.parse(a).is_ok() && Scheme::Dpkg.parse(b).is_ok()).collect();
    assert!(cases.len() > 2000, "generator produced too few valid versions: {}", cases.len());
    let script = "while read -r a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; \
                  elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done";
    let expected = run_batch("bash", &["-c", script], &cases);
    check(Scheme::Dpkg, &cases, &expected, "dpkg --compare-versions");
}

fn pep440_version(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::new();
    if rng.gen_bool(0.1) {
        s.push_str(pick(rng, &["1!", "2!", "0!"]));
    }
    let n = rng.gen_range(1..=4);
    let rel: Vec<&str> = (0..n).map(|_| pick(rng, &["0", "1", "2", "10", "00", "3"])).collect();
    s.push_str(&rel.join("."));
    if rng.gen_bool(0.4) {
        s.push_str(pick(rng, &["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", ".a", "-rc", "_b", "A", "RC"]));
        if rng.gen_bool(0.8) {
            s.push_str(pick(rng, &["0", "1", "2", "10"]));
        }
    }
    if rng.gen_bool(0.3) {
        s.push_str(pick(rng, &[".post", "post", "-post", ".rev", ".r", "-"]));
        s.push_str(pick(rng, &["0", "1", "2"]));
    }
    if rng.gen_bool(0.3) {
        s.push_str(pick(rng, &[".dev", "dev", "-dev", ".DEV"]));
        if rng.gen_bool(0.8) {
            s.push_str(pick(rng, &["0", "1", "3"]));
        }
    }
    if rng.gen_bool(0.2) {
        s.push('+');
        let n = rng.gen_range(1..=3);
        let local: Vec<&str> = (0..n).map(|_| pick(rng, &["1", "01", "2", "abc", "ubuntu", "a1", "Z"])).collect();
        s.push_str(&local.join(pick(rng, &[".", "-", "_"])));
    }
    s
}

#[test]
fn pep440_ordering_matches_python_packaging() {
    if !has("python3", &["-c", "import packaging.version"]) {
        return peer_missing("python3 with packaging");
    }
    let cases = pairs(10000, 11, pep440_version, |rng, a| {
        let tweak = pick(rng, &[".0", "a1", ".post1", ".dev0", "+1", "+a", "rc1", ".1"]);
        format!("{a}{tweak}")
    });
    let script = "import sys\nfrom packaging.version import Version, InvalidVersion\n\
        for line in sys.stdin:\n    a, b = line.split()\n    try:\n        x, y = Version(a), Version(b)\n    except InvalidVersion:\n        print('invalid'); continue\n    print((x > y) - (x < y))\n";
    let expected = run_batch("python3", &["-c", script], &cases);
    let valid: Vec<_> = cases.iter().cloned().zip(expected).filter(|(_, e)| e != "invalid").collect();
    assert!(valid.len() > 8000, "generator produced too few valid versions: {}", valid.len());
    let (cases, expected): (Vec<_>, Vec<_>) = valid.into_iter().unzip();
    check(Scheme::Pep440, &cases, &expected, "packaging.version");
}

fn rpm_version(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::new();
    if rng.gen_bool(0.2) {
        s.push_str(pick(rng, &["0:", "1:", "2:"]));
    }
    let parts = ["0", "1", "2", "10", "01", "a", "b", "rc", "git", ".", ".", "_", "+", "~", "^", "~rc1", "^git1"];
    s.push_str(pick(rng, DIGITS));
    s.push_str(&segment(rng, &parts, 5));
    if rng.gen_bool(0.6) {
        s.push('-');
        s.push_str(pick(rng, DIGITS));
        let rel = ["el9", ".el8", ".fc38", "_1", ".", "1", "~", "^", "a", "amzn2"];
        s.push_str(&segment(rng, &rel, 3));
    }
    s
}

#[test]
fn rpm_ordering_matches_rpm_vercmp() {
    if !has("rpm", &["--version"]) {
        return peer_missing("rpm");
    }
    let cases = pairs(10000, 13, rpm_version, |rng, a| mutate_chars(rng, a, &["~", "^", "0", "1", "a", ".", "_", "~rc"]));
    let cases: Vec<_> = cases.into_iter().filter(|(a, b)| Scheme::Rpm.parse(a).is_ok() && Scheme::Rpm.parse(b).is_ok()).collect();
    assert!(cases.len() > 9000);
    let input = tempfile::NamedTempFile::new().unwrap();
    {
        let mut f = std::fs::File::create(input.path()).unwrap();
        for (a, b) in &cases {
            writeln!(f, "{a} {b}").unwrap();
        }
    }
    let lua = format!(
        "%{{lua: for line in io.lines(\"{}\") do local a, b = line:match(\"^(%S+) (%S+)$\"); print(rpm.vercmp(a, b) .. \"\\n\") end}}",
        input.path().display()
    );
    let out = Command::new("rpm").args(["--eval", &lua]).output().unwrap();
    assert!(out.status.success(), "rpm failed: {}", String::from_utf8_lossy(&out.stderr));
    let expected: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    check(Scheme::Rpm, &cases, &expected, "rpm.vercmp");
}

/// Feed `a b` lines to a peer's stdin; one answer line per pair.
fn run_batch(cmd: &str, args: &[&str], cases: &[(String, String)]) -> Vec<String> {
    let mut child = Command::new(cmd).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut input = String::new();
    for (a, b) in cases {
        input.push_str(&format!("{a} {b}\n"));
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{cmd} failed");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn check(scheme: Scheme, cases: &[(String, String)], expected: &[String], peer: &str) {
    assert_eq!(cases.len(), expected.len(), "{peer} answered {} of {} pairs", expected.len(), cases.len());
    let mut disagreements = Vec::new();
    let mut seen = [0usize; 3];
    for ((a, b), e) in cases.iter().zip(expected) {
        let want = match e.trim() {
            "-1" => Ordering::Less,
            "0" => Ordering::Equal,
            "1" => Ordering::Greater,
            other => panic!("{peer} answered {other:?} for {a} {b}"),
        };
        seen[(want as i32 + 1) as usize] += 1;
        let got = scheme.compare(a, b).unwrap();
        if got != want {
            disagreements.push(format!("{a} vs {b}: koban {got:?}, {peer} {want:?}"));
        }
    }
    eprintln!("{peer}: {} pairs, {} disagreements (less/equal/greater {:?})", cases.len(), disagreements.len(), seen);
    assert!(seen.iter().all(|&n| n > cases.len() / 20), "pairs too one-sided: {seen:?}");
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs disagree with {peer}:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements[..disagreements.len().min(30)].join("\n")
    );
}
