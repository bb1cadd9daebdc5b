/**
 * The provider mirror is optional (scripts/lib/terraform.ts): used when present, otherwise
 * Terraform installs the pinned AWS provider from its registry.
 * Unit tests of the CLI config each case writes (no network), and real-Terraform tests:
 * with the mirror hidden, `terraform init` takes the registry path — shown here, where no
 * registry is reachable, by init failing with an error that names the registry (the request is
 * sent through a proxy on a closed loopback port, so the test means the same on a machine that
 * does have network access); with the mirror, the same init succeeds offline.
 */
import { createServer } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AWS_PROVIDER_VERSION, PROVIDER_REGISTRY_HOST, describeProviderSource, locateProviderMirror, terraform, writeTerraformCliConfig } from "../scripts/lib/terraform";
import { describeWithTools, missingTool } from "./helpers/requirements";

const work = mkdtempSync(join(tmpdir(), "twinstack-provider-source-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A directory laid out like a mirror of the AWS provider (an empty file stands in for the binary). */
function fakeMirror(): string {
  const mirror = join(work, "mirror");
  mkdirSync(join(mirror, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION, "linux_amd64"), { recursive: true });
  writeFileSync(join(mirror, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION, "linux_amd64", `terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5`), "");
  return mirror;
}

describe("where the AWS provider comes from", () => {
  test("no mirror anywhere: none is located, and the CLI config leaves installation to the registry", () => {
    // GIVEN no TWINSTACK_PROVIDER_MIRROR and no candidate directory holding the provider
    const located = locateProviderMirror({}, [join(work, "nowhere")]);
    expect(located).toBeUndefined();
    // WHEN the CLI config is written THEN it has a plugin cache and no provider_installation block
    const config = writeTerraformCliConfig(join(work, "registry"), located ?? null);
    const text = readFileSync(config.cliConfigFile, "utf8");
    expect(text).toContain("plugin_cache_dir");
    expect(text).not.toContain("provider_installation");
    expect(config.providerSource).toEqual({ kind: "registry", host: "registry.terraform.io" });
    expect(describeProviderSource(config.providerSource)).toBe(`registry.terraform.io/hashicorp/aws ${AWS_PROVIDER_VERSION} from registry.terraform.io (no local mirror)`);
  });

  test("a mirror among the candidates is used, and only for hashicorp/aws", () => {
    const mirror = fakeMirror();
    expect(locateProviderMirror({}, [join(work, "nowhere"), mirror])).toBe(mirror);
    const config = writeTerraformCliConfig(join(work, "mirrored"), mirror);
    const text = readFileSync(config.cliConfigFile, "utf8");
    expect(text).toContain(`filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]`);
    expect(config.providerSource).toEqual({ kind: "mirror", path: mirror });
  });

  test("TWINSTACK_PROVIDER_MIRROR=off chooses the registry even where a mirror exists", () => {
    expect(locateProviderMirror({ TWINSTACK_PROVIDER_MIRROR: "off" }, [fakeMirror()])).toBeUndefined();
  });

  test("a TWINSTACK_PROVIDER_MIRROR that does not hold the provider is an error naming it, not a silent fallback", () => {
    expect(() => locateProviderMirror({ TWINSTACK_PROVIDER_MIRROR: join(work, "empty") })).toThrow(/TWINSTACK_PROVIDER_MIRROR \(.*empty\) does not hold registry.terraform.io\/hashicorp\/aws 5\.100\.0/);
  });

  test("the tests' tool check accepts the mirror, or else a reachable registry (and says which is missing)", () => {
    const reason = missingTool("provider-mirror");
    // With a mirror on the machine the check passes whatever the network; without one, it passes
    // only when the registry answered (then there is nothing more to see here), else it names both.
    if (locateProviderMirror() !== undefined) expect(reason).toBeUndefined();
    else if (reason !== undefined) expect(reason).toMatch(/no local provider mirror, and registry\.terraform\.io did not answer/);
  });
});

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The smallest configuration that needs the AWS provider, exactly as every stack pins it. */
function providerOnlyStack(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "aws", version: AWS_PROVIDER_VERSION } } } }));
  return dir;
}

describeWithTools("terraform init takes the registry path when the mirror is hidden", ["terraform"], () => {
  test("GIVEN no mirror WHEN terraform init THEN it asks the registry (here unreachable) and the error names it", async () => {
    const dir = providerOnlyStack("registry-init");
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "registry-cli"), null);
    const proxy = `http://127.0.0.1:${await closedPort()}`;
    const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], {
      cwd: dir,
      cliConfigFile,
      env: { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: "", no_proxy: "" },
    });
    expect(init.code).not.toBe(0);
    expect(init.stderr).toContain(PROVIDER_REGISTRY_HOST);
    expect(init.stderr).toMatch(/hashicorp\/aws/);
    expect(init.stderr).not.toMatch(/filesystem_mirror|provider mirror/i);
  }, 120000);
});

describeWithTools("terraform init uses the mirror when there is one (offline)", ["terraform", "provider-mirror"], () => {
  // The tool check also passes through a reachable registry: then there is no mirror to show offline.
  const mirror = locateProviderMirror();
  if (!mirror) console.warn("\n!!!!!!!! SKIPPED: terraform init from the mirror, offline: this machine has no provider mirror !!!!!!!!\n");
  (mirror ? test : test.skip)("GIVEN the machine's mirror WHEN terraform init with an unreachable network THEN it succeeds", async () => {
    if (!mirror) throw new Error("unreachable: skipped without a mirror");
    const dir = providerOnlyStack("mirror-init");
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "mirror-cli"), mirror);
    const proxy = `http://127.0.0.1:${await closedPort()}`;
    const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, cliConfigFile, env: { HTTPS_PROXY: proxy, https_proxy: proxy } });
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Installing hashicorp/aws v${AWS_PROVIDER_VERSION}`);
  }, 120000);
});
