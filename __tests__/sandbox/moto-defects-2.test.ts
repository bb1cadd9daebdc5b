/**
 * Emulator tests (moto_server on loopback), continuing moto-defects.test.ts: defects 8-10 of
 * moto 5.2.1 against documented AWS behaviour, fixed by scripts/sandbox/moto_launcher.py. For
 * each: GIVEN plain moto (`patched: false`) the defect shows, so the patch is still needed;
 * GIVEN the launcher, AWS's documented behaviour holds. An emulator (not aws-sdk-client-mock)
 * because the point is the emulator's own behaviour.
 *
 * IAM, Lambda set-up and CloudFront calls go through boto3 in the Python that runs the emulator
 * (moto depends on boto3): @aws-sdk/client-iam and client-cloudfront are not installed here.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { clientConfig, emulatorAvailability, emulatorProcessEnv, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";

// Starting Python + moto takes ~1 s idle, much longer on a loaded 2-core machine.
jest.setTimeout(90000);

const run = promisify(execFile);

/** Run `body` (Python; `endpoint` and `client(name, **kw)` are defined) and parse what it prints as JSON. */
async function boto3(emulator: Emulator, body: string): Promise<Record<string, unknown>> {
  const python = emulatorAvailability().python as string;
  const script = [
    "import boto3, io, json, zipfile",
    "from botocore.exceptions import ClientError",
    "endpoint = " + JSON.stringify(emulator.endpoint),
    "def client(name, **kw):",
    "    kw.setdefault('aws_access_key_id', 'testing')",
    "    kw.setdefault('aws_secret_access_key', 'testing')",
    "    return boto3.client(name, endpoint_url=endpoint, region_name='us-east-1', **kw)",
    "def outcome(call):",
    "    try:",
    "        call()",
    "        return 'ok'",
    "    except ClientError as error:",
    "        return error.response['Error']['Code']",
    body,
  ].join("\n");
  const { stdout } = await run(python, ["-c", script], { env: emulatorProcessEnv(emulator), timeout: 60000 });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
}

/** "ok" or the HTTP status of a failed S3 call. */
async function s3Outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return String((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? (error as Error).name);
  }
}

/** A bucket with one object (written before the policy) and the given policy statement. */
async function bucketWithPolicy(s3: S3Client, bucket: string, statement: Record<string, unknown>): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "index.html", Body: "<p>hi</p>" }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) }));
}

/** The owner's (signed) PutObject and GetObject on `bucket`. */
async function ownerPutGet(s3: S3Client, bucket: string): Promise<[string, string]> {
  const put = await s3Outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "app.js", Body: "1" })));
  const get = await s3Outcome(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "index.html" })));
  return [put, get];
}

