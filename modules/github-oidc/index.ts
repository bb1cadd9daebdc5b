/**
 * GitHub Actions → AWS without stored keys: the account's GitHub OIDC provider and the roles
 * the workflows assume with it (plan, apply, and the staging refresh), each trusted only for
 * exact subjects of one repository. The production account also gets the role the refresh uses
 * to snapshot and share production's database (assumed only by staging's refresh role).
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { PolicyStatement, policyJson } from "../iam/policy";

/** The issuer of GitHub Actions' OIDC tokens. */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
/** The issuer host, as IAM names the token's claims (`<host>:aud`, `<host>:sub`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** One GitHub repository. */
export interface GithubRepository {
  /** Owner (user or organisation), exactly as in the URL, e.g. `example-org`. */
  readonly owner: string;
  /** Repository name, e.g. `twinstack`. */
  readonly repository: string;
}

/** The account's Terraform state, which plan and apply roles use. */
export interface StateAccess {
  /** ARN of the state bucket. */
  readonly bucketArn: string;
  /** ARN of the DynamoDB lock table. */
  readonly lockTableArn: string;
  /** ARN of the KMS key that encrypts the state and the lock table. */
  readonly keyArn: string;
}

/** The staging refresh role: exactly what `npm run refresh -- run` does in the target account. */
export interface RefreshRoleProps {
  /** Target environment name, e.g. `staging`; the role trusts only `environment:refresh-<target>`. */
  readonly target: string;
  /** Source environment name, e.g. `production`. */
  readonly source: string;
  /** The source (production) account id, where the shared snapshots and the uploads bucket live. */
  readonly sourceAccountId: string;
  /** The lock table that holds the refresh lock item (the account's state lock table). */
  readonly lockTableArn: string;
  /** The key encrypting the lock table (the state key). */
  readonly lockTableKeyArn: string;
  /** Partition key values (`LockID`) of the refresh lock items (`dynamodb:LeadingKeys`). Default `["<project>-refresh/<target>"]`, as scripts/refresh/lock.ts writes it. */
  readonly lockKeys?: string[];
  /** Production's uploads bucket name (read: list and get). */
  readonly sourceUploadsBucketName: string;
  /** Staging's uploads bucket name (write: put and delete). */
  readonly targetUploadsBucketName: string;
  /** Maximum session length of the refresh role, seconds. Default 14400 (4 hours). */
  readonly maxSessionDurationSeconds?: number;
  /** ARN of the role in the source account that snapshots and shares the source database (see `RefreshSourceRoleProps`); the only role this one may assume. Omit when the operator provides source credentials otherwise. */
  readonly sourceRoleArn?: string;
}

/** The production side of the refresh: snapshot and share, nothing else. */
export interface RefreshSourceRoleProps {
  /** Source environment name, e.g. `production`. */
  readonly source: string;
  /** ARN of the staging refresh role: the only principal trusted to assume this role. */
  readonly refreshRoleArn: string;
  /** Accounts the snapshots may be shared with (restore attribute), e.g. the staging account. */
  readonly shareWithAccountIds: string[];
}

