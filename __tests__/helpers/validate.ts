/** Real Terraform, offline: a synthesized stack directory initialises and validates cleanly. */
import { terraform, writeTerraformCliConfig } from "../../scripts/lib/terraform";

export async function expectValidTerraform(dir: string): Promise<void> {
  const { cliConfigFile } = writeTerraformCliConfig();
  // WHEN terraform initialises offline and validates
  const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, cliConfigFile });
  expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: "" });
  const validate = await terraform(["validate", "-no-color"], { cwd: dir, cliConfigFile });
  // THEN it is valid, with no warning
  expect({ code: validate.code, stdout: validate.stdout.trim(), stderr: validate.stderr }).toEqual({
    code: 0,
    stdout: "Success! The configuration is valid.",
    stderr: "",
  });
}
