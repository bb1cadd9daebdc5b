/**
 * GitHub Actions → AWS without stored keys: the account's GitHub OIDC provider and the roles
 * the workflows assume with it, one per purpose — plan (read-only), apply, preview (only
 * `<project>-preview-*` resources and state keys), the staging refresh, and in the production
 * account the role the refresh uses to snapshot and share production's database. Each GitHub
 * role is trusted only for exact subjects of one repository.
 *
 * Layout: trust.ts (who may assume), perms/ (what each role may do: one file per role or
 * concern, action lists as data), arns.ts (ARN builders); this file wires them into roles.
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { PolicyStatement, policyJson } from "../iam/policy";
import { Arns } from "./arns";
import { applyStatements } from "./perms/apply";
import { denyDataReads } from "./perms/data-reads";
import { DrillRoleProps, drillStatements } from "./perms/drill";
import { previewStatements } from "./perms/preview";
import { RefreshRoleProps, refreshSourceStatements, refreshStatements } from "./perms/refresh";
import { StateAccess, denySavedPlanDecrypt, prefixedStateStatements, stateStatements } from "./perms/state";
import { GITHUB_OIDC_URL, GithubRepository, STS_AUDIENCE, environmentSubject, githubTrustPolicy, pullRequestSubject, roleTrustPolicy } from "./trust";

export { roleArn } from "./arns";
export { refreshReadGrantStatement } from "./perms/refresh";
export type { RefreshRoleProps } from "./perms/refresh";
export type { DrillRoleProps } from "./perms/drill";
export { SAVED_PLAN_CONTEXT } from "./perms/state";
export type { StateAccess } from "./perms/state";
export { GITHUB_OIDC_HOST, GITHUB_OIDC_URL, STS_AUDIENCE, environmentSubject, githubTrustPolicy, pullRequestSubject } from "./trust";
export type { GithubRepository } from "./trust";

/** The production side of the refresh: snapshot and share, nothing else. */
export interface RefreshSourceRoleProps {
  /** Source environment name, e.g. `production`. */
  readonly source: string;
  /** ARN of the staging refresh role: the only principal trusted to assume this role. */
  readonly refreshRoleArn: string;
  /** Accounts the snapshots may be shared with (restore attribute), e.g. the staging account. */
  readonly shareWithAccountIds: string[];
}

/** The preview role: deploys and destroys `<project>-preview-pr-<n>` stacks, and nothing else. */
export interface PreviewRoleProps {
  /** The GitHub environment whose jobs may assume it. Default `preview`. */
  readonly githubEnvironment?: string;
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
  /** GitHub environments whose jobs may assume the apply role, e.g. `["staging"]`. At least one; never the preview environment (previews have their own role). */
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
  /** Add the preview role (the account that hosts previews: staging's). `state.bucketName` is then required. */
  readonly preview?: PreviewRoleProps;
  /** Add the staging refresh role (staging account only). */
  readonly refresh?: RefreshRoleProps;
  /** Add the production role the refresh assumes to snapshot and share (production account only). */
  readonly refreshSource?: RefreshSourceRoleProps;
  /** Regions besides `region` the apply role deploys into (a backup copy region). Default none. */
  readonly additionalRegions?: string[];
  /** Restore-drill roles, one per environment whose database is drilled (its account's bootstrap). Default none. */
  readonly drills?: DrillRoleProps[];
}

/** The GitHub environment previews deploy from, by default. */
export const DEFAULT_PREVIEW_ENVIRONMENT = "preview";

const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9_.-]+$/;

/** The GitHub environment a drill role trusts by default. */
export function drillGithubEnvironment(environment: string): string {
  return `dr-drill-${environment}`;
}

