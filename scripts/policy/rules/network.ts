/** Network: NAT, flow logs, default security group, subnets, security group rules. */
import { Rule, fail, pass } from "../engine";
import { Attributes, Resource, asList, asNumber, isTrue, stringList } from "../model";

interface SgRule {
  direction: "ingress" | "egress";
  cidrs: string[];
  from?: number;
  to?: number;
  protocol: string;
  description?: string;
}

const SG_TYPES = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];
const OPEN = ["0.0.0.0/0", "::/0"];

/** Every rule a security-group resource declares, in one shape. */
export function sgRules(r: Resource): SgRule[] {
  const v = r.values;
  const inline = (direction: "ingress" | "egress") =>
    asList(v[direction]).map((b: Attributes) => ({
      direction,
      cidrs: [...stringList(b.cidr_blocks), ...stringList(b.ipv6_cidr_blocks)],
      from: asNumber(b.from_port),
      to: asNumber(b.to_port),
      protocol: String(b.protocol ?? ""),
      description: b.description as string | undefined,
    }));
  switch (r.type) {
    case "aws_security_group":
      return [...inline("ingress"), ...inline("egress")];
    case "aws_security_group_rule":
      return [
        {
          direction: v.type === "egress" ? "egress" : "ingress",
          cidrs: [...stringList(v.cidr_blocks), ...stringList(v.ipv6_cidr_blocks)],
          from: asNumber(v.from_port),
          to: asNumber(v.to_port),
          protocol: String(v.protocol ?? ""),
          description: v.description as string | undefined,
        },
      ];
    default:
      return [
        {
          direction: r.type.includes("egress") ? "egress" : "ingress",
          cidrs: [v.cidr_ipv4, v.cidr_ipv6].filter((c): c is string => typeof c === "string"),
          from: asNumber(v.from_port),
          to: asNumber(v.to_port),
          protocol: String(v.ip_protocol ?? ""),
          description: v.description as string | undefined,
        },
      ];
  }
}

const isHttpsOnly = (rule: SgRule) => ["tcp", "6"].includes(rule.protocol) && rule.from === 443 && rule.to === 443;
const hasDescription = (text: unknown) => typeof text === "string" && text.trim() !== "" && text !== "Managed by Terraform";

