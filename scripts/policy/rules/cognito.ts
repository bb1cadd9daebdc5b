/** Cognito user pools, clients and identity pools (no public scanner covers most of these). */
import { Rule, fail, pass } from "../engine";
import { asNumber, block, isTrue, stringList } from "../model";

export const cognitoRules: Rule[] = [
  {
    id: "TS-COG-001",
    title: "User pool passwords are ≥ 12 characters with all character classes",
    resourceTypes: ["aws_cognito_user_pool"],
    check: (r) => {
      const p = block(r.values.password_policy);
      const length = asNumber(p.minimum_length) ?? 8;
      const missing = ["require_lowercase", "require_uppercase", "require_numbers", "require_symbols"].filter((k) => !isTrue(p[k]) && p[k] !== undefined);
      // The provider defaults every require_* to true when password_policy is omitted; explicit false is a failure.
      if (length < 12) return fail(`minimum_length ${length} < 12`);
      return missing.length === 0 ? pass(`minimum_length ${length}, all classes`) : fail(`${missing.join(", ")} = false`);
    },
  },
  {
    id: "TS-COG-002",
    title: "User pool MFA is as configured, and never OFF in a protected environment",
    resourceTypes: ["aws_cognito_user_pool"],
    check: (r, { env }) => {
      const mfa = String(r.values.mfa_configuration ?? "OFF");
      if (env.expectedMfa && mfa !== env.expectedMfa) return fail(`mfa_configuration ${mfa}, config asks for ${env.expectedMfa}`);
      if (env.protected && mfa === "OFF") return fail("mfa_configuration OFF in a protected environment");
      return pass(`mfa_configuration ${mfa}`);
    },
  },
  {
    id: "TS-COG-003",
    title: "User pool deletion protection is ACTIVE in a protected environment",
    resourceTypes: ["aws_cognito_user_pool"],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      return r.values.deletion_protection === "ACTIVE" ? pass("deletion_protection ACTIVE") : fail(`deletion_protection ${r.values.deletion_protection ?? "INACTIVE (default)"} in a protected environment`);
    },
  },
  {
    id: "TS-COG-004",
    title: "Identity pools do not allow unauthenticated identities",
    resourceTypes: ["aws_cognito_identity_pool"],
    checkov: ["CKV_AWS_366"],
    check: (r) => (isTrue(r.values.allow_unauthenticated_identities) ? fail("allow_unauthenticated_identities = true") : pass("unauthenticated identities off")),
  },
  {
    id: "TS-COG-005",
    title: "Public clients (no secret) use the authorization-code flow only (PKCE), never implicit",
    resourceTypes: ["aws_cognito_user_pool_client"],
    check: (r) => {
      const flows = stringList(r.values.allowed_oauth_flows);
      if (flows.includes("implicit")) return fail("allowed_oauth_flows includes implicit");
      if (isTrue(r.values.generate_secret)) return pass(`confidential client, flows ${flows.join(", ") || "none"}`);
      if (flows.includes("client_credentials")) return fail("client_credentials needs a client secret");
      return pass(flows.length > 0 ? `public client, flows ${flows.join(", ")} (PKCE enforced by the app)` : "no OAuth flows");
    },
  },
  {
    id: "TS-COG-006",
    title: "User pool clients do not allow plain-password auth flows",
    resourceTypes: ["aws_cognito_user_pool_client"],
    check: (r) => {
      const flows = stringList(r.values.explicit_auth_flows);
      const bad = flows.filter((f) => ["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"].includes(f));
      return bad.length === 0 ? pass(`explicit_auth_flows ${flows.join(", ") || "none"}`) : fail(`${bad.join(", ")} sends passwords to Cognito in clear; use SRP`);
    },
  },
  {
    id: "TS-COG-007",
    title: "User pool clients hide whether a user exists",
    resourceTypes: ["aws_cognito_user_pool_client"],
    check: (r) => (r.values.prevent_user_existence_errors === "ENABLED" ? pass("prevent_user_existence_errors ENABLED") : fail(`prevent_user_existence_errors ${r.values.prevent_user_existence_errors ?? "unset"}; set ENABLED`)),
  },
];
