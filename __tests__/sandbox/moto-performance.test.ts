/**
 * Emulator tests (moto_server on loopback): the launcher's performance patches (P1-P4 in
 * scripts/sandbox/moto_launcher.py) change how much CPU the server spends per request, never
 * what it answers. An emulator (not aws-sdk-client-mock) because the point is the emulator's
 * own answers. The calls go through boto3 in the Python that runs the emulator (moto depends on
 * boto3), so one script can drive both servers the same way and compare what comes back.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { emulatorAvailability, emulatorProcessEnv, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";

// Two Python + moto servers on a loaded 2-core machine.
jest.setTimeout(120000);

const run = promisify(execFile);
const LAUNCHER_DIR = resolve(__dirname, "..", "..", "scripts", "sandbox");

/** Python with the launcher importable (its patches not applied yet), then `lines`. */
function withLauncher(lines: string[]): string {
  return ["import json, sys", `sys.path.insert(0, ${JSON.stringify(LAUNCHER_DIR)})`, "import moto_launcher", ...lines].join("\n");
}

async function python(script: string, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const interpreter = emulatorAvailability().python as string;
  const { stdout } = await run(interpreter, ["-c", script], { env, timeout: 90000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split("\n").pop() as string);
}

/**
 * The same calls, in the same order, against one server: S3 (rest-xml: the refresh's calls and
 * an error), STS and IAM (query), RDS (query, the serializer's attribute aliases), KMS and
 * DynamoDB (json). Answers are normalised: request ids, times and random identifiers masked.
 */
const SCENARIO = String.raw`
import boto3, datetime, json, re, sys
from botocore.exceptions import ClientError
endpoint = sys.argv[1] if len(sys.argv) > 1 else ENDPOINT
def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
RANDOM = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b(cluster|db)-[A-Z0-9]{20,}\b"), "<resource-id>"),
    (re.compile(r"\.cluster-(ro-)?[a-z0-9]{12}\."), ".cluster-<id>."),
    (re.compile(r"(:secret:[^:]+)-[A-Za-z0-9]{6}$"), r"\1-<suffix>"),
    (re.compile(r"^[A-Z0-9]{14}$"), "<zone-id>"),
    (re.compile(r"\bARO[A-Z0-9]{16,}\b"), "<role-id>"),
    (re.compile(r"[A-Za-z0-9+/]{40,}={0,2}"), "<opaque>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
]
def normalise(value):
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in ("ResponseMetadata",)}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, datetime.datetime):
        return "<datetime>"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        for pattern, mask in RANDOM:
            value = pattern.sub(mask, value)
        return value
    if hasattr(value, "read"):
        return value.read().decode("utf-8", "replace")
    return value
def call(name, fn):
    try:
        answers[name] = normalise(fn())
    except ClientError as error:
        answers[name] = {"error": error.response["Error"].get("Code"), "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
answers = {}
s3 = client("s3")
call("CreateBucket", lambda: s3.create_bucket(Bucket="perf-source"))
call("CreateBucket dest", lambda: s3.create_bucket(Bucket="perf-dest"))
call("PutObject", lambda: s3.put_object(Bucket="perf-source", Key="a dir/ünï+code.txt", Body=b"hello", ContentType="text/plain", Metadata={"owner": "team"}))
call("PutObject empty", lambda: s3.put_object(Bucket="perf-source", Key="empty", Body=b""))
call("CopyObject", lambda: s3.copy_object(Bucket="perf-dest", Key="a dir/ünï+code.txt", CopySource={"Bucket": "perf-source", "Key": "a dir/ünï+code.txt"}))
call("ListObjectsV2", lambda: s3.list_objects_v2(Bucket="perf-source"))
call("ListObjectsV2 dest", lambda: s3.list_objects_v2(Bucket="perf-dest", MaxKeys=1))
call("HeadObject", lambda: s3.head_object(Bucket="perf-dest", Key="a dir/ünï+code.txt"))
call("GetObject", lambda: s3.get_object(Bucket="perf-dest", Key="a dir/ünï+code.txt"))
call("GetObject missing", lambda: s3.get_object(Bucket="perf-dest", Key="missing"))
call("DeleteObjects", lambda: s3.delete_objects(Bucket="perf-source", Delete={"Objects": [{"Key": "empty"}, {"Key": "never-there"}]}))
call("GetCallerIdentity", lambda: client("sts").get_caller_identity())
iam = client("iam")
call("CreateRole", lambda: iam.create_role(RoleName="perf-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})))
call("GetRole", lambda: iam.get_role(RoleName="perf-role"))
rds = client("rds")
call("CreateDBCluster", lambda: rds.create_db_cluster(DBClusterIdentifier="perf-db", Engine="aurora-postgresql", MasterUsername="app", ManageMasterUserPassword=True, StorageEncrypted=True))
call("DescribeDBClusters", lambda: rds.describe_db_clusters(DBClusterIdentifier="perf-db"))
call("DescribeDBClusters missing", lambda: rds.describe_db_clusters(DBClusterIdentifier="missing"))
kms = client("kms")
call("CreateKey", lambda: kms.create_key(Description="perf"))
call("ListAliases", lambda: kms.list_aliases())
ddb = client("dynamodb")
call("CreateTable", lambda: ddb.create_table(TableName="perf-locks", AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}], KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST"))
call("DescribeTable", lambda: ddb.describe_table(TableName="perf-locks"))
print(json.dumps(answers, sort_keys=True))
`;

async function scenario(emulator: Emulator): Promise<Record<string, unknown>> {
  return (await python(SCENARIO.replace("else ENDPOINT", `else ${JSON.stringify(emulator.endpoint)}`), emulatorProcessEnv(emulator))) as Record<string, unknown>;
}

describeWithTools("moto launcher: performance patches", ["moto_server"], () => {
  let withPatches: Emulator;
  let withoutPatches: Emulator;

  beforeAll(async () => {
    [withPatches, withoutPatches] = await Promise.all([startEmulator(), startEmulator({ performancePatches: false })]);
  });

  afterAll(async () => {
    await Promise.all([withPatches?.stop(), withoutPatches?.stop()]);
  });

  test("GIVEN the same calls WHEN sent to moto with and without the performance patches THEN every answer is the same", async () => {
    // GIVEN / WHEN
    const [patched, plain] = await Promise.all([scenario(withPatches), scenario(withoutPatches)]);

    // THEN: one server ran the patches and the other did not
    expect(readFileSync(withPatches.logFile, "utf8")).toMatch(/applied 4 performance patches/);
    expect(readFileSync(withoutPatches.logFile, "utf8")).not.toMatch(/performance patches/);
    // and the scenario did exercise real answers (not a run of errors), and they match one by one
    expect(Object.keys(plain)).toHaveLength(21);
    expect(plain.CopyObject).toMatchObject({ CopyObjectResult: { ETag: '"5d41402abc4b2a76b9719d911017c592"' } });
    expect((plain.ListObjectsV2 as { Contents: unknown[] }).Contents).toHaveLength(2);
    expect(plain["GetObject missing"]).toEqual({ error: "NoSuchKey", status: 404 });
    expect(plain.DescribeDBClusters).toMatchObject({ DBClusters: [{ DBClusterIdentifier: "perf-db", StorageEncrypted: true }] });
    for (const name of Object.keys(plain)) {
      expect({ name, answer: patched[name] }).toEqual({ name, answer: plain[name] });
    }
  });

  test("GIVEN the timestamp cache (P2) WHEN a stored time is converted again, in every format THEN the text is what moto's own conversion gives", async () => {
    // GIVEN: moto's serializer untouched, then patched, in one Python process
    const result = (await python(
      withLauncher([
        "from moto.core.serialize import TimestampSerializer",
        "values = ['2026-11-22T01:02:03.000Z', '2026-11-22T01:02:03Z', '2026-11-22T01:02:03.456789+00:00', 'Sun, 22 Nov 2026 01:02:03 GMT', 1795741323, 1795741323.5]",
        "formats = ['iso8601', 'rfc822', 'unixtimestamp', 'ISO8601']",
        "def convert():",
        "    serializer = TimestampSerializer('iso8601')",
        "    return [[serializer._convert_timestamp_to_str(v, f) for f in formats] for v in values]",
        "before = convert()",
        "moto_launcher.perf_cache_timestamp_strings()",
        // WHEN: converted twice (a miss, then hits)
        "first, again = convert(), convert()",
        "print(json.dumps({'before': before, 'first': first, 'again': again}))",
      ]),
    )) as { before: unknown[][]; first: unknown[][]; again: unknown[][] };

    // THEN
    expect(result.before).toHaveLength(6);
    expect(result.before[0]).toEqual(["2026-11-22T01:02:03Z", "Sun, 22 Nov 2026 01:02:03 GMT", 1795309323, "2026-11-22T01:02:03Z"]);
    expect(result.first).toEqual(result.before);
    expect(result.again).toEqual(result.before);
  });

  test("GIVEN the module-list cache (P1) WHEN asked after patching THEN it lists the same service folders, every time", async () => {
    const result = (await python(
      withLauncher([
        "from moto import backends",
        "before = list(backends.list_of_moto_modules())",
        "moto_launcher.perf_cache_module_list()",
        "print(json.dumps({'before': before, 'first': list(backends.list_of_moto_modules()), 'again': list(backends.list_of_moto_modules())}))",
      ]),
    )) as { before: string[]; first: string[]; again: string[] };

    expect(result.before).toEqual(expect.arrayContaining(["s3", "rds", "sts", "kms"]));
    expect(result.first).toEqual(result.before);
    expect(result.again).toEqual(result.before);
  });

  test("GIVEN the request-thread pool (P4) WHEN 300 connections arrive at once, more than its 128 threads THEN every request is answered and the server's threads stay bounded", async () => {
    // GIVEN a bucket to list (unsigned requests: the emulator does not check signatures)
    const put = await fetch(`${withPatches.endpoint}/pool-check`, { method: "PUT" });
    expect(put.status).toBe(200);
    let peakThreads = 0;
    const threads = (): number => {
      try {
        return readdirSync(`/proc/${withPatches.pid}/task`).length;
      } catch {
        return 0; // not Linux: only the answers are checked
      }
    };
    const sampler = setInterval(() => (peakThreads = Math.max(peakThreads, threads())), 20);

    // WHEN: 300 separate connections at once
    const statuses = await Promise.all(
      Array.from({ length: 300 }, () =>
        new Promise<number>((resolve, reject) => {
          const request = httpGet(`${withPatches.endpoint}/pool-check?list-type=2`, { agent: false }, (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
          });
          request.on("error", reject);
        }),
      ),
    );
    clearInterval(sampler);

    // THEN
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    if (process.platform === "linux") {
      expect(peakThreads).toBeGreaterThan(0);
      expect(peakThreads).toBeLessThanOrEqual(128 + 8); // the pool, the main thread and a few of Python's own
    }
  });
});
