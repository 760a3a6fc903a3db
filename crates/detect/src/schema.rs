//! The Arrow schemas of the three log tables (`flows`, `cloudtrail`, `dns`) that readers
//! produce, detectors query and `koban convert` writes to Parquet (documented in
//! docs/detect.md). Column names are AWS's own field names with `-` turned into `_`, exactly
//! as AWS names the columns of the Parquet flow logs it delivers to S3.

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::{Arc, OnceLock};

/// The Arrow type of one flow-log field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowType {
    Int32,
    Int64,
    Utf8,
}

impl FlowType {
    pub fn arrow(self) -> DataType {
        match self {
            FlowType::Int32 => DataType::Int32,
            FlowType::Int64 => DataType::Int64,
            FlowType::Utf8 => DataType::Utf8,
        }
    }
}

/// One flow-log field: its name in AWS's log format (`${pkt-srcaddr}`), the column name and
/// its type, and the flow-log version that introduced it (0 for Transit Gateway-only fields).
#[derive(Debug, Clone, Copy)]
pub struct FlowField {
    pub aws: &'static str,
    pub column: &'static str,
    pub ty: FlowType,
    pub version: u8,
}

const fn f(aws: &'static str, column: &'static str, ty: FlowType, version: u8) -> FlowField {
    FlowField { aws, column, ty, version }
}

use FlowType::{Int32 as I32, Int64 as I64, Utf8 as S};

/// Every VPC flow-log field of versions 2 to 8 and every Transit Gateway flow-log field, in
/// AWS's documented order. The `flows` table has one column per entry.
pub const FLOW_FIELDS: &[FlowField] = &[
    f("version", "version", I32, 2),
    f("account-id", "account_id", S, 2),
    f("interface-id", "interface_id", S, 2),
    f("srcaddr", "srcaddr", S, 2),
    f("dstaddr", "dstaddr", S, 2),
    f("srcport", "srcport", I32, 2),
    f("dstport", "dstport", I32, 2),
    f("protocol", "protocol", I32, 2),
    f("packets", "packets", I64, 2),
    f("bytes", "bytes", I64, 2),
    f("start", "start", I64, 2),
    f("end", "end", I64, 2),
    f("action", "action", S, 2),
    f("log-status", "log_status", S, 2),
    f("vpc-id", "vpc_id", S, 3),
    f("subnet-id", "subnet_id", S, 3),
    f("instance-id", "instance_id", S, 3),
    f("tcp-flags", "tcp_flags", I32, 3),
    f("type", "type", S, 3),
    f("pkt-srcaddr", "pkt_srcaddr", S, 3),
    f("pkt-dstaddr", "pkt_dstaddr", S, 3),
    f("region", "region", S, 4),
    f("az-id", "az_id", S, 4),
    f("sublocation-type", "sublocation_type", S, 4),
    f("sublocation-id", "sublocation_id", S, 4),
    f("pkt-src-aws-service", "pkt_src_aws_service", S, 5),
    f("pkt-dst-aws-service", "pkt_dst_aws_service", S, 5),
    f("flow-direction", "flow_direction", S, 5),
    f("traffic-path", "traffic_path", I32, 5),
    f("ecs-cluster-arn", "ecs_cluster_arn", S, 7),
    f("ecs-cluster-name", "ecs_cluster_name", S, 7),
    f("ecs-container-instance-arn", "ecs_container_instance_arn", S, 7),
    f("ecs-container-instance-id", "ecs_container_instance_id", S, 7),
    f("ecs-container-id", "ecs_container_id", S, 7),
    f("ecs-second-container-id", "ecs_second_container_id", S, 7),
    f("ecs-service-name", "ecs_service_name", S, 7),
    f("ecs-task-definition-arn", "ecs_task_definition_arn", S, 7),
    f("ecs-task-arn", "ecs_task_arn", S, 7),
    f("ecs-task-id", "ecs_task_id", S, 7),
    f("reject-reason", "reject_reason", S, 8),
    f("resource-type", "resource_type", S, 0),
    f("tgw-id", "tgw_id", S, 0),
    f("tgw-attachment-id", "tgw_attachment_id", S, 0),
    f("tgw-src-vpc-account-id", "tgw_src_vpc_account_id", S, 0),
    f("tgw-dst-vpc-account-id", "tgw_dst_vpc_account_id", S, 0),
    f("tgw-src-vpc-id", "tgw_src_vpc_id", S, 0),
    f("tgw-dst-vpc-id", "tgw_dst_vpc_id", S, 0),
    f("tgw-src-subnet-id", "tgw_src_subnet_id", S, 0),
    f("tgw-dst-subnet-id", "tgw_dst_subnet_id", S, 0),
    f("tgw-src-eni", "tgw_src_eni", S, 0),
    f("tgw-dst-eni", "tgw_dst_eni", S, 0),
    f("tgw-src-az-id", "tgw_src_az_id", S, 0),
    f("tgw-dst-az-id", "tgw_dst_az_id", S, 0),
    f("tgw-pair-attachment-id", "tgw_pair_attachment_id", S, 0),
    f("packets-lost-no-route", "packets_lost_no_route", I64, 0),
    f("packets-lost-blackhole", "packets_lost_blackhole", I64, 0),
    f("packets-lost-mtu-exceeded", "packets_lost_mtu_exceeded", I64, 0),
    f("packets-lost-ttl-expired", "packets_lost_ttl_expired", I64, 0),
];