export interface GithubOidcProps {
  /** Project name, the prefix of every resource name (`twinstack`). */
  readonly project: string;
  /** The account these roles live in. */
  readonly accountId: string;
  /** AWS region of the project's resources (for ARNs). */
  readonly region: string;
  /** AWS partition. Default `aws`. */
  readonly partition?: string;
  /** The only repository whose workflows may assume these roles. */
  readonly github: GithubRepository;
  /** The account's state bucket, lock table and key. */
  readonly state: StateAccess;
  /** GitHub environments whose jobs may assume the apply role, e.g. `["staging", "preview"]`. At least one. */
  readonly applyEnvironments: string[];
  /**
   * GitHub environments whose jobs may assume the plan role besides pull requests, e.g.
   * `["staging-plan"]` for plans on `main` (apply.yml, drift.yml). Default none.
   */
  readonly planEnvironments?: string[];
  /**
   * Object ARNs (patterns) the plan role may still read, e.g. a bucket whose objects Terraform
   * manages (`aws_s3_object` refresh uses HeadObject, which needs s3:GetObject). Object reads
   * anywhere else, item reads outside the lock table and secret values are denied to the plan
   * role, because a pull request's code runs with it. Default none.
   */
  readonly planReadableObjectArns?: string[];
  /** Create the OIDC provider. Default true; set false and pass `providerArn` if the account already has one (one per URL per account). */
  readonly createProvider?: boolean;
  /** ARN of an existing GitHub OIDC provider (when `createProvider` is false). */
  readonly providerArn?: string;
  /**
   * Thumbprints of the issuer's certificate. Default none: since 2023 IAM verifies GitHub's
   * tokens against its own trusted root CAs and ignores thumbprints; provider 5.100 makes the
   * list optional.
   */
  readonly thumbprints?: string[];
  /** Maximum session length of the roles, seconds. Default 3600. */
  readonly maxSessionDurationSeconds?: number;
  /** Add the staging refresh role (staging account only). */
  readonly refresh?: RefreshRoleProps;
  /** Add the production role the refresh assumes to snapshot and share (production account only). */
  readonly refreshSource?: RefreshSourceRoleProps;
}

/** `repo:<owner>/<repo>:pull_request`, the subject of every pull_request-triggered job. */
export function pullRequestSubject(github: GithubRepository): string {
  return `repo:${github.owner}/${github.repository}:pull_request`;
}

/** `repo:<owner>/<repo>:environment:<env>`, the subject of a job that names a GitHub environment. */
export function environmentSubject(github: GithubRepository, environment: string): string {
  return `repo:${github.owner}/${github.repository}:environment:${environment}`;
}

const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9_.-]+$/;

function assertNames(props: GithubOidcProps): void {
  const problems: string[] = [];
  if (!GITHUB_NAME.test(props.github.owner)) problems.push(`github.owner (${JSON.stringify(props.github.owner)}) must be a GitHub owner name (letters, digits, - _ .), no wildcards`);
  if (!GITHUB_NAME.test(props.github.repository)) problems.push(`github.repository (${JSON.stringify(props.github.repository)}) must be a repository name (letters, digits, - _ .), no wildcards`);
  if (props.applyEnvironments.length === 0) problems.push("applyEnvironments must name at least one GitHub environment");
  for (const env of [...props.applyEnvironments, ...(props.planEnvironments ?? [])]) {
    if (!ENVIRONMENT_NAME.test(env)) problems.push(`GitHub environment (${JSON.stringify(env)}) must be letters, digits, - _ . (no wildcards)`);
  }
  const source = props.refreshSource;
  if (source) {
    const account = /^arn:[\w-]+:iam::(\d{12}):role\//.exec(source.refreshRoleArn)?.[1];
    if (!account) problems.push(`refreshSource.refreshRoleArn (${JSON.stringify(source.refreshRoleArn)}) must be an IAM role ARN`);
    else if (!source.shareWithAccountIds.includes(account)) problems.push(`refreshSource.shareWithAccountIds (${JSON.stringify(source.shareWithAccountIds)}) must include the refresh role's account (${account})`);
  }
  if (props.createProvider === false && !props.providerArn) problems.push("providerArn is required when createProvider is false");
  if (problems.length > 0) throw new Error(`modules/github-oidc: ${problems.join("; ")}`);
}

/**
 * The trust policy of a role assumed with a GitHub OIDC token: `StringEquals` on the audience
 * and on the exact subjects (never `StringLike`, never a wildcard).
 */
export function githubTrustPolicy(providerArn: string, subjects: string[]): string {
  return policyJson([
    {
      Sid: "GithubActionsAssumeRole",
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
        },
      },
    },
  ]);
}

