/**
 * scripts/previews: which previews exist (from their state keys) and which the sweeper destroys.
 * Unit tests of the pure planning; then `npm run previews -- list --json` (its `main`) against
 * the emulated AWS (moto_server: a real S3 API with real ListObjectsV2 paging and GetObject) and
 * an in-memory GitHub (__tests__/support/github-fake.ts), since GitHub cannot be reached here.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { main, previewStore } from "../../scripts/previews/cli";
import { PreviewState, formatPreviews, planPreviews, previewFromStateKey } from "../../scripts/previews/plan";
import { Emulator, clientConfig, startEmulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";
import { FakeGithub } from "../support/github-fake";

const state = (pullRequest: number, resources = 12): PreviewState => ({ pullRequest, stack: `twinstack-preview-pr-${pullRequest}`, stateKey: `twinstack-preview-pr-${pullRequest}/terraform.tfstate`, resources });

describe("planning the sweep", () => {
  test("state keys name previews; lock files, other stacks and odd numbers do not", () => {
    expect(previewFromStateKey("twinstack", "twinstack-preview-pr-42/terraform.tfstate")).toBe(42);
    for (const key of ["twinstack-preview-pr-42/terraform.tfstate.tflock", "twinstack-staging/terraform.tfstate", "twinstack-preview-pr-0/terraform.tfstate", "other-preview-pr-1/terraform.tfstate", "twinstack-preview-pr-1x/terraform.tfstate"]) {
      expect({ key, pr: previewFromStateKey("twinstack", key) }).toEqual({ key, pr: undefined });
    }
  });

  test("kept while open and labelled preview; destroyed when closed, unlabelled or gone; nothing for an empty state", () => {
    const rows = planPreviews([state(5), state(1), state(2), state(3), state(4, 0), state(6)], new Map([
      [1, { state: "open", labels: ["preview", "bug"] }],
      [2, { state: "open", labels: [] }],
      [3, { state: "closed", labels: ["preview"] }],
      [4, { state: "closed", labels: [] }],
      [5, { state: "missing" }],
    ] as const));
    expect(rows.map((r) => [r.pullRequest, r.action, r.reason])).toEqual([
      [1, "keep", "open and labelled preview"],
      [2, "destroy", "open but not labelled preview"],
      [3, "destroy", "pull request closed"],
      [4, "none", "state is empty (destroyed)"],
      [5, "destroy", "no such pull request"],
      [6, "unknown", "pull request not looked up (no GITHUB_TOKEN)"],
    ]);
    expect(formatPreviews(rows).split("\n")[0]).toMatch(/^PR\s+stack\s+resources\s+pull request\s+action\s+why$/);
    expect(formatPreviews([])).toContain("No previews");
  });
});

describeWithTools("npm run previews -- list, against the emulated S3", ["moto_server"], () => {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
  }, 60000);
  afterAll(async () => emulator?.stop()); // only the pid this test started

  test("GIVEN preview states in the staging state bucket WHEN list --json THEN each preview with its pull request and action", async () => {
    const store = previewStore({});
    const s3 = new S3Client({ ...clientConfig(emulator!), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: store.bucket }));
    const put = (Key: string, resources: number) => s3.send(new PutObjectCommand({ Bucket: store.bucket, Key, Body: JSON.stringify({ version: 4, resources: Array.from({ length: resources }, (_, i) => ({ type: "aws_vpc", name: `r${i}` })) }) }));
    await put("twinstack-preview-pr-7/terraform.tfstate", 30);
    await put("twinstack-preview-pr-7/terraform.tfstate.tflock", 0);
    await put("twinstack-preview-pr-8/terraform.tfstate", 25);
    await put("twinstack-preview-pr-9/terraform.tfstate", 0);
    await put("twinstack-staging/terraform.tfstate", 80);
    const github = new FakeGithub();
    github.addPullRequest({ number: 7, state: "open", labels: ["preview"] });
    github.addPullRequest({ number: 8, state: "closed", labels: ["preview"] });
    let out = "";
    const code = await main(["node", "previews", "list", "--json"], {}, { s3, github, out: (text) => (out += text) });
    expect(code).toBe(0);
    const rows = JSON.parse(out);
    expect(rows.map((r: { pullRequest: number; resources: number; action: string }) => [r.pullRequest, r.resources, r.action])).toEqual([
      [7, 30, "keep"],
      [8, 25, "destroy"],
      [9, 0, "none"],
    ]);
    // The sweeper's matrix is exactly the previews to destroy.
    expect(rows.filter((r: { action: string }) => r.action === "destroy").map((r: { pullRequest: number }) => r.pullRequest)).toEqual([8]);
  }, 60000);

  test("an unknown subcommand is bad usage (exit 2)", async () => {
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "previews", "sweep-everything"], {}, { out: () => undefined })).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
