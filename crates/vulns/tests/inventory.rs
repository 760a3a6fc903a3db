//! The inventory readers on real-shaped inputs: SSM `list-inventory-entries` output (dpkg and
//! RPM entries as the SSM agent records them, the platform from `AWS:InstanceInformation`),
//! Resource Data Sync JSON lines, CycloneDX and SPDX SBOMs, dpkg status with source packages,
//! RPM lists with an os-release, and the bundled example's inventory.

use koban_vulns::inventory::{load, InstalledPackage, Inventory};
use std::path::{Path, PathBuf};

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn find<'a>(inv: &'a Inventory, name: &str) -> &'a InstalledPackage {
    inv.packages
        .iter()
        .find(|p| p.name == name || p.binary.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {:?}", inv.packages))
}

#[test]
fn ssm_entries_take_their_ecosystem_from_the_platform() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "app.json",
        r#"{"TypeName":"AWS:Application","InstanceId":"i-0123456789abcdef0","SchemaVersion":"1.1","CaptureTime":"2024-05-02T08:30:12Z","Entries":[
          {"Name":"openssl-libs","Version":"3.0.7","Release":"24.el9","Epoch":"1","Architecture":"x86_64","PackageId":"openssl-3.0.7-24.el9.src.rpm","Publisher":"AlmaLinux"},
          {"Name":"bash","Version":"5.1.8","Release":"6.el9_1","Epoch":"(none)","Architecture":"x86_64","PackageId":"bash-5.1.8-6.el9_1.src.rpm"},
          {"Name":"core","Version":"16-2.43.3","PackageId":""},
          {"Name":"requests","Version":"2.25.1","PackageId":"pkg:pypi/requests@2.25.1"}]}"#,
    );
    write(
        d.path(),
        "info.json",
        r#"{"TypeName":"AWS:InstanceInformation","InstanceId":"i-0123456789abcdef0","SchemaVersion":"1.0","CaptureTime":"2024-05-02T08:30:12Z",
           "Entries":[{"InstanceId":"i-0123456789abcdef0","PlatformName":"AlmaLinux","PlatformType":"Linux","PlatformVersion":"9.3"}]}"#,
    );
    let inv = load(&[d.path().to_path_buf()], None);
    assert_eq!(inv.errors, vec![]);
    let ssl = find(&inv, "openssl-libs");
    assert_eq!(
        (ssl.ecosystem.as_str(), ssl.version.as_str(), ssl.resource.as_deref()),
        ("AlmaLinux:9", "1:3.0.7-24.el9", Some("i-0123456789abcdef0"))
    );
    assert_eq!(find(&inv, "bash").version, "5.1.8-6.el9_1");
    assert_eq!(find(&inv, "requests").ecosystem, "PyPI");
    assert_eq!(inv.skipped.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["core"], "a snap has no package manager OSV knows");
}

#[test]
fn resource_data_sync_json_lines() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "AWS:Application/accountid=111111111111/region=eu-west-1/resourcetype=ManagedInstanceInventory/i-0a1a2b3c4d5e6f7a1.json",
        "{\"name\":\"curl\",\"version\":\"7.88.1-10+deb12u5\",\"packageId\":\"curl_7.88.1-10+deb12u5_amd64.deb\",\"publisher\":\"Alessandro Ghedini\",\"resourceId\":\"i-0a1a2b3c4d5e6f7a1\",\"captureTime\":\"2024-05-02T08:30:12Z\",\"schemaVersion\":\"1.1\"}\n\
         not json\n\
         {\"name\":\"zlib1g\",\"version\":\"1:1.2.13.dfsg-1\",\"packageId\":\"zlib1g_1:1.2.13.dfsg-1_amd64.deb\",\"resourceId\":\"i-0a1a2b3c4d5e6f7a1\",\"captureTime\":\"2024-05-02T08:30:12Z\"}\n",
    );
    let inv = load(std::slice::from_ref(&f), None);
    assert_eq!(inv.packages.len(), 2);
    assert_eq!(find(&inv, "curl").ecosystem, "Debian", "no platform recorded: Debian, any release");
    assert_eq!(inv.errors.len(), 1);
    assert_eq!(inv.errors[0].at, "line 2");
    assert_eq!(inv.captures[0].time.as_deref(), Some("2024-05-02T08:30:12Z"));
}

