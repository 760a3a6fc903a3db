//! The read-only allow-list: every AWS operation `koban collect` may call, as data (service,
//! operation). The collector's clients refuse any other operation before it is signed or sent
//! (see [`crate::guard`]), and the end-to-end test compares the operations the AWS endpoint
//! recorded with this list.
//!
//! Every operation here reads: its name starts with `Describe`, `Get`, `List`, `Search` or
//! `BatchGet` (Inspector's `BatchGetAccountStatus`),
//! and none returns secret material (no `GetSecretValue`, `BatchGetSecretValue`,
//! `GetParameter(s)`/`GetParametersByPath` (which can decrypt), `GetPasswordData`, key or
//! credential reports). The one exception is STS `AssumeRole`, listed apart in
//! [`CREDENTIAL_OPERATIONS`]: with `--role-name` the collector assumes the named role in each
//! member account; it changes nothing in the account and its temporary credentials are kept
//! in memory only.

/// One allowed operation: the service (its AWS CLI name) and the operation (its API name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub service: &'static str,
    pub operation: &'static str,
}

const fn op(service: &'static str, operation: &'static str) -> Operation {
    Operation { service, operation }
}

/// The read operations `koban collect` calls.
pub const READ_OPERATIONS: &[Operation] = &[
    op("sts", "GetCallerIdentity"),
    op("ec2", "DescribeRegions"),
    op("ec2", "DescribeVpcs"),
    op("ec2", "DescribeSubnets"),
    op("ec2", "DescribeRouteTables"),
    op("ec2", "DescribeInternetGateways"),
    op("ec2", "DescribeEgressOnlyInternetGateways"),
    op("ec2", "DescribeNatGateways"),
    op("ec2", "DescribeAddresses"),
    op("ec2", "DescribeNetworkAcls"),
    op("ec2", "DescribeSecurityGroups"),
    op("ec2", "DescribeNetworkInterfaces"),
    op("ec2", "DescribeInstances"),
    op("ec2", "DescribeVpcEndpoints"),
    op("ec2", "DescribeVpcEndpointServiceConfigurations"),
    op("ec2", "DescribePrefixLists"),
    op("ec2", "DescribeManagedPrefixLists"),
    op("ec2", "GetManagedPrefixListEntries"),
    op("ec2", "DescribeVpcPeeringConnections"),
    op("ec2", "DescribeVpnGateways"),
    op("ec2", "DescribeVpnConnections"),
    op("ec2", "DescribeCustomerGateways"),
    op("ec2", "DescribeTransitGateways"),
    op("ec2", "DescribeTransitGatewayAttachments"),
    op("ec2", "DescribeTransitGatewayVpcAttachments"),
    op("ec2", "DescribeTransitGatewayRouteTables"),
    op("ec2", "SearchTransitGatewayRoutes"),
    op("ec2", "GetTransitGatewayRouteTablePropagations"),
    op("ec2", "DescribeFlowLogs"),
    op("elbv2", "DescribeLoadBalancers"),
    op("route53resolver", "ListResolverEndpoints"),
    op("route53resolver", "ListResolverEndpointIpAddresses"),
    op("route53resolver", "ListResolverRules"),
    op("route53resolver", "ListResolverRuleAssociations"),
    op("route53", "ListHostedZones"),
    op("route53", "GetHostedZone"),
    op("route53", "ListResourceRecordSets"),
    op("secretsmanager", "ListSecrets"),
    op("secretsmanager", "GetResourcePolicy"),
    op("iam", "GetAccountAuthorizationDetails"),
    op("iam", "ListInstanceProfiles"),
    op("organizations", "DescribeOrganization"),
    op("organizations", "ListRoots"),
    op("organizations", "ListOrganizationalUnitsForParent"),
    op("organizations", "ListAccountsForParent"),
    op("organizations", "ListAccounts"),
    op("organizations", "ListPolicies"),
    op("organizations", "DescribePolicy"),
    op("organizations", "ListTargetsForPolicy"),
    op("organizations", "ListDelegatedAdministrators"),
    op("guardduty", "ListDetectors"),
    op("guardduty", "GetDetector"),
    op("guardduty", "ListMembers"),
    op("inspector2", "BatchGetAccountStatus"),
    op("cloudtrail", "DescribeTrails"),
    op("cloudtrail", "GetTrailStatus"),
    op("events", "ListEventBuses"),
    op("events", "ListRules"),
    op("events", "ListTargetsByRule"),
    op("cognito-idp", "ListUserPools"),
    op("cognito-idp", "DescribeUserPool"),
    op("cognito-identity", "ListIdentityPools"),
    op("cognito-identity", "DescribeIdentityPool"),
    op("cognito-identity", "GetIdentityPoolRoles"),
    op("kms", "ListKeys"),
    op("kms", "GetKeyPolicy"),
    op("s3", "ListBuckets"),
    op("s3", "GetBucketPolicy"),
    op("ssm", "DescribeInstancePatchStates"),
];

