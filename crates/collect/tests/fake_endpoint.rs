//! `koban collect` against an endpoint that implements only STS GetCallerIdentity and
//! answers every other call with HTTP 500 and an HTML page (what moto's server does for an
//! operation it does not implement): the collection succeeds, every other call is recorded
//! as `not-implemented` in manifest.json, and nothing but the manifest is written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/test</Arn><UserId>AIDA</UserId><Account>111111111111</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;

fn serve(listener: TcpListener, seen: Arc<Mutex<Vec<String>>>) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => continue,
        });
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        let _ = reader.read_exact(&mut body);
        let body = String::from_utf8_lossy(&body);
        if let Ok(mut v) = seen.lock() {
            v.push(body.to_string());
        }
        let (status, kind, text) = if body.contains("Action=GetCallerIdentity") {
            ("200 OK", "text/xml", IDENTITY.to_string())
        } else {
            ("500 INTERNAL SERVER ERROR", "text/html", "<!doctype html><title>500 Internal Server Error</title>".to_string())
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
    }
}

#[test]
fn operations_the_endpoint_does_not_implement_are_recorded_not_fatal() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || serve(listener, log));
    // the only test in this binary: the environment is its own
    std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/koban-test");
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/koban-test");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::remove_var("AWS_PROFILE");
    let dir = tempfile::tempdir().expect("tempdir");
    let options =
        koban_collect::Options { out: dir.path().to_path_buf(), regions: vec!["eu-west-1".into()], max_attempts: 1, ..Default::default() };
    let summary = koban_collect::collect(&options).expect("collects despite the failures");
    let m = &summary.manifest;
    assert_eq!(m.accounts, vec!["111111111111".to_string()]);
    assert!(m.entries.len() > 20, "{:?}", m.entries);
    for e in &m.entries {
        assert_eq!(e.status, koban_collect::manifest::Status::NotImplemented, "{e:?}");
        assert!(e.file.is_none());
    }
    assert!(m.entries.iter().any(|e| e.operation == "DescribeVpcs" && e.region == "eu-west-1"));
    assert!(m.entries.iter().any(|e| e.operation == "GetAccountAuthorizationDetails" && e.region == "global"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).expect("manifest.json")).expect("json");
    assert_eq!(manifest["summary"]["not-implemented"].as_u64(), Some(m.entries.len() as u64));
    let files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(files, vec![std::ffi::OsString::from("manifest.json")]);
    refused_before_sending(port, &seen);
}

/// The guard refuses an operation outside the allow-list before anything is sent.
fn refused_before_sending(port: u16, seen: &Arc<Mutex<Vec<String>>>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let before = seen.lock().map(|v| v.len()).unwrap_or_default();
    let err = rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .load()
            .await;
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&config).interceptor(koban_collect::guard::ReadOnlyGuard).build(),
        );
        sts.get_session_token().send().await.expect_err("refused")
    });
    let chain = format!("{err:?}");
    assert!(chain.contains("koban-read-only-guard") && chain.contains("Refused") && chain.contains("GetSessionToken"), "{chain}");
    assert_eq!(seen.lock().map(|v| v.len()).unwrap_or_default(), before, "nothing was sent");
}
