//! ENIs and instances (`describe-network-interfaces`, `describe-instances`).

use super::{name_tags, Ctx};
use crate::gen::addr::Ip;
use crate::gen::model::*;
use serde_json::{json, Value};

fn public_association(c: &Ctx, p: &PublicIp) -> Value {
    let ip = Ip(p.ip).to_string();
    let dns = format!("ec2-{}.{}.compute.amazonaws.com", ip.replace('.', "-"), c.org.region);
    match &p.eip {
        Some((alloc, assoc)) => json!({
            "AllocationId": alloc,
            "AssociationId": assoc,
            "IpOwnerId": c.owner,
            "PublicDnsName": dns,
            "PublicIp": ip
        }),
        None => json!({"IpOwnerId": "amazon", "PublicDnsName": dns, "PublicIp": ip}),
    }
}

pub(super) fn eni_json(c: &Ctx, e: &Eni) -> Value {
    let v = c.vpc;
    let mut ips = vec![json!({
        "Primary": true,
        "PrivateDnsName": c.private_dns(e.ip),
        "PrivateIpAddress": Ip(e.ip).to_string()
    })];
    if let Some(p) = &e.public {
        ips[0]["Association"] = public_association(c, p);
    }
    ips.extend(e.secondary_ips.iter().map(|&ip| {
        json!({
            "Primary": false,
            "PrivateDnsName": c.private_dns(ip),
            "PrivateIpAddress": Ip(ip).to_string()
        })
    }));
    let mut eni = json!({
        "Attachment": {
            "AttachTime": "2023-01-04 09:00:00+00:00",
            "AttachmentId": e.attachment_id,
            "DeleteOnTermination": false,
            "DeviceIndex": 1,
            "NetworkCardIndex": 0,
            "InstanceOwnerId": "amazon-aws",
            "Status": "attached"
        },
        "AvailabilityZone": c.az(e.subnet),
        "Groups": c.group_refs(&e.sgs),
        "Ipv6Addresses": [],
        "MacAddress": e.mac,
        "NetworkInterfaceId": e.id,
        "OwnerId": c.owner,
        "PrivateDnsName": c.private_dns(e.ip),
        "PrivateIpAddress": Ip(e.ip).to_string(),
        "PrivateIpAddresses": ips,
        "RequesterManaged": false,
        "SourceDestCheck": true,
        "Status": "in-use",
        "SubnetId": c.subnet_id(e.subnet),
        "TagSet": [],
        "VpcId": v.id
    });
    if let Some(p) = &e.public {
        eni["Association"] = public_association(c, p);
    }
    let (interface_type, description) = match e.kind {
        EniKind::Instance { instance, device_index } => {
            let att = &mut eni["Attachment"];
            att["InstanceId"] = json!(v.instances[instance].id);
            att["InstanceOwnerId"] = json!(c.owner);
            att["DeviceIndex"] = json!(device_index);
            att["DeleteOnTermination"] = json!(device_index == 0);
            let d = if device_index == 0 { "Primary network interface".to_string() } else { String::new() };
            ("interface", d)
        }
        EniKind::Nat { nat } => {
            eni["RequesterId"] = json!("amazon-nat-gateway");
            eni["RequesterManaged"] = json!(true);
            eni["SourceDestCheck"] = json!(false);
            ("nat_gateway", format!("Interface for NAT Gateway {}", v.nats[nat].id))
        }
        EniKind::TransitGateway => {
            eni["RequesterId"] = json!("amazon-tgw");
            eni["RequesterManaged"] = json!(true);
            eni["SourceDestCheck"] = json!(false);
            ("transit_gateway", format!("Network Interface for Transit Gateway Attachment {}", v.attachment.id))
        }
        EniKind::Endpoint { endpoint } => {
            eni["RequesterId"] = json!("amazon-vpce");
            eni["RequesterManaged"] = json!(true);
            ("vpc_endpoint", format!("VPC Endpoint Interface {}", v.endpoints[endpoint].id))
        }
    };
    eni["InterfaceType"] = json!(interface_type);
    eni["Description"] = json!(description);
    eni
}

pub(super) fn res_json(c: &Ctx, r: &Reservation) -> Value {
    let v = c.vpc;
    let instances: Vec<Value> =
        r.instances.iter().enumerate().map(|(launch_index, &i)| instance_json(c, &v.instances[i], launch_index)).collect();
    json!({
        "Groups": [],
        "Instances": instances,
        "OwnerId": c.owner,
        "ReservationId": r.id
    })
}

