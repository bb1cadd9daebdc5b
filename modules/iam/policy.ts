/**
 * Small typed IAM policy documents, rendered to JSON at synthesis. Tokens (ARNs of other
 * resources) inside strings resolve to Terraform interpolations, so documents stay literal
 * JSON in the output and tests can parse them.
 */
import { Lazy } from "cdktf";

export type Principal = { AWS: string | string[] } | { Service: string | string[] } | { Federated: string } | "*";

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Principal;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** A JSON policy string that is rendered when synthesized, so statements added later are included. */
export function lazyPolicyJson(statements: () => PolicyStatement[]): string {
  return Lazy.stringValue({ produce: () => JSON.stringify(policyDocument(statements())) });
}

export function policyJson(statements: PolicyStatement[]): string {
  return JSON.stringify(policyDocument(statements));
}

/** The trust policy of a role a given AWS service assumes, restricted to our own account. */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyJson([
    {
      Sid: "ServiceAssumesRole",
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}
