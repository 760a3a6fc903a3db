//! The command line (DESIGN.md "Command line"): global `--format` and `--timings`, one
//! subcommand per question.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning in CI (`koban check` only).
    Sarif,
    /// Markdown (`koban checks` only: the catalogue as docs/checks.md).
    Markdown,
    /// EventBridge events carrying GuardDuty-shaped findings, one per line (`koban findings export` only).
    Eventbridge,
    /// GuardDuty findings as GuardDuty's S3 export writes them, one per line (`koban findings export` only).
    Guardduty,
}

impl Format {
    /// The formats a command writes beyond text and json; `None` when it writes them all.
    pub fn unsupported_by(self, command: &Command) -> Option<String> {
        let ok = match self {
            Format::Text | Format::Json => true,
            Format::Sarif => matches!(command, Command::Check { .. }) || crate::findings::is_export(command),
            Format::Markdown => matches!(command, Command::Checks),
            Format::Eventbridge | Format::Guardduty => crate::findings::is_export(command),
        };
        (!ok).then(|| match self {
            Format::Sarif => "--format sarif: only `koban check` and `koban findings export` write SARIF".to_string(),
            Format::Eventbridge | Format::Guardduty => {
                "--format eventbridge|guardduty: only `koban findings export` writes them".to_string()
            }
            _ => "--format markdown: only `koban checks` writes Markdown".to_string(),
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "koban",
    version,
    about = "Offline digital twin of a secured AWS landing zone: proves or refutes network intent with evidence."
)]
pub struct Cli {
    /// Output format: text for people, json for scripts (stable, `schema`-versioned).
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub format: Format,
    /// Print load and analysis times to stderr as `koban-timings {json}`.
    #[arg(long, global = true)]
    pub timings: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// AWS CLI snapshot directories or files, CloudFormation templates, Terraform
    /// `terraform show -json` plans or state (see docs/inputs.md).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// koban.yaml with named networks, DNS domains, intents and suppressions; by default a
    /// koban.yaml in or above the first input.
    #[arg(long, visible_alias = "intents")]
    pub config: Option<PathBuf>,
    /// CloudFormation parameter values: Key=Value, STACK/Key=Value for one stack (STACK: the
    /// template's file name without extension), or file://params.json in the AWS CLI or
    /// CodePipeline shape; repeatable. AWS::Region and AWS::AccountId place the stacks.
    #[arg(long = "parameters", value_name = "KEY=VALUE|file://PATH")]
    pub parameters: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Can packets from one endpoint reach another? Paths hop by hop, what is blocked where.
    /// Exit 0 when reachable, 1 when not.
    Reach {
        #[command(flatten)]
        inputs: Inputs,
        /// Source: i-…, eni-…, subnet-…, vpc-…, an IPv4 address or CIDR, `internet`, or a named network.
        #[arg(long)]
        from: String,
        /// Destination, same forms as --from.
        #[arg(long)]
        to: String,
        /// tcp, udp, icmp or all.
        #[arg(long, default_value = "all")]
        protocol: String,
        /// Destination port (TCP/UDP).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Every interface, protocol and port range reachable from the internet and from each
    /// named network, with a witness path. Exit 1 when anything is exposed.
    Exposure {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Run the landing-zone checks. Exit 1 when any check finds something.
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// An AWS Network Access Scope (the JSON given to `aws ec2
        /// create-network-insights-access-scope --cli-input-json`, or `--match-paths`'s
        /// array, or get-network-insights-access-scope-content output); repeatable.
        #[arg(long = "scope", value_name = "SCOPE.json")]
        scopes: Vec<PathBuf>,
    },
    /// The catalogue of checks: id, severity, title, rationale, remediation and AWS
    /// reference (`--format markdown` writes docs/checks.md).
    Checks,
    /// Which resolver answers a DNS name asked from an instance, interface, subnet or VPC:
    /// the Resolver rule or private hosted zone that decided, and for forwarded names the
    /// path of the queries from the outbound endpoint to each target on udp and tcp. Exit 1
    /// when the name does not resolve (NXDOMAIN, or forwarding that cannot reach a target).
    Resolve {
        #[command(flatten)]
        inputs: Inputs,
        /// Where the query is asked: i-…, eni-…, subnet-… or vpc-… (or an address an interface owns).
        #[arg(long)]
        from: String,
        /// The fully qualified domain name asked.
        #[arg(long)]
        name: String,
    },
    /// Write one self-contained HTML report: the landing-zone diagram (laid out by Graphviz's
    /// `dot`), witness paths to pick and highlight, check findings, exposure per interface.
    /// Exit 1 when a check finds something.
    Report {
        #[command(flatten)]
        inputs: Inputs,
        /// The HTML file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Log files for detection findings (VPC Flow Logs, CloudTrail, Resolver query logs).
        #[arg(long, num_args = 1..)]
        logs: Vec<PathBuf>,
        /// Traffic of the paths drawn: tcp, udp, icmp or all.
        #[arg(long, default_value = "all")]
        protocol: String,
        /// Destination port of the paths drawn (TCP/UDP).
        #[arg(long)]
        port: Option<u16>,
    },
    /// AWS's decision for one request (allow, explicit-deny, implicit-deny) and the statements
    /// that decided it, from every policy the twin holds for it; with --from, the network keys
    /// come from the path the request takes to the service. Exit 0 when allowed, 1 when not.
    Can {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: AccessRequest,
        /// The principal: an IAM role or user ARN or name, an assumed-role session ARN, an
        /// account id, a service principal or `anonymous`; optional with --from an instance
        /// (its instance profile's role).
        #[arg(long)]
        principal: Option<String>,
        /// Where the request is made from: i-…, eni-… or subnet-….
        #[arg(long)]
        from: Option<String>,
    },
    /// Every principal of the twin (and every principal, account, service or anonymous caller
    /// the resource policy names) that can make the request, and from which network origins.
    /// Exit 1 when anyone can.
    WhoCan {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: AccessRequest,
    },
    /// Package vulnerabilities of inventories (SSM Inventory, SBOMs, lock files), Inspector-style,
    /// scored by how the twin says each resource can be reached, recorded in the findings
    /// store. Exit 1 when any finding is active.
    Vulns(crate::vulns::VulnsArgs),
    /// The offline OSV vulnerability database: import, show.
    Vulndb {
        #[command(subcommand)]
        command: crate::vulns::VulndbCommand,
    },
    /// Threat detection on VPC flow logs, CloudTrail and Route 53 Resolver query logs:
    /// GuardDuty's finding types, Sigma rules, threat lists, and with --twin the flows that
    /// bypass the inspection endpoints. Findings go to the findings store. Exit 1 when any.
    Detect(crate::detect::DetectArgs),
    /// Write logs (any kind koban reads) to Parquet with koban's documented schema.
    Convert(crate::detect::ConvertArgs),
    /// Collect a live AWS environment, read-only, into an AWS CLI snapshot directory (the
    /// layout every command reads) with a manifest.json of every call. Credentials from the
    /// standard chain (`--profile`, environment, `AWS_ENDPOINT_URL`). Exit 0 when collected
    /// (calls that failed are warnings and in the manifest), 2 when nothing could be.
    Collect(CollectArgs),
    /// The findings store: list, show, suppress, close.
    Findings {
        #[command(subcommand)]
        command: crate::findings::FindingsCommand,
    },
    /// AWS policy language without a twin: simulate requests, validate documents.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

/// The action and resource of `can` and `who-can`, and context overrides.
#[derive(Debug, clap::Args)]
pub struct AccessRequest {
    /// The action, as service:Action (secretsmanager:GetSecretValue).
    #[arg(long)]
    pub action: String,
    /// The resource ARN.
    #[arg(long)]
    pub resource: String,
    /// A request context key, key=value (repeatable); it replaces the value koban derives;
    /// key= removes it.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyType {
    Identity,
    Resource,
    Scp,
    Rcp,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Answer JSON Lines requests in the shared/peers/iam-simulate input format, one answer
    /// line per request (`id`, `decision`, `error`, `explanation`). Reads FILE or stdin.
    Simulate {
        /// Request file (JSON Lines, or one JSON document); `-` or absent for stdin.
        file: Option<PathBuf>,
        /// Answer with the decision only (`"explanation": null`), like the peer's `--no-raw`.
        #[arg(long)]
        no_explain: bool,
    },
    /// Validate policy documents like IAM Access Analyzer. Exit 1 when any finding is an error
    /// or security warning.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Which kind of policy the documents are.
        #[arg(long = "type", value_enum, default_value = "identity")]
        policy_type: PolicyType,
    },
}

/// `koban collect`.
#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    /// The snapshot directory to write (`<account>/<region>/…`, `manifest.json`).
    #[arg(long)]
    pub out: PathBuf,
    /// A named profile of ~/.aws/config and ~/.aws/credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// A region to collect; repeatable. Default: every region enabled for the account.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Walk the organization's accounts, assuming arn:aws:iam::<account>:role/<NAME> in each.
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
}
