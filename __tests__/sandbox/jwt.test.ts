/**
 * Kind: unit — the sandbox gateway's JWT check against what API Gateway's JWT authorizer
 * documents it validates ("Authorizing API requests", step 4, "Validate claims"):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * Why: a sandbox kinder than the authorizer lets a token through locally that AWS refuses.
 */
import { generateKeyPairSync, sign, type JsonWebKey } from "node:crypto";
import { JwtRejected, verifyJwt } from "../../scripts/sandbox/jwt";

const ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_sandbox";
const NOW = 1_800_000_000;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const keys = async (): Promise<JsonWebKey[]> => [{ ...publicKey.export({ format: "jwk" }), kid: "k1" }];
const config = { issuer: ISSUER, audience: ["app-client"] };

function token(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${part({ alg: "RS256", kid: "k1" })}.${part({ iss: ISSUER, exp: NOW + 3600, ...claims })}`;
  return `${signed}.${sign("RSA-SHA256", Buffer.from(signed), privateKey).toString("base64url")}`;
}

describe("verifyJwt (API Gateway's JWT authorizer)", () => {
  test("an access token (no aud) is accepted by its client_id; an ID token by its aud", async () => {
    await expect(verifyJwt(token({ client_id: "app-client" }), config, keys, NOW)).resolves.toMatchObject({ claims: { client_id: "app-client" } });
    await expect(verifyJwt(token({ aud: "app-client" }), config, keys, NOW)).resolves.toMatchObject({ claims: { aud: "app-client" } });
  });

  test("a token whose aud is not accepted is refused even when its client_id is (client_id counts only when aud is absent)", async () => {
    // GIVEN a token for another audience that carries an accepted client_id
    const both = token({ aud: "another-api", client_id: "app-client" });
    // WHEN the authorizer checks it
    // THEN it is refused: "API Gateway validates client_id only if aud is not present.
    // When both aud and client_id are present, API Gateway evaluates aud."
    await expect(verifyJwt(both, config, keys, NOW)).rejects.toThrow(JwtRejected);
  });

  test("a token issued in the future (iat after now) is refused", async () => {
    // GIVEN a token otherwise valid whose iat is a minute ahead
    const future = token({ client_id: "app-client", iat: NOW + 60 });
    // WHEN the authorizer checks it at NOW
    // THEN it is refused: "iat – Must be before the current time in UTC."
    await expect(verifyJwt(future, config, keys, NOW)).rejects.toThrow(JwtRejected);
    await expect(verifyJwt(token({ client_id: "app-client", iat: NOW - 60 }), config, keys, NOW)).resolves.toBeDefined();
  });
});
