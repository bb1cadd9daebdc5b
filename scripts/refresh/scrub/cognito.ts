/**
 * The target's Cognito users, for the sub remap. Only allowlisted team accounts are ever linked
 * to a copied row: a staging user created with a customer's address gets nothing.
 */
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AccountClients } from "../accounts";
import { USER_POOL_ID_SETTING, settingParameterName } from "../../../environments/naming";

export interface CognitoUser {
  email: string;
  sub: string;
}

/** Where the target's Cognito users come from (injectable: tests pass a list). */
export interface CognitoUserSource {
  list(): Promise<CognitoUser[]>;
}

/** The target pool's users via ListUsers; the pool id from a flag or SSM `/<project>/<env>/cognito/user-pool-id`. */
export class CognitoPoolUsers implements CognitoUserSource {
  constructor(
    private readonly clients: AccountClients,
    private readonly userPoolId?: string,
  ) {}

  async poolId(): Promise<string> {
    if (this.userPoolId) return this.userPoolId;
    const name = settingParameterName(this.clients.config, USER_POOL_ID_SETTING);
    try {
      const out = await this.clients.ssm.send(new GetParameterCommand({ Name: name }));
      if (out.Parameter?.Value) return out.Parameter.Value;
    } catch {
      /* fall through to the message below */
    }
    throw new Error(`no Cognito user pool id: SSM parameter ${name} not found; pass --user-pool-id`);
  }

  async list(): Promise<CognitoUser[]> {
    const UserPoolId = await this.poolId();
    const users: CognitoUser[] = [];
    let PaginationToken: string | undefined;
    do {
      const out = await this.clients.cognito.send(new ListUsersCommand({ UserPoolId, AttributesToGet: ["email", "sub"], PaginationToken }));
      for (const user of out.Users ?? []) {
        const attrs = Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name, a.Value]));
        if (attrs.email && attrs.sub) users.push({ email: attrs.email, sub: attrs.sub });
      }
      PaginationToken = out.PaginationToken;
    } while (PaginationToken);
    return users;
  }
}