describeWithTools("moto defects fixed by the launcher (8-10)", ["moto_server"], () => {
  for (const patched of [false, true]) {
    describe(patched ? "GIVEN the launcher (patched)" : "GIVEN plain moto 5.2.1", () => {
      let emulator: Emulator;
      let s3: S3Client;
      beforeAll(async () => {
        emulator = await startEmulator({ patched });
        s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true, maxAttempts: 1 });
      });
      afterAll(async () => {
        s3?.destroy();
        await emulator?.stop();
      });

      test("defect 8a: the TLS-only bucket statement refuses the bucket owner", async () => {
        // GIVEN a bucket with the standard TLS-only statement (as modules/s3 writes it)
        await bucketWithPolicy(s3, "tls-only", {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"],
          Condition: { Bool: { "aws:SecureTransport": false } },
        });
        // WHEN its owner writes and reads objects
        const result = await ownerPutGet(s3, "tls-only");
        // THEN (AWS) the Deny applies only when aws:SecureTransport is "false": the HTTPS
        // requests real clients make are allowed. moto ignores every condition operator but
        // StringEquals, so plain moto denies every request (403). The launcher applies AWS's
        // rule for a key absent from the request context (moto populates none here; the
        // emulator itself listens on plain HTTP on loopback): the Deny does not apply.
        expect(result).toEqual(patched ? ["ok", "ok"] : ["403", "403"]);
      });

      test("defect 8a: an Allow conditioned on a key the request lacks grants anyone", async () => {
        // GIVEN a private object whose bucket allows GetObject only through one VPC endpoint
        await bucketWithPolicy(s3, "vpce-only", {
          Sid: "AllowFromOurEndpoint",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::vpce-only/*",
          Condition: { StringEquals: { "aws:SourceVpce": "vpce-1234" } },
        });
        // WHEN anyone reads it anonymously, from outside that endpoint
        const anonymous = await fetch(`${emulator.endpoint}/vpce-only/index.html`);
        // THEN (AWS) aws:SourceVpce is absent, the condition is false, the Allow does not apply:
        // 403. Plain moto counts the condition as met (no value to compare) and serves the object.
        expect(anonymous.status).toBe(patched ? 403 : 200);
        // AND the owner's own signed requests work either way (the bucket policy is not needed)
        expect(await ownerPutGet(s3, "vpce-only")).toEqual(["ok", "ok"]);
      });

      test("defect 8b: a statement with an unmet condition vetoes the others (trust policy)", async () => {
        // GIVEN moto's opt-in IAM authentication (the first 4 requests are unauthenticated:
        // they create the user, its key, its policy and the role) and a role that two tenants
        // may assume, each with its own external id (two Allow statements)
        process.env.INITIAL_NO_AUTH_ACTION_COUNT = "4";
        let authEmulator: Emulator;
        try {
          authEmulator = await startEmulator({ patched });
        } finally {
          delete process.env.INITIAL_NO_AUTH_ACTION_COUNT;
        }
        try {
          const result = await boto3(
            authEmulator,
            `
iam = client('iam')
user = iam.create_user(UserName='deployer')['User']['Arn']
key = iam.create_access_key(UserName='deployer')['AccessKey']
iam.put_user_policy(UserName='deployer', PolicyName='assume', PolicyDocument=json.dumps({
    'Version': '2012-10-17',
    'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Resource': 'arn:aws:iam::123456789012:role/deploy'}]}))
def tenant(external_id):
    return {'Effect': 'Allow', 'Principal': {'AWS': user}, 'Action': 'sts:AssumeRole',
            'Condition': {'StringEquals': {'sts:ExternalId': external_id}}}
role = iam.create_role(RoleName='deploy', AssumeRolePolicyDocument=json.dumps({
    'Version': '2012-10-17', 'Statement': [tenant('tenant-a'), tenant('tenant-b')]}))['Role']['Arn']
sts = client('sts', aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
def assume(**kw):
    return outcome(lambda: sts.assume_role(RoleArn=role, RoleSessionName='deploy-session', **kw))
print(json.dumps({'a': assume(ExternalId='tenant-a'), 'b': assume(ExternalId='tenant-b'),
                  'other': assume(ExternalId='tenant-c'), 'none': assume()}))
`,
          );
          // WHEN the user assumes the role with each external id, another one, and none
          // THEN (AWS) each tenant's statement allows its own id; an unmet condition makes a
          // statement not apply (neither allow nor deny); without an external id
          // (sts:ExternalId absent) neither statement applies: AccessDenied. Plain moto turns
          // the other tenant's unmet condition into a Deny (nobody can assume the role) and
          // lets a caller without an external id in (an absent key passes).
          expect(result).toEqual(
            patched
              ? { a: "ok", b: "ok", other: "AccessDenied", none: "AccessDenied" }
              : { a: "AccessDenied", b: "AccessDenied", other: "AccessDenied", none: "ok" },
          );
        } finally {
          await authEmulator.stop();
        }
      });

      test("defect 9: Lambda returns the function's KMSKeyArn", async () => {
        // GIVEN a function created with a customer managed key for its environment variables
        // (a zip in memory; creating a function needs no Docker, invoking it would)
        const result = await boto3(
          emulator,
          `
iam, lam, kms = client('iam'), client('lambda'), client('kms')
role = iam.create_role(RoleName='api-fn', AssumeRolePolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': {'Service': 'lambda.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}))['Role']['Arn']
key, other_key = (kms.create_key()['KeyMetadata']['Arn'] for _ in range(2))
archive = io.BytesIO()
with zipfile.ZipFile(archive, 'w') as z:
    z.writestr('index.js', 'exports.handler = async () => ({ statusCode: 200 });')
created = lam.create_function(FunctionName='api', Runtime='nodejs20.x', Role=role, Handler='index.handler',
                              Code={'ZipFile': archive.getvalue()}, KMSKeyArn=key, Environment={'Variables': {'STAGE': 'test'}})
config = lambda: lam.get_function_configuration(FunctionName='api').get('KMSKeyArn')
out = {'created': created.get('KMSKeyArn') == key,
       'getFunction': lam.get_function(FunctionName='api')['Configuration'].get('KMSKeyArn') == key,
       'getConfiguration': config() == key}
lam.update_function_configuration(FunctionName='api', KMSKeyArn=other_key)
out['updated'] = config() == other_key
lam.update_function_configuration(FunctionName='api', KMSKeyArn='')
out['clearedToDefault'] = config() is None
print(json.dumps(out))
`,
        );
        // WHEN it is read back, its key changed, then reset to the AWS managed key ("")
        // THEN (AWS) every response carries the key it was given (none after the reset); plain
        // moto never returns one (Terraform: kms_key_arn drift on every plan)
        expect(result).toEqual(
          patched
            ? { created: true, getFunction: true, getConfiguration: true, updated: true, clearedToDefault: true }
            : { created: false, getFunction: false, getConfiguration: false, updated: false, clearedToDefault: true },
        );
      });

      test("defect 10: CloudFront returns an S3 origin's OriginAccessControlId", async () => {
        // GIVEN a distribution whose S3 origin uses an origin access control (as modules/cloudfront)
        const result = await boto3(
          emulator,
          `
cf = client('cloudfront')
oac = cf.create_origin_access_control(OriginAccessControlConfig={
    'Name': 'site', 'SigningProtocol': 'sigv4', 'SigningBehavior': 'always', 'OriginAccessControlOriginType': 's3'})['OriginAccessControl']['Id']
created = cf.create_distribution(DistributionConfig={
    'CallerReference': 'site-1', 'Comment': '', 'Enabled': True,
    'Origins': {'Quantity': 1, 'Items': [{'Id': 'site', 'DomainName': 'site.s3.us-east-1.amazonaws.com',
                                          'OriginAccessControlId': oac, 'S3OriginConfig': {'OriginAccessIdentity': ''}}]},
    'DefaultCacheBehavior': {'TargetOriginId': 'site', 'ViewerProtocolPolicy': 'redirect-to-https',
                             'CachePolicyId': '658327ea-f89d-4fab-a63d-7e88639e58f6'}})['Distribution']
origin = lambda config: config['Origins']['Items'][0].get('OriginAccessControlId') == oac
print(json.dumps({'created': origin(created['DistributionConfig']),
                  'getDistribution': origin(cf.get_distribution(Id=created['Id'])['Distribution']['DistributionConfig']),
                  'getDistributionConfig': origin(cf.get_distribution_config(Id=created['Id'])['DistributionConfig'])}))
`,
        );
        // WHEN it is read back  THEN (AWS) the origin keeps its OriginAccessControlId; plain
        // moto drops it (Terraform: origin_access_control_id drift on every plan)
        expect(result).toEqual({ created: patched, getDistribution: patched, getDistributionConfig: patched });
      });
    });
  }
});

describeWithTools("moto defect 11: Cognito deletion protection (emulator)", ["moto_server"], () => {
  for (const patched of [false, true]) {
    describe(patched ? "with the launcher's fix (AWS's behaviour)" : "plain moto (the defect)", () => {
      let emulator: Emulator;
      beforeAll(async () => {
        emulator = await startEmulator({ patched });
      });
      afterAll(async () => {
        await emulator?.stop();
      });

      test("DeleteUserPool is refused while deletion protection is ACTIVE", async () => {
        // GIVEN a pool with deletion protection on (as production's)
        const result = await boto3(
          emulator,
          `
idp = client('cognito-idp')
pool = idp.create_user_pool(PoolName='protected', DeletionProtection='ACTIVE')['UserPool']['Id']
refused = outcome(lambda: idp.delete_user_pool(UserPoolId=pool))
after = None
if refused != 'ok':
    idp.update_user_pool(UserPoolId=pool, DeletionProtection='INACTIVE')
    after = outcome(lambda: idp.delete_user_pool(UserPoolId=pool))
print(json.dumps({'whileActive': refused, 'afterInactive': after}))
`,
        );
        // THEN (AWS) the delete fails until protection is lifted; plain moto deletes it at once
        // (and then finds no pool to update)
        if (patched) expect(result).toEqual({ whileActive: "InvalidParameterException", afterInactive: "ok" });
        else expect(result.whileActive).toBe("ok");
      });
    });
  }
});
