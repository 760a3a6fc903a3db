//! Instances with the interfaces they launch with (the primary interface AWS creates from
//! `SubnetId`/`SecurityGroupIds`/`PrivateIpAddress`, or `NetworkInterfaces` entries that create
//! or attach interfaces), standalone network interfaces and their attachments.

use super::{flag, list_of, text, Res, R};
use crate::cloudformation::value::Val;
use crate::iac::{Assembly, InterfaceRequest};
use koban_model as m;
use std::net::Ipv4Addr;

fn ip(r: &Res, at: crate::cloudformation::yaml::Pos, key: &str, v: &str) -> R<Ipv4Addr> {
    v.trim().parse().map_err(|_| r.err(at, format!("{key}: expected an IPv4 address, got {v:?}")))
}

/// Declared private addresses (primary first) and how many addresses the interface has.
fn addresses(r: &Res, v: &Val) -> R<(Vec<Ipv4Addr>, usize)> {
    let at = v.pos;
    let mut ips = Vec::new();
    if let Some(p) = text(v.get("PrivateIpAddress"), "PrivateIpAddress", at)? {
        ips.push(ip(r, at, "PrivateIpAddress", &p)?);
    }
    if let Some(list) = v.get("PrivateIpAddresses").and_then(Val::as_list) {
        for e in list {
            let Some(p) = text(e.get("PrivateIpAddress"), "PrivateIpAddresses.PrivateIpAddress", e.pos)? else { continue };
            let a = ip(r, e.pos, "PrivateIpAddresses.PrivateIpAddress", &p)?;
            if ips.contains(&a) {
                continue;
            }
            if flag(e.get("Primary"), "Primary", false)? {
                ips.insert(0, a);
            } else {
                ips.push(a);
            }
        }
    }
    let secondary = text(v.get("SecondaryPrivateIpAddressCount"), "SecondaryPrivateIpAddressCount", at)?
        .map(|s| s.trim().parse::<usize>().map_err(|_| r.err(at, format!("SecondaryPrivateIpAddressCount: expected a number, got {s:?}"))))
        .transpose()?
        .unwrap_or(0);
    let count = ips.len().max(1) + secondary;
    Ok((ips, count))
}

pub fn instance(r: &Res, a: &mut Assembly) -> R<()> {
    let id = r.id();
    let source_dest_check = r.flag("SourceDestCheck", true)?;
    let mut groups = r.list("SecurityGroupIds")?;
    groups.extend(r.list("SecurityGroups")?.into_iter().filter(|g| g.starts_with("sg-")));
    let interfaces = r.items("NetworkInterfaces")?;
    let mut subnet = r.opt("SubnetId")?;
    if interfaces.is_empty() {
        let Some(s) = subnet.clone() else {
            return Err(r.err(
                r.r.origin_pos(),
                "the instance names no SubnetId or NetworkInterfaces: it would launch in the default VPC, which is not in the inputs",
            ));
        };
        let (ips, count) = addresses(r, &r.r.props)?;
        let eni = r.derived("eni-", 0);
        a.interface(InterfaceRequest {
            id: eni.clone(),
            subnet: s,
            owner: m::EniOwner::Instance(id.clone()),
            interface_type: "interface".into(),
            description: None,
            private_ips: ips,
            count,
            security_groups: groups.clone(),
            source_dest_check,
            requester_managed: false,
            public_ip_at_launch: None,
            default_security_group: true,
            tags: Vec::new(),
            origin: r.origin(),
        });
        a.attach_interface(&eni, &id, 0);
    }
    for v in interfaces {
        let at = v.pos;
        let index = text(v.get("DeviceIndex"), "DeviceIndex", at)?.and_then(|s| s.trim().parse::<u32>().ok()).unwrap_or(0);
        if let Some(existing) = text(v.get("NetworkInterfaceId"), "NetworkInterfaceId", at)? {
            a.attach_interface(&existing, &id, index);
            continue;
        }
        let Some(s) = text(v.get("SubnetId"), "NetworkInterfaces.SubnetId", at)?.or_else(|| subnet.clone()) else {
            return Err(r.err(at, "NetworkInterfaces: each new interface needs a SubnetId"));
        };
        if subnet.is_none() && index == 0 {
            subnet = Some(s.clone());
        }
        let (ips, count) = addresses(r, v)?;
        let set = list_of(v.get("GroupSet"), "GroupSet", at)?;
        let public = match v.get("AssociatePublicIpAddress") {
            Some(p) => Some(flag(Some(p), "AssociatePublicIpAddress", false)?),
            None if index == 0 => None,
            None => Some(false),
        };
        let eni = r.derived("eni-", index);
        a.interface(InterfaceRequest {
            id: eni.clone(),
            subnet: s,
            owner: m::EniOwner::Instance(id.clone()),
            interface_type: "interface".into(),
            description: text(v.get("Description"), "Description", at)?,
            private_ips: ips,
            count,
            security_groups: if set.is_empty() { groups.clone() } else { set },
            source_dest_check,
            requester_managed: false,
            public_ip_at_launch: public,
            default_security_group: true,
            tags: Vec::new(),
            origin: r.origin(),
        });
        a.attach_interface(&eni, &id, index);
    }
    let profile = r.opt("IamInstanceProfile").ok().flatten().map(|p| {
        if p.starts_with("arn:") {
            p
        } else {
            format!("arn:{}:iam::{}:instance-profile/{p}", r.r.place.partition, r.r.place.account)
        }
    });
    a.instance(m::Instance {
        id,
        state: "running".into(),
        subnet,
        vpc: None,
        placement: r.placement(),
        network_interfaces: Vec::new(),
        private_ip: None,
        public_ip: None,
        security_groups: groups,
        iam_instance_profile: profile,
        image_id: r.opt("ImageId").ok().flatten(),
        platform: None,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn network_interface(r: &Res, a: &mut Assembly) -> R<()> {
    let (ips, count) = addresses(r, &r.r.props)?;
    a.interface(InterfaceRequest {
        id: r.id(),
        subnet: r.req("SubnetId")?,
        owner: m::EniOwner::Other(String::new()),
        interface_type: r.opt("InterfaceType")?.unwrap_or_else(|| "interface".into()),
        description: r.opt("Description")?,
        private_ips: ips,
        count,
        security_groups: r.list("GroupSet")?,
        source_dest_check: r.flag("SourceDestCheck", true)?,
        requester_managed: false,
        public_ip_at_launch: Some(false),
        default_security_group: true,
        tags: r.tags(),
        origin: r.origin(),
    });
    Ok(())
}

pub fn network_interface_attachment(r: &Res, a: &mut Assembly) -> R<()> {
    let index = r.number("DeviceIndex")?.and_then(|n| u32::try_from(n).ok()).unwrap_or(1);
    a.attach_interface(&r.req("NetworkInterfaceId")?, &r.req("InstanceId")?, index);
    Ok(())
}
