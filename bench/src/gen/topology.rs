//! Builds the organisation: accounts, VPCs with their subnets, gateways, route tables,
//! NACLs, security groups, ENIs and instances, and the Transit Gateway that joins them.
//!
//! Sizing for `N` ENIs: `max(1, N/50)` VPCs, `clamp(VPCs/40, 1, 50)` accounts, each VPC's
//! ENI budget drawn from a skewed distribution (≈20–140 at the default mean of 50) and
//! apportioned so the budgets sum to `N` exactly. With three or more accounts, account 0
//! (the network account, `100000000000`) holds the shared VPCs and odd/even accounts hold
//! prod/dev VPCs; with fewer, VPC `k` is shared if `k % 10 == 0`, else prod (odd) or dev.
//!
//! Routing: one TGW owned by the network account with route tables `prod`, `dev`, `shared`
//! and `onprem`. Prod and dev VPCs propagate into their own table and `shared`; shared VPCs
//! into all three; every VPC into `onprem` (associated with the VPN to 172.16.0.0/12). The
//! prod and dev tables carry a static default route to the egress VPC (VPC 0, shared, with
//! NAT gateways), a 10.0.0.0/8 blackhole (so prod and dev cannot meet through the egress
//! VPC) and 172.16.0.0/12 to the VPN. About a quarter of VPCs have an internet gateway,
//! NAT gateways and public instances; the rest send 0.0.0.0/0 to the TGW.

use super::addr::{self, MAX_VPCS, PUBLIC_POOL};
use super::ids::IdGen;
use super::model::*;
use super::routing;
use super::security::{self, GroupPlan, SG_APP_HTTPS, SG_ENDPOINTS};
use crate::error::{BenchError, Result};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mean ENIs per VPC.
pub const ENIS_PER_VPC: usize = 50;
/// VPCs per account, and the account cap.
pub const VPCS_PER_ACCOUNT: usize = 40;
pub const MAX_ACCOUNTS: usize = 50;

const INSTANCE_TYPES: &[&str] = &["t3.micro", "t3.medium", "m5.large", "m5.xlarge", "c5.large", "r5.large", "m6i.large"];
const IMAGES: &[&str] = &["ami-0a8e758f5e873d1c1", "ami-0d71ea30463e0ff8d", "ami-01dd271720c1ba44f", "ami-0c1c30571d2dae5c9"];
const ENDPOINT_SERVICES: &[&str] = &["ssm", "ssmmessages", "ec2messages", "secretsmanager", "logs", "sts", "kms"];

/// Number of VPCs and accounts for `enis` ENIs.
pub fn scale(enis: usize) -> (usize, usize) {
    let vpcs = (enis / ENIS_PER_VPC).max(1);
    let accounts = (vpcs / VPCS_PER_ACCOUNT).clamp(1, MAX_ACCOUNTS);
    (vpcs, accounts)
}

/// Generates the organisation for `enis` ENIs from `seed`.
pub fn build(enis: usize, seed: u64) -> Result<Org> {
    if enis == 0 {
        return Err(BenchError::Params("--enis must be at least 1".into()));
    }
    let (n_vpcs, n_accounts) = scale(enis);
    if n_vpcs > MAX_VPCS {
        return Err(BenchError::Params(format!(
            "{enis} ENIs need {n_vpcs} VPCs; the address plan holds at most {MAX_VPCS} \
             (about {} ENIs)",
            MAX_VPCS * ENIS_PER_VPC
        )));
    }
    let mut b = Builder { rng: ChaCha8Rng::seed_from_u64(seed), ids: IdGen::new(seed), tgw: String::new(), next_public: 10, clock: 0 };
    b.tgw = b.ids.next("tgw");
    let accounts = (0..n_accounts)
        .map(|i| {
            let jitter = super::ids::mix(seed ^ i as u64) % 1_000_000;
            let id = if i == 0 { 100_000_000_000 } else { 100_000_000_000 + i as u64 * 1_000_000 + jitter };
            id.to_string()
        })
        .collect::<Vec<_>>();
    let budgets = budgets(&mut b.rng, enis, n_vpcs);
    let mut vpcs = Vec::with_capacity(n_vpcs);
    for (k, budget) in budgets.into_iter().enumerate() {
        let account = k % n_accounts;
        let env = env_of(k, account, n_accounts);
        vpcs.push(b.vpc(k, account, env, budget)?);
    }
    let transit = routing::transit(&mut b.ids, &b.tgw, &vpcs);
    let queries = queries(&vpcs, n_accounts);
    Ok(Org { region: "eu-west-1", azs: ["eu-west-1a", "eu-west-1b"], az_ids: ["euw1-az1", "euw1-az2"], accounts, vpcs, transit, queries })
}