/** The bucket-policy statement production's uploads bucket needs so staging's refresh role can read it (add it with `SecureBucket.addPolicyStatement`). */
export function refreshReadGrantStatement(options: { bucketArn: string; refreshRoleArn: string }): PolicyStatement {
  return {
    Sid: "StagingRefreshReadsObjects",
    Effect: "Allow",
    Principal: { AWS: options.refreshRoleArn },
    Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
    Resource: [options.bucketArn, `${options.bucketArn}/*`],
  };
}

/** The ARN a role of this module will have (to wire the other account before it exists). */
export function roleArn(accountId: string, name: string, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:role/${name}`;
}

/** Role names, fixed so the other account and the workflows can name them before they exist. */
export function roleNames(project: string, refreshTarget = "staging"): { plan: string; apply: string; refresh: string; refreshSource: string } {
  return {
    plan: `${project}-github-plan`,
    apply: `${project}-github-apply`,
    refresh: `${project}-github-refresh-${refreshTarget}`,
    refreshSource: `${project}-refresh-source`,
  };
}

export class GithubOidc extends Construct {
  /** ARN of the GitHub OIDC provider (created or given). */
  readonly providerArn: string;
  readonly planRole: IamRole;
  readonly applyRole: IamRole;
  readonly refreshRole?: IamRole;
  readonly refreshSourceRole?: IamRole;
  /** The provider resource, when this construct created it. */
  readonly provider?: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    assertNames(props);
    const partition = props.partition ?? "aws";
    const arn = new Arns(partition, props.region, props.accountId);
    const maxSessionDuration = props.maxSessionDurationSeconds ?? 3600;
    const names = roleNames(props.project, props.refresh?.target);

    if (props.createProvider ?? true) {
      this.provider = new IamOpenidConnectProvider(this, "provider", {
        url: GITHUB_OIDC_URL,
        clientIdList: [STS_AUDIENCE],
        thumbprintList: props.thumbprints && props.thumbprints.length > 0 ? props.thumbprints : undefined,
      });
      this.providerArn = this.provider.arn;
    } else {
      this.providerArn = props.providerArn as string;
    }

    const readOnly = `arn:${partition}:iam::aws:policy/ReadOnlyAccess`;

    // ---- plan: pull requests (and <env>-plan environments) -------------------------------------
    this.planRole = new IamRole(this, "plan-role", {
      name: names.plan,
      description: `Terraform plan from GitHub Actions (${props.github.owner}/${props.github.repository}): read-only, plus the state lock`,
      maxSessionDuration,
      assumeRolePolicy: githubTrustPolicy(this.providerArn, [
        pullRequestSubject(props.github),
        ...(props.planEnvironments ?? []).map((env) => environmentSubject(props.github, env)),
      ]),
    });
    // ReadOnlyAccess (AWS-managed) lets Terraform refresh every resource type the stacks use;
    // the inline Deny below takes away the data it would otherwise let a pull request read.
    new IamRolePolicyAttachment(this, "plan-read-only", { role: this.planRole.name, policyArn: readOnly });
    new IamRolePolicy(this, "plan-policy", {
      role: this.planRole.id,
      name: "terraform-plan",
      policy: policyJson([...stateStatements(props.state, false), ...denyDataReads(props.state, props.planReadableObjectArns ?? [])]),
    });

    // ---- apply: one GitHub environment per deployed environment (reviewers gate production) ------
    this.applyRole = new IamRole(this, "apply-role", {
      name: names.apply,
      description: `Terraform apply from GitHub Actions environments ${props.applyEnvironments.join(", ")} of ${props.github.owner}/${props.github.repository}`,
      maxSessionDuration,
      assumeRolePolicy: githubTrustPolicy(
        this.providerArn,
        props.applyEnvironments.map((env) => environmentSubject(props.github, env)),
      ),
    });
    new IamRolePolicyAttachment(this, "apply-read-only", { role: this.applyRole.name, policyArn: readOnly });
    new IamRolePolicy(this, "apply-state", {
      role: this.applyRole.id,
      name: "terraform-state",
      policy: policyJson(stateStatements(props.state, true)),
    });
    new IamRolePolicy(this, "apply-deploy", {
      role: this.applyRole.id,
      name: "deploy-project-resources",
      policy: policyJson(applyStatements(props.project, arn)),
    });

    // ---- staging refresh ------------------------------------------------------------------------
    if (props.refresh) {
      const refresh = props.refresh;
      this.refreshRole = new IamRole(this, "refresh-role", {
        name: names.refresh,
        description: `Refresh of ${props.project}-${refresh.target} from ${refresh.source}, from GitHub Actions environment refresh-${refresh.target}`,
        // A refresh (snapshot, restore, instance, swap) takes longer than an hour.
        maxSessionDuration: refresh.maxSessionDurationSeconds ?? 14400,
        assumeRolePolicy: githubTrustPolicy(this.providerArn, [environmentSubject(props.github, `refresh-${refresh.target}`)]),
      });
      new IamRolePolicy(this, "refresh-policy", {
        role: this.refreshRole.id,
        name: "refresh",
        policy: policyJson(refreshStatements(props.project, arn, refresh)),
      });
    }

    // ---- production side of the refresh -----------------------------------------------------------
    if (props.refreshSource) {
      const source = props.refreshSource;
      this.refreshSourceRole = new IamRole(this, "refresh-source-role", {
        name: names.refreshSource,
        description: `Snapshots and shares ${props.project}-${source.source} for the refresh; assumed only by ${source.refreshRoleArn}`,
        maxSessionDuration: 3600,
        assumeRolePolicy: policyJson([
          {
            Sid: "StagingRefreshAssumesRole",
            Effect: "Allow",
            Principal: { AWS: source.refreshRoleArn },
            Action: "sts:AssumeRole",
          },
        ]),
      });
      new IamRolePolicy(this, "refresh-source-policy", {
        role: this.refreshSourceRole.id,
        name: "refresh-source",
        policy: policyJson(refreshSourceStatements(props.project, arn, source)),
      });
    }
  }
}

/** ARN builders for one account and region. */
class Arns {
  constructor(
    readonly partition: string,
    readonly region: string,
    readonly accountId: string,
  ) {}
  of(service: string, resource: string, options: { region?: string; account?: string } = {}): string {
    return `arn:${this.partition}:${service}:${options.region ?? this.region}:${options.account ?? this.accountId}:${resource}`;
  }
  global(service: string, resource: string): string {
    return `arn:${this.partition}:${service}::${this.accountId}:${resource}`;
  }
  s3(bucketOrObject: string): string {
    return `arn:${this.partition}:s3:::${bucketOrObject}`;
  }
}

/** A policy statement that may name `NotResource` (for Deny statements only). */
type StatementWithNotResource = PolicyStatement & { readonly NotResource?: string[] };

/** State bucket read (write too for apply), lock-file write/delete, DynamoDB lock, state key use. */
function stateStatements(state: StateAccess, write: boolean): PolicyStatement[] {
  return [
    { Sid: "StateBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn },
    {
      Sid: write ? "StateObjectsReadWrite" : "StateObjectsRead",
      Effect: "Allow",
      Action: write ? ["s3:GetObject", "s3:PutObject"] : "s3:GetObject",
      Resource: `${state.bucketArn}/*`,
    },
    // use_lockfile: `<key>.tflock` next to the state object.
    { Sid: "StateLockFiles", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${state.bucketArn}/*.tflock` },
    { Sid: "StateLockTable", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: state.lockTableArn },
    { Sid: "StateKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: state.keyArn },
  ];
}

/**
 * ReadOnlyAccess includes data reads (every object, item and secret value) that a plan does not
 * need; a pull request's code runs with the plan role, so those are denied outside the state.
 */
function denyDataReads(state: StateAccess, readableObjectArns: string[]): StatementWithNotResource[] {
  return [
    {
      Sid: "DenyObjectReadsOutsideState",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      NotResource: [`${state.bucketArn}/*`, ...readableObjectArns],
    },
    {
      Sid: "DenyItemReadsOutsideLockTable",
      Effect: "Deny",
      Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetRecords"],
      NotResource: [state.lockTableArn],
    },
    { Sid: "DenySecretValues", Effect: "Deny", Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], Resource: "*" },
  ];
}

