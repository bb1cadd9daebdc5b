/** Unit tests of modules/vpc (cdktf Testing, no AWS). */
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Testing } from "cdktf";
import { Network, NetworkProps } from "../../modules/vpc";

const baseProps: NetworkProps = {
  namePrefix: "twinstack-test",
  cidr: "10.30.0.0/16",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  region: "us-east-1",
  accountId: "111111111111",
};

function synth(props: Partial<NetworkProps> = {}) {
  let network: Network | undefined;
  const json = Testing.synthScope((scope) => {
    network = new Network(scope, "network", { ...baseProps, ...props });
  });
  return { json, parsed: JSON.parse(json), network: network! };
}

describe("Network", () => {
  test("GIVEN two AZs WHEN synthesized THEN three tiers of two subnets, none assigning public IPs, and no NAT gateway", () => {
    const { json, parsed } = synth();
    const subnets = Object.values(parsed.resource.aws_subnet) as Array<Record<string, unknown>>;
    expect(subnets).toHaveLength(6);
    expect(subnets.every((subnet) => subnet.map_public_ip_on_launch === false)).toBe(true);
    expect(json).toHaveResourceWithProperties(Subnet, { availability_zone: "us-east-1b", tags: { Name: "twinstack-test-isolated-us-east-1b", Tier: "isolated" } });
    expect(parsed.resource.aws_nat_gateway).toBeUndefined();
  });

  test("GIVEN the default config THEN the S3 gateway endpoint serves every private and isolated route table", () => {
    const { json, parsed } = synth();
    const gateway = Object.values(parsed.resource.aws_vpc_endpoint)[0] as { route_table_ids: string[] };
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { vpc_endpoint_type: "Gateway", service_name: "com.amazonaws.us-east-1.s3" });
    expect(gateway.route_table_ids).toHaveLength(4);
    expect(Object.keys(parsed.resource.aws_vpc_endpoint)).toHaveLength(1);
  });

  test("GIVEN interface endpoints THEN each is private-DNS in the private subnets behind an HTTPS-from-VPC group", () => {
    const { json } = synth({ interfaceEndpoints: ["secretsmanager", "rds"] });
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { vpc_endpoint_type: "Interface", service_name: "com.amazonaws.us-east-1.secretsmanager", private_dns_enabled: true });
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { vpc_endpoint_type: "Interface", service_name: "com.amazonaws.us-east-1.rds" });
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { from_port: 443, to_port: 443, cidr_ipv4: "10.30.0.0/16", ip_protocol: "tcp" });
  });

  test("THEN flow logs go to a log group with retention and the default security group has no rules", () => {
    const { json, parsed } = synth({ flowLogRetentionDays: 7 });
    expect(json).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/twinstack-test/vpc-flow-logs", retention_in_days: 7 });
    expect(json).toHaveResourceWithProperties(DefaultSecurityGroup, {});
    const defaultSg = Object.values(parsed.resource.aws_default_security_group)[0] as Record<string, unknown>;
    expect(defaultSg.ingress).toBeUndefined();
    expect(defaultSg.egress).toBeUndefined();
    const trust = JSON.parse((Object.values(parsed.resource.aws_iam_role)[0] as { assume_role_policy: string }).assume_role_policy);
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } }),
    ]);
  });

  test("THEN typed outputs list subnets and route tables per tier", () => {
    const { network } = synth({ availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] });
    expect(network.subnetIds.private).toHaveLength(3);
    expect(network.subnetIds.isolated).toHaveLength(3);
    expect(network.routeTableIds.isolated).toHaveLength(3);
    expect(network.routeTableIds.public).toHaveLength(1);
  });
});
