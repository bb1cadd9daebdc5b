/**
 * The AWS provider version is the same everywhere it is written: terraform/provider/versions.tf
 * (what Dependabot watches), scripts/lib/terraform.ts (what the mirror and tests expect), the
 * version @cdktf/provider-aws was generated for, and every synthesized stack's required_providers.
 * Unit test (reads files and a synthesis in memory; no terraform).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveEnvironment } from "../environments/registry";
import { AWS_PROVIDER_VERSION } from "../scripts/lib/terraform";
import { synthEnvironment } from "./helpers/stacks";

const REPO = join(__dirname, "..");

test("versions.tf, AWS_PROVIDER_VERSION, @cdktf/provider-aws and the synthesized stacks name one provider version", () => {
  const versionsTf = readFileSync(join(REPO, "terraform", "provider", "versions.tf"), "utf8");
  const pinned = /aws\s*=\s*\{[^}]*version\s*=\s*"([^"]+)"/.exec(versionsTf)?.[1];
  const bindings = JSON.parse(readFileSync(join(REPO, "node_modules", "@cdktf", "provider-aws", "package.json"), "utf8"));
  const generatedFor = bindings.cdktf.provider.version;
  const synthesized = (synthEnvironment(resolveEnvironment("staging")).parsed.terraform as { required_providers: { aws: { version: string } } }).required_providers.aws.version;
  expect({ pinned, generatedFor, synthesized }).toEqual({ pinned: AWS_PROVIDER_VERSION, generatedFor: AWS_PROVIDER_VERSION, synthesized: AWS_PROVIDER_VERSION });
});
