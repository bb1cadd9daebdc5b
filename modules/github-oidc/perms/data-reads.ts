/**
 * ReadOnlyAccess (attached to the roles that run a pull request's code: plan, preview) includes
 * data reads — every object, item and secret value — that Terraform does not need; these Deny
 * statements take them back outside what the role's own stacks hold.
 */
import type { PolicyStatement } from "../../iam/policy";

/** A policy statement that may name `NotResource` (for Deny statements only). */
export type StatementWithNotResource = PolicyStatement & { readonly NotResource?: string[] };

export interface ReadableData {
  /** Object ARNs (patterns) that stay readable, e.g. `<state bucket>/*`. */
  readonly objectArns: string[];
  /** DynamoDB table ARNs whose items stay readable (the lock table). */
  readonly tableArns: string[];
  /** Secret ARNs (patterns) whose values stay readable. Default none. */
  readonly secretArns?: string[];
}

export function denyDataReads(readable: ReadableData): StatementWithNotResource[] {
  const secrets = readable.secretArns ?? [];
  return [
    {
      Sid: "DenyObjectReadsOutsideState",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      NotResource: readable.objectArns,
    },
    {
      Sid: "DenyItemReadsOutsideLockTable",
      Effect: "Deny",
      Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetRecords"],
      NotResource: readable.tableArns,
    },
    secrets.length > 0
      ? { Sid: "DenySecretValues", Effect: "Deny", Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], NotResource: secrets }
      : { Sid: "DenySecretValues", Effect: "Deny", Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], Resource: "*" },
  ];
}
