//! `koban-bench iac`: how long koban takes to load infrastructure as code, beside the time
//! merely parsing the same text takes.
//!
//! - A generated CloudFormation template of N resources (YAML with short-form tags: VPCs
//!   with subnets, route tables, routes, associations, gateways, NAT gateways, security groups
//!   with separate ingress rules, network ACLs and instances, names built with `!Sub`, zones
//!   with `!Select`/`!GetAZs`, subnets carved with `!Cidr`). Parse floor: saphyr loading the
//!   text into its YAML tree (`Yaml`, without positions), on the parser koban builds on
//!   (saphyr-parser over the same `&str`), the tree dropped inside the timing — as the JSON
//!   floor builds and drops a `Value`, and as koban's load builds and drops its twin.
//! - Terraform state of the synthetic organisation (`gen`), rendered as `terraform show -json`
//!   prints it. Parse floor: `serde_json::from_slice::<Value>`.
//!
//! Files are read into memory first for the floors; koban's load (`koban_ingest::load_inputs`,
//! file reading included, the twin complete) is timed end to end. Best of `repeat` runs each.

use crate::error::{BenchError, Result};
use crate::gen::{tfstate, topology};
use saphyr::LoadableYamlNode as _;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One measured input.
#[derive(Debug, Clone)]
pub struct Row {
    pub input: String,
    pub size: String,
    pub bytes: u64,
    pub parse_floor: Duration,
    /// YAML only: the parser's events alone, no tree (a stricter reference, printed below the
    /// table).
    pub events_only: Option<Duration>,
    pub load: Duration,
    pub twin_resources: usize,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        self.load.as_secs_f64() / self.parse_floor.as_secs_f64().max(1e-9)
    }
}

fn best(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed());
    }
    Ok(best)
}

/// A template of at least `resources` resources.
pub fn template(resources: usize) -> (String, usize) {
    let mut out = String::with_capacity(resources * 200);
    out.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: koban benchmark template\nParameters:\n  Env:\n    Type: String\n    Default: bench\n    AllowedValues: [bench, prod]\n  AdminCidr:\n    Type: String\n    Default: 10.0.0.0/8\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n");
    let mut n = 0usize;
    let mut v = 0usize;
    while n < resources {
        let cidr = format!("10.{}.{}.0/22", v / 64, (v % 64) * 4);
        let _ = write!(
            out,
            "  Vpc{v}:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {cidr}\n      Tags:\n        - Key: Name\n          Value: !Sub \"${{AWS::StackName}}-vpc-{v}\"\n\
\x20\x20Igw{v}:\n    Type: AWS::EC2::InternetGateway\n\
\x20\x20IgwAttach{v}:\n    Type: AWS::EC2::VPCGatewayAttachment\n    Properties:\n      VpcId: !Ref Vpc{v}\n      InternetGatewayId: !Ref Igw{v}\n\
\x20\x20Sg{v}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: app\n      VpcId: !Ref Vpc{v}\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          CidrIp: !GetAtt Vpc{v}.CidrBlock\n\
\x20\x20SgSsh{v}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref Sg{v}\n      IpProtocol: tcp\n      FromPort: 22\n      ToPort: 22\n      CidrIp: !Ref AdminCidr\n\
\x20\x20Acl{v}:\n    Type: AWS::EC2::NetworkAcl\n    Properties:\n      VpcId: !Ref Vpc{v}\n\
\x20\x20AclIn{v}:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties:\n      NetworkAclId: !Ref Acl{v}\n      RuleNumber: 100\n      Protocol: 6\n      RuleAction: allow\n      CidrBlock: 0.0.0.0/0\n      PortRange: {{From: 443, To: 443}}\n\
\x20\x20AclOut{v}:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties:\n      NetworkAclId: !Ref Acl{v}\n      RuleNumber: 100\n      Egress: true\n      Protocol: -1\n      RuleAction: allow\n      CidrBlock: 0.0.0.0/0\n\
\x20\x20Eip{v}:\n    Type: AWS::EC2::EIP\n    Properties:\n      Domain: vpc\n\
\x20\x20Nat{v}:\n    Type: AWS::EC2::NatGateway\n    Properties:\n      SubnetId: !Ref Subnet{v}x0\n      AllocationId: !GetAtt Eip{v}.AllocationId\n"
        );
        n += 10;
        for s in 0..4 {
            let _ = write!(
                out,
                "  Subnet{v}x{s}:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc{v}\n      CidrBlock: !Select [{s}, !Cidr [!GetAtt Vpc{v}.CidrBlock, 4, 8]]\n      AvailabilityZone: !Select [{}, !GetAZs \"\"]\n\
\x20\x20Rt{v}x{s}:\n    Type: AWS::EC2::RouteTable\n    Properties:\n      VpcId: !Ref Vpc{v}\n\
\x20\x20Route{v}x{s}:\n    Type: AWS::EC2::Route\n    DependsOn: IgwAttach{v}\n    Properties:\n      RouteTableId: !Ref Rt{v}x{s}\n      DestinationCidrBlock: 0.0.0.0/0\n      {}\n\
\x20\x20Assoc{v}x{s}:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n      RouteTableId: !Ref Rt{v}x{s}\n      SubnetId: !Ref Subnet{v}x{s}\n\
\x20\x20AclAssoc{v}x{s}:\n    Type: AWS::EC2::SubnetNetworkAclAssociation\n    Properties:\n      NetworkAclId: !Ref Acl{v}\n      SubnetId: !Ref Subnet{v}x{s}\n\
\x20\x20Instance{v}x{s}:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0123456789abcdef0\n      InstanceType: !If [IsProd, m5.large, t3.micro]\n      SubnetId: !Ref Subnet{v}x{s}\n      SecurityGroupIds: [!Ref Sg{v}]\n",
                s % 2,
                if s == 0 { format!("GatewayId: !Ref Igw{v}") } else { format!("NatGatewayId: !Ref Nat{v}") }
            );
            n += 6;
        }
        v += 1;
    }
    (out, n)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| BenchError::io(d, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| BenchError::io(path, e))
}

