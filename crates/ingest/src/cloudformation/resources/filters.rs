//! Security groups (inline rules, AWS's default egress rule unless `SecurityGroupEgress` is
//! given, and the separate `SecurityGroupIngress`/`SecurityGroupEgress` resources) and network
//! ACLs with their entries and subnet associations.

use super::{text, Res, R};
use crate::cloudformation::value::Val;
use crate::iac::rules::{nacl_entry, number, sg_rule, Peer};
use crate::iac::Assembly;
use koban_model as m;

/// One rule's fields, from an inline rule (a mapping) or a rule resource's properties.
fn rule(r: &Res, v: &Val, ingress: bool) -> R<m::SgRule> {
    let at = v.pos;
    let t = |k: &str| text(v.get(k), k, at);
    let protocol = t("IpProtocol")?.ok_or_else(|| r.err(at, "IpProtocol is required"))?;
    let from = number(t("FromPort")?.as_deref(), "FromPort").map_err(|e| r.err(at, e))?;
    let to = number(t("ToPort")?.as_deref(), "ToPort").map_err(|e| r.err(at, e))?;
    let (group_key, pl_key) =
        if ingress { ("SourceSecurityGroupId", "SourcePrefixListId") } else { ("DestinationSecurityGroupId", "DestinationPrefixListId") };
    let peer = if let Some(c) = t("CidrIp")? {
        Peer::Cidr(c)
    } else if let Some(c) = t("CidrIpv6")? {
        Peer::Cidr6(c)
    } else if let Some(p) = t(pl_key)? {
        Peer::PrefixList(p)
    } else if let Some(g) = t(group_key)? {
        Peer::Group(g)
    } else if let Some(name) = t("SourceSecurityGroupName")? {
        return Err(r.err(at, format!("a peer named by group name ({name}) is resolved by AWS at deployment; use SourceSecurityGroupId")));
    } else {
        return Err(r.err(at, format!("the rule has no peer (CidrIp, CidrIpv6, {pl_key} or {group_key})")));
    };
    sg_rule(&protocol, from, to, &peer, t("Description")?).map_err(|e| r.err(at, e))
}

pub fn security_group(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let mut ingress = Vec::new();
    for (i, v) in r.items("SecurityGroupIngress")?.into_iter().enumerate() {
        let mut x = rule(r, v, true)?;
        x.permission_index = i;
        ingress.push(x);
    }
    let declared_egress = r.sub("SecurityGroupEgress").is_some();
    let mut egress = Vec::new();
    for (i, v) in r.items("SecurityGroupEgress")?.into_iter().enumerate() {
        let mut x = rule(r, v, false)?;
        x.permission_index = i;
        egress.push(x);
    }
    let vpc = r.opt("VpcId")?;
    a.security_group(m::SecurityGroup {
        id: id.clone(),
        name: r.opt("GroupName")?.unwrap_or_else(|| format!("{}-{}", r.r.place.stack, r.r.logical)),
        vpc,
        owner: Some(r.r.place.account.clone()),
        placement: r.placement(),
        ingress,
        egress,
        tags: r.tags(),
        origin: r.origin(),
    });
    if !declared_egress {
        a.sg_default_egress(&id);
    }
    Ok(())
}

pub fn security_group_rule(r: &Res, a: &mut Assembly, ingress: bool) -> R<()> {
    let group = match r.opt("GroupId")? {
        Some(g) => g,
        None => {
            return Err(r.err(
                r.r.origin_pos(),
                "GroupId is required (rules naming a group by GroupName apply to EC2-Classic and default VPC groups, not modelled)",
            ))
        }
    };
    let x = rule(r, &r.r.props, ingress)?;
    a.sg_rule(&group, ingress, x);
    Ok(())
}

pub fn network_acl(r: &Res, a: &mut Assembly) -> R<()> {
    a.network_acl(m::NetworkAcl {
        id: r.id(),
        vpc: r.req("VpcId")?,
        placement: r.placement(),
        is_default: false,
        subnets: Vec::new(),
        entries: Vec::new(),
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn network_acl_entry(r: &Res, a: &mut Assembly) -> R<()> {
    let acl = r.req("NetworkAclId")?;
    let rule_number = r.number("RuleNumber")?.ok_or_else(|| r.err(r.r.origin_pos(), "RuleNumber is required"))?;
    let pair = |key: &str, a: &str, b: &str| -> R<Option<(i64, i64)>> {
        let Some(v) = r.sub(key) else { return Ok(None) };
        let x = number(text(v.get(a), a, v.pos)?.as_deref(), a).map_err(|e| r.err(v.pos, e))?;
        let y = number(text(v.get(b), b, v.pos)?.as_deref(), b).map_err(|e| r.err(v.pos, e))?;
        Ok(Some((x.unwrap_or(-1), y.unwrap_or(-1))))
    };
    let ports = pair("PortRange", "From", "To")?;
    let icmp = pair("Icmp", "Type", "Code")?;
    let entry = nacl_entry(
        rule_number,
        r.flag("Egress", false)?,
        &r.req("RuleAction")?,
        &r.req("Protocol")?,
        ports,
        icmp,
        r.opt("CidrBlock")?.as_deref(),
        r.opt("Ipv6CidrBlock")?.as_deref(),
    )
    .map_err(|e| r.err(r.r.origin_pos(), e))?;
    a.nacl_entry(&acl, entry);
    Ok(())
}

pub fn subnet_network_acl_association(r: &Res, a: &mut Assembly) -> R<()> {
    a.associate_nacl(&r.req("NetworkAclId")?, &r.req("SubnetId")?);
    Ok(())
}
