import { CognitoUser } from "@cdktf/provider-aws/lib/cognito-user";
import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { CognitoUserInGroup } from "@cdktf/provider-aws/lib/cognito-user-in-group";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { Construct } from "constructs";

export type MfaMode = "OFF" | "OPTIONAL" | "ON";
export type AdvancedSecurityMode = "OFF" | "AUDIT" | "ENFORCED";
export type FeaturePlan = "LITE" | "ESSENTIALS" | "PLUS";

/** The default groups, highest privilege first (precedence 0, 1, …). */
export const DEFAULT_GROUPS = ["super_admin", "admin", "accounting", "srm", "agent", "homeowner", "provider", "guest"] as const;

/** A user Terraform creates and Cognito invites by email. */
export interface InvitedUser {
  /** Sign-in email; Cognito sends the invitation (with a temporary password it generates) here. */
  readonly email: string;
  /** Groups the user belongs to (each must be in `groups`). Default none. */
  readonly groups?: readonly string[];
}

export interface AuthenticationProps {
  /** User pool and app client name, e.g. `twinstack-staging`. */
  readonly name: string;
  /** AWS region of the pool; used for the issuer and hosted UI URLs. */
  readonly region: string;
  /** Hosted UI domain prefix, e.g. `twinstack-staging` (lowercase, digits, dashes; must not contain aws, amazon or cognito). */
  readonly domainPrefix: string;
  /** Where the hosted UI may redirect after sign-in (https, or http://localhost for development). At least one. */
  readonly callbackUrls: string[];
  /** Where the hosted UI may redirect after sign-out. Default none. */
  readonly logoutUrls?: string[];
  /** Multi-factor authentication: `OFF`, `OPTIONAL` or `ON` (authenticator apps, TOTP). Default `OPTIONAL`. */
  readonly mfa?: MfaMode;
  /** Refuse deletion of the pool (`ACTIVE`). Default true. */
  readonly deletionProtection?: boolean;
  /** Threat protection (advanced security): `OFF`, `AUDIT` or `ENFORCED`; anything but OFF needs the PLUS feature plan. Default `OFF`. */
  readonly advancedSecurityMode?: AdvancedSecurityMode;
  /** Feature plan (`user_pool_tier`). Default: `PLUS` when advanced security is on, otherwise left to AWS (ESSENTIALS for new pools). */
  readonly featurePlan?: FeaturePlan;
  /**
   * User name (email) case sensitivity, fixed when a pool is created (changing it replaces the pool):
   * `insensitive` (recommended), `sensitive`, or `unset` to leave the setting out, for adopting a
   * pool created without it (Terraform would otherwise plan a replacement). Default `insensitive`.
   */
  readonly usernameCaseSensitivity?: "insensitive" | "sensitive" | "unset";
  /** Groups to create, highest privilege first (precedence follows the order). Default `DEFAULT_GROUPS`. */
  readonly groups?: readonly string[];
  /** Access token lifetime, minutes (5 to 1440). Default 60. */
  readonly accessTokenValidityMinutes?: number;
  /** ID token lifetime, minutes (5 to 1440). Default 60. */
  readonly idTokenValidityMinutes?: number;
  /** Refresh token lifetime, days (1 to 3650). Default 30. */
  readonly refreshTokenValidityDays?: number;
  /** Let anyone sign up through the hosted UI; when false only administrators (and the seed script) create users. Default false. */
  readonly selfSignUp?: boolean;
  /**
   * Adopt this existing user pool (e.g. `us-east-1_AbCdEf123`) instead of creating one: the pool
   * gets a Terraform `import` block. The module's settings are applied to it on the next apply;
   * review the plan first. Default none (a new pool).
   */
  readonly existingUserPoolId?: string;
  /** With `existingUserPoolId`: groups that already exist in that pool, imported rather than created. Default none. */
  readonly existingGroups?: readonly string[];
  /** With `existingUserPoolId`: the pool already has the hosted UI domain `domainPrefix`; import it rather than create it. Default false. */
  readonly existingDomain?: boolean;
  /**
   * Terraform `prevent_destroy` on the pool: a plan that would delete or replace it fails.
   * Default true when adopting an existing pool, false otherwise.
   */
  readonly preventDestroy?: boolean;
  /**
   * Users Terraform creates in the pool, each invited by Cognito's own email with a temporary
   * password Cognito generates: no password is in the configuration or in the Terraform state.
   * For pools no operator command may write to (a protected environment: `npm run users:seed`
   * refuses it). Terraform owns these users: removing one from the list deletes the user.
   * Default none.
   */
  readonly invitedUsers?: readonly InvitedUser[];
}

/** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the `iss` claim of the pool's tokens. */
export function cognitoIssuerUrl(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/** `https://<prefix>.auth.<region>.amazoncognito.com`: the hosted UI of a Cognito-domain prefix. */
export function hostedUiUrl(domainPrefix: string, region: string): string {
  return `https://${domainPrefix}.auth.${region}.amazoncognito.com`;
}

/**
 * One Cognito user pool per environment: email as the user name (verified automatically),
 * a strong password policy, TOTP MFA, admin-only sign-up by default, role groups, one public
 * app client (authorization code flow only, no secret: browsers and apps use PKCE) and a hosted UI domain.
 * An existing pool can be adopted with `existingUserPoolId` (Terraform import).
 */
export class Authentication extends Construct {
  readonly userPool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly domainResource: CognitoUserPoolDomain;
  readonly groups: Record<string, CognitoUserGroup>;
  /** The invited users, by (lower-case) email. */
  readonly invitedUsers: Record<string, CognitoUser>;
  readonly userPoolId: string;
  readonly userPoolArn: string;
  readonly clientId: string;
  /** The hosted UI domain prefix. */
  readonly domain: string;
  /** `https://<domain>.auth.<region>.amazoncognito.com`. */
  readonly hostedUiUrl: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the JWT issuer. */
  readonly issuerUrl: string;

  constructor(scope: Construct, id: string, props: AuthenticationProps) {
    super(scope, id);
    validate(props);
    const mfa = props.mfa ?? "OPTIONAL";
    const advancedSecurity = props.advancedSecurityMode ?? "OFF";
    const featurePlan = props.featurePlan ?? (advancedSecurity === "OFF" ? undefined : "PLUS");
    const adopting = props.existingUserPoolId !== undefined;
    const caseSensitivity = props.usernameCaseSensitivity ?? "insensitive";

    this.userPool = new CognitoUserPool(this, "pool", {
      name: props.name,
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      usernameConfiguration: caseSensitivity === "unset" ? undefined : { caseSensitive: caseSensitivity === "sensitive" },
      passwordPolicy: {
        minimumLength: 12,
        requireUppercase: true,
        requireLowercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 7,
      },
      mfaConfiguration: mfa,
      softwareTokenMfaConfiguration: mfa === "OFF" ? undefined : { enabled: true },
      deletionProtection: (props.deletionProtection ?? true) ? "ACTIVE" : "INACTIVE",
      userPoolAddOns: { advancedSecurityMode: advancedSecurity },
      userPoolTier: featurePlan,
      adminCreateUserConfig: { allowAdminCreateUserOnly: !(props.selfSignUp ?? false) },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      lifecycle: (props.preventDestroy ?? adopting) ? { preventDestroy: true } : undefined,
    });
    if (props.existingUserPoolId) this.userPool.importFrom(props.existingUserPoolId);
    this.userPoolId = this.userPool.id;
    this.userPoolArn = this.userPool.arn;
    this.issuerUrl = cognitoIssuerUrl(props.region, this.userPool.id);

    const existingGroups = new Set(props.existingGroups ?? []);
    this.groups = {};
    (props.groups ?? DEFAULT_GROUPS).forEach((group, precedence) => {
      const resource = new CognitoUserGroup(this, `group-${group}`, {
        userPoolId: this.userPool.id,
        name: group,
        precedence,
        description: `${group} role`,
      });
      // Import id of a group: `<userPoolId>/<name>`.
      if (props.existingUserPoolId && existingGroups.has(group)) resource.importFrom(`${props.existingUserPoolId}/${group}`);
      this.groups[group] = resource;
    });

    this.invitedUsers = {};
    for (const user of props.invitedUsers ?? []) {
      const email = user.email.trim().toLowerCase();
      // Ids from the email, not the position: removing one user must not replace the others.
      const resource = new CognitoUser(this, `user-${email}`, {
        userPoolId: this.userPool.id,
        username: email,
        attributes: { email, email_verified: "true" },
        // No message_action and no temporary_password: Cognito generates the password and emails the invitation.
        desiredDeliveryMediums: ["EMAIL"],
      });
      for (const group of user.groups ?? []) {
        new CognitoUserInGroup(this, `user-${email}-in-${group}`, { userPoolId: this.userPool.id, username: resource.username, groupName: this.groups[group].name });
      }
      this.invitedUsers[email] = resource;
    }

    this.client = new CognitoUserPoolClient(this, "client", {
      name: `${props.name}-web`,
      userPoolId: this.userPool.id,
      generateSecret: false,
      allowedOauthFlows: ["code"],
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthScopes: ["openid", "email", "profile"],
      supportedIdentityProviders: ["COGNITO"],
      callbackUrls: props.callbackUrls,
      logoutUrls: props.logoutUrls && props.logoutUrls.length > 0 ? props.logoutUrls : undefined,
      accessTokenValidity: props.accessTokenValidityMinutes ?? 60,
      idTokenValidity: props.idTokenValidityMinutes ?? 60,
      refreshTokenValidity: props.refreshTokenValidityDays ?? 30,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "days" }],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
    });
    this.clientId = this.client.id;

    this.domainResource = new CognitoUserPoolDomain(this, "domain", {
      domain: props.domainPrefix,
      userPoolId: this.userPool.id,
    });
    // Import id of a Cognito-prefix domain: the prefix itself.
    if (props.existingUserPoolId && props.existingDomain) this.domainResource.importFrom(props.domainPrefix);
    this.domain = props.domainPrefix;
    this.hostedUiUrl = hostedUiUrl(props.domainPrefix, props.region);
  }
}