#[test]
fn sboms_nested_components_and_resources() {
    let d = tempfile::tempdir().unwrap();
    let cdx = write(
        d.path(),
        "svc.cdx.json",
        r#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"timestamp":"2024-01-01T00:00:00Z","properties":[{"name":"resourceArn","value":"arn:aws:lambda:eu-west-1:111111111111:function:orders"}]},
            "components":[{"type":"application","name":"svc","components":[{"type":"library","name":"lodash","purl":"pkg:npm/lodash@4.17.20"}]},
                          {"type":"library","name":"x/net","purl":"pkg:golang/golang.org/x/net@v0.16.0"}]}"#,
    );
    let inv = load(&[cdx], None);
    assert_eq!(find(&inv, "lodash").resource.as_deref(), Some("arn:aws:lambda:eu-west-1:111111111111:function:orders"));
    assert_eq!((find(&inv, "golang.org/x/net").ecosystem.as_str(), find(&inv, "golang.org/x/net").version.as_str()), ("Go", "v0.16.0"));
    // --resource wins over the SBOM's own property.
    let inv = load(&[d.path().join("svc.cdx.json")], Some("i-0123456789abcdef0"));
    assert_eq!(find(&inv, "lodash").resource.as_deref(), Some("i-0123456789abcdef0"));

    let spdx = write(
        d.path(),
        "img.spdx.json",
        r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"i-0a1a2b3c4d5e6f7b2","creationInfo":{"created":"2024-02-02T00:00:00Z"},
            "documentDescribes":["SPDXRef-root"],
            "packages":[{"SPDXID":"SPDXRef-root","name":"root"},
                        {"SPDXID":"SPDXRef-p1","name":"libssl3","versionInfo":"3.0.11-1~deb12u2","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?upstream=openssl&distro=debian-12"}]},
                        {"SPDXID":"SPDXRef-p2","name":"nameless"}]}"#,
    );
    let inv = load(&[spdx], None);
    let ssl = find(&inv, "openssl");
    assert_eq!(
        (ssl.ecosystem.as_str(), ssl.binary.as_deref(), ssl.resource.as_deref()),
        ("Debian:12", Some("libssl3"), Some("i-0a1a2b3c4d5e6f7b2"))
    );
    assert_eq!(inv.skipped.len(), 1, "a package without a purl is listed as skipped");
}

#[test]
fn dpkg_status_uses_source_packages_and_os_release() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "root/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
    let status = write(
        d.path(),
        "root/var/lib/dpkg/status",
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: Secure Sockets Layer toolkit\n shared libraries\n\n\
         Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n\n\
         Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n\
         Package: broken\nStatus: install ok installed\nVersion: 1.0-\n",
    );
    let inv = load(&[d.path().join("root")], None);
    assert_eq!(inv.files.iter().map(|(_, r)| *r).collect::<Vec<_>>(), ["dpkg status"]);
    let ssl = find(&inv, "openssl");
    assert_eq!((ssl.ecosystem.as_str(), ssl.version.as_str(), ssl.binary.as_deref()), ("Debian:12", "3.0.11-1~deb12u2", Some("libssl3")));
    assert_eq!(find(&inv, "bash").version, "5.2.15-2", "binNMU: matched by the source version");
    assert!(!inv.packages.iter().any(|p| p.name == "gone"));
    assert_eq!(inv.errors.len(), 1);
    assert!(inv.errors[0].file.ends_with("status") && inv.errors[0].at == "line 18", "{:?}", inv.errors);
    let _ = status;
}

#[test]
fn rpm_lists_need_an_os_release() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "host/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n");
    write(d.path(), "host/rpm-qa.txt", "openssl-libs\t1\t3.0.7\t24.el9\tx86_64\nbash-5.1.8-6.el9_1.x86_64\ngarbage\n");
    write(d.path(), "other/rpm-qa.txt", "bash-5.1.8-6.el9_1.x86_64\n");
    let inv = load(&[d.path().to_path_buf()], None);
    assert_eq!(find(&inv, "openssl-libs").version, "1:3.0.7-24.el9");
    assert_eq!(find(&inv, "openssl-libs").ecosystem, "Rocky Linux:9");
    assert_eq!(inv.errors.len(), 1);
    assert_eq!(inv.skipped.len(), 1, "no os-release: the distribution is unknown");
}

#[test]
fn the_bundled_example() {
    let inv = load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone/inventory")], None);
    assert_eq!(inv.errors, vec![]);
    assert_eq!(inv.resources(), ["i-0a1a2b3c4d5e6f7a1", "i-0a1a2b3c4d5e6f7b2"]);
    let mut regex: Vec<_> =
        inv.packages.iter().filter(|p| p.name == "regex").map(|p| (p.resource.clone().unwrap(), p.version.as_str())).collect();
    regex.sort();
    assert_eq!(regex, [("i-0a1a2b3c4d5e6f7a1".to_string(), "1.5.4"), ("i-0a1a2b3c4d5e6f7b2".to_string(), "1.5.4")]);
    assert_eq!(find(&inv, "curl").ecosystem, "Debian:12");
}
