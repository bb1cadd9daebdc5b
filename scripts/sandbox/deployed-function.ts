/** What the sandbox deployed for an environment, read back from the emulator as that environment's deploy role. */
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { EnvironmentConfig } from "../../environments/config";
import { stackId } from "../../environments/naming";
import type { SandboxState } from "../lib/aws-context";
import { assumeRoleCredentials } from "./emulator";

/**
 * The environment variables of the environment's API function (`<stack>-api`) as deployed:
 * APP_VERSION, GIT_SHA, DEPLOYED_AT and the rest. Throws when the role cannot be assumed or the
 * function does not exist.
 */
export async function deployedFunctionVariables(
  sandbox: Pick<SandboxState, "endpoint">,
  config: Pick<EnvironmentConfig, "project" | "name" | "region" | "deployRoleArn">,
  sessionName: string,
): Promise<Record<string, string>> {
  const credentials = await assumeRoleCredentials(sandbox.endpoint, config.deployRoleArn as string, sessionName);
  const lambda = new LambdaClient({ endpoint: sandbox.endpoint, region: config.region, credentials });
  try {
    return (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${stackId(config)}-api` }))).Environment?.Variables ?? {};
  } finally {
    lambda.destroy();
  }
}