fn instance_json(c: &Ctx, i: &Instance, launch_index: usize) -> Value {
    let v = c.vpc;
    let primary = &v.enis[i.enis[0]];
    let enis: Vec<Value> = i
        .enis
        .iter()
        .map(|&e| {
            let e = &v.enis[e];
            let device_index = match e.kind {
                EniKind::Instance { device_index, .. } => device_index,
                _ => 0,
            };
            let mut ips = vec![json!({
                "Primary": true,
                "PrivateDnsName": c.private_dns(e.ip),
                "PrivateIpAddress": Ip(e.ip).to_string()
            })];
            ips.extend(e.secondary_ips.iter().map(|&ip| {
                json!({
                    "Primary": false,
                    "PrivateDnsName": c.private_dns(ip),
                    "PrivateIpAddress": Ip(ip).to_string()
                })
            }));
            let mut n = json!({
                "Attachment": {
                    "AttachTime": i.launch_time,
                    "AttachmentId": e.attachment_id,
                    "DeleteOnTermination": device_index == 0,
                    "DeviceIndex": device_index,
                    "NetworkCardIndex": 0,
                    "Status": "attached"
                },
                "Description": if device_index == 0 { "Primary network interface" } else { "" },
                "Groups": c.group_refs(&e.sgs),
                "InterfaceType": "interface",
                "Ipv6Addresses": [],
                "MacAddress": e.mac,
                "NetworkInterfaceId": e.id,
                "OwnerId": c.owner,
                "PrivateDnsName": c.private_dns(e.ip),
                "PrivateIpAddress": Ip(e.ip).to_string(),
                "PrivateIpAddresses": ips,
                "SourceDestCheck": true,
                "Status": "in-use",
                "SubnetId": c.subnet_id(e.subnet),
                "VpcId": v.id
            });
            if let Some(p) = &e.public {
                let assoc = public_association(c, p);
                n["Association"] = assoc.clone();
                n["PrivateIpAddresses"][0]["Association"] = assoc;
            }
            n
        })
        .collect();
    let mut inst = json!({
        "AmiLaunchIndex": launch_index,
        "Architecture": "x86_64",
        "BlockDeviceMappings": [{
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "AttachTime": i.launch_time,
                "DeleteOnTermination": true,
                "Status": "attached",
                "VolumeId": i.volume
            }
        }],
        "BootMode": "uefi-preferred",
        "CapacityReservationSpecification": {"CapacityReservationPreference": "open"},
        "ClientToken": "",
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2},
        "CurrentInstanceBootMode": "legacy-bios",
        "EbsOptimized": true,
        "EnaSupport": true,
        "EnclaveOptions": {"Enabled": false},
        "HibernationOptions": {"Configured": false},
        "Hypervisor": "xen",
        "IamInstanceProfile": {
            "Arn": format!("arn:aws:iam::{}:instance-profile/{}-instance", c.owner, v.env.name()),
            "Id": "AIPAEXAMPLEPROFILE0001"
        },
        "ImageId": i.image,
        "InstanceId": i.id,
        "InstanceType": i.instance_type,
        "LaunchTime": i.launch_time,
        "MaintenanceOptions": {"AutoRecovery": "default"},
        "MetadataOptions": {
            "HttpEndpoint": "enabled",
            "HttpProtocolIpv6": "disabled",
            "HttpPutResponseHopLimit": 2,
            "HttpTokens": "required",
            "InstanceMetadataTags": "disabled",
            "State": "applied"
        },
        "Monitoring": {"State": "disabled"},
        "NetworkInterfaces": enis,
        "Placement": {
            "AvailabilityZone": c.az(i.subnet),
            "GroupName": "",
            "Tenancy": "default"
        },
        "PlatformDetails": "Linux/UNIX",
        "PrivateDnsName": c.private_dns(primary.ip),
        "PrivateDnsNameOptions": {
            "EnableResourceNameDnsAAAARecord": false,
            "EnableResourceNameDnsARecord": false,
            "HostnameType": "ip-name"
        },
        "PrivateIpAddress": Ip(primary.ip).to_string(),
        "ProductCodes": [],
        "PublicDnsName": "",
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "SecurityGroups": c.group_refs(&i.sgs),
        "SourceDestCheck": true,
        "State": {"Code": 16, "Name": "running"},
        "StateTransitionReason": "",
        "SubnetId": c.subnet_id(i.subnet),
        "Tags": name_tags(&i.name),
        "UsageOperation": "RunInstances",
        "UsageOperationUpdateTime": i.launch_time,
        "VirtualizationType": "hvm",
        "VpcId": v.id
    });
    if let Some(p) = &primary.public {
        let assoc = public_association(c, p);
        inst["PublicDnsName"] = assoc["PublicDnsName"].clone();
        inst["PublicIpAddress"] = assoc["PublicIp"].clone();
    }
    inst
}
