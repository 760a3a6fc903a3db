//! Orchestration: credentials (the SDK's standard chain, `--profile`, `AWS_ENDPOINT_URL`),
//! the account of the credentials, the regions (`--region`, or every region enabled for the
//! account from `ec2 DescribeRegions`), the accounts (with `--role-name`, every active account
//! of the organization, entered by assuming `arn:aws:iam::<account>:role/<name>`), then each
//! account's global services and each region's services, a few at a time, with the SDK's
//! standard retries (exponential backoff with jitter on throttling and transient errors).
//! Writes `manifest.json` at the end.

use crate::error::CollectError;
use crate::guard::ReadOnlyGuard;
use crate::manifest::{Entry, ErrorKind, Manifest, Status};
use crate::services::{self, classify, Ctx};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to collect and where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The snapshot directory to write (`<account>/<region>/…`).
    pub out: PathBuf,
    /// A named profile of the shared config files, else the standard chain.
    pub profile: Option<String>,
    /// The regions; empty: every region enabled for the account.
    pub regions: Vec<String>,
    /// Walk the organization's accounts by assuming this role in each.
    pub role_name: Option<String>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// At most this many regions and accounts at once (0: 4).
    pub concurrency: usize,
    /// Attempts per call, retries included (0: 5).
    pub max_attempts: u32,
}

/// What a collection did.
#[derive(Debug)]
pub struct Summary {
    pub manifest: Manifest,
    pub manifest_path: PathBuf,
}

/// Collect into `options.out`. Fails only when nothing can be collected (no credentials, no
/// identity, no region) or a file cannot be written; a failed call is in the manifest.
pub fn collect(options: &Options) -> Result<Summary, CollectError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CollectError::Runtime)?;
    rt.block_on(run(options))
}

/// The `aws_sdk_*` client of a service from a shared config, with the read-only guard.
macro_rules! client {
    ($sdk:ident, $cfg:expr) => {
        $sdk::Client::from_conf($sdk::config::Builder::from($cfg).interceptor(ReadOnlyGuard).build())
    };
}

async fn base_config(options: &Options) -> SdkConfig {
    let attempts = if options.max_attempts == 0 { 5 } else { options.max_attempts };
    let http =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)).build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts).with_initial_backoff(Duration::from_millis(500)));
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    let mut config = loader.load().await;
    if config.region().is_none() {
        // the calls that find the account and its regions need one
        let region = options.regions.first().cloned().unwrap_or_else(|| "us-east-1".to_string());
        config = config.into_builder().region(Region::new(region)).build();
    }
    config
}

fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config.to_builder().region(Region::new(region.to_string())).build()
}

async fn run(options: &Options) -> Result<Summary, CollectError> {
    let base = base_config(options).await;
    if base.credentials_provider().is_none() {
        return Err(CollectError::Credentials("no credentials provider (set AWS_PROFILE, AWS_ACCESS_KEY_ID, …)".into()));
    }
    let entries: Arc<Mutex<Vec<Entry>>> = Arc::default();
    let sts = client!(aws_sdk_sts, &base);
    let caller = match sts.get_caller_identity().send().await {
        Ok(o) => o.account().unwrap_or_default().to_string(),
        Err(e) => return Err(CollectError::Identity(classify(&e).message)),
    };
    let regions = if options.regions.is_empty() { enabled_regions(&base).await? } else { options.regions.clone() };
    let Some(home) = regions.first().cloned() else { return Err(CollectError::NoRegion) };

    let mut accounts: Vec<(String, SdkConfig)> = vec![(caller.clone(), base.clone())];
    if let Some(role) = &options.role_name {
        let orgs = client!(aws_sdk_organizations, &base);
        let listed = orgs
            .list_accounts()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|pages| pages.iter().flat_map(|p| p.accounts().to_vec()).collect::<Vec<_>>());
        let listed = listed.map_err(|e| CollectError::Accounts(classify(&e).message))?;
        for a in listed {
            let Some(id) = a.id() else { continue };
            let active = a.status().map(|s| s.as_str() == "ACTIVE").unwrap_or(true);
            if id == caller || !active {
                continue;
            }
            let arn = format!("arn:aws:iam::{id}:role/{role}");
            match sts.assume_role().role_arn(&arn).role_session_name("koban-collect").send().await {
                Ok(o) => match o.credentials() {
                    Some(c) => {
                        let creds = Credentials::new(
                            c.access_key_id(),
                            c.secret_access_key(),
                            Some(c.session_token().to_string()),
                            None,
                            "koban-assume-role",
                        );
                        let cfg = base.to_builder().credentials_provider(SharedCredentialsProvider::new(creds)).build();
                        accounts.push((id.to_string(), cfg));
                    }
                    None => push_failure(
                        &entries,
                        id,
                        "sts",
                        "AssumeRole",
                        ErrorKind::Service,
                        None,
                        "AssumeRole returned no credentials".into(),
                    ),
                },
                Err(e) => {
                    let f = classify(&e);
                    push_failure(
                        &entries,
                        id,
                        "sts",
                        "AssumeRole",
                        f.kind.unwrap_or(ErrorKind::Service),
                        f.code,
                        format!("{arn}: {}", f.message),
                    );
                }
            }
        }
    }

    let progress = options.progress.then(|| {
        let bar = indicatif::ProgressBar::new((accounts.len() * (regions.len() + 1)) as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} collecting [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let limit = Arc::new(tokio::sync::Semaphore::new(if options.concurrency == 0 { 4 } else { options.concurrency }));
    let mut tasks = tokio::task::JoinSet::new();
    for (account, config) in &accounts {
        let ctx = Ctx {
            account: account.clone(),
            region: "global".into(),
            out: options.out.clone(),
            dir: PathBuf::from(account),
            entries: entries.clone(),
            progress: progress.clone(),
        };
        let (cfg, home, management) = (in_region(config, &home), home.clone(), *account == caller);
        let permits = limit.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let r = global(&ctx, &cfg, &home, management).await;
            if let Some(p) = &ctx.progress {
                p.inc(1);
            }
            r
        });
        for region in &regions {
            let ctx =
                Ctx { region: region.clone(), dir: PathBuf::from(account).join(region), ..ctx_base(account, options, &entries, &progress) };
            let cfg = in_region(config, region);
            let permits = limit.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let r = regional(&ctx, &cfg).await;
                if let Some(p) = &ctx.progress {
                    p.inc(1);
                }
                r
            });
        }
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(CollectError::Usage(format!("a collection task failed: {e}")));
            }
        }
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let collected = entries.lock().map(|v| v.clone()).unwrap_or_default();
    let manifest = Manifest::new(accounts.iter().map(|(a, _)| a.clone()).collect(), regions.clone(), collected);
    let manifest_path = options.out.join("manifest.json");
    std::fs::create_dir_all(&options.out).map_err(|source| CollectError::Write { path: options.out.clone(), source })?;
    let text = serde_json::to_string_pretty(&manifest.to_json()).unwrap_or_default();
    std::fs::write(&manifest_path, text + "\n").map_err(|source| CollectError::Write { path: manifest_path.clone(), source })?;
    Ok(Summary { manifest, manifest_path })
}

