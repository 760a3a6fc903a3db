//! Every fact of `shared/corpora/osv/EXPECTED.md`, on the real RustSec and Go advisories
//! imported into a vulnerability database; plus incremental re-import, zip import and malformed
//! advisories.

use koban_vulns::db::VulnDb;
use koban_vulns::inventory::InstalledPackage;
use koban_vulns::matcher::match_packages;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/osv")
}

/// The corpus imported once for all tests of this file.
fn db() -> VulnDb {
    static PATH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = PATH.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vulndb.sqlite");
        let mut db = VulnDb::open(&path).unwrap();
        let report = db.import(&[corpus().join("rustsec/crates"), corpus().join("go/osv")]).unwrap();
        assert_eq!(report.errors, vec![], "the corpus imports without errors");
        assert_eq!((report.files, report.added, report.total), (5497, 5497, 5497));
        assert_eq!(report.withdrawn, 13 + 17);
        (dir, path)
    });
    VulnDb::open(path).unwrap()
}

fn pkg(ecosystem: &str, name: &str, version: &str) -> InstalledPackage {
    InstalledPackage {
        ecosystem: ecosystem.into(),
        name: name.into(),
        binary: None,
        version: version.into(),
        arch: None,
        resource: None,
        file: "test".into(),
        at: "$".into(),
        path: None,
    }
}

/// The advisories affecting one package version.
fn hits(ecosystem: &str, name: &str, version: &str) -> Vec<String> {
    let r = match_packages(&db(), &[pkg(ecosystem, name, version)]).unwrap();
    assert!(r.undecided.is_empty(), "{name} {version}: {:?}", r.undecided);
    r.matches.into_iter().map(|m| m.advisory).collect()
}

fn affected(ecosystem: &str, name: &str, advisory: &str, yes: &[&str], no: &[&str]) {
    for v in yes {
        assert!(hits(ecosystem, name, v).contains(&advisory.to_string()), "{name} {v} should be affected by {advisory}");
    }
    for v in no {
        assert!(!hits(ecosystem, name, v).contains(&advisory.to_string()), "{name} {v} should not be affected by {advisory}");
    }
}

#[test]
fn fact_1_tokio_two_ranges() {
    affected(
        "crates.io",
        "tokio",
        "RUSTSEC-2021-0124",
        &["0.1.14", "1.8.3", "1.9.0", "1.13.0"],
        &["0.1.13", "1.8.4", "1.8.5", "1.13.1", "1.14.0"],
    );
}

#[test]
fn fact_2_time_ranges_with_holes() {
    affected(
        "crates.io",
        "time",
        "RUSTSEC-2020-0071",
        &["0.1.44", "0.2.7", "0.2.22"],
        &["0.2.0", "0.2.1", "0.2.2", "0.2.3", "0.2.4", "0.2.5", "0.2.6", "0.2.23", "0.3.0"],
    );
}

#[test]
fn fact_3_smallvec() {
    affected("crates.io", "smallvec", "RUSTSEC-2021-0003", &["0.6.3", "0.6.13", "1.0.0", "1.6.0"], &["0.6.2", "0.6.14", "1.6.1"]);
}

#[test]
fn fact_4_h2_prerelease_inside() {
    affected("crates.io", "h2", "RUSTSEC-2024-0003", &["0.3.23", "0.4.0", "0.4.1", "0.4.0-alpha.1"], &["0.3.24", "0.4.2"]);
}

#[test]
fn fact_5_regex_and_openssl() {
    affected("crates.io", "regex", "RUSTSEC-2022-0013", &["1.5.4"], &["1.5.5"]);
    affected("crates.io", "openssl", "RUSTSEC-2023-0044", &["0.10.54"], &["0.10.55"]);
}

#[test]
fn fact_6_informational_is_a_warning() {
    let r = match_packages(&db(), &[pkg("crates.io", "rust-crypto", "0.2.36")]).unwrap();
    let m = r.matches.iter().find(|m| m.advisory == "RUSTSEC-2016-0005").expect("rust-crypto 0.2.36 is inside the range");
    assert_eq!(m.informational.as_deref(), Some("unmaintained"));
}

#[test]
fn fact_7_withdrawn_never_match() {
    assert!(!hits("crates.io", "git2", "0.15.0").contains(&"RUSTSEC-2023-0002".to_string()));
    for v in ["0.0.1", "1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0"] {
        assert!(!hits("crates.io", "dirs", v).contains(&"RUSTSEC-2020-0053".to_string()), "dirs {v}");
    }
    assert!(db().advisory("RUSTSEC-2023-0002").unwrap().unwrap().withdrawn.is_some(), "withdrawn advisories are stored");
}

#[test]
fn fact_8_go_stdlib_and_x_net() {
    affected(
        "Go",
        "stdlib",
        "GO-2023-2102",
        &["1.20.9", "1.21.0", "1.21.2", "go1.21rc2", "1.21.0-rc.2"],
        &["1.20.10", "1.21.3", "go1.21.3"],
    );
    affected("Go", "golang.org/x/net", "GO-2023-2102", &["v0.16.0", "0.16.0"], &["v0.17.0"]);
}