fn env_of(k: usize, account: usize, n_accounts: usize) -> Env {
    let n = if n_accounts >= 3 { account } else { k };
    if (n_accounts >= 3 && n == 0) || (n_accounts < 3 && n % 10 == 0) {
        Env::Shared
    } else if n % 2 == 1 {
        Env::Prod
    } else {
        Env::Dev
    }
}

/// Splits `total` ENIs over `n` VPCs with skewed weights (largest-remainder rounding, so
/// the budgets sum to `total`).
fn budgets(rng: &mut impl Rng, total: usize, n: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..n).map(|_| 1.0 + rng.gen::<f64>().powi(3) * 6.0).collect();
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let short = total - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().take(short) {
        out[i] += 1;
    }
    out
}

/// Picks the benchmark's reach queries (see [`Queries`]).
fn queries(vpcs: &[Vpc], n_accounts: usize) -> Queries {
    let instance = |v: &Vpc| v.first_app_instance.map(|i| v.instances[i].id.clone());
    let from_account = 1.min(n_accounts - 1);
    let src = vpcs.iter().position(|v| v.account == from_account && v.first_app_instance.is_some()).unwrap_or(0);
    let same_table = |v: &Vpc| v.env.table() == vpcs[src].env.table();
    let dst = vpcs.iter().enumerate().position(|(i, v)| i != src && same_table(v) && v.first_app_instance.is_some()).unwrap_or(src);
    let reach_from = instance(&vpcs[src]).unwrap_or_default();
    let mut reach_to = instance(&vpcs[dst]).unwrap_or_default();
    if dst == src {
        // a single VPC: any other instance there
        if let Some(other) = vpcs[src].instances.iter().rev().find(|i| i.id != reach_from) {
            reach_to = other.id.clone();
        }
    }
    let prod = vpcs.iter().find(|v| v.env == Env::Prod).and_then(instance);
    let dev = vpcs.iter().find(|v| v.env == Env::Dev).and_then(instance);
    Queries { reach_from, reach_to, isolated: prod.zip(dev) }
}

struct Builder {
    rng: ChaCha8Rng,
    ids: IdGen,
    tgw: String,
    /// Offset in [`PUBLIC_POOL`] of the next public address.
    next_public: u32,
    /// Minutes since the snapshot's epoch, for creation/launch times.
    clock: u64,
}

impl Builder {
    fn timestamp(&mut self) -> String {
        self.clock += self.rng.gen_range(1..30);
        let (days, rem) = (self.clock / 1440, self.clock % 1440);
        // 2023-01-01 + days, kept in a 28-day month grid for simplicity
        let (month, day) = ((days / 28) % 12 + 1, days % 28 + 1);
        let year = 2023 + days / (28 * 12);
        format!("{year}-{month:02}-{day:02} {:02}:{:02}:{:02}+00:00", rem / 60, rem % 60, self.rng.gen_range(0..60))
    }

    fn public_ip(&mut self) -> Result<u32> {
        if u64::from(self.next_public) >= PUBLIC_POOL.size() - 1 {
            return Err(BenchError::Params("public address pool exhausted".into()));
        }
        let ip = PUBLIC_POOL.base + self.next_public;
        self.next_public += 1;
        Ok(ip)
    }