function assertNames(props: GithubOidcProps): void {
  const problems: string[] = [];
  if (!GITHUB_NAME.test(props.github.owner)) problems.push(`github.owner (${JSON.stringify(props.github.owner)}) must be a GitHub owner name (letters, digits, - _ .), no wildcards`);
  if (!GITHUB_NAME.test(props.github.repository)) problems.push(`github.repository (${JSON.stringify(props.github.repository)}) must be a repository name (letters, digits, - _ .), no wildcards`);
  if (props.applyEnvironments.length === 0) problems.push("applyEnvironments must name at least one GitHub environment");
  const previewEnvironment = props.preview ? props.preview.githubEnvironment ?? DEFAULT_PREVIEW_ENVIRONMENT : undefined;
  if (previewEnvironment && props.applyEnvironments.includes(previewEnvironment)) {
    problems.push(`applyEnvironments (${JSON.stringify(props.applyEnvironments)}) must not include the preview environment ${JSON.stringify(previewEnvironment)}: a pull request's preview must not run with the apply role`);
  }
  if (props.preview && !props.state.bucketName) problems.push("state.bucketName is required with preview (its lock ids start with the bucket name)");
  const drillEnvironments = (props.drills ?? []).map((drill) => drill.githubEnvironment ?? drillGithubEnvironment(drill.environment));
  for (const env of drillEnvironments.filter((env) => props.applyEnvironments.includes(env) || env === previewEnvironment)) {
    problems.push(`drills: GitHub environment ${JSON.stringify(env)} is also an apply or preview environment: the drill role must have a subject of its own`);
  }
  for (const env of [...props.applyEnvironments, ...(props.planEnvironments ?? []), ...(previewEnvironment ? [previewEnvironment] : []), ...drillEnvironments]) {
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

/** Role names, fixed so the other account and the workflows can name them before they exist. */
export function roleNames(project: string, refreshTarget = "staging"): { plan: string; apply: string; preview: string; refresh: string; refreshSource: string; drill: (environment: string) => string } {
  return {
    drill: (environment) => `${project}-github-dr-drill-${environment}`,
    plan: `${project}-github-plan`,
    apply: `${project}-github-apply`,
    preview: `${project}-github-preview`,
    refresh: `${project}-github-refresh-${refreshTarget}`,
    refreshSource: `${project}-refresh-source`,
  };
}

export class GithubOidc extends Construct {
  /** ARN of the GitHub OIDC provider (created or given). */
  readonly providerArn: string;
  readonly planRole: IamRole;
  readonly applyRole: IamRole;
  readonly previewRole?: IamRole;
  readonly refreshRole?: IamRole;
  readonly refreshSourceRole?: IamRole;
  /** Restore-drill roles by environment name. */
  readonly drillRoles: Record<string, IamRole> = {};
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
      policy: policyJson([
        ...stateStatements(props.state, false),
        ...denyDataReads({ objectArns: [`${props.state.bucketArn}/*`, ...(props.planReadableObjectArns ?? [])], tableArns: [props.state.lockTableArn] }),
        denySavedPlanDecrypt(props.state),
      ]),
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
    // Beyond the role's inline-policy quota (10,240 characters in all) with backups, budgets and
    // db:migrate: customer-managed policies of at most 6,144 characters each, attached.
    attachChunked(this, "apply-deploy", this.applyRole, names.apply, `Deploy ${props.project}-* resources`, applyStatements(props.project, arn, { environments: props.applyEnvironments, additionalRegions: props.additionalRegions }));

    // ---- preview: only the `preview` GitHub environment, only `<project>-preview-*` ------------------
    if (props.preview) {
      const githubEnvironment = props.preview.githubEnvironment ?? DEFAULT_PREVIEW_ENVIRONMENT;
      const stackPrefix = `${props.project}-preview-pr-`;
      this.previewRole = new IamRole(this, "preview-role", {
        name: names.preview,
        description: `Deploys and destroys ${stackPrefix}<n> previews from GitHub Actions environment ${githubEnvironment} of ${props.github.owner}/${props.github.repository}`,
        maxSessionDuration,
        assumeRolePolicy: githubTrustPolicy(this.providerArn, [environmentSubject(props.github, githubEnvironment)]),
      });
      // Terraform refreshes with read access; the preview's pull-request code must not read other
      // environments' data (objects, items, secret values) with it.
      new IamRolePolicyAttachment(this, "preview-read-only", { role: this.previewRole.name, policyArn: readOnly });
      new IamRolePolicy(this, "preview-state", {
        role: this.previewRole.id,
        name: "terraform-state-of-previews",
        policy: policyJson([
          ...prefixedStateStatements(props.state, stackPrefix),
          denySavedPlanDecrypt(props.state),
          ...denyDataReads({
            objectArns: [`${props.state.bucketArn}/${stackPrefix}*`, `arn:${partition}:s3:::${props.project}-preview-*/*`],
            tableArns: [props.state.lockTableArn],
            secretArns: [arn.of("secretsmanager", `secret:${props.project}-preview-*`)],
          }),
        ]),
      });
      // Too large for the role's inline-policy quota (10,240 characters in all): customer-managed
      // policies of at most 6,144 characters each, attached.
      attachChunked(this, "preview-deploy", this.previewRole, names.preview, `Deploy ${props.project}-preview-* resources`, previewStatements(props.project, arn));
    }

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

    // ---- restore drills: only `dr-drill-<env>`, only the drill's scratch names -----------------------
    for (const drill of props.drills ?? []) {
      const githubEnvironment = drill.githubEnvironment ?? drillGithubEnvironment(drill.environment);
      const role = new IamRole(this, `dr-drill-role-${drill.environment}`, {
        name: names.drill(drill.environment),
        description: `Restore drill of ${props.project}-${drill.environment} (scratch clusters only) from GitHub Actions environment ${githubEnvironment} of ${props.github.owner}/${props.github.repository}`,
        maxSessionDuration: drill.maxSessionDurationSeconds ?? 14400,
        assumeRolePolicy: githubTrustPolicy(this.providerArn, [environmentSubject(props.github, githubEnvironment)]),
      });
      new IamRolePolicy(this, `dr-drill-policy-${drill.environment}`, {
        role: role.id,
        name: "dr-drill",
        policy: policyJson(drillStatements(props.project, arn, drill)),
      });
      this.drillRoles[drill.environment] = role;
    }

    // ---- production side of the refresh -----------------------------------------------------------
    if (props.refreshSource) {
      const source = props.refreshSource;
      this.refreshSourceRole = new IamRole(this, "refresh-source-role", {
        name: names.refreshSource,
        description: `Snapshots and shares ${props.project}-${source.source} for the refresh; assumed only by ${source.refreshRoleArn}`,
        maxSessionDuration: 3600,
        assumeRolePolicy: roleTrustPolicy("StagingRefreshAssumesRole", source.refreshRoleArn),
      });
      new IamRolePolicy(this, "refresh-source-policy", {
        role: this.refreshSourceRole.id,
        name: "refresh-source",
        policy: policyJson(refreshSourceStatements(props.project, arn, source)),
      });
    }
  }
}


/** Characters of a managed policy document IAM accepts (6,144), less room for the token-length difference of ARNs. */
const MANAGED_POLICY_BUDGET = 5500;

/** Attaches `statements` to `role` as customer-managed policies `<roleName>-deploy-<n>`, each within IAM's managed-policy size. */
function attachChunked(scope: Construct, id: string, role: IamRole, roleName: string, description: string, statements: PolicyStatement[]): void {
  chunkStatements(statements, MANAGED_POLICY_BUDGET).forEach((chunk, index) => {
    const policy = new IamPolicy(scope, `${id}-${index + 1}`, {
      name: `${roleName}-deploy-${index + 1}`,
      description: `${description} (part ${index + 1})`,
      policy: policyJson(chunk),
    });
    new IamRolePolicyAttachment(scope, `${id}-${index + 1}-attachment`, { role: role.name, policyArn: policy.arn });
  });
}

/** Splits statements, in order, into documents that stay under `budget` characters each. */
export function chunkStatements(statements: PolicyStatement[], budget: number): PolicyStatement[][] {
  const chunks: PolicyStatement[][] = [[]];
  for (const statement of statements) {
    const current = chunks[chunks.length - 1];
    if (current.length > 0 && policyJson([...current, statement]).length > budget) chunks.push([statement]);
    else current.push(statement);
  }
  return chunks;
}
