import { BackupPlan, BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { serviceTrustPolicy } from "../iam/policy";
import { EncryptionKey } from "../kms";

export interface VaultLockProps {
  /** `governance`: removable by privileged users; `compliance`: immutable once `coolingOffDays` have passed. */
  readonly mode: "governance" | "compliance";
  /** Recovery points cannot be deleted before this many days. */
  readonly minRetentionDays: number;
  /** Recovery points cannot be kept longer than this many days. */
  readonly maxRetentionDays: number;
  /** Compliance mode: days the lock can still be removed (≥ 3). Default 3. */
  readonly coolingOffDays?: number;
}

export interface RegionCopyProps {
  /** Provider of the second region (its vault and key are created there). */
  readonly provider: TerraformProvider;
  /** The second region's name (for descriptions). */
  readonly region: string;
  /** Days copies are kept. */
  readonly retentionDays: number;
}

export interface AccountCopyProps {
  /** ARN of the vault in the separate backup account (that account owns it and its access policy). */
  readonly vaultArn: string;
  /** Days copies are kept. */
  readonly retentionDays: number;
}

export interface DrillNetworkProps {
  /** Name of the drill's subnet group and security group (`<prefix>-drill`). */
  readonly name: string;
  /** VPC of the security group. */
  readonly vpcId: string;
  /** Isolated subnets (no route out) for the scratch cluster. */
  readonly subnetIds: string[];
}

export interface BackupProps {
  /** Name prefix, e.g. `twinstack-production`: the vault is `<prefix>`, the plan `<prefix>-database`. */
  readonly namePrefix: string;
  /** Account of the vault (for the service role's trust condition). */
  readonly accountId: string;
  /** AWS partition. Default `aws`. */
  readonly partition?: string;
  /** Resources the plan backs up (the Aurora cluster's ARN). */
  readonly resourceArns: string[];
  /** Customer-managed key of the primary vault: the environment's database key. */
  readonly kmsKeyArn: string;
  /** Hours between snapshot recovery points; a divisor of 24. */
  readonly snapshotEveryHours: number;
  /** UTC hour of the day's first snapshot (0–23). */
  readonly startHourUtc: number;
  /** Days snapshot recovery points are kept. */
  readonly retentionDays: number;
  /** Continuous backup (point-in-time restore) kept this many days (≤ 35). Default: none. */
  readonly continuousRetentionDays?: number;
  /** Vault lock on every vault this module creates. Default: none. */
  readonly vaultLock?: VaultLockProps;
  /** A copy of each snapshot recovery point in a second region. Default: none. */
  readonly regionCopy?: RegionCopyProps;
  /** A copy of each snapshot recovery point in another account's vault. Default: none. */
  readonly accountCopy?: AccountCopyProps;
  /**
   * Create the backup selection (what ties the plan to the cluster). Default true; false only
   * where the API is missing (the emulator has no backup selections).
   */
  readonly selection?: boolean;
  /** A subnet group and a closed security group for restore drills' scratch clusters. Default: none. */
  readonly drillNetwork?: DrillNetworkProps;
  /** Tags on every recovery point. Default none. */
  readonly recoveryPointTags?: Record<string, string>;
}

/**
 * AWS Backup for the database: a vault encrypted with the environment's key (optionally locked),
 * a plan with snapshot recovery points every N hours (plus continuous backup for point-in-time
 * restore), copies to a second region's vault (its own key, the same lock) and to another
 * account's vault, the service role, and the selection of the cluster.
 */
export class DatabaseBackup extends Construct {
  readonly vault: BackupVault;
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly plan: BackupPlan;
  readonly planId: string;
  readonly role: IamRole;
  readonly selection?: BackupSelection;
  readonly copyVault?: BackupVault;
  readonly copyVaultArn?: string;
  readonly copyKey?: EncryptionKey;
  /** The `cron(...)` expression of the snapshot rule. */
  readonly snapshotSchedule: string;
  readonly drillSubnetGroupName?: string;
  readonly drillSecurityGroupId?: string;

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    const partition = props.partition ?? "aws";
    const name = props.namePrefix;
    validate(this.node.path, props);

    this.vault = new BackupVault(this, "vault", { name, kmsKeyArn: props.kmsKeyArn });
    this.vaultName = this.vault.name;
    this.vaultArn = this.vault.arn;
    if (props.vaultLock) lock(this, "vault-lock", this.vault, props.vaultLock);

    if (props.regionCopy) {
      const copy = props.regionCopy;
      this.copyKey = new EncryptionKey(this, "copy-key", {
        alias: `${name}-backup-copies`,
        description: `Encrypts ${name}'s backup copies in ${copy.region}`,
        accountId: props.accountId,
        partition,
        provider: copy.provider,
      });
      this.copyVault = new BackupVault(this, "copy-vault", { name, kmsKeyArn: this.copyKey.keyArn, provider: copy.provider });
      this.copyVaultArn = this.copyVault.arn;
      if (props.vaultLock) lock(this, "copy-vault-lock", this.copyVault, props.vaultLock, copy.provider);
    }

    this.role = new IamRole(this, "role", {
      name: `${name}-backup`,
      description: `AWS Backup takes and copies ${name}'s database recovery points`,
      assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com", props.accountId),
    });
    new IamRolePolicyAttachment(this, "role-backup", {
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
    });

    this.snapshotSchedule = snapshotSchedule(props.snapshotEveryHours, props.startHourUtc);
    const copyActions = [
      ...(this.copyVaultArn && props.regionCopy ? [{ destinationVaultArn: this.copyVaultArn, lifecycle: { deleteAfter: props.regionCopy.retentionDays } }] : []),
      ...(props.accountCopy ? [{ destinationVaultArn: props.accountCopy.vaultArn, lifecycle: { deleteAfter: props.accountCopy.retentionDays } }] : []),
    ];
    const rules: BackupPlanRule[] = [
      {
        ruleName: "snapshots",
        targetVaultName: this.vault.name,
        schedule: this.snapshotSchedule,
        startWindow: 60,
        completionWindow: 180,
        lifecycle: { deleteAfter: props.retentionDays },
        copyAction: copyActions.length > 0 ? copyActions : undefined,
        recoveryPointTags: props.recoveryPointTags,
      },
    ];
    if (props.continuousRetentionDays !== undefined) {
      // One continuous recovery point, kept current by AWS Backup; the daily schedule (re)starts its job.
      rules.push({
        ruleName: "continuous",
        targetVaultName: this.vault.name,
        schedule: snapshotSchedule(24, props.startHourUtc),
        enableContinuousBackup: true,
        startWindow: 60,
        completionWindow: 180,
        lifecycle: { deleteAfter: props.continuousRetentionDays },
        recoveryPointTags: props.recoveryPointTags,
      });
    }
    this.plan = new BackupPlan(this, "plan", { name: `${name}-database`, rule: rules });
    this.planId = this.plan.id;

    if (props.selection ?? true) {
      this.selection = new BackupSelection(this, "selection", {
        name: `${name}-database`,
        planId: this.plan.id,
        iamRoleArn: this.role.arn,
        resources: props.resourceArns,
      });
    }

    if (props.drillNetwork) {
      const drill = props.drillNetwork;
      const subnets = new DbSubnetGroup(this, "drill-subnets", {
        name: drill.name,
        description: `Isolated subnets for ${name}'s restore drills (scratch clusters only)`,
        subnetIds: drill.subnetIds,
      });
      // No ingress and no egress: a scratch cluster is reached through the RDS Data API only.
      const group = new SecurityGroup(this, "drill-sg", {
        name: drill.name,
        description: `Closed group of ${name}'s restore-drill scratch clusters`,
        vpcId: drill.vpcId,
        tags: { Name: drill.name },
      });
      this.drillSubnetGroupName = subnets.name;
      this.drillSecurityGroupId = group.id;
    }
  }
}