export const networkRules: Rule[] = [
  {
    id: "TS-NET-001",
    title: "No NAT gateway in any environment (twinstack: endpoints instead)",
    resourceTypes: ["aws_vpc"],
    check: (_vpc, { stack }) => {
      const nats = stack.ofType("aws_nat_gateway");
      return nats.length === 0 ? pass("no aws_nat_gateway") : fail(`NAT gateway(s) ${nats.map((n) => n.address).join(", ")}: use the S3 gateway endpoint and interface endpoints`);
    },
  },
  {
    id: "TS-NET-002",
    title: "VPC flow logs are enabled",
    resourceTypes: ["aws_vpc"],
    checkov: ["CKV2_AWS_11"],
    trivy: ["AVD-AWS-0178"],
    check: (vpc, { stack }) => {
      const logs = stack.referencing("aws_flow_log", "vpc_id", vpc);
      return logs.length > 0 ? pass(`flow log ${logs[0].address}`) : fail("no aws_flow_log with vpc_id of this VPC");
    },
  },
  {
    id: "TS-NET-003",
    title: "The VPC's default security group has no rules",
    resourceTypes: ["aws_vpc", "aws_default_security_group"],
    checkov: ["CKV2_AWS_12"],
    check: (r, { stack }) => {
      if (r.type === "aws_vpc") {
        const managed = stack.referencing("aws_default_security_group", "vpc_id", r);
        return managed.length > 0 ? pass(`default security group managed by ${managed[0].address}`) : fail("the default security group is not managed (aws_default_security_group): AWS leaves it allowing all traffic within the group");
      }
      const rules = asList(r.values.ingress).length + asList(r.values.egress).length;
      return rules === 0 ? pass("no ingress or egress") : fail(`${rules} rule(s) on the default security group`);
    },
  },
  {
    id: "TS-NET-004",
    title: "Private and isolated subnets do not assign public IPs",
    resourceTypes: ["aws_subnet"],
    checkov: ["CKV_AWS_130"],
    trivy: ["AVD-AWS-0164"],
    check: (r) => {
      if (!isTrue(r.values.map_public_ip_on_launch)) return pass("map_public_ip_on_launch false");
      const tier = String((r.values.tags as Record<string, string> | undefined)?.Tier ?? "");
      return tier === "public" ? pass("public subnet (Tier=public) maps public IPs") : fail(`map_public_ip_on_launch = true on a ${tier || "untagged"} subnet`);
    },
  },
  {
    id: "TS-NET-005",
    title: "Security groups and their rules have descriptions",
    resourceTypes: SG_TYPES,
    checkov: ["CKV_AWS_23"],
    trivy: ["AVD-AWS-0099", "AVD-AWS-0124"],
    check: (r) => {
      if (r.type === "aws_security_group" && !hasDescription(r.values.description)) return fail("security group without a description");
      const missing = sgRules(r).filter((rule) => !hasDescription(rule.description));
      return missing.length === 0 ? pass("described") : fail(`${missing.length} rule(s) without a description`);
    },
  },
  {
    id: "TS-NET-006",
    title: "No ingress from 0.0.0.0/0 or ::/0",
    resourceTypes: SG_TYPES,
    checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
    trivy: ["AVD-AWS-0107"],
    check: (r) => {
      const open = sgRules(r).filter((rule) => rule.direction === "ingress" && rule.cidrs.some((c) => OPEN.includes(c)));
      return open.length === 0 ? pass("no open ingress") : fail(`ingress from ${open.flatMap((o) => o.cidrs).join(", ")}`);
    },
  },
  {
    id: "TS-NET-007",
    title: "No egress to 0.0.0.0/0 except documented HTTPS (tcp/443 with a description)",
    resourceTypes: SG_TYPES,
    checkov: ["CKV_AWS_382"],
    trivy: ["AVD-AWS-0104"],
    check: (r) => {
      const open = sgRules(r).filter((rule) => rule.direction === "egress" && rule.cidrs.some((c) => OPEN.includes(c)));
      const bad = open.filter((rule) => !(isHttpsOnly(rule) && hasDescription(rule.description)));
      if (bad.length > 0) return fail(`egress to anywhere on ${bad.map((b) => `${b.protocol}/${b.from ?? "*"}-${b.to ?? "*"}`).join(", ")}; only described tcp/443 is allowed`);
      return pass(open.length > 0 ? "open egress is documented HTTPS only" : "no open egress");
    },
  },
  {
    id: "TS-NET-008",
    title: "Flow logs capture ALL traffic",
    resourceTypes: ["aws_flow_log"],
    checkov: [],
    check: (r) => (r.values.traffic_type === "ALL" ? pass("traffic_type ALL") : fail(`traffic_type ${r.values.traffic_type ?? "unset"}: rejected-only logs miss exfiltration`)),
  },
  {
    id: "TS-NET-009",
    title: "Interface endpoints use private DNS and a security group",
    resourceTypes: ["aws_vpc_endpoint"],
    checkov: [],
    check: (r) => {
      if (r.values.vpc_endpoint_type !== "Interface") return undefined;
      const sgs = r.values.security_group_ids;
      if (!isTrue(r.values.private_dns_enabled)) return fail("private_dns_enabled is not true: SDK clients would bypass the endpoint");
      return sgs && (typeof sgs === "string" || stringList(sgs).length > 0) ? pass("private DNS, security group attached") : fail("no security_group_ids (the VPC default group would apply)");
    },
  },
  {
    id: "TS-NET-010",
    title: "Default route to the internet only from public route tables",
    resourceTypes: ["aws_route"],
    checkov: [],
    check: (r, { stack }) => {
      if (!OPEN.includes(String(r.values.destination_cidr_block ?? r.values.destination_ipv6_cidr_block ?? ""))) return undefined;
      if (r.values.nat_gateway_id) return fail("default route through a NAT gateway");
      const table = stack.resolve(r.values.route_table_id);
      const name = String((table?.values.tags as Record<string, string> | undefined)?.Name ?? "");
      if (!r.values.gateway_id) return pass("default route not to an internet gateway");
      return table && /public/.test(name) ? pass(`internet route in ${name}`) : fail(`internet route in a route table not named public (${name || "unknown"})`);
    },
  },
];
