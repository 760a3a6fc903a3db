//! The documents of common AWS managed policies, which templates and plans attach by ARN but
//! do not contain (a snapshot holds them in `get-account-authorization-details`): the policy
//! engine needs them to decide what the identities they are attached to may do. A policy
//! outside this catalogue stays a dangling reference, reported with the identity.

use koban_model as m;
use koban_model::{Origin, Twin};

/// (name, path, default version document).
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("AdministratorAccess", "/", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
    (
        "AmazonSSMManagedInstanceCore",
        "/",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:DescribeAssociation","ssm:GetDeployablePatchSnapshotForInstance","ssm:GetDocument","ssm:DescribeDocument","ssm:GetManifest","ssm:GetParameter","ssm:GetParameters","ssm:ListAssociations","ssm:ListInstanceAssociations","ssm:PutInventory","ssm:PutComplianceItems","ssm:PutConfigurePackageResult","ssm:UpdateAssociationStatus","ssm:UpdateInstanceAssociationStatus","ssm:UpdateInstanceInformation"],"Resource":"*"},{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"},{"Effect":"Allow","Action":["ec2messages:AcknowledgeMessage","ec2messages:DeleteMessage","ec2messages:FailMessage","ec2messages:GetEndpoint","ec2messages:GetMessages","ec2messages:SendReply"],"Resource":"*"}]}"#,
    ),
];

/// Add the catalogued AWS managed policies the identities of the twin attach.
pub fn add_attached(t: &mut Twin) {
    let iam = &t.iam;
    let attached: Vec<String> = iam
        .roles
        .values()
        .flat_map(|r| &r.attached_policies)
        .chain(iam.users.values().flat_map(|u| &u.attached_policies))
        .chain(iam.groups.values().flat_map(|g| &g.attached_policies))
        .map(|a| a.arn.clone())
        .filter(|a| !iam.policies.contains_key(a))
        .collect();
    for arn in attached {
        let Some((partition, name)) = arn.strip_prefix("arn:").and_then(|r| r.split_once(":iam::aws:policy/")) else { continue };
        let Some((n, path, doc)) = CATALOGUE.iter().find(|(n, p, _)| format!("{}{n}", &p[1..]) == name) else { continue };
        let origin = Origin::new("koban's catalogue of AWS managed policies", format!("arn:{partition}:iam::aws:policy{path}{n}"));
        t.iam.policies.entry(arn.clone()).or_insert_with(|| m::ManagedPolicy {
            arn: arn.clone(),
            name: n.to_string(),
            id: None,
            path: path.to_string(),
            account: "aws".into(),
            default_version: Some("v1".into()),
            document: Some(m::PolicyText { text: doc.to_string(), origin: origin.clone(), in_string: false }),
            attachment_count: None,
            origin,
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalogue_is_json() {
        for (name, _, doc) in super::CATALOGUE {
            assert!(serde_json::from_str::<serde_json::Value>(doc).is_ok_and(|v| v["Statement"].is_array()), "{name}");
        }
    }
}
