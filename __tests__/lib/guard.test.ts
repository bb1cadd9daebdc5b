/**
 * Unit tests (no AWS) of the write guard's pure decision, `guardWriteTarget`: every refusal path
 * (protected environment, protected name, protected account, Environment tag protected / missing /
 * unknown / of another environment, tags unreadable, resource absent) and the allowed cases,
 * plus `assertWriteTargets` with stubbed reads (it must read before deciding and list every
 * reason). The AWS reads themselves run against the emulator in guard-aws.test.ts.
 */
import { namedEnvironments, resolveEnvironment, validateEnvironments, environmentInputs } from "../../environments/registry";
import { uploadsBucketName } from "../../environments/naming";
import {
  WriteRefusedError,
  assertEnvironmentWritable,
  assertWriteTargets,
  guardRegistry,
  guardWriteTarget,
  type TagRead,
  type WriteResource,
} from "../../scripts/lib/guard";

const registry = validateEnvironments(namedEnvironments);
const { staging, production } = registry;
const command = "test-command";

const read = (tags: Record<string, string>, aliases?: string[]): TagRead => ({ state: "read", tags, aliases });
const bucket = (name: string, tags: TagRead, extra: Partial<WriteResource> = {}): WriteResource => ({ kind: "s3-bucket", name, tags, ...extra });
const reasonsOf = (decision: ReturnType<typeof guardWriteTarget>): readonly string[] => (decision.allowed ? [] : decision.reasons);

describe("guardWriteTarget: refusals", () => {
  test("GIVEN a protected target environment WHEN no resource is named yet THEN refused (before any AWS call)", () => {
    expect(reasonsOf(guardWriteTarget({ registry, env: production, command }))).toEqual([`environments/production is protected: ${command} never writes to it`]);
    expect(() => assertEnvironmentWritable({ registry, env: production, command })).toThrow(WriteRefusedError);
  });

  test("GIVEN production's uploads bucket by name WHEN its tags even say staging THEN refused by name", () => {
    const name = uploadsBucketName(production);
    const reasons = reasonsOf(guardWriteTarget({ registry, command, resource: bucket(name, read({ Environment: "staging" })) }));
    expect(reasons).toEqual([`bucket ${name} is named like protected environment production's resources (twinstack-production-…): never written`]);
  });

  test("GIVEN production's cluster identifier (exactly the prefix) WHEN checked THEN refused by name", () => {
    const decision = guardWriteTarget({ registry, command, resource: { kind: "rds-cluster", name: "twinstack-production", tags: read({ Environment: "staging" }) } });
    expect(reasonsOf(decision)[0]).toContain("cluster twinstack-production is named like protected environment production's resources");
  });

  test("GIVEN a user pool whose id says nothing but whose name is production's WHEN checked THEN refused by its name (alias)", () => {
    const decision = guardWriteTarget({ registry, command, resource: { kind: "cognito-user-pool", name: "us-east-1_AbC123", tags: read({ Environment: "staging" }, ["twinstack-production"]) } });
    expect(reasonsOf(decision)[0]).toContain("user pool us-east-1_AbC123 is named like protected environment production's resources");
  });

  test("GIVEN a bucket named with production's account id WHEN checked THEN refused, the account masked", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, command, resource: bucket("twinstack-tfstate-222222222222", read({ Environment: "staging" })) }));
    expect(reasons).toEqual(["bucket twinstack-tfstate-222222222222 names protected environment production's account (********2222): never written"]);
  });

  test("GIVEN a bucket tagged Environment=production WHEN its name says nothing THEN refused by tag", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, command, resource: bucket("innocent", read({ Environment: "production" })) }));
    expect(reasons).toEqual([`bucket innocent is tagged Environment=production, a protected environment: ${command} never writes to it`]);
  });

  test("GIVEN a bucket without an Environment tag WHEN checked THEN refused: not classified means sensitive", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, command, resource: bucket("untagged", read({ Project: "twinstack" })) }));
    expect(reasons[0]).toMatch(/^bucket untagged has no Environment tag: it is not classified, so it is treated as sensitive/);
  });

  test("GIVEN a bucket tagged with an environment the registry does not know WHEN checked THEN refused", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, command, resource: bucket("other", read({ Environment: "prod" })) }));
    expect(reasons[0]).toBe("bucket other is tagged Environment=prod, which is not an environment of the registry (staging, production, preview-pr-<n>): treated as sensitive");
  });

  test("GIVEN a command targeting staging WHEN the bucket is tagged as a preview THEN refused: another environment's resource", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, env: staging, command, resource: bucket(uploadsBucketName(staging), read({ Environment: "preview-pr-3" })) }));
    expect(reasons).toEqual([`bucket ${uploadsBucketName(staging)} is tagged Environment=preview-pr-3, but ${command} targets environments/staging: it belongs to another environment`]);
  });

  test("GIVEN tags that cannot be read WHEN checked THEN refused, naming the permission to grant", () => {
    const tags: TagRead = { state: "unreadable", permission: "s3:GetBucketTagging on arn:aws:s3:::x", detail: "AccessDenied" };
    const reasons = reasonsOf(guardWriteTarget({ registry, env: staging, command, resource: bucket("x", tags) }));
    expect(reasons).toEqual(["cannot read the tags of bucket x (AccessDenied): grant s3:GetBucketTagging on arn:aws:s3:::x; a resource whose tags cannot be read is treated as sensitive"]);
  });

  test("GIVEN a resource that does not exist WHEN the command does not create it THEN refused", () => {
    const reasons = reasonsOf(guardWriteTarget({ registry, env: staging, command, resource: bucket("missing", { state: "absent" }) }));
    expect(reasons[0]).toMatch(/^bucket missing does not exist/);
  });

  test("GIVEN a protected target AND a production-named, production-tagged resource WHEN checked THEN every reason is listed", () => {
    const name = uploadsBucketName(production);
    const reasons = reasonsOf(guardWriteTarget({ registry, env: production, command, resource: bucket(name, read({ Environment: "production" })) }));
    expect(reasons).toHaveLength(3);
  });
});

