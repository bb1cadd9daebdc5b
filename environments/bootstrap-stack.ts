import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { GithubOidc, GithubRepository, RefreshRoleProps, RefreshSourceRoleProps, roleArn, roleNames } from "../modules/github-oidc";
import { StateBackend, stateLocation } from "../modules/state-backend";
import type { AwsTarget } from "./aws-target";
import type { EnvironmentConfig } from "./config";
import { configureAws } from "./environment-stack";
import { bootstrapStackId, uploadsBucketName } from "./naming";

export interface BootstrapStackProps {
  readonly project: string;
  readonly accountId: string;
  readonly region: string;
  /** Role to assume in the account; omit to use the operator's credentials. */
  readonly roleArn?: string;
  /** Environments that keep their state in this account (for the description tag). */
  readonly environments: string[];
  /** Their scale profiles (the ScaleProfile tag: every stack carries one). Default none. */
  readonly scaleProfiles?: string[];
  readonly version: string;
  readonly target: AwsTarget;
  /** The repository whose GitHub Actions deploy into this account. */
  readonly github: GithubRepository;
  /** Refresh of an environment in this account from another (staging from production). */
  readonly refresh?: Omit<RefreshRoleProps, "lockTableArn" | "lockTableKeyArn">;
  /** This account is a refresh source: the role the target's refresh role assumes here. */
  readonly refreshSource?: RefreshSourceRoleProps;
  /** Regions besides `region` the account's stacks deploy into (backup copy regions). Default none. */
  readonly additionalRegions?: string[];
  /** Environments of this account whose databases the restore drill exercises (backups enabled). Default none. */
  readonly drillEnvironments?: string[];
}

/**
 * Applied once per account, by a person, with local state: the bucket and lock table every
 * environment stack in that account keeps its state in.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBackend: StateBackend;
  readonly github: GithubOidc;

  constructor(scope: Construct, props: BootstrapStackProps) {
    const id = bootstrapStackId(props.project, props.accountId);
    super(scope, id);
    configureAws(this, {
      region: props.region,
      accountId: props.accountId,
      roleArn: props.roleArn,
      sessionName: `${id}-terraform`,
      tags: { Project: props.project, Environment: "account", Environments: props.environments.join(" "), ScaleProfile: [...new Set(props.scaleProfiles ?? [])].join(" ") || "none", ManagedBy: "cdktf", Version: props.version },
      target: props.target,
    });
    // Local state at the repository root (git-ignored; terraform runs in cdktf.out/stacks/<id>,
    // which synthesis rewrites): this stack creates the remote state everything else uses.
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    this.stateBackend = new StateBackend(this, "state", {
      project: props.project,
      accountId: props.accountId,
      location: stateLocation(props.project, props.accountId, props.region),
    });
    this.github = new GithubOidc(this, "github", {
      project: props.project,
      accountId: props.accountId,
      region: props.region,
      github: props.github,
      state: {
        bucketArn: this.stateBackend.bucket.bucketArn,
        bucketName: this.stateBackend.bucket.bucketName,
        lockTableArn: this.stateBackend.lockTable.arn,
        keyArn: this.stateBackend.key.keyArn,
      },
      applyEnvironments: props.environments,
      // Previews live in staging's account (environments/registry.ts previewConfig) and deploy with
      // their own role, trusted only for the `preview` GitHub environment.
      preview: props.environments.includes("staging") ? {} : undefined,
      planEnvironments: props.environments.map((environment) => `${environment}-plan`),
      refresh: props.refresh
        ? { ...props.refresh, lockTableArn: this.stateBackend.lockTable.arn, lockTableKeyArn: this.stateBackend.key.keyArn }
        : undefined,
      refreshSource: props.refreshSource,
      additionalRegions: props.additionalRegions,
      drills: (props.drillEnvironments ?? []).map((environment) => ({ environment })),
    });
    new TerraformOutput(this, "plan_role_arn", { value: this.github.planRole.arn });
    new TerraformOutput(this, "apply_role_arn", { value: this.github.applyRole.arn });
    if (this.github.previewRole) new TerraformOutput(this, "preview_role_arn", { value: this.github.previewRole.arn });
    if (this.github.refreshRole) new TerraformOutput(this, "refresh_role_arn", { value: this.github.refreshRole.arn });
    if (this.github.refreshSourceRole) new TerraformOutput(this, "refresh_source_role_arn", { value: this.github.refreshSourceRole.arn });
    // `<env>_dr_drill_role_arn`: the repository variable `<ENV>_DR_DRILL_ROLE_ARN` (dr-drill.yml).
    for (const [environment, role] of Object.entries(this.github.drillRoles)) {
      new TerraformOutput(this, `${environment.replace(/[^A-Za-z0-9_]/g, "_")}_dr_drill_role_arn`, { value: role.arn });
    }
    new TerraformOutput(this, "state_bucket", { value: this.stateBackend.bucket.bucketName });
    new TerraformOutput(this, "lock_table", { value: this.stateBackend.lockTable.name });
  }
}

/**
 * One bootstrap per account, from the environments that live in it. An account that hosts a
 * refresh target (a non-protected environment some protected one shares snapshots with) gets
 * the refresh role; the source's account gets the role that role assumes there.
 */
export function bootstrapPropsPerAccount(configs: EnvironmentConfig[], version: string, target: AwsTarget): BootstrapStackProps[] {
  const byAccount = new Map<string, EnvironmentConfig[]>();
  for (const config of configs) byAccount.set(config.accountId, [...(byAccount.get(config.accountId) ?? []), config]);
  const sources = configs.filter((config) => config.protected && config.snapshotShareAccountIds.length > 0);
  return [...byAccount.entries()].map(([accountId, inAccount]) => {
    const first = inAccount[0];
    const names = roleNames(first.project);
    const source = sources.find((candidate) => candidate.snapshotShareAccountIds.includes(accountId));
    const refreshTarget = source ? inAccount.find((config) => config.name === "staging") ?? inAccount.find((config) => !config.protected) : undefined;
    const sourceHere = inAccount.find((config) => sources.includes(config));
    return {
      project: first.project,
      accountId,
      region: first.region,
      roleArn: first.deployRoleArn,
      environments: inAccount.map((config) => config.name),
      scaleProfiles: inAccount.map((config) => config.profile),
      version,
      target,
      github: first.github,
      additionalRegions: [...new Set(inAccount.flatMap((config) => (config.backup.enabled && config.backup.regionCopy ? [config.backup.regionCopy.region] : [])))].filter((region) => region !== first.region),
      drillEnvironments: inAccount.filter((config) => config.backup.enabled).map((config) => config.name),
      refresh:
        source && refreshTarget
          ? {
              target: refreshTarget.name,
              source: source.name,
              sourceAccountId: source.accountId,
              sourceUploadsBucketName: uploadsBucketName(source),
              targetUploadsBucketName: uploadsBucketName(refreshTarget),
              sourceRoleArn: roleArn(source.accountId, names.refreshSource),
            }
          : undefined,
      refreshSource: sourceHere
        ? {
            source: sourceHere.name,
            refreshRoleArn: roleArn(sourceHere.snapshotShareAccountIds[0], names.refresh),
            shareWithAccountIds: sourceHere.snapshotShareAccountIds,
          }
        : undefined,
    };
  });
}
