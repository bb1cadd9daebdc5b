/**
 * Who may assume the roles: GitHub Actions' OIDC issuer, its audience, and the exact subjects
 * (pull requests, GitHub environments) of one repository. Trust lives here, apart from what each
 * role may do (perms/), like terraform-aws-modules keeps `iam-github-oidc-role` apart from the
 * provider.
 */
import { policyJson } from "../iam/policy";

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

/** `repo:<owner>/<repo>:pull_request`, the subject of every pull_request-triggered job. */
export function pullRequestSubject(github: GithubRepository): string {
  return `repo:${github.owner}/${github.repository}:pull_request`;
}

/** `repo:<owner>/<repo>:environment:<env>`, the subject of a job that names a GitHub environment. */
export function environmentSubject(github: GithubRepository, environment: string): string {
  return `repo:${github.owner}/${github.repository}:environment:${environment}`;
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

/** The trust policy of a role assumed by exactly one other role (the refresh's source role). */
export function roleTrustPolicy(sid: string, roleArn: string): string {
  return policyJson([{ Sid: sid, Effect: "Allow", Principal: { AWS: roleArn }, Action: "sts:AssumeRole" }]);
}
