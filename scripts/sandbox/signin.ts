/**
 * Signs a user in to a Cognito app client with USER_SRP_AUTH — the flow the environment's app
 * client allows (modules/cognito: ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH) and the one
 * Amplify uses: InitiateAuth with SRP_A, then RespondToAuthChallenge PASSWORD_VERIFIER with a
 * signature derived from the password (RFC 5054 group of 3072 bits, SHA-256, HKDF
 * "Caldera Derived Key"). Against real Cognito this proves the password; the emulator (moto
 * 5.2.1) does not check the proof — it issues tokens for any signature — which docs/sandbox.md
 * says. The tokens themselves are real RS256 JWTs signed with the emulated pool's key.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand, RespondToAuthChallengeCommand } from "@aws-sdk/client-cognito-identity-provider";
import { createHash, createHmac, getDiffieHellman, randomBytes } from "node:crypto";

/** The 3072-bit MODP group of RFC 3526 (Node's `modp15`), which Cognito's SRP uses, and g = 2. */
const N = BigInt(`0x${getDiffieHellman("modp15").getPrime("hex")}`);
const g = 2n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Even-length hex, with a leading 00 when the high bit is set (a positive two's-complement number). */
export function padHex(value: bigint | string): string {
  let hex = typeof value === "string" ? value : value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if ("89abcdefABCDEF".includes(hex[0])) hex = `00${hex}`;
  return hex;
}

const sha256Hex = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");
const hexHash = (hex: string): string => sha256Hex(Buffer.from(hex, "hex"));

/** `Tue Sep 5 09:04:03 UTC 2025`: the TIMESTAMP format Cognito's SRP expects (day not zero-padded). */
export function srpTimestamp(now = new Date()): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${days[now.getUTCDay()]} ${months[now.getUTCMonth()]} ${now.getUTCDate()} ${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} UTC ${now.getUTCFullYear()}`;
}

/** The PASSWORD_CLAIM_SIGNATURE for one challenge (pure apart from the caller's random `a`). */
export function passwordClaimSignature(input: {
  userPoolId: string;
  userIdForSrp: string;
  password: string;
  a: bigint;
  srpB: string;
  salt: string;
  secretBlock: string;
  timestamp: string;
}): string {
  const poolName = input.userPoolId.split("_")[1] ?? input.userPoolId;
  const A = modPow(g, input.a, N);
  const B = BigInt(`0x${input.srpB}`);
  if (B % N === 0n) throw new Error("SRP: the server's B is 0 mod N");
  const k = BigInt(`0x${hexHash(`${padHex(N)}${padHex(g)}`)}`);
  const u = BigInt(`0x${hexHash(`${padHex(A)}${padHex(B)}`)}`);
  const x = BigInt(`0x${hexHash(`${padHex(input.salt)}${sha256Hex(`${poolName}${input.userIdForSrp}:${input.password}`)}`)}`);
  const S = modPow(B - ((k * modPow(g, x, N)) % N), input.a + u * x, N);
  const prk = createHmac("sha256", Buffer.from(padHex(u), "hex")).update(Buffer.from(padHex(S), "hex")).digest();
  const key = createHmac("sha256", prk).update(Buffer.concat([Buffer.from("Caldera Derived Key", "utf8"), Buffer.from([1])])).digest().subarray(0, 16);
  const message = Buffer.concat([Buffer.from(poolName, "utf8"), Buffer.from(input.userIdForSrp, "utf8"), Buffer.from(input.secretBlock, "base64"), Buffer.from(input.timestamp, "utf8")]);
  return createHmac("sha256", key).update(message).digest("base64");
}

export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
}

/** USER_SRP_AUTH sign-in of a confirmed user (no MFA challenge expected). */
export async function signInWithSrp(cognito: CognitoIdentityProviderClient, input: { userPoolId: string; clientId: string; username: string; password: string }): Promise<Tokens> {
  let a = 0n;
  let A = 0n;
  while (A === 0n) {
    a = BigInt(`0x${randomBytes(128).toString("hex")}`) % N;
    A = modPow(g, a, N);
  }
  const started = await cognito.send(
    new InitiateAuthCommand({ AuthFlow: "USER_SRP_AUTH", ClientId: input.clientId, AuthParameters: { USERNAME: input.username, SRP_A: A.toString(16) } }),
  );
  if (started.ChallengeName !== "PASSWORD_VERIFIER" || !started.ChallengeParameters) throw new Error(`sign-in: expected PASSWORD_VERIFIER, got ${started.ChallengeName ?? "no challenge"}`);
  const p = started.ChallengeParameters;
  const timestamp = srpTimestamp();
  const signature = passwordClaimSignature({
    userPoolId: input.userPoolId,
    userIdForSrp: p.USER_ID_FOR_SRP,
    password: input.password,
    a,
    srpB: p.SRP_B,
    salt: p.SALT,
    secretBlock: p.SECRET_BLOCK,
    timestamp,
  });
  const answered = await cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: input.clientId,
      ChallengeName: "PASSWORD_VERIFIER",
      Session: started.Session,
      ChallengeResponses: { USERNAME: p.USERNAME ?? p.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp },
    }),
  );
  const result = answered.AuthenticationResult;
  if (!result?.IdToken || !result.AccessToken) throw new Error(`sign-in: no tokens (challenge ${answered.ChallengeName ?? "none"}): is the user confirmed with a permanent password and no MFA?`);
  return { idToken: result.IdToken, accessToken: result.AccessToken };
}
