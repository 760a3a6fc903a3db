//! Renders the model as AWS CLI output: one `serde_json::Value` per file, in the exact shape
//! `aws ec2 describe-*` (and friends) print. Ids, owners, ARNs and addresses are filled in
//! from the model; constant fields carry the values AWS reports for running resources.
//!
//! [`vpc`] renders VPC-level network resources, [`compute`] ENIs and instances, [`transit`]
//! the Transit Gateway and VPN; this module assembles them into files.

mod compute;
mod transit;
mod vpc;

use super::model::{Org, Vpc};
use compute::{eni_json, res_json};
use serde_json::{json, Value};
use transit::vpc_attachment_json;
pub use transit::{tgw_table_files, transit_files};
use vpc::{igw_json, nacl_json, nat_json, rtb_json, sg_json, subnet_json, vpc_json, vpce_json};

/// The files of one account: (path relative to `<account>/<region>/`, document).
pub type Files = Vec<(String, Value)>;

/// Where a VPC lives and who owns it, for rendering its resources.
struct Ctx<'a> {
    org: &'a Org,
    vpc: &'a Vpc,
    owner: &'a str,
}

impl Ctx<'_> {
    fn az(&self, subnet: usize) -> &'static str {
        self.org.azs[self.vpc.subnets[subnet].az]
    }
    fn subnet_id(&self, subnet: usize) -> &str {
        &self.vpc.subnets[subnet].id
    }
    fn group_refs(&self, sgs: &[usize]) -> Value {
        sgs.iter().map(|&g| json!({"GroupId": self.vpc.sgs[g].id, "GroupName": self.vpc.sgs[g].name})).collect()
    }
    fn private_dns(&self, ip: u32) -> String {
        let [a, b, c, d] = ip.to_be_bytes();
        format!("ip-{a}-{b}-{c}-{d}.{}.compute.internal", self.org.region)
    }
}

fn name_tags(name: &str) -> Value {
    json!([{"Key": "Name", "Value": name}])
}

/// All VPC-level files of account `a` (always written, possibly with empty lists).
pub fn account_files(org: &Org, a: usize) -> Files {
    let owner = org.accounts[a].as_str();
    let ctxs: Vec<Ctx> = org.vpcs.iter().filter(|v| v.account == a).map(|vpc| Ctx { org, vpc, owner }).collect();
    let file = |kind: &str, each: &dyn Fn(&Ctx) -> Vec<Value>| {
        let items: Vec<Value> = ctxs.iter().flat_map(each).collect();
        (format!("{kind}.json"), json!({ kind: items }))
    };
    vec![
        file("Vpcs", &|c| vec![vpc_json(c)]),
        file("Subnets", &|c| (0..c.vpc.subnets.len()).map(|s| subnet_json(c, s)).collect()),
        file("RouteTables", &|c| c.vpc.route_tables.iter().map(|t| rtb_json(c, t)).collect()),
        file("InternetGateways", &|c| c.vpc.igw.iter().map(|i| igw_json(c, i)).collect()),
        file("NatGateways", &|c| c.vpc.nats.iter().map(|n| nat_json(c, n)).collect()),
        file("NetworkAcls", &|c| c.vpc.nacls.iter().map(|n| nacl_json(c, n)).collect()),
        file("SecurityGroups", &|c| c.vpc.sgs.iter().map(|g| sg_json(c, g)).collect()),
        file("NetworkInterfaces", &|c| c.vpc.enis.iter().map(|e| eni_json(c, e)).collect()),
        file("Reservations", &|c| c.vpc.reservations.iter().map(|r| res_json(c, r)).collect()),
        file("VpcEndpoints", &|c| c.vpc.endpoints.iter().map(|e| vpce_json(c, e)).collect()),
        file("TransitGatewayVpcAttachments", &|c| vec![vpc_attachment_json(c)]),
    ]
}

/// `bench-queries.json`: the reach queries for the runner, with expected answers.
pub fn queries_json(org: &Org) -> Value {
    let q = &org.queries;
    let mut v = json!({
        "reach_from": q.reach_from,
        "reach_to": q.reach_to,
        "protocol": "tcp",
        "port": 443,
        "expected_reachable": true
    });
    if let Some((from, to)) = &q.isolated {
        v["isolated_from"] = json!(from);
        v["isolated_to"] = json!(to);
        v["isolated_expected_reachable"] = json!(false);
    }
    v
}