/// The default (version 2) format: what AWS writes when no custom format is given.
pub const DEFAULT_FLOW_FORMAT: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// The index in [`FLOW_FIELDS`] of a field named either way (`pkt-srcaddr` or `pkt_srcaddr`).
pub fn flow_field_index(name: &str) -> Option<usize> {
    FLOW_FIELDS.iter().position(|f| f.aws == name || f.column == name)
}

/// The full `flows` schema.
pub fn flows() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| Arc::new(Schema::new(FLOW_FIELDS.iter().map(|f| Field::new(f.column, f.ty.arrow(), true)).collect::<Vec<_>>())))
        .clone()
}

/// Milliseconds since the epoch, UTC: the type of every event time.
pub fn event_time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The columns of the `cloudtrail` table: the record's top-level and `userIdentity` fields,
/// the free-form parts as JSON text, and the whole record as JSON text (`record`) with its
/// place in the input (`log_file`, `log_location`).
pub const CLOUDTRAIL_COLUMNS: &[(&str, &str)] = &[
    ("event_time", "eventTime"),
    ("event_version", "eventVersion"),
    ("event_source", "eventSource"),
    ("event_name", "eventName"),
    ("event_type", "eventType"),
    ("event_id", "eventID"),
    ("aws_region", "awsRegion"),
    ("source_ip_address", "sourceIPAddress"),
    ("user_agent", "userAgent"),
    ("error_code", "errorCode"),
    ("error_message", "errorMessage"),
    ("read_only", "readOnly"),
    ("recipient_account_id", "recipientAccountId"),
    ("user_type", "userIdentity.type"),
    ("user_arn", "userIdentity.arn"),
    ("user_account_id", "userIdentity.accountId"),
    ("principal_id", "userIdentity.principalId"),
    ("access_key_id", "userIdentity.accessKeyId"),
    ("user_name", "userIdentity.userName"),
    ("invoked_by", "userIdentity.invokedBy"),
    ("session_issuer_type", "userIdentity.sessionContext.sessionIssuer.type"),
    ("session_issuer_arn", "userIdentity.sessionContext.sessionIssuer.arn"),
    ("session_issuer_user_name", "userIdentity.sessionContext.sessionIssuer.userName"),
    ("mfa_authenticated", "userIdentity.sessionContext.attributes.mfaAuthenticated"),
    ("vpc_endpoint_id", "vpcEndpointId"),
    ("request_parameters", "requestParameters"),
    ("response_elements", "responseElements"),
    ("additional_event_data", "additionalEventData"),
    ("resources", "resources"),
    ("record", ""),
    ("log_file", ""),
    ("log_location", ""),
];

/// The `cloudtrail` schema: `event_time` is a UTC timestamp, `read_only` a boolean, the rest
/// text.
pub fn cloudtrail() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(
            CLOUDTRAIL_COLUMNS
                .iter()
                .map(|(c, _)| match *c {
                    "event_time" => Field::new(*c, event_time_type(), true),
                    "read_only" => Field::new(*c, DataType::Boolean, true),
                    _ => Field::new(*c, DataType::Utf8, true),
                })
                .collect::<Vec<_>>(),
        ))
    })
    .clone()
}

/// The columns of the `dns` table (Route 53 Resolver query logs), AWS's field names;
/// `srcids.instance` and friends become `srcids_instance`, …; `answers` keeps the logged JSON
/// array and `answer_rdata` lists each answer's `Rdata`.
pub const DNS_COLUMNS: &[&str] = &[
    "version",
    "account_id",
    "region",
    "vpc_id",
    "query_timestamp",
    "query_name",
    "query_type",
    "query_class",
    "rcode",
    "answers",
    "answer_rdata",
    "srcaddr",
    "srcport",
    "transport",
    "srcids_instance",
    "srcids_resolver_endpoint",
    "srcids_resolver_network_interface",
    "firewall_rule_action",
    "firewall_rule_group_id",
    "firewall_domain_list_id",
    "log_file",
    "log_location",
];

/// The `dns` schema.
pub fn dns() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(
            DNS_COLUMNS
                .iter()
                .map(|c| match *c {
                    "query_timestamp" => Field::new(*c, event_time_type(), true),
                    "srcport" => Field::new(*c, DataType::Int32, true),
                    "answer_rdata" => Field::new(*c, DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
                    _ => Field::new(*c, DataType::Utf8, true),
                })
                .collect::<Vec<_>>(),
        ))
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_field_has_a_unique_column() {
        let mut cols: Vec<_> = FLOW_FIELDS.iter().map(|f| f.column).collect();
        cols.sort();
        cols.dedup();
        assert_eq!(cols.len(), FLOW_FIELDS.len());
        for f in FLOW_FIELDS {
            assert_eq!(f.aws.replace('-', "_"), f.column);
        }
        assert_eq!(flow_field_index("pkt-srcaddr"), flow_field_index("pkt_srcaddr"));
        assert!(DEFAULT_FLOW_FORMAT.iter().all(|n| flow_field_index(n).is_some()));
    }

    #[test]
    fn versions_two_to_eight_are_covered() {
        for v in [2, 3, 4, 5, 7, 8] {
            assert!(FLOW_FIELDS.iter().any(|f| f.version == v), "no field of version {v}");
        }
        assert_eq!(flows().fields().len(), FLOW_FIELDS.len());
    }
}