    fn vpc(&mut self, k: usize, account: usize, env: Env, budget: usize) -> Result<Vpc> {
        let cidr = addr::vpc_cidr(k);
        let name = format!("{}-{k:04}", env.name());
        let egress_vpc = k == 0;
        let has_igw = egress_vpc || self.rng.gen_bool(0.25);
        let mut v = Vpc {
            id: self.ids.next("vpc"),
            name,
            account,
            env,
            cidr,
            cidr_assoc: self.ids.next("vpc-cidr-assoc"),
            dhcp_options: self.ids.next("dopt"),
            subnets: vec![],
            igw: has_igw.then(|| self.ids.next("igw")),
            nats: vec![],
            route_tables: vec![],
            nacls: vec![],
            sgs: vec![],
            enis: vec![],
            instances: vec![],
            reservations: vec![],
            endpoints: vec![],
            attachment: VpcAttachment { id: self.ids.next("tgw-attach"), subnets: vec![], table: env.table() },
            first_app_instance: None,
        };

        self.subnets(&mut v, has_igw);
        let GroupPlan { groups, web, workload } = security::security_groups(&mut self.rng, &mut self.ids, &v.name, cidr, has_igw);
        v.sgs = groups;
        self.gateway_enis(&mut v, has_igw)?;
        self.endpoints(&mut v, egress_vpc)?;
        if let (Some(web), false) = (web, egress_vpc) {
            self.public_instances(&mut v, web, &workload)?;
        }
        self.app_instances(&mut v, budget, &workload)?;
        routing::route_tables(&mut self.ids, &self.tgw, &mut v, egress_vpc);
        security::attach_nacls(&mut self.rng, &mut self.ids, &mut v, egress_vpc);
        Ok(v)
    }

    /// Subnets by role and AZ: [public a/b], endpoints a/b, transit a/b, app a/b.
    fn subnets(&mut self, v: &mut Vpc, has_igw: bool) {
        let cidr = v.cidr;
        let mut roles = Vec::new();
        if has_igw {
            roles.push(SubnetRole::Public);
        }
        roles.extend([SubnetRole::Endpoints, SubnetRole::Transit, SubnetRole::App]);
        for role in roles {
            for az in 0..2u32 {
                let c = match role {
                    SubnetRole::Public => addr::public_subnet(cidr, az),
                    SubnetRole::Endpoints => addr::endpoint_subnet(cidr, az),
                    SubnetRole::Transit => addr::transit_subnet(cidr, az),
                    SubnetRole::App => addr::app_subnet(cidr, az),
                };
                v.subnets.push(Subnet { id: self.ids.next("subnet"), role, az: az as usize, cidr: c, next_free: 4, used: 0 });
            }
        }
    }

    /// The TGW attachment's ENIs and, with an internet gateway, a NAT gateway (with an EIP)
    /// per AZ.
    fn gateway_enis(&mut self, v: &mut Vpc, has_igw: bool) -> Result<()> {
        for az in 0..2 {
            let s = v.subnet_index(SubnetRole::Transit, az);
            v.attachment.subnets.push(s);
            self.eni(v, s, EniKind::TransitGateway, vec![], None)?;
        }
        if has_igw {
            for az in 0..2 {
                let s = v.subnet_index(SubnetRole::Public, az);
                let nat = v.nats.len();
                let public = PublicIp { ip: self.public_ip()?, eip: Some((self.ids.next("eipalloc"), self.ids.next("eipassoc"))) };
                let eni = self.eni(v, s, EniKind::Nat { nat }, vec![], Some(public))?;
                v.nats.push(Nat { id: self.ids.next("nat"), subnet: s, eni });
            }
        }
        Ok(())
    }

    /// Interface endpoints (1–3 in half the VPCs, 3 in the egress VPC), an ENI per AZ each.
    fn endpoints(&mut self, v: &mut Vpc, egress_vpc: bool) -> Result<()> {
        let n_endpoints = if egress_vpc {
            3
        } else if self.rng.gen_bool(0.5) {
            self.rng.gen_range(1..=3)
        } else {
            0
        };
        let services: Vec<&'static str> = ENDPOINT_SERVICES.choose_multiple(&mut self.rng, n_endpoints).copied().collect();
        for service in services {
            let endpoint = v.endpoints.len();
            let mut ep = Endpoint { id: self.ids.next("vpce"), service, subnets: vec![], enis: vec![], sg: SG_ENDPOINTS };
            for az in 0..2 {
                let s = v.subnet_index(SubnetRole::Endpoints, az);
                ep.subnets.push(s);
                let e = self.eni(v, s, EniKind::Endpoint { endpoint }, vec![SG_ENDPOINTS], None)?;
                ep.enis.push(e);
            }
            v.endpoints.push(ep);
        }
        Ok(())
    }

    /// 1–3 internet-facing instances with auto-assigned public IPs.
    fn public_instances(&mut self, v: &mut Vpc, web: usize, workload: &[usize]) -> Result<()> {
        for n in 0..self.rng.gen_range(1..=3) {
            let s = v.subnet_index(SubnetRole::Public, n % 2);
            let mut sgs = vec![web];
            if self.rng.gen_bool(0.3) {
                sgs.push(workload[self.rng.gen_range(0..workload.len())]);
            }
            let public = PublicIp { ip: self.public_ip()?, eip: None };
            let i = self.instance(v, s, sgs, 1, Some(public), "web")?;
            v.reservations.push(Reservation { id: self.ids.next("r"), instances: vec![i] });
        }
        Ok(())
    }