function validate(props: AuthenticationProps): void {
  const problems: string[] = [];
  const where = `Authentication ${props.name}`;
  const prefix = props.domainPrefix;
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) problems.push(`domainPrefix (${JSON.stringify(prefix)}) must be 1-63 lowercase letters, digits and dashes, not starting or ending with a dash`);
  if (/aws|amazon|cognito/.test(prefix)) problems.push(`domainPrefix (${JSON.stringify(prefix)}) must not contain "aws", "amazon" or "cognito" (Cognito reserves them)`);
  if (props.callbackUrls.length === 0) problems.push("callbackUrls must list at least one URL (the code flow needs a redirect)");
  for (const [field, urls] of [["callbackUrls", props.callbackUrls], ["logoutUrls", props.logoutUrls ?? []]] as const) {
    for (const url of urls) {
      if (!/^https:\/\/\S+$/.test(url) && !/^http:\/\/localhost(:\d+)?(\/\S*)?$/.test(url)) problems.push(`${field} (${JSON.stringify(url)}) must be https:// (http:// only for localhost)`);
    }
  }
  const advanced = props.advancedSecurityMode ?? "OFF";
  if (advanced !== "OFF" && props.featurePlan !== undefined && props.featurePlan !== "PLUS") {
    problems.push(`advancedSecurityMode (${advanced}) needs featurePlan PLUS, not ${props.featurePlan}`);
  }
  const minutes = (field: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 5 && value <= 1440)) problems.push(`${field} (${value}) must be an integer from 5 to 1440`);
  };
  minutes("accessTokenValidityMinutes", props.accessTokenValidityMinutes);
  minutes("idTokenValidityMinutes", props.idTokenValidityMinutes);
  const refresh = props.refreshTokenValidityDays;
  if (refresh !== undefined && !(Number.isInteger(refresh) && refresh >= 1 && refresh <= 3650)) problems.push(`refreshTokenValidityDays (${refresh}) must be an integer from 1 to 3650`);
  const groups = props.groups ?? DEFAULT_GROUPS;
  for (const group of groups) {
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(group)) problems.push(`groups (${JSON.stringify(group)}) must be 1-128 characters without spaces`);
  }
  const duplicate = groups.find((group, index) => groups.indexOf(group) !== index);
  if (duplicate) problems.push(`groups lists ${JSON.stringify(duplicate)} twice`);
  if (!props.existingUserPoolId && ((props.existingGroups?.length ?? 0) > 0 || props.existingDomain)) {
    problems.push("existingGroups / existingDomain need existingUserPoolId (they import from the adopted pool)");
  }
  for (const group of props.existingGroups ?? []) {
    if (!groups.includes(group)) problems.push(`existingGroups (${JSON.stringify(group)}) is not one of groups`);
  }
  if (props.existingUserPoolId !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/.test(props.existingUserPoolId)) {
    problems.push(`existingUserPoolId (${JSON.stringify(props.existingUserPoolId)}) must be a user pool id like us-east-1_AbCdEf123`);
  }
  const invited = (props.invitedUsers ?? []).map((user) => user.email.trim().toLowerCase());
  (props.invitedUsers ?? []).forEach((user, index) => {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(invited[index])) problems.push(`invitedUsers[${index}].email (${JSON.stringify(user.email)}) must be an email address`);
    if (invited.indexOf(invited[index]) !== index) problems.push(`invitedUsers[${index}].email (${JSON.stringify(user.email)}) is listed more than once`);
    for (const group of user.groups ?? []) {
      if (!groups.includes(group)) problems.push(`invitedUsers[${index}].groups (${JSON.stringify(group)}) must be one of groups (${groups.join(", ")})`);
    }
  });
  if (problems.length > 0) throw new Error(problems.map((problem) => `${where}: ${problem}`).join("\n"));
}
