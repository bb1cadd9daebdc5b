/**
 * Unit tests (no Terraform run): the arguments `npm run plan|apply|destroy` gives cdktf. With an
 * offline provider mirror, cdktf's own `terraform providers lock` step asks the registry and
 * fails ("Could not retrieve providers for locking"): `npm run plan -- staging` needed
 * `--skip-provider-lock` by hand. Checked for real by `npm run plan -- staging` against the
 * sandbox (docs/sandbox.md).
 */
import { cdktfArguments } from "../../scripts/cdktf";

const MIRROR = { kind: "mirror", path: "/opt/tf-plugins" } as const;
const REGISTRY = { kind: "registry", host: "registry.terraform.io" } as const;

describe("cdktf's arguments", () => {
  test.each(["plan", "apply", "destroy"] as const)("GIVEN a provider mirror WHEN %s runs THEN cdktf skips its registry-only provider lock", (action) => {
    expect(cdktfArguments(action, "twinstack-staging", [], MIRROR)).toEqual([action, "twinstack-staging", "--skip-provider-lock"]);
  });

  test("GIVEN the registry (no mirror) WHEN plan runs THEN cdktf locks providers as usual", () => {
    expect(cdktfArguments("plan", "twinstack-staging", [], REGISTRY)).toEqual(["plan", "twinstack-staging"]);
  });

  test("GIVEN the flag given by hand WHEN plan runs with a mirror THEN it is passed once, with the other options kept", () => {
    expect(cdktfArguments("apply", "twinstack-staging", ["--skip-provider-lock", "--auto-approve"], MIRROR)).toEqual(["apply", "twinstack-staging", "--skip-provider-lock", "--auto-approve"]);
  });
});
