/**
 * What API Gateway's JWT authorizer checks, for the sandbox's gateway: the token's signature
 * against the issuer's JSON Web Key Set (RS256), `iss` equal to the configured issuer, `aud`
 * (ID tokens) or, only when there is no `aud`, `client_id` (access tokens) among the configured
 * audiences, `exp` / `nbf` / `iat` in range, and the route's scopes when it names any.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * The claims are handed to the function as strings, as API Gateway does.
 */
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";

export interface JwtAuthorizerConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Scopes the route requires (any one of them). None: no scope check. */
  readonly scopes?: readonly string[];
}

export interface VerifiedJwt {
  readonly claims: Record<string, string>;
  readonly scopes: string[] | null;
}

export class JwtRejected extends Error {}

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new JwtRejected(`the token's ${what} is not base64url JSON`);
  }
}

/** The token from an Authorization header value (with or without `Bearer `, as API Gateway accepts). */
export function tokenFromHeader(value: string | undefined): string | undefined {
  const token = value?.trim().replace(/^Bearer\s+/i, "");
  return token ? token : undefined;
}

/** Verifies a JWT; `keys` returns the issuer's JWKS. Throws JwtRejected with the reason. */
export async function verifyJwt(token: string, config: JwtAuthorizerConfig, keys: (issuer: string) => Promise<JsonWebKey[]>, nowSeconds = Date.now() / 1000): Promise<VerifiedJwt> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtRejected("not a JWT (three dot-separated parts)");
  const header = decodePart(parts[0], "header");
  const payload = decodePart(parts[1], "payload");
  if (header.alg !== "RS256") throw new JwtRejected(`alg ${String(header.alg)} is not RS256`);
  if (payload.iss !== config.issuer) throw new JwtRejected(`iss ${String(payload.iss)} is not the authorizer's issuer`);
  const jwks = await keys(config.issuer);
  const jwk = jwks.find((key) => (key as { kid?: string }).kid === header.kid);
  if (!jwk) throw new JwtRejected(`no key ${String(header.kid)} in the issuer's JWKS`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify("RSA-SHA256", signed, createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(parts[2], "base64url"))) {
    throw new JwtRejected("bad signature");
  }
  const exp = Number(payload.exp);
  if (!Number.isFinite(exp) || exp <= nowSeconds) throw new JwtRejected("expired");
  if (payload.nbf !== undefined && Number(payload.nbf) > nowSeconds) throw new JwtRejected("not valid yet (nbf)");
  // "iat – Must be before the current time in UTC."
  if (payload.iat !== undefined && Number(payload.iat) > nowSeconds) throw new JwtRejected("issued in the future (iat)");
  // "API Gateway validates client_id only if aud is not present."
  const audiences = [payload.aud !== undefined ? payload.aud : payload.client_id].flat().filter((value): value is string => typeof value === "string");
  if (!audiences.some((audience) => config.audience.includes(audience))) throw new JwtRejected(payload.aud !== undefined ? "aud not accepted" : "client_id not accepted (no aud)");
  const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : null;
  if (config.scopes && config.scopes.length > 0 && !config.scopes.some((scope) => scopes?.includes(scope))) throw new JwtRejected("none of the route's scopes");
  const claims = Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
  return { claims, scopes };
}