    /// App-tier instances spending the rest of the VPC's ENI budget (at least one), in
    /// reservations of 1–4; the first wears `app-https` (the reach query's target).
    fn app_instances(&mut self, v: &mut Vpc, budget: usize, workload: &[usize]) -> Result<()> {
        let mut left = budget.saturating_sub(v.enis.len()).max(1);
        let mut az = 0;
        let mut batch: Vec<usize> = Vec::new();
        let mut batch_size = self.rng.gen_range(1..=4);
        while left > 0 {
            let s = v.subnet_index(SubnetRole::App, az);
            az = 1 - az;
            let sgs = if v.first_app_instance.is_none() {
                vec![SG_APP_HTTPS]
            } else {
                let n = self.rng.gen_range(1..=3);
                let mut sgs: Vec<usize> = workload.choose_multiple(&mut self.rng, n).copied().collect();
                sgs.sort_unstable();
                sgs
            };
            let n_enis = if left >= 2 && self.rng.gen_bool(0.02) { 2 } else { 1 };
            let i = self.instance(v, s, sgs, n_enis, None, "app")?;
            v.first_app_instance.get_or_insert(i);
            left -= n_enis as usize;
            batch.push(i);
            if batch.len() >= batch_size || left == 0 {
                v.reservations.push(Reservation { id: self.ids.next("r"), instances: std::mem::take(&mut batch) });
                batch_size = self.rng.gen_range(1..=4);
            }
        }
        Ok(())
    }

    /// Allocates the next address in subnet `s` (with a small random gap).
    fn address(&mut self, v: &mut Vpc, s: usize) -> Result<u32> {
        let gap = self.rng.gen_range(0..3);
        let sub = &mut v.subnets[s];
        let off = sub.next_free + gap;
        // AWS reserves the first four and the last address of every subnet.
        if u64::from(off) + 1 >= sub.cidr.size() {
            return Err(BenchError::Params(format!("subnet {} of {} is full", sub.cidr, v.name)));
        }
        sub.next_free = off + 1;
        sub.used += 1;
        Ok(sub.cidr.base + off)
    }

    fn eni(&mut self, v: &mut Vpc, s: usize, kind: EniKind, sgs: Vec<usize>, public: Option<PublicIp>) -> Result<usize> {
        let ip = self.address(v, s)?;
        let mut secondary_ips = vec![];
        if matches!(kind, EniKind::Instance { .. }) && self.rng.gen_bool(0.05) {
            for _ in 0..self.rng.gen_range(1..=3) {
                secondary_ips.push(self.address(v, s)?);
            }
        }
        // AWS names requester-managed attachments `ela-attach-…`
        let attach_prefix = match kind {
            EniKind::Instance { .. } => "eni-attach",
            _ => "ela-attach",
        };
        v.enis.push(Eni {
            id: self.ids.next("eni"),
            kind,
            subnet: s,
            ip,
            secondary_ips,
            public,
            sgs,
            mac: self.ids.mac(),
            attachment_id: self.ids.next(attach_prefix),
        });
        Ok(v.enis.len() - 1)
    }

    fn instance(&mut self, v: &mut Vpc, s: usize, sgs: Vec<usize>, n_enis: u32, public: Option<PublicIp>, tier: &str) -> Result<usize> {
        let instance = v.instances.len();
        let mut enis = Vec::new();
        let mut public = public;
        for device_index in 0..n_enis {
            let kind = EniKind::Instance { instance, device_index };
            enis.push(self.eni(v, s, kind, sgs.clone(), public.take())?);
        }
        let n = instance + 1;
        v.instances.push(Instance {
            id: self.ids.next("i"),
            name: format!("{}-{tier}-{n:03}", v.name),
            subnet: s,
            enis,
            sgs,
            instance_type: INSTANCE_TYPES[self.rng.gen_range(0..INSTANCE_TYPES.len())],
            image: IMAGES[self.rng.gen_range(0..IMAGES.len())],
            volume: self.ids.next("vol"),
            launch_time: self.timestamp(),
        });
        Ok(instance)
    }
}
