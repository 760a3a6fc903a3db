//! The CloudFormation and Terraform readers on the public corpora (`../shared/corpora/cfn/`,
//! `../shared/corpora/terraform/`, facts from their `EXPECTED.md`), on bad input (errors name
//! the file, line and column; the rest is analysed), and on mutated templates (no panics).

use koban_ingest::cloudformation::{load_templates, Parameters};
use koban_ingest::terraform::load_plans;
use koban_ingest::{load_inputs, Options};
use koban_model as m;
use koban_model::{Severity, Twin};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora").join(rel)
}

fn cfn(files: &[PathBuf], params: &[&str]) -> Twin {
    let p = Parameters::from_args(&params.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("parameters");
    load_templates(files, &p).expect("templates load")
}

fn route(t: &Twin, table: &str, dest: &str) -> Option<m::RouteTarget> {
    t.route_tables.get(table)?.routes.iter().find(|r| r.destination.to_string() == dest).map(|r| r.target.clone())
}

#[test]
fn managed_nat_template_reads_the_same_in_yaml_and_json() {
    let yaml = cfn(&[corpus("cfn/basic/VPC_With_Managed_NAT_And_Private_Subnet.yaml")], &[]);
    let json = cfn(&[corpus("cfn/basic/VPC_With_Managed_NAT_And_Private_Subnet.json")], &[]);
    for t in [&yaml, &json] {
        assert_eq!(t.vpcs["vpc-VPC"].cidrs[0].to_string(), "10.0.0.0/16");
        let s = |id: &str| t.subnets[id].cidr.map(|c| c.to_string()).unwrap_or_default();
        assert_eq!(s("subnet-PublicSubnet0"), "10.0.0.0/24");
        assert_eq!(s("subnet-PublicSubnet1"), "10.0.1.0/24");
        assert_eq!(s("subnet-PrivateSubnet0"), "10.0.2.0/24");
        assert_eq!(s("subnet-PrivateSubnet1"), "10.0.3.0/24");
        assert_eq!(t.subnets["subnet-PublicSubnet0"].availability_zone.as_deref(), Some("us-east-1a"));
        assert_eq!(t.subnets["subnet-PrivateSubnet1"].availability_zone.as_deref(), Some("us-east-1b"));
        assert!(t.subnets["subnet-PublicSubnet0"].map_public_ip_on_launch);
        assert_eq!(route(t, "rtb-PublicRouteTable", "0.0.0.0/0"), Some(m::RouteTarget::InternetGateway("igw-InternetGateway".into())));
        assert_eq!(route(t, "rtb-PrivateRouteTable0", "0.0.0.0/0"), Some(m::RouteTarget::NatGateway("nat-NATGateway0".into())));
        assert_eq!(route(t, "rtb-PrivateRouteTable1", "0.0.0.0/0"), Some(m::RouteTarget::NatGateway("nat-NATGateway1".into())));
        assert_eq!(t.route_tables["rtb-PublicRouteTable"].subnets, vec!["subnet-PublicSubnet0", "subnet-PublicSubnet1"]);
        assert_eq!(t.internet_gateways["igw-InternetGateway"].vpcs, vec!["vpc-VPC"]);
        assert_eq!(t.nat_gateways["nat-NATGateway0"].subnet, "subnet-PublicSubnet0");
        let acl = &t.network_acls["acl-PublicNetworkAcl"];
        assert_eq!(acl.subnets, vec!["subnet-PublicSubnet0", "subnet-PublicSubnet1"]);
        assert!(acl
            .entries
            .iter()
            .any(|e| e.rule_number == 100 && !e.egress && e.traffic == m::TrafficMatch::All && e.action == m::RuleAction::Allow));
        // The main route table and default ACL AWS creates; no declared subnet uses the main table.
        assert!(t.route_tables["rtb-VPC.main"].main && t.route_tables["rtb-VPC.main"].subnets.is_empty());
        // origins name the logical id's line and column
        assert!(t.vpcs["vpc-VPC"].origin.location.contains(':'), "{}", t.vpcs["vpc-VPC"].origin);
    }
    let ids = |t: &Twin| {
        (
            t.subnets.keys().cloned().collect::<Vec<_>>(),
            t.route_tables.keys().cloned().collect::<Vec<_>>(),
            t.network_interfaces.keys().cloned().collect::<Vec<_>>(),
        )
    };
    assert_eq!(ids(&yaml), ids(&json));
}

#[test]
fn instance_template_with_existing_vpc_reports_the_outside_dependencies() {
    let t = cfn(
        &[corpus("cfn/basic/VPC_EC2_Instance_With_Multiple_Static_IPAddresses.yaml")],
        &[
            "KeyName=demo",
            "VpcId=vpc-0123456789abcdef0",
            "SubnetId=subnet-0123456789abcdef0",
            "PrimaryIPAddress=10.0.0.10",
            "SecondaryIPAddress=10.0.0.11",
        ],
    );
    let eni = &t.network_interfaces["eni-Eth0"];
    assert_eq!(eni.private_ips.iter().map(|i| i.to_string()).collect::<Vec<_>>(), vec!["10.0.0.10", "10.0.0.11"]);
    assert_eq!(eni.security_groups, vec!["sg-SSHSecurityGroup"]);
    assert!(eni.source_dest_check);
    assert_eq!(eni.public_ips.len(), 1, "the Elastic IP is associated with Eth0's primary address");
    assert_eq!(t.instances["i-EC2Instance"].network_interfaces, vec!["eni-Eth0"]);
    let sg = &t.security_groups["sg-SSHSecurityGroup"];
    assert_eq!(sg.ingress[0].traffic, m::TrafficMatch::Tcp { ports: m::PortRange::single(22) });
    assert_eq!(sg.egress.len(), 1, "AWS's default egress rule");
    let unknown: Vec<&str> = t.unknowns.iter().map(|u| u.resource.as_str()).collect();
    assert!(unknown.contains(&"subnet-0123456789abcdef0") && unknown.contains(&"vpc-0123456789abcdef0"), "{unknown:?}");
}

#[test]
fn gwlb_samples_load_with_custom_resources_listed_as_unknown() {
    let dir = corpus("cfn/gwlb");
    let mut n = 0;
    for e in walk(&dir) {
        let t = cfn(
            std::slice::from_ref(&e),
            &["AvailabilityZone1=us-west-2a", "AvailabilityZone2=us-west-2b", "KeyPairName=demo", "GwlbSubnets=subnet-0a1,subnet-0b2"],
        );
        n += 1;
        let text = std::fs::read_to_string(&e).unwrap_or_default();
        if text.contains("Custom::") {
            assert!(t.unknowns.iter().any(|u| u.reason.contains("custom resource")), "{}: {:?}", e.display(), t.unknowns);
        }
        if text.contains("Type: gateway") {
            assert!(t.load_balancers.values().any(|lb| lb.lb_type == "gateway"), "{}", e.display());
        }
    }
    assert!(n >= 14, "{n} templates");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn gwlb_service_endpoints_and_appliances() {
    let t = cfn(
        &[corpus("cfn/gwlb/distributed_architecture/DistributedArchitectureApplianceVpc2Az.yaml")],
        &["AvailabilityZone1=us-west-2a", "AvailabilityZone2=us-west-2b", "KeyPairName=demo", "AWS::Region=us-west-2"],
    );
    let svc = t.vpc_endpoint_services.values().next().expect("endpoint service");
    assert_eq!(svc.service_type.as_deref(), Some("GatewayLoadBalancer"));
    let lb = t.load_balancers.values().find(|l| l.lb_type == "gateway").expect("GWLB");
    assert_eq!(svc.gateway_load_balancer_arns, vec![lb.arn.clone()]);
    assert!(lb.arn.starts_with("arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/gwy/"), "{}", lb.arn);
}

#[test]
fn terraform_terragoat_plan_facts() {
    let t = load_plans(&[corpus("terraform/checkov-terragoat-tfplan.json")]).expect("plan loads");
    assert_eq!(t.vpcs["vpc-aws_vpc.web_vpc"].cidrs[0].to_string(), "172.16.0.0/16");
    assert_eq!(t.vpcs["vpc-aws_vpc.eks_vpc"].cidrs[0].to_string(), "10.10.0.0/16");
    let web = &t.subnets["subnet-aws_subnet.web_subnet"];
    assert_eq!(
        (web.vpc.as_str(), web.cidr.map(|c| c.to_string()), web.availability_zone.as_deref()),
        ("vpc-aws_vpc.web_vpc", Some("172.16.10.0/24".into()), Some("us-west-2a"))
    );
    assert!(web.map_public_ip_on_launch);
    assert_eq!(t.subnets["subnet-aws_subnet.eks_subnet2"].vpc, "vpc-aws_vpc.eks_vpc");
    assert_eq!(
        route(&t, "rtb-aws_route_table.web_rtb", "0.0.0.0/0"),
        Some(m::RouteTarget::InternetGateway("igw-aws_internet_gateway.web_igw".into()))
    );
    assert_eq!(
        t.route_tables["rtb-aws_route_table.web_rtb"].subnets,
        vec!["subnet-aws_subnet.web_subnet", "subnet-aws_subnet.web_subnet2"]
    );
    let node = &t.security_groups["sg-aws_security_group.web-node"];
    let ports: Vec<String> = node.ingress.iter().map(|r| r.traffic.to_string()).collect();
    assert_eq!(ports, vec!["tcp/22", "tcp/80"]);
    // the RDS group's rule references the VPC's CIDR block, unknown ids resolved
    let rds = &t.security_groups["sg-aws_security_group.default"];
    assert_eq!(rds.ingress.iter().map(|r| format!("{} {}", r.traffic, r.peer)).collect::<Vec<_>>(), vec!["tcp/3306 172.16.0.0/16"]);
    assert_eq!(t.network_interfaces["eni-aws_network_interface.web-eni"].private_ips[0].to_string(), "172.16.10.100");
    for i in ["i-aws_instance.web_host", "i-aws_instance.db_app"] {
        assert_eq!(t.instances[i].subnet.as_deref(), Some("subnet-aws_subnet.web_subnet"));
        assert_eq!(t.instances[i].security_groups, vec!["sg-aws_security_group.web-node"]);
    }
    assert!(t.unknowns.iter().any(|u| u.resource == "aws_db_instance.default"));
    assert!(t.unknowns.iter().any(|u| u.resource == "aws_elb.weblb"));
}

#[test]
fn terraform_for_each_modules_and_data_sources() {
    let t = load_plans(&[corpus("terraform/checkov-for-each-sg-tfplan.json")]).expect("plan loads");
    for key in ["bad_example", "terrible_example", "awful_example"] {
        let g = &t.security_groups[&format!("sg-module.sg[\"{key}\"].aws_security_group.bad")];
        assert_eq!(g.name, key);
        assert_eq!(g.vpc.as_deref(), Some("vpc-123456abc"));
        assert_eq!(g.ingress.len(), 1);
        assert_eq!(g.ingress[0].traffic, m::TrafficMatch::All);
        assert_eq!(g.ingress[0].peer.to_string(), "0.0.0.0/0");
    }
    assert_eq!(t.vpcs["vpc-123456abc"].cidrs[0].to_string(), "10.213.220.0/22");
    let s = &t.subnets["subnet-04c460d388900659b"];
    assert_eq!(
        (s.cidr.map(|c| c.to_string()), s.availability_zone.as_deref(), s.map_public_ip_on_launch),
        (Some("10.213.220.0/24".into()), Some("us-east-1c"), false)
    );
    assert!(t.network_interfaces.is_empty(), "no interface uses the groups");
}

#[test]
fn inputs_are_recognised_by_content() {
    use koban_ingest::inputs::{kind_of, Kind};
    assert_eq!(kind_of(&corpus("cfn/basic/VPC_With_Managed_NAT_And_Private_Subnet.json")), Kind::CloudFormation);
    assert_eq!(kind_of(&corpus("cfn/basic/VPC_With_Managed_NAT_And_Private_Subnet.yaml")), Kind::CloudFormation);
    assert_eq!(kind_of(&corpus("terraform/checkov-terragoat-tfplan.json")), Kind::Terraform);
    let lz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/landing-zone");
    assert_eq!(kind_of(&lz.join("snapshot/111111111111/eu-west-1/Vpcs.json")), Kind::Snapshot);
    assert_eq!(kind_of(&lz.join("cloudformation/tgw-routing.parameters.json")), Kind::Other);
    assert_eq!(kind_of(&lz.join("koban.yaml")), Kind::Other);
    // a snapshot and a template merge into one twin
    let t = load_inputs(&[lz.join("snapshot"), corpus("cfn/basic/VPC_With_Managed_NAT_And_Private_Subnet.yaml")], &Options::default())
        .expect("merged");
    assert!(t.vpcs.contains_key("vpc-0a1a2b3c4d5e6f701") && t.vpcs.contains_key("vpc-VPC"));
}

// ------------------------------------------------------------------------------- bad input

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("koban-iac-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tempdir");
    d
}

const GOOD: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: 10.0.1.0/24\n      AvailabilityZone: us-east-1a\n";

fn errors(t: &Twin) -> Vec<String> {
    t.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect()
}

#[test]
fn yaml_syntax_error_names_file_line_and_column_and_the_rest_loads() {
    let d = tempdir("syntax");
    let bad = write(&d, "bad.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: [10.0.0.0/16\n");
    let good = write(&d, "good.yaml", GOOD);
    let t = cfn(&[bad.clone(), good], &[]);
    let e = errors(&t);
    assert!(e.iter().any(|x| x.contains(&format!("{}:", bad.display())) && x.contains("YAML syntax error")), "{e:?}");
    let loc = &t.diagnostics.iter().find(|d| d.severity == Severity::Error).expect("error").origin.location;
    assert!(loc.split(':').count() == 2 && loc.split(':').all(|p| p.parse::<usize>().is_ok()), "line:column, got {loc}");
    assert!(t.subnets.contains_key("subnet-Subnet"));
    // only a bad template: nothing usable
    assert!(load_templates(&[bad], &Parameters::default()).is_err());
}

#[test]
fn unknown_intrinsic_missing_ref_and_cycles_are_errors_at_their_position() {
    let d = tempdir("errors");
    let t = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Frobnicate 10.0.0.0/16\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nowhere\n      CidrBlock: 10.0.1.0/24\n  A:\n    Type: AWS::EC2::RouteTable\n    Properties:\n      VpcId: !GetAtt B.VpcId\n  B:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      VpcId: !Ref A\n  Fine:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.1.0.0/16\n  Odd:\n    Type: AWS::Foo::Bar\n";
    let f = write(&d, "t.yaml", t);
    let tw = cfn(std::slice::from_ref(&f), &[]);
    let e = errors(&tw);
    let file = f.display().to_string();
    assert!(e.iter().any(|x| x.contains(&format!("{file}:5:18")) && x.contains("!Frobnicate")), "{e:?}");
    assert!(e.iter().any(|x| x.contains(&format!("{file}:9:14")) && x.contains("Nowhere")), "{e:?}");
    assert!(
        e.iter().any(|x| x.contains(&format!("{file}:11:3")) && x.contains("circular dependency") && x.contains("A -> B -> A")),
        "{e:?}"
    );
    assert!(tw.vpcs.contains_key("vpc-Fine"), "the rest is analysed");
    assert!(!tw.vpcs.contains_key("vpc-Vpc"));
    let odd = tw.unknowns.iter().find(|u| u.resource == "Odd").expect("unknown type listed");
    assert!(odd.reason.contains("AWS::Foo::Bar") && odd.origin.as_ref().is_some_and(|o| &*o.location == "24:3"), "{odd:?}");
}

#[test]
fn parameters_defaults_allowed_values_conditions_and_imports() {
    let d = tempdir("params");
    let a = "Parameters:\n  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n  Cidr: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref Cidr}\n  ProdOnly:\n    Type: AWS::EC2::InternetGateway\n    Condition: IsProd\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n    Export: {Name: !Sub '${AWS::StackName}-VpcId'}\n";
    let b = "Resources:\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !ImportValue net-VpcId\n      CidrBlock: 10.9.1.0/24\n      AvailabilityZone: !Select [1, !GetAZs '']\n";
    // b comes first: its import waits for a's export
    let files = [write(&d, "app.yaml", b), write(&d, "net.yaml", a)];
    let t = cfn(&files, &["Cidr=10.9.0.0/16", "AWS::Region=eu-west-1"]);
    assert_eq!(t.subnets["subnet-Subnet"].vpc, "vpc-Vpc");
    assert_eq!(t.subnets["subnet-Subnet"].availability_zone.as_deref(), Some("eu-west-1b"));
    assert!(t.internet_gateways.is_empty(), "IsProd is false by default");
    let t = cfn(&files, &["Cidr=10.9.0.0/16", "Env=prod"]);
    assert!(t.internet_gateways.contains_key("igw-ProdOnly"));
    let t = cfn(&files, &["Cidr=10.9.0.0/16", "Env=qa"]);
    assert!(errors(&t).iter().any(|e| e.contains("AllowedValues")), "{:?}", errors(&t));
    // no Cidr: the VPC cannot be placed, and the error says how to give it
    let t = cfn(&files, &[]);
    assert!(errors(&t).iter().any(|e| e.contains("--parameters Cidr=")), "{:?}", errors(&t));
    // without the exporting stack, the import is an error naming its position
    let t = cfn(&files[..1], &[]);
    assert!(errors(&t).iter().any(|e| e.contains("net-VpcId") && e.contains(":5:")), "{:?}", errors(&t));
}

// ------------------------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Mutated templates (bytes replaced, deleted or inserted) never make the reader panic.
    #[test]
    fn mutated_templates_never_panic(edits in proptest::collection::vec((0usize..4000, 0u8..4, proptest::sample::select(vec![b'!', b':', b'{', b'[', b'-', b' ', b'\n', b'"', b'$', b'0', b'R', b'&', b'*'])), 1..6)) {
        let base = std::fs::read(corpus("cfn/gwlb/distributed_architecture/DistributedArchitectureSpokeVpc2Az.yaml")).unwrap_or_default();
        let mut bytes = base.clone();
        for (at, op, b) in edits {
            if bytes.is_empty() { break; }
            let i = at % bytes.len();
            match op {
                0 => bytes[i] = b,
                1 => { bytes.remove(i); }
                2 => bytes.insert(i, b),
                _ => bytes.truncate(i.max(1)),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(t) = koban_ingest::cloudformation::parse_template("mutated.yaml", &text) {
            let d = tempdir("prop");
            let f = write(&d, "mutated.yaml", &text);
            let _ = load_templates(&[f], &Parameters::default());
            let _ = t;
        }
    }
}

#[test]
fn the_collect_manifest_beside_a_snapshot_is_not_read_as_aws_cli_output() {
    let d = tempdir("collect-manifest");
    let acct = d.join("111111111111/eu-west-1");
    std::fs::create_dir_all(&acct).expect("dirs");
    write(&acct, "Vpcs.json", r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111111111111"}]}"#);
    write(
        &d,
        "manifest.json",
        r#"{"schema": "koban/collect-manifest/v1", "koban_version": "0.1.0", "accounts": [], "regions": [], "summary": {}, "entries": []}"#,
    );
    let t = load_inputs(std::slice::from_ref(&d), &Options::default()).expect("loads");
    assert!(t.vpcs.contains_key("vpc-1"));
    assert!(!t.diagnostics.iter().any(|x| x.origin.file.contains("manifest.json")), "{:?}", t.diagnostics);
    assert!(!t.unknowns.iter().any(|u| u.origin.as_ref().is_some_and(|o| o.file.contains("manifest.json"))), "{:?}", t.unknowns);
    let _ = std::fs::remove_dir_all(&d);
}