fn ctx_base(account: &str, options: &Options, entries: &Arc<Mutex<Vec<Entry>>>, progress: &Option<indicatif::ProgressBar>) -> Ctx {
    Ctx {
        account: account.to_string(),
        region: "global".into(),
        out: options.out.clone(),
        dir: PathBuf::from(account),
        entries: entries.clone(),
        progress: progress.clone(),
    }
}

fn push_failure(
    entries: &Arc<Mutex<Vec<Entry>>>,
    account: &str,
    service: &str,
    operation: &str,
    kind: ErrorKind,
    code: Option<String>,
    message: String,
) {
    if let Ok(mut v) = entries.lock() {
        v.push(Entry {
            account: account.to_string(),
            region: "global".into(),
            service: service.into(),
            operation: operation.into(),
            status: Status::Error,
            error_kind: Some(kind),
            code,
            message: Some(message),
            file: None,
        });
    }
}

/// The regions enabled for the account (`ec2 DescribeRegions`, opted-in or not requiring it).
async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, CollectError> {
    let ec2 = client!(aws_sdk_ec2, config);
    let out = ec2.describe_regions().send().await.map_err(|e| {
        CollectError::Usage(format!("cannot list the regions (ec2:DescribeRegions): {}; give --region", classify(&e).message))
    })?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status() != Some("not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    Ok(regions)
}

/// One account's global services: IAM into `<account>/iam/`, Route 53 hosted zones into the
/// first region's directory, and, in the account of the credentials, Organizations into
/// `<account>/organizations/`.
async fn global(ctx: &Ctx, config: &SdkConfig, home: &str, management: bool) -> Result<(), CollectError> {
    services::iam::collect(&ctx.with_dir("global", "iam"), &client!(aws_sdk_iam, config)).await?;
    services::dns::hosted_zones(&ctx.with_dir("global", home), &client!(aws_sdk_route53, config)).await?;
    if management {
        services::org::collect(&ctx.with_dir("global", "organizations"), &client!(aws_sdk_organizations, config)).await?;
    }
    Ok(())
}

/// One account's services in one region.
async fn regional(ctx: &Ctx, config: &SdkConfig) -> Result<(), CollectError> {
    let instances = services::ec2::collect(ctx, &client!(aws_sdk_ec2, config)).await?;
    services::elb::collect(ctx, &client!(aws_sdk_elasticloadbalancingv2, config)).await?;
    services::dns::resolver(ctx, &client!(aws_sdk_route53resolver, config)).await?;
    services::secrets::collect(ctx, &client!(aws_sdk_secretsmanager, config)).await?;
    services::policies::keys(ctx, &client!(aws_sdk_kms, config)).await?;
    services::policies::buckets(ctx, &s3_client(config)).await?;
    services::security::guardduty(ctx, &client!(aws_sdk_guardduty, config)).await?;
    services::security::inspector(ctx, &client!(aws_sdk_inspector2, config)).await?;
    services::trail::collect(ctx, &client!(aws_sdk_cloudtrail, config)).await?;
    services::events::collect(ctx, &client!(aws_sdk_eventbridge, config)).await?;
    services::cognito::user_pools(ctx, &client!(aws_sdk_cognitoidentityprovider, config)).await?;
    services::cognito::identity_pools(ctx, &client!(aws_sdk_cognitoidentity, config)).await?;
    services::patch::states(ctx, &client!(aws_sdk_ssm, config), &instances).await?;
    Ok(())
}

/// The S3 client: path-style addressing when an endpoint is configured (`AWS_ENDPOINT_URL`,
/// a local emulator has no per-bucket host names), virtual-hosted style against AWS.
fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let builder = aws_sdk_s3::config::Builder::from(config).interceptor(ReadOnlyGuard);
    aws_sdk_s3::Client::from_conf(builder.force_path_style(config.endpoint_url().is_some()).build())
}