function lock(scope: Construct, id: string, vault: BackupVault, props: VaultLockProps, provider?: TerraformProvider): BackupVaultLockConfiguration {
  return new BackupVaultLockConfiguration(scope, id, {
    backupVaultName: vault.name,
    minRetentionDays: props.minRetentionDays,
    maxRetentionDays: props.maxRetentionDays,
    // AWS Backup's switch between the modes: a cooling-off period makes it compliance mode.
    changeableForDays: props.mode === "compliance" ? (props.coolingOffDays ?? 3) : undefined,
    provider,
  });
}

/** `cron(0 1,5,9,13,17,21 * * ? *)`: every `everyHours` from `startHourUtc`, the same hours each day (UTC). */
export function snapshotSchedule(everyHours: number, startHourUtc: number): string {
  const hours = Array.from({ length: 24 / everyHours }, (_, index) => (startHourUtc + index * everyHours) % 24).sort((a, b) => a - b);
  return `cron(0 ${hours.join(",")} * * ? *)`;
}

function validate(path: string, props: BackupProps): void {
  const problems: string[] = [];
  if (!Number.isInteger(props.snapshotEveryHours) || props.snapshotEveryHours < 1 || 24 % props.snapshotEveryHours !== 0) problems.push(`snapshotEveryHours (${props.snapshotEveryHours}) must divide 24`);
  if (!Number.isInteger(props.startHourUtc) || props.startHourUtc < 0 || props.startHourUtc > 23) problems.push(`startHourUtc (${props.startHourUtc}) must be 0–23`);
  if (props.continuousRetentionDays !== undefined && (props.continuousRetentionDays < 1 || props.continuousRetentionDays > 35)) problems.push(`continuousRetentionDays (${props.continuousRetentionDays}) must be 1–35`);
  if (props.resourceArns.length === 0) problems.push("resourceArns must name at least one resource");
  if (problems.length > 0) throw new Error(`${path}: ${problems.join("; ")}`);
}