describe("guardWriteTarget: allowed", () => {
  test("GIVEN staging's uploads tagged Environment=staging WHEN the command targets staging THEN allowed", () => {
    expect(guardWriteTarget({ registry, env: staging, command, resource: bucket(uploadsBucketName(staging), read({ Environment: "staging" })) })).toEqual({ allowed: true, environment: "staging" });
  });

  test("GIVEN a raw bucket (no target environment) tagged as a preview WHEN checked THEN allowed, and its environment is the tag's", () => {
    expect(guardWriteTarget({ registry, command, resource: bucket("scratch", read({ Environment: "preview-pr-7" })) })).toEqual({ allowed: true, environment: "preview-pr-7" });
  });

  test("GIVEN staging's cluster absent (mid-swap) WHEN the command recreates it THEN allowed by name alone", () => {
    expect(guardWriteTarget({ registry, env: staging, command, resource: { kind: "rds-cluster", name: "twinstack-staging", tags: { state: "absent" }, mayBeAbsent: true } }).allowed).toBe(true);
  });

  test("GIVEN a preview target WHEN checked without a resource THEN allowed", () => {
    expect(guardWriteTarget({ registry, env: resolveEnvironment("preview-pr-4"), command }).allowed).toBe(true);
  });

  test("GIVEN the emulator's single-account topology WHEN staging's bucket carries the shared account id THEN the account says nothing and it is allowed", () => {
    const single = guardRegistry({ TWINSTACK_SINGLE_ACCOUNT: "111111111111", AWS_ENDPOINT_URL: "http://127.0.0.1:5000" });
    const decision = guardWriteTarget({ registry: single, env: single.staging, command, resource: bucket(uploadsBucketName(single.staging), read({ Environment: "staging" })) });
    expect(decision).toEqual({ allowed: true, environment: "staging" });
    // while production's bucket in the same topology is still refused by name
    expect(guardWriteTarget({ registry: single, command, resource: bucket(uploadsBucketName(single.production), read({ Environment: "staging" })) }).allowed).toBe(false);
  });
});

describe("assertWriteTargets", () => {
  test("GIVEN two targets, one refused WHEN asserted THEN both were read first and the error lists the reasons with account ids masked (exit 2)", async () => {
    const reads: string[] = [];
    const target = (name: string, tags: TagRead) => ({ kind: "s3-bucket" as const, name, read: async () => (reads.push(name), tags) });
    const failure = await assertWriteTargets({
      registry,
      command,
      targets: [target(uploadsBucketName(staging), read({ Environment: "staging" })), target(uploadsBucketName(production), read({ Environment: "production" }))],
    }).catch((error: unknown) => error);
    expect(reads.sort()).toEqual([uploadsBucketName(production), uploadsBucketName(staging)].sort());
    expect(failure).toBeInstanceOf(WriteRefusedError);
    expect((failure as WriteRefusedError).exitCode).toBe(2);
    expect((failure as Error).message).not.toMatch(/\d{12}/);
    expect((failure as Error).message).toContain("twinstack-production-uploads-********2222");
  });

  test("GIVEN a protected environment WHEN asserted THEN refused before any read", async () => {
    const readTags = jest.fn();
    await expect(assertWriteTargets({ registry, env: production, command, targets: [{ kind: "s3-bucket", name: "b", read: readTags }] })).rejects.toThrow("environments/production is protected");
    expect(readTags).not.toHaveBeenCalled();
  });

  test("GIVEN allowed targets WHEN asserted THEN each one's environment is returned", async () => {
    const environments = await assertWriteTargets({ registry, command, targets: [{ kind: "s3-bucket", name: "b", read: async () => read({ Environment: "staging" }) }] });
    expect(environments).toEqual(["staging"]);
  });

  test("guardRegistry refuses TWINSTACK_SINGLE_ACCOUNT against real AWS like the registry does", () => {
    expect(() => guardRegistry({ TWINSTACK_SINGLE_ACCOUNT: "222222222222" })).toThrow(/allowed only against an emulator/);
    expect(Object.keys(guardRegistry({}))).toEqual(Object.keys(validateEnvironments(environmentInputs({}))));
  });
});
