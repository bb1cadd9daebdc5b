import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { policyJson, serviceTrustPolicy } from "../iam/policy";

export type SubnetTier = "public" | "private" | "isolated";
const TIERS: SubnetTier[] = ["public", "private", "isolated"];

export interface NetworkProps {
  /** Name prefix for every resource, e.g. `twinstack-staging`. */
  readonly namePrefix: string;
  /** VPC CIDR (/16 to /24); each subnet gets 1/16th of it. */
  readonly cidr: string;
  /** Availability zones, named explicitly (2 to 4) so plans need no lookups. */
  readonly availabilityZones: string[];
  /** Region, for endpoint service names. */
  readonly region: string;
  /** Account id, to scope the flow-log role's trust. */
  readonly accountId: string;
  /** Interface endpoints (service short names, e.g. `secretsmanager`). Default none: each costs per AZ-hour. */
  readonly interfaceEndpoints?: string[];
  /** Flow-log group retention in days. Default 30. */
  readonly flowLogRetentionDays?: number;
  /** KMS key ARN for the flow-log group. Default: CloudWatch's own encryption. */
  readonly logsKmsKeyArn?: string;
}

/**
 * A VPC with no NAT gateway, ever: public subnets (internet gateway), private subnets for the
 * application and isolated subnets for the database, in every configured AZ. AWS services are
 * reached through a free S3 gateway endpoint and, only where asked, interface endpoints.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnetIds: Record<SubnetTier, string[]>;
  readonly routeTableIds: Record<SubnetTier, string[]>;
  /** Security group of the interface endpoints (absent when there are none). */
  readonly endpointSecurityGroupId?: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { namePrefix } = props;
    this.cidr = props.cidr;
    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: namePrefix },
    });
    this.vpcId = this.vpc.id;

    // The default security group is managed so that it has no rules at all.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: this.vpc.id, tags: { Name: `${namePrefix}-default-unused` } });

    const internetGateway = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: namePrefix } });

    this.subnetIds = { public: [], private: [], isolated: [] };
    this.routeTableIds = { public: [], private: [], isolated: [] };
    const publicRouteTable = new RouteTable(this, "public-rt", { vpcId: this.vpc.id, tags: { Name: `${namePrefix}-public` } });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });
    this.routeTableIds.public.push(publicRouteTable.id);

    TIERS.forEach((tier, tierIndex) => {
      props.availabilityZones.forEach((az, azIndex) => {
        const subnet = new Subnet(this, `${tier}-${az}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          // Four slots per tier: up to 4 AZs, each subnet 1/16th of the VPC.
          cidrBlock: Fn.cidrsubnet(props.cidr, 4, tierIndex * 4 + azIndex),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${namePrefix}-${tier}-${az}`, Tier: tier },
        });
        this.subnetIds[tier].push(subnet.id);
        // Public subnets share one route table; private and isolated get one per AZ so
        // endpoints and future per-AZ routes stay explicit.
        const routeTableId =
          tier === "public"
            ? publicRouteTable.id
            : new RouteTable(this, `${tier}-rt-${az}`, { vpcId: this.vpc.id, tags: { Name: `${namePrefix}-${tier}-${az}` } }).id;
        if (tier !== "public") this.routeTableIds[tier].push(routeTableId);
        new RouteTableAssociation(this, `${tier}-rta-${az}`, { subnetId: subnet.id, routeTableId });
      });
    });

    new VpcEndpoint(this, "s3-gateway", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...this.routeTableIds.private, ...this.routeTableIds.isolated],
      tags: { Name: `${namePrefix}-s3` },
    });

    const interfaceEndpoints = props.interfaceEndpoints ?? [];
    if (interfaceEndpoints.length > 0) {
      const endpointSg = new SecurityGroup(this, "endpoints-sg", {
        name: `${namePrefix}-endpoints`,
        description: "Interface endpoints: HTTPS from inside the VPC only",
        vpcId: this.vpc.id,
        tags: { Name: `${namePrefix}-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, "endpoints-https-from-vpc", {
        securityGroupId: endpointSg.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.cidr,
      });
      this.endpointSecurityGroupId = endpointSg.id;
      for (const service of interfaceEndpoints) {
        new VpcEndpoint(this, `endpoint-${service}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.subnetIds.private,
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${namePrefix}-${service}` },
        });
      }
    }

    const flowLogGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: `/${namePrefix}/vpc-flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 30,
      kmsKeyId: props.logsKmsKeyArn,
    });
    const flowLogRole = new IamRole(this, "flow-logs-role", {
      name: `${namePrefix}-vpc-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", props.accountId),
    });
    new IamRolePolicy(this, "flow-logs-policy", {
      name: "write-flow-logs",
      role: flowLogRole.id,
      policy: policyJson([
        {
          Sid: "WriteOwnLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [flowLogGroup.arn, `${flowLogGroup.arn}:*`],
        },
      ]),
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 600,
    });
  }
}
