import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { StateBackend, stateLocation } from "../modules/state-backend";
import type { AwsTarget } from "./aws-target";
import type { EnvironmentConfig } from "./config";
import { configureAws } from "./environment-stack";
import { bootstrapStackId } from "./naming";

export interface BootstrapStackProps {
  readonly project: string;
  readonly accountId: string;
  readonly region: string;
  /** Role to assume in the account; omit to use the operator's credentials. */
  readonly roleArn?: string;
  /** Environments that keep their state in this account (for the description tag). */
  readonly environments: string[];
  readonly version: string;
  readonly target: AwsTarget;
}

/**
 * Applied once per account, by a person, with local state: the bucket and lock table every
 * environment stack in that account keeps its state in.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBackend: StateBackend;

  constructor(scope: Construct, props: BootstrapStackProps) {
    const id = bootstrapStackId(props.project, props.accountId);
    super(scope, id);
    configureAws(this, {
      region: props.region,
      accountId: props.accountId,
      roleArn: props.roleArn,
      sessionName: `${id}-terraform`,
      tags: { Project: props.project, Environment: "account", Environments: props.environments.join(" "), ManagedBy: "cdktf", Version: props.version },
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
    new TerraformOutput(this, "state_bucket", { value: this.stateBackend.bucket.bucketName });
    new TerraformOutput(this, "lock_table", { value: this.stateBackend.lockTable.name });
  }
}

/** One bootstrap per account, from the environments that live in it. */
export function bootstrapPropsPerAccount(configs: EnvironmentConfig[], version: string, target: AwsTarget): BootstrapStackProps[] {
  const byAccount = new Map<string, EnvironmentConfig[]>();
  for (const config of configs) byAccount.set(config.accountId, [...(byAccount.get(config.accountId) ?? []), config]);
  return [...byAccount.entries()].map(([accountId, inAccount]) => ({
    project: inAccount[0].project,
    accountId,
    region: inAccount[0].region,
    roleArn: inAccount[0].deployRoleArn,
    environments: inAccount.map((config) => config.name),
    version,
    target,
  }));
}