/// Operations that obtain credentials: only STS `AssumeRole`, for `--role-name`.
pub const CREDENTIAL_OPERATIONS: &[Operation] = &[op("sts", "AssumeRole")];

/// Operations that return secret material (or can: decryption), never called; the unit
/// tests assert none of them is allowed.
pub const FORBIDDEN: &[&str] = &[
    "GetSecretValue",
    "BatchGetSecretValue",
    "GetParameter",
    "GetParameters",
    "GetParametersByPath",
    "GetParameterHistory",
    "GetPasswordData",
    "GetLaunchTemplateData",
    "GetCredentialReport",
    "GetSessionToken",
    "GetFederationToken",
    "GetAccessKeyInfo",
    "GetServiceSpecificCredential",
    "ListServiceSpecificCredentials",
    "GetSSHPublicKey",
    "GetDataKey",
    "GetKeyPairs",
    "GetConsoleOutput",
    "GetConsoleScreenshot",
    "DescribeUserPoolClient",
    "GetCredentialsForIdentity",
    "GetOpenIdToken",
    "GetOpenIdTokenForDeveloperIdentity",
    "GetId",
    "GetObject",
    "GetParametersForImport",
];

/// Whether `operation` (the API name, e.g. `DescribeVpcs`) may be called; the service is not
/// needed because the names in the lists are unique across the services used.
pub fn is_allowed(operation: &str) -> bool {
    READ_OPERATIONS.iter().chain(CREDENTIAL_OPERATIONS).any(|o| o.operation == operation)
}

/// Whether (`service`, `operation`) is on the list, `service` as the AWS CLI names it.
pub fn is_allowed_for(service: &str, operation: &str) -> bool {
    READ_OPERATIONS.iter().chain(CREDENTIAL_OPERATIONS).any(|o| o.service == service && o.operation == operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_operation_only_reads() {
        for o in READ_OPERATIONS {
            assert!(
                ["Describe", "Get", "List", "Search", "BatchGet"].iter().any(|p| o.operation.starts_with(p)),
                "{}:{} is not a Describe/Get/List/Search/BatchGet operation",
                o.service,
                o.operation
            );
        }
    }

    #[test]
    fn no_operation_returns_secret_material() {
        for o in READ_OPERATIONS.iter().chain(CREDENTIAL_OPERATIONS) {
            assert!(!FORBIDDEN.contains(&o.operation), "{}:{} returns secret material", o.service, o.operation);
            assert!(!o.operation.contains("SecretValue"), "{}", o.operation);
            assert!(!o.operation.starts_with("GetParameter"), "{}", o.operation);
            assert!(!o.operation.starts_with("GetPassword"), "{}", o.operation);
            assert!(!o.operation.contains("Credential"), "{}", o.operation);
        }
        assert!(!is_allowed("GetSecretValue"));
        assert!(!is_allowed("BatchGetSecretValue"));
        assert!(!is_allowed("GetParametersByPath"));
        assert!(!is_allowed("CreateVpc"));
    }

    #[test]
    fn only_assume_role_obtains_credentials() {
        assert_eq!(CREDENTIAL_OPERATIONS, &[op("sts", "AssumeRole")]);
        assert!(is_allowed_for("sts", "AssumeRole"));
        assert!(is_allowed_for("ec2", "DescribeVpcs"));
        assert!(!is_allowed_for("ec2", "ListSecrets"));
    }

    #[test]
    fn no_duplicates() {
        for (i, a) in READ_OPERATIONS.iter().enumerate() {
            assert!(!READ_OPERATIONS[i + 1..].contains(a), "{a:?} listed twice");
        }
    }
}