/**
 * What the environment stacks create, scoped to `<project>-*` names wherever the service puts
 * the name in the ARN. Where it does not (EC2 networking, API Gateway, CloudFront, Cognito
 * user pools, KMS key creation, X-Ray), the resource is `*`, limited by the account's region
 * (`aws:RequestedRegion`) and, for creation, by the `Project` tag the provider applies.
 */
function applyStatements(project: string, arn: Arns): PolicyStatement[] {
  const p = `${project}-*`;
  const inRegion = { StringEquals: { "aws:RequestedRegion": [arn.region, "us-east-1"] } };
  return [
    {
      // EC2 networking ids are generated (vpc-…, subnet-…): no name in the ARN.
      Sid: "NetworkEc2ById",
      Effect: "Allow",
      Action: ["ec2:Create*", "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:Attach*", "ec2:Detach*", "ec2:Authorize*", "ec2:Revoke*", "ec2:Replace*", "ec2:UpdateSecurityGroupRuleDescriptions*"],
      Resource: "*",
      Condition: inRegion,
    },
    {
      Sid: "DatabaseRds",
      Effect: "Allow",
      Action: ["rds:Create*", "rds:Modify*", "rds:Delete*", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:EnableHttpEndpoint", "rds:DisableHttpEndpoint"],
      Resource: [
        arn.of("rds", `cluster:${p}`),
        arn.of("rds", `db:${p}`),
        arn.of("rds", `subgrp:${p}`),
        arn.of("rds", `cluster-pg:${p}`),
        arn.of("rds", `pg:${p}`),
        arn.of("rds", `cluster-snapshot:${p}`),
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    {
      // RDS creates the managed master secret (`rds!cluster-<uuid>`): its name is not ours to choose.
      Sid: "RdsManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
    },
    {
      Sid: "ProjectSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"],
      Resource: arn.of("secretsmanager", `secret:${p}`),
    },
    {
      // CreateKey has no resource; the keys it makes are tagged Project by the provider.
      Sid: "KmsCreateKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:RequestTag/Project`]: project } },
    },
    {
      Sid: "KmsManageProjectKeys",
      Effect: "Allow",
      Action: ["kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      Resource: arn.of("kms", "key/*"),
      Condition: { StringEquals: { "aws:ResourceTag/Project": project } },
    },
    {
      Sid: "KmsProjectAliases",
      Effect: "Allow",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: [arn.of("kms", `alias/${p}`), arn.of("kms", "key/*")],
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:AssociateKmsKey"],
      Resource: [
        arn.of("logs", `log-group:/aws/rds/cluster/${p}`),
        arn.of("logs", `log-group:/aws/lambda/${p}`),
        arn.of("logs", `log-group:/aws/vpc/${p}`),
        arn.of("logs", `log-group:/aws/apigateway/${p}`),
        arn.of("logs", `log-group:${p}`),
      ],
    },
    {
      Sid: "IamProjectRoles",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy"],
      Resource: [arn.global("iam", `role/${p}`), arn.global("iam", `policy/${p}`)],
    },
    {
      Sid: "IamPassProjectRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: arn.global("iam", `role/${p}`),
      Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "rds.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com", "apigateway.amazonaws.com"] } },
    },
    {
      // Aurora, flow logs and RDS monitoring need their service-linked roles once per account.
      Sid: "IamServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: arn.global("iam", "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": ["rds.amazonaws.com", "ops.apigateway.amazonaws.com"] } },
    },
    {
      Sid: "S3ProjectBuckets",
      Effect: "Allow",
      Action: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutAccelerateConfiguration", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
      Resource: [arn.s3(p), arn.s3(`${p}/*`)],
    },
    {
      Sid: "LambdaProjectFunctions",
      Effect: "Allow",
      Action: ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
      Resource: [arn.of("lambda", `function:${p}`)],
    },
    {
      Sid: "ParametersAndTables",
      Effect: "Allow",
      Action: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive"],
      Resource: [arn.of("ssm", `parameter/${project}/*`), arn.of("dynamodb", `table/${p}`)],
    },
    {
      Sid: "AlarmsAndTopics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards", "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource"],
      Resource: [arn.of("cloudwatch", `alarm:${p}`), arn.global("cloudwatch", `dashboard/${p}`), arn.of("sns", p)],
    },
    {
      // API Gateway ids, CloudFront distributions and OACs, Cognito pools, ACM certificates and
      // Route 53 records are addressed by generated ids: no name in the ARN to scope by.
      Sid: "EdgeAndIdentityById",
      Effect: "Allow",
      Action: [
        "apigateway:POST",
        "apigateway:PUT",
        "apigateway:PATCH",
        "apigateway:DELETE",
        "apigateway:TagResource",
        "apigateway:UntagResource",
        "cloudfront:CreateDistribution*",
        "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:TagResource",
        "cloudfront:UntagResource",
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:DeleteOriginAccessControl",
        "cognito-idp:CreateUserPool*",
        "cognito-idp:UpdateUserPool*",
        "cognito-idp:DeleteUserPool*",
        "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:TagResource",
        "cognito-idp:UntagResource",
        "acm:RequestCertificate",
        "acm:DeleteCertificate",
        "acm:AddTagsToCertificate",
        "route53:ChangeResourceRecordSets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ],
      Resource: "*",
      Condition: inRegion,
    },
  ];
}

/** Exactly what the refresh does in the target account. */
function refreshStatements(project: string, arn: Arns, refresh: RefreshRoleProps): PolicyStatement[] {
  const target = `${project}-${refresh.target}`;
  const source = `${project}-${refresh.source}`;
  const databaseKeyAlias = `alias/${target}-database`;
  const statements: PolicyStatement[] = [
    {
      // Describe* and ListTagsForResource do not support resource-level scoping well; read only.
      Sid: "RdsDescribe",
      Effect: "Allow",
      Action: ["rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes", "rds:DescribeDBSubnetGroups", "rds:DescribeDBClusterParameterGroups", "rds:DescribeAccountAttributes", "rds:DescribeOrderableDBInstanceOptions", "rds:ListTagsForResource"],
      Resource: "*",
    },
    {
      Sid: "RdsRestoreSwapCleanupTarget",
      Effect: "Allow",
      Action: [
        "rds:RestoreDBClusterFromSnapshot",
        "rds:CreateDBInstance",
        "rds:ModifyDBCluster",
        "rds:ModifyDBInstance",
        "rds:EnableHttpEndpoint",
        "rds:DeleteDBCluster",
        "rds:DeleteDBInstance",
        "rds:CreateDBClusterSnapshot",
        "rds:DeleteDBClusterSnapshot",
        "rds:AddTagsToResource",
      ],
      Resource: [
        arn.of("rds", `cluster:${target}*`),
        arn.of("rds", `db:${target}*`),
        arn.of("rds", `cluster-snapshot:${target}*`),
        arn.of("rds", `subgrp:${target}*`),
        arn.of("rds", `cluster-pg:${target}*`),
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    {
      // The shared snapshot lives in the source account; the target only restores from it.
      Sid: "RdsRestoreFromSharedSourceSnapshot",
      Effect: "Allow",
      Action: ["rds:RestoreDBClusterFromSnapshot", "rds:DescribeDBClusterSnapshots"],
      Resource: arn.of("rds", `cluster-snapshot:${source}*`, { account: refresh.sourceAccountId }),
    },
    {
      // Restore re-encrypts with the target's database key and switches the master password to a managed secret under it.
      Sid: "TargetDatabaseKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey", "kms:CreateGrant"],
      Resource: arn.of("kms", "key/*"),
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": databaseKeyAlias } },
    },
    {
      // The source database key's policy admits the target account (modules/aurora snapshotShareAccountIds); IAM must allow it too.
      Sid: "SourceDatabaseKeyForRestore",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:CreateGrant"],
      Resource: arn.of("kms", "key/*", { account: refresh.sourceAccountId }),
      Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
    },
    {
      Sid: "RefreshLockItem",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      Resource: refresh.lockTableArn,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": refresh.lockKeys ?? [`${project}-refresh/${refresh.target}`] } },
    },
    { Sid: "RefreshLockTableKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: refresh.lockTableKeyArn },
    {
      Sid: "SourceUploadsRead",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
      Resource: [arn.s3(refresh.sourceUploadsBucketName), arn.s3(`${refresh.sourceUploadsBucketName}/*`)],
    },
    {
      Sid: "TargetUploadsMirror",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"],
      Resource: [arn.s3(refresh.targetUploadsBucketName), arn.s3(`${refresh.targetUploadsBucketName}/*`)],
    },
    {
      // The managed master secret is named by RDS (`rds!cluster-<uuid>`); scope by the cluster it belongs to.
      Sid: "ManagedMasterSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!cluster-*"),
    },
    {
      Sid: "ScrubThroughDataApi",
      Effect: "Allow",
      Action: ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"],
      Resource: arn.of("rds", `cluster:${target}*`),
    },
    {
      // User pool ids are generated; the pool is the one tagged with the target environment.
      Sid: "TargetUserPoolListUsers",
      Effect: "Allow",
      Action: "cognito-idp:ListUsers",
      Resource: arn.of("cognito-idp", "userpool/*"),
      Condition: { StringEquals: { "aws:ResourceTag/Environment": refresh.target, "aws:ResourceTag/Project": project } },
    },
    {
      Sid: "TargetParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: [arn.of("ssm", `parameter/${project}/${refresh.target}`), arn.of("ssm", `parameter/${project}/${refresh.target}/*`)],
    },
  ];
  if (refresh.sourceRoleArn) {
    statements.push({ Sid: "AssumeOnlyTheSourceRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: refresh.sourceRoleArn });
  }
  return statements;
}

/** Snapshot and share the source database, and clean up the refresh's own snapshots; nothing else. */
function refreshSourceStatements(project: string, arn: Arns, source: RefreshSourceRoleProps): PolicyStatement[] {
  const prefix = `${project}-${source.source}`;
  return [
    {
      Sid: "RdsDescribe",
      Effect: "Allow",
      Action: ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes", "rds:DescribeAccountAttributes", "rds:ListTagsForResource"],
      Resource: "*",
    },
    {
      Sid: "SnapshotSource",
      Effect: "Allow",
      Action: ["rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"],
      Resource: [arn.of("rds", `cluster:${prefix}`), arn.of("rds", `cluster-snapshot:${prefix}*`)],
    },
    {
      // IAM has no condition key on the accounts a snapshot is shared with; what bounds the share
      // is the database key, whose policy admits only `shareWithAccountIds` (modules/aurora).
      Sid: "ShareSnapshotWithTarget",
      Effect: "Allow",
      Action: "rds:ModifyDBClusterSnapshotAttribute",
      Resource: arn.of("rds", `cluster-snapshot:${prefix}*`),
    },
    {
      // Only snapshots this tool tagged.
      Sid: "DeleteRefreshSnapshots",
      Effect: "Allow",
      Action: "rds:DeleteDBClusterSnapshot",
      Resource: arn.of("rds", `cluster-snapshot:${prefix}*`),
      Condition: { Null: { "aws:ResourceTag/twinstack:refresh-id": "false" } },
    },
  ];
}