#[test]
fn fact_9_go_pseudo_versions() {
    affected(
        "Go",
        "golang.org/x/net",
        "GO-2022-0969",
        &["v0.0.0-20220425223048-2871e0cb64e4"],
        &["v0.0.0-20220906165146-f3363e06e74c", "v0.1.0"],
    );
    affected("Go", "stdlib", "GO-2022-0969", &["1.18.5", "1.19.0"], &["1.18.6", "1.19.1"]);
}

#[test]
fn fact_10_x_text_and_gin() {
    affected("Go", "golang.org/x/text", "GO-2021-0113", &["v0.3.6"], &["v0.3.7"]);
    affected("Go", "github.com/gin-gonic/gin", "GO-2020-0001", &["v1.5.0"], &["v1.6.0"]);
}

#[test]
fn fixed_versions_and_aliases_are_reported() {
    let r = match_packages(&db(), &[pkg("crates.io", "tokio", "1.9.0")]).unwrap();
    let m = r.matches.iter().find(|m| m.advisory == "RUSTSEC-2021-0124").unwrap();
    assert_eq!(m.fixed.as_deref(), Some("1.13.1"), "the fix of the range the version is in, not the first range's");
    assert!(m.aliases.contains(&"CVE-2021-45710".to_string()));
    let r = match_packages(&db(), &[pkg("crates.io", "regex", "1.5.4")]).unwrap();
    let m = r.matches.iter().find(|m| m.advisory == "RUSTSEC-2022-0013").unwrap();
    assert_eq!(m.cvss[0].base_score, Some(7.5));
    assert_eq!(db().advisory("CVE-2022-24713").unwrap().unwrap().id, "RUSTSEC-2022-0013", "lookup by alias");
}

#[test]
fn reimport_is_incremental_and_replaces_changed_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for id in ["RUSTSEC-2021-0124", "RUSTSEC-2022-0013"] {
        std::fs::copy(corpus().join(format!("rustsec/crates/{id}.json")), src.join(format!("{id}.json"))).unwrap();
    }
    let mut db = VulnDb::open(&dir.path().join("db.sqlite")).unwrap();
    let first = db.import(std::slice::from_ref(&src)).unwrap();
    assert_eq!((first.added, first.replaced, first.unchanged), (2, 0, 0));
    let again = db.import(std::slice::from_ref(&src)).unwrap();
    assert_eq!((again.added, again.replaced, again.unchanged), (0, 0, 2));
    // A newer revision of the tokio advisory: fixed earlier in the second range.
    let path = src.join("RUSTSEC-2021-0124.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"2023-06-13T13:10:24Z\"", "\"2024-01-01T00:00:00Z\"")
        .replace("\"1.13.1\"", "\"1.12.0\"");
    std::fs::write(&path, text).unwrap();
    let changed = db.import(&[src]).unwrap();
    assert_eq!((changed.added, changed.replaced, changed.unchanged, changed.total), (0, 1, 1, 2));
    let r = match_packages(&db, &[pkg("crates.io", "tokio", "1.12.0")]).unwrap();
    assert!(r.matches.is_empty(), "the replaced advisory is used");
}

#[test]
fn zip_exports_import_like_directories() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for id in ["GO-2022-0969", "GO-2023-2102"] {
            w.start_file(format!("{id}.json"), opts).unwrap();
            std::io::Write::write_all(&mut w, &std::fs::read(corpus().join(format!("go/osv/{id}.json"))).unwrap()).unwrap();
        }
        w.start_file("broken.json", opts).unwrap();
        std::io::Write::write_all(&mut w, b"{\"id\": \"X\", \"modified\": 3}").unwrap();
        w.finish().unwrap();
    }
    let mut db = VulnDb::open(&dir.path().join("db.sqlite")).unwrap();
    let r = db.import(std::slice::from_ref(&zip_path)).unwrap();
    assert_eq!((r.files, r.added), (3, 2));
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].file, format!("{}!broken.json", zip_path.display()));
    assert_eq!(r.errors[0].path, "$.modified");
    let m = match_packages(&db, &[pkg("Go", "stdlib", "1.21.2")]).unwrap();
    assert_eq!(m.matches.iter().map(|m| m.advisory.as_str()).collect::<Vec<_>>(), ["GO-2023-2102"]);
}

#[test]
fn malformed_advisories_are_reported_with_their_path_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::copy(corpus().join("rustsec/crates/RUSTSEC-2022-0013.json"), src.join("good.json")).unwrap();
    let bad = std::fs::read_to_string(corpus().join("rustsec/crates/RUSTSEC-2021-0124.json"))
        .unwrap()
        .replace("\"fixed\": \"1.8.4\"", "\"fixed\": \"one.eight\"");
    std::fs::write(src.join("bad.json"), bad).unwrap();
    std::fs::write(src.join("truncated.json"), "{\"id\": \"RUSTSEC-X\", \"modi").unwrap();
    let mut db = VulnDb::open(&dir.path().join("db.sqlite")).unwrap();
    let r = db.import(std::slice::from_ref(&src)).unwrap();
    assert_eq!(r.added, 1);
    let errs: Vec<(String, String)> =
        r.errors.iter().map(|e| (Path::new(&e.file).file_name().unwrap().to_string_lossy().into_owned(), e.path.clone())).collect();
    assert_eq!(
        errs,
        [("bad.json".to_string(), "$.affected[0].ranges[0].events[1]".to_string()), ("truncated.json".to_string(), "$".to_string())]
    );
    assert!(r.errors[0].message.contains("one.eight"), "{}", r.errors[0].message);
}
