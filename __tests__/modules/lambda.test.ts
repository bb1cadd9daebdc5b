/**
 * Unit tests of modules/lambda (ApiFunction): cdktf `Testing.synthScope` and the synthesized
 * Terraform JSON, no AWS. They pin what the function is allowed to do (egress, IAM) because
 * least privilege is the point of the module and a plan review would not catch a widened
 * policy. The last suite runs real `terraform validate` with the real AWS provider (offline
 * mirror) on a tiny stack holding the construct, so argument names and types are checked by
 * the provider schema too, and runs the handler extracted from the packaged zip (python3's
 * zipfile extracts it); it skips loudly when terraform or the mirror is missing.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { App, TerraformOutput, TerraformStack, Testing } from "cdktf";
// Types of the cdktf jest matchers (toHaveResourceWithProperties); setup.ts registers them at runtime.
import "cdktf/lib/testing/adapters/jest";
import type { Construct } from "constructs";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiFunction, apiFunctionLogGroupName, logsKeyPolicyStatement, readVersionFile, type ApiFunctionProps } from "../../modules/lambda";
import { EncryptionKey } from "../../modules/kms";
import { runCommand, terraform, writeTerraformCliConfig } from "../../scripts/lib/terraform";
import { describeWithTools } from "../helpers/requirements";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const CLUSTER_RESOURCE_ID = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0";
const DB_SG = "sg-0db0db0db0db0db00";

function props(overrides: Partial<ApiFunctionProps> = {}): ApiFunctionProps {
  return {
    namePrefix: "twinstack-staging",
    region: REGION,
    accountId: ACCOUNT,
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    httpsEgressCidrs: ["10.20.0.0/16"],
    database: {
      host: "twinstack-staging.cluster-example.eu-west-1.rds.amazonaws.com",
      port: 5432,
      name: "app",
      user: "app_api",
      clusterResourceId: CLUSTER_RESOURCE_ID,
      securityGroupId: DB_SG,
    },
    ssmPrefix: "/twinstack/staging",
    environmentName: "staging",
    version: "1.2.3",
    gitSha: "0123456789abcdef0123456789abcdef01234567",
    deployedAt: "2026-01-02T03:04:05Z",
    logRetentionDays: 14,
    reservedConcurrency: 5,
    ...overrides,
  };
}

interface Synthesized {
  json: string;
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

function synth(build: (scope: Construct) => void): Synthesized {
  const json = Testing.synthScope(build);
  return { json, resource: JSON.parse(json).resource };
}

function only(resource: Synthesized["resource"], type: string): Record<string, unknown> {
  const all = Object.values(resource[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0];
}

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe("ApiFunction", () => {
  // GIVEN a staging API function with every prop set
  const { json, resource } = synth((scope) => new ApiFunction(scope, "api", props()));
  const statements = (): Statement[] => JSON.parse(only(resource, "aws_iam_role_policy").policy as string).Statement;

  test("runs Node.js 22 on arm64, traced, in the private subnets with its own security group", () => {
    // THEN the function has the runtime, architecture, tracing and VPC configuration
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "twinstack-staging-api",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      tracing_config: { mode: "Active" },
      vpc_config: {
        subnet_ids: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        security_group_ids: [expect.stringMatching(/^\$\{aws_security_group\.[\w-]+\.id\}$/)],
      },
      memory_size: 256,
      timeout: 10,
      reserved_concurrent_executions: 5,
      role: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/),
    });
  });

  test("packages functions/api (bundled) as a zip asset whose hash tracks the code", () => {
    const fn = only(resource, "aws_lambda_function");
    // THEN the code is an archive asset, relative to the stack directory, with a content hash
    expect(fn.filename).toMatch(/^assets\/[\w-]+\/[0-9A-F]+\/archive\.zip$/i);
    expect(fn.source_code_hash).toEqual((fn.filename as string).split("/")[2]);
  });

  test("sets exactly the deployment and database environment variables", () => {
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      environment: {
        variables: {
          ENVIRONMENT: "staging",
          APP_VERSION: "1.2.3",
          GIT_SHA: "0123456789abcdef0123456789abcdef01234567",
          DEPLOYED_AT: "2026-01-02T03:04:05Z",
          DB_HOST: "twinstack-staging.cluster-example.eu-west-1.rds.amazonaws.com",
          DB_PORT: "5432",
          DB_NAME: "app",
          DB_USER: "app_api",
          SSM_PREFIX: "/twinstack/staging",
          NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        },
      },
    });
    const variables = (only(resource, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;
    expect(Object.keys(variables).sort()).toEqual(["APP_VERSION", "DB_HOST", "DB_NAME", "DB_PORT", "DB_USER", "DEPLOYED_AT", "ENVIRONMENT", "GIT_SHA", "NODE_EXTRA_CA_CERTS", "SSM_PREFIX"]);
  });

  test("writes to /aws/lambda/<function> with the given retention, created before the function", () => {
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/lambda/twinstack-staging-api", retention_in_days: 14 });
    const fn = only(resource, "aws_lambda_function");
    expect(fn.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_cloudwatch_log_group\./), expect.stringMatching(/^aws_iam_role_policy\./)]));
  });

  test("security group egress is exactly PostgreSQL to the database group and HTTPS to the VPC", () => {
    // THEN the group itself has no inline rules
    const sg = only(resource, "aws_security_group");
    expect(sg.egress).toBeUndefined();
    expect(sg.ingress).toBeUndefined();
    expect(json).toHaveResourceWithProperties(SecurityGroup, { name: "twinstack-staging-api", vpc_id: "vpc-0123456789abcdef0" });
    // AND there are exactly two egress rules, each described, and no ingress rule
    const rules = Object.values(resource.aws_vpc_security_group_egress_rule ?? {});
    expect(rules).toHaveLength(2);
    expect(resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: DB_SG,
      description: expect.stringContaining("PostgreSQL"),
    });
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      ip_protocol: "tcp",
      from_port: 443,
      to_port: 443,
      cidr_ipv4: "10.20.0.0/16",
      description: expect.stringContaining("HTTPS"),
    });
    for (const rule of rules) {
      expect(rule.security_group_id).toMatch(/^\$\{aws_security_group\.[\w-]+\.id\}$/);
      expect(rule.description).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/);
      expect(rule.ip_protocol).not.toBe("-1");
      expect(rule.cidr_ipv6).toBeUndefined();
    }
  });

  test("the role trusts only Lambda, from its own account, and has no managed policies", () => {
    const role = only(resource, "aws_iam_role");
    expect(role.managed_policy_arns).toBeUndefined();
    expect(resource.aws_iam_role_policy_attachment).toBeUndefined();
    expect(resource.aws_iam_policy_attachment).toBeUndefined();
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Sid: "ServiceAssumesRole",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
    expect(json).toHaveResourceWithProperties(IamRole, { name: "twinstack-staging-api" });
    expect(json).toHaveResourceWithProperties(IamRolePolicy, { role: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.id\}$/) });
  });

  test("the role may do exactly the listed actions, all Allow, no principals, no wildcard actions", () => {
    const all = statements();
    expect(all.every((statement) => statement.Effect === "Allow" && statement.Principal === undefined)).toBe(true);
    const actions = all.flatMap((statement) => asList(statement.Action)).sort();
    expect(actions).toEqual(
      [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "rds-db:connect",
        "ssm:GetParametersByPath",
        "ssm:GetParameter",
      ].sort(),
    );
    expect(actions.some((action) => action.includes("*"))).toBe(false);
  });

  test("each action is scoped to the function's own resources; '*' only where AWS requires it", () => {
    const byAction = new Map<string, string[]>();
    for (const statement of statements()) for (const action of asList(statement.Action)) byAction.set(action, asList(statement.Resource));
    const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/twinstack-staging-api`;
    expect(byAction.get("logs:PutLogEvents")).toEqual([logGroupArn, `${logGroupArn}:*`]);
    expect(byAction.get("logs:CreateLogStream")).toEqual([logGroupArn, `${logGroupArn}:*`]);
    expect(byAction.get("rds-db:connect")).toEqual([`arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${CLUSTER_RESOURCE_ID}/app_api`]);
    const parameters = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/twinstack/staging`;
    expect(byAction.get("ssm:GetParametersByPath")).toEqual([parameters, `${parameters}/*`]);
    expect(byAction.get("ssm:GetParameter")).toEqual([parameters, `${parameters}/*`]);
    for (const action of ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]) {
      expect(byAction.get(action)).toEqual([`arn:aws:ec2:${REGION}:${ACCOUNT}:*/*`]);
    }
    // "*" is only for actions without resource-level permissions (X-Ray writes, EC2 Describe*)
    const wildcard = [...byAction].filter(([, resources]) => resources.includes("*")).map(([action]) => action).sort();
    expect(wildcard).toEqual(["ec2:DescribeNetworkInterfaces", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
  });

  test("outputs are references to the resources, usable by other modules", () => {
    // WHEN every output is exported from the stack
    const json = Testing.synthScope((scope) => {
      const fn = new ApiFunction(scope, "api", props());
      const outputs = {
        function_name: fn.functionName,
        function_arn: fn.functionArn,
        invoke_arn: fn.invokeArn,
        security_group_id: fn.securityGroupId,
        role_arn: fn.roleArn,
        log_group_name: fn.logGroupName,
      };
      for (const [name, value] of Object.entries(outputs)) new TerraformOutput(scope, name, { value });
    });
    // THEN each resolves to the attribute of the right resource
    const output = JSON.parse(json).output as Record<string, { value: string }>;
    expect(output.function_name.value).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.function_name\}$/);
    expect(output.function_arn.value).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.arn\}$/);
    expect(output.invoke_arn.value).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.invoke_arn\}$/);
    expect(output.security_group_id.value).toMatch(/^\$\{aws_security_group\.[\w-]+\.id\}$/);
    expect(output.role_arn.value).toMatch(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/);
    expect(output.log_group_name.value).toMatch(/^\$\{aws_cloudwatch_log_group\.[\w-]+\.name\}$/);
  });
});

describe("ApiFunction defaults and validation", () => {
  test("defaults: 256 MB, 10 s, 30-day logs, AWS-managed keys, version from VERSION, git SHA and deploy time unknown", () => {
    // GIVEN only the required props
    const { version: _v, gitSha: _g, deployedAt: _d, logRetentionDays: _l, ...required } = props();
    const { json, resource } = synth((scope) => new ApiFunction(scope, "api", required));
    // THEN the defaults apply
    const fn = only(resource, "aws_lambda_function");
    expect(fn).toMatchObject({ memory_size: 256, timeout: 10, reserved_concurrent_executions: 5 });
    expect(fn.kms_key_arn).toBeUndefined();
    expect(only(resource, "aws_cloudwatch_log_group").kms_key_id).toBeUndefined();
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 30 });
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect(variables.APP_VERSION).toBe(readFileSync(join(__dirname, "..", "..", "VERSION"), "utf8").trim());
    expect(variables.GIT_SHA).toBe("unknown");
    expect(variables.DEPLOYED_AT).toBe("unknown");
  });

  test("memory, timeout, name, keys and several HTTPS CIDRs are honoured; keys add no role permission", () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/example`;
    const { json, resource } = synth(
      (scope) =>
        new ApiFunction(
          scope,
          "api",
          props({ name: "worker", memoryMb: 512, timeoutSeconds: 25, logsKmsKeyArn: key, environmentKmsKeyArn: key, httpsEgressCidrs: ["10.20.0.0/16", "10.30.0.0/16"] }),
        ),
    );
    expect(json).toHaveResourceWithProperties(LambdaFunction, { function_name: "twinstack-staging-worker", memory_size: 512, timeout: 25, kms_key_arn: key });
    expect(only(resource, "aws_iam_role_policy").policy).not.toContain("kms:");
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/lambda/twinstack-staging-worker", kms_key_id: `arn:aws:kms:${REGION}:${ACCOUNT}:key/example` });
    const https = Object.values(resource.aws_vpc_security_group_egress_rule).filter((rule) => rule.from_port === 443);
    expect(https.map((rule) => rule.cidr_ipv4)).toEqual(["10.20.0.0/16", "10.30.0.0/16"]);
  });

  test("the database group admits the function through AuroraDatabase.allowConnectionsFrom-style ingress", () => {
    // GIVEN a database security group that admits the function's group (as the stack wires it)
    const { json } = synth((scope) => {
      const fn = new ApiFunction(scope, "api", props());
      new VpcSecurityGroupIngressRule(scope, "db-from-api", {
        securityGroupId: DB_SG,
        description: "PostgreSQL from the API function",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: fn.securityGroupId,
      });
    });
    // THEN the reference resolves to the function's security group
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { referenced_security_group_id: expect.stringMatching(/^\$\{aws_security_group\.[\w-]+\.id\}$/) });
  });

  test.each<[string, Partial<ApiFunctionProps>, RegExp]>([
    ["an ssmPrefix without a leading slash", { ssmPrefix: "twinstack/staging" }, /ssmPrefix \("twinstack\/staging"\) must start with "\/"/],
    ["an ssmPrefix with a trailing slash", { ssmPrefix: "/twinstack/staging/" }, /ssmPrefix .* not end with "\/"/],
    ["no subnets", { subnetIds: [] }, /subnetIds \(\[\]\) must list at least one/],
    ["no HTTPS destinations", { httpsEgressCidrs: [] }, /httpsEgressCidrs \(\[\]\) must list at least one/],
    ["a malformed CIDR", { httpsEgressCidrs: ["10.0.0.0"] }, /httpsEgressCidrs \("10\.0\.0\.0"\) must be IPv4 CIDRs/],
    ["zero reserved concurrency", { reservedConcurrency: 0 }, /reservedConcurrency \(0\) must be a whole number ≥ 1/],
    ["fractional reserved concurrency", { reservedConcurrency: 2.5 }, /reservedConcurrency \(2\.5\)/],
    ["too little memory", { memoryMb: 64 }, /memoryMb \(64\) must be a whole number from 128 to 10240/],
    ["a timeout above 15 minutes", { timeoutSeconds: 901 }, /timeoutSeconds \(901\) must be a whole number from 1 to 900/],
    ["a database user that is not an identifier", { database: { ...props().database, user: "App-User" } }, /database\.user \("App-User"\)/],
  ])("refuses %s, naming the construct and the field", (_label, overrides, message) => {
    expect(() => synth((scope) => new ApiFunction(scope, "api", props(overrides)))).toThrow(message);
    expect(() => synth((scope) => new ApiFunction(scope, "api", props(overrides)))).toThrow(/^stack\/api: /);
  });

  test("logsKeyPolicyStatement lets CloudWatch Logs use a key for the named groups only", () => {
    // WHEN the statement is built for the function's log group
    const statement = logsKeyPolicyStatement({ region: REGION, accountId: ACCOUNT, logGroupNames: [apiFunctionLogGroupName("twinstack-staging")] });
    // THEN the principal is the regional Logs service (not "*"), limited by encryption context
    expect(statement.Principal).toEqual({ Service: `logs.${REGION}.amazonaws.com` });
    expect(statement.Condition).toEqual({
      ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/twinstack-staging-api`] },
    });
    expect(asList(statement.Action).every((action) => action.startsWith("kms:") && !action.includes("*"))).toBe(true);
  });

  test("readVersionFile explains a missing VERSION file", () => {
    expect(() => readVersionFile("/nonexistent/VERSION")).toThrow(/cannot read the version from \/nonexistent\/VERSION .*pass props\.version/);
  });
});

describeWithTools("ApiFunction under real terraform validate", ["terraform", "provider-mirror"], () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "twinstack-lambda-"));
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test(
    "a stack with the provider, a VPC, a database group and the function validates",
    async () => {
      // GIVEN a tiny stack, synthesized to disk as cdktf does (assets included)
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "lambda");
      new AwsProvider(stack, "aws", { region: REGION, allowedAccountIds: [ACCOUNT] });
      const vpc = new Vpc(stack, "vpc", { cidrBlock: "10.20.0.0/16" });
      const dbSg = new SecurityGroup(stack, "db-sg", { name: "db", description: "database", vpcId: vpc.id });
      // (with a customer-managed key for its logs and environment, as the policy rules require)
      const key = new EncryptionKey(stack, "key", { alias: "twinstack-staging-app", description: "test", accountId: ACCOUNT });
      key.addPolicyStatement(logsKeyPolicyStatement({ region: REGION, accountId: ACCOUNT, logGroupNames: [apiFunctionLogGroupName("twinstack-staging")] }));
      const fn = new ApiFunction(
        stack,
        "api",
        props({ vpcId: vpc.id, database: { ...props().database, securityGroupId: dbSg.id }, logsKmsKeyArn: key.keyArn, environmentKmsKeyArn: key.keyArn }),
      );
      new VpcSecurityGroupIngressRule(stack, "db-from-api", {
        securityGroupId: dbSg.id,
        description: "PostgreSQL from the API function",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: fn.securityGroupId,
      });
      app.synth();
      const dir = join(outdir, "stacks", "lambda");
      const synthesized = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const filename = Object.values(synthesized.resource.aws_lambda_function as Record<string, { filename: string }>)[0].filename;
      // THEN the zip the function points at exists next to the stack, with index.js at its root
      // (the handler is `index.handler`), and the extracted handler answers
      expect(existsSync(join(dir, filename))).toBe(true);
      const unzipped = join(outdir, "unzipped");
      const extract = await runCommand("python3", ["-m", "zipfile", "-e", join(dir, filename), unzipped]);
      expect(extract.code).toBe(0);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const packaged = require(join(unzipped, "index.js")) as typeof import("../../functions/api");
      const version = await packaged.handler({ rawPath: "/version", requestContext: { http: { method: "GET" } } });
      expect(version.statusCode).toBe(200);

      // WHEN terraform initialises offline and validates it
      const { cliConfigFile } = writeTerraformCliConfig();
      const init = await terraform(["init", "-backend=false", "-no-color"], { cwd: dir, cliConfigFile });
      expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: "" });
      const validate = await terraform(["validate", "-json", "-no-color"], { cwd: dir, cliConfigFile });
      // THEN the provider schema accepts every argument
      const result = JSON.parse(validate.stdout);
      expect({ valid: result.valid, diagnostics: result.diagnostics }).toEqual({ valid: true, diagnostics: [] });
    },
    180000,
  );
});