fn load(path: &Path) -> Result<usize> {
    let twin = koban_ingest::load_inputs(&[path.to_path_buf()], &koban_ingest::Options::default())
        .map_err(|e| BenchError::Params(format!("{}: {e}", path.display())))?;
    Ok(twin.resource_count())
}

/// Measure the template and the Terraform state.
pub fn measure(out: &Path, resources: usize, enis: usize, seed: u64, repeat: usize) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let (text, n) = template(resources);
    let file: PathBuf = out.join(format!("template-{resources}.yaml"));
    write(&file, text.as_bytes())?;
    let floor = best(repeat, || {
        let mut parser = saphyr_parser::Parser::new_from_str(&text);
        let docs = saphyr::Yaml::load_from_parser(&mut parser).map_err(|e| BenchError::Params(format!("{}: {e}", file.display())))?;
        drop(std::hint::black_box(docs));
        Ok(())
    })?;
    let events = best(repeat, || {
        let mut parser = saphyr_parser::Parser::new_from_str(&text);
        for ev in parser.by_ref() {
            ev.map_err(|e| BenchError::Params(format!("{}: {e}", file.display())))?;
        }
        Ok(())
    })?;
    let mut count = 0;
    let time = best(repeat, || {
        count = load(&file)?;
        Ok(())
    })?;
    rows.push(Row {
        input: "CloudFormation template (YAML)".into(),
        size: format!("{n} resources"),
        bytes: text.len() as u64,
        parse_floor: floor,
        events_only: Some(events),
        load: time,
        twin_resources: count,
    });

    let org = topology::build(enis, seed)?;
    let state = tfstate::render(&org);
    let bytes = serde_json::to_vec(&state).map_err(|e| BenchError::Json { path: out.join("state.json"), source: e })?;
    drop(state);
    let eni_count: usize = org.vpcs.iter().map(|v| v.enis.len()).sum();
    let file = out.join(format!("tfstate-{enis}.json"));
    write(&file, &bytes)?;
    let floor = best(repeat, || {
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| BenchError::Json { path: file.clone(), source: e })?;
        drop(v);
        Ok(())
    })?;
    let time = best(repeat, || {
        count = load(&file)?;
        Ok(())
    })?;
    rows.push(Row {
        input: "Terraform state (terraform show -json)".into(),
        size: format!("{eni_count} ENIs"),
        bytes: bytes.len() as u64,
        parse_floor: floor,
        events_only: None,
        load: time,
        twin_resources: count,
    });
    Ok(rows)
}

/// The table `bench/iac.sh` prints (Markdown, as in README.md).
pub fn table(rows: &[Row]) -> String {
    let mut s =
        String::from("| input | size | MB | parse floor ms | koban load ms | ratio | twin resources |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.2} | {} |",
            r.input,
            r.size,
            r.bytes as f64 / 1e6,
            r.parse_floor.as_secs_f64() * 1e3,
            r.load.as_secs_f64() * 1e3,
            r.ratio(),
            r.twin_resources
        );
    }
    for r in rows {
        if let Some(e) = r.events_only {
            let _ = writeln!(
                s,
                "\n{}: saphyr-parser's events alone (no tree) take {:.1} ms; load / events = {:.2}",
                r.input,
                e.as_secs_f64() * 1e3,
                r.load.as_secs_f64() / e.as_secs_f64().max(1e-9)
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_template_loads_completely() {
        let (text, n) = template(120);
        assert!(n >= 120);
        let dir = std::env::temp_dir().join(format!("koban-bench-iac-{}", std::process::id()));
        let file = dir.join("t.yaml");
        write(&file, text.as_bytes()).unwrap();
        let twin = koban_ingest::load_inputs(&[file], &koban_ingest::Options::default()).unwrap();
        assert!(twin.diagnostics.iter().all(|d| d.severity == koban_model::Severity::Warning), "{:?}", twin.diagnostics);
        assert_eq!(twin.subnets.len(), 4 * twin.vpcs.len());
        assert_eq!(twin.instances.len(), 4 * twin.vpcs.len());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn terraform_state_of_the_synthetic_org_loads_every_eni() {
        let org = topology::build(1000, 7).unwrap();
        let enis: usize = org.vpcs.iter().map(|v| v.enis.len()).sum();
        let dir = std::env::temp_dir().join(format!("koban-bench-tf-{}", std::process::id()));
        let file = dir.join("state.json");
        write(&file, &serde_json::to_vec(&tfstate::render(&org)).unwrap()).unwrap();
        let twin = koban_ingest::load_inputs(&[file], &koban_ingest::Options::default()).unwrap();
        assert!(
            twin.diagnostics.iter().all(|d| d.severity == koban_model::Severity::Warning),
            "{:?}",
            twin.diagnostics.iter().take(3).collect::<Vec<_>>()
        );
        assert_eq!(twin.network_interfaces.len(), enis);
        assert_eq!(twin.vpcs.len(), org.vpcs.len());
        std::fs::remove_dir_all(&dir).ok();
    }
}
