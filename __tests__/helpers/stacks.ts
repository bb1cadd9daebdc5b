/** Builds environment and bootstrap stacks in memory for unit tests. */
import { Testing } from "cdktf";
import { BootstrapStack, bootstrapPropsPerAccount } from "../../environments/bootstrap-stack";
import type { EnvironmentConfig } from "../../environments/config";
import { EnvironmentStack } from "../../environments/environment-stack";
import type { AwsTarget } from "../../environments/aws-target";

export interface SynthesizedStack {
  readonly json: string;
  readonly parsed: TerraformJson;
}

export interface TerraformJson {
  terraform: { backend?: Record<string, Record<string, unknown>> };
  provider: { aws: Array<Record<string, unknown>> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
}

export function synthEnvironment(config: EnvironmentConfig, target: AwsTarget = {}): SynthesizedStack {
  const app = Testing.app();
  const stack = new EnvironmentStack(app, { config, version: "9.9.9", target });
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json) };
}

export function synthBootstrap(configs: EnvironmentConfig[], target: AwsTarget = {}): SynthesizedStack[] {
  const app = Testing.app();
  return bootstrapPropsPerAccount(configs, "9.9.9", target).map((props) => {
    const json = Testing.synth(new BootstrapStack(app, props));
    return { json, parsed: JSON.parse(json) };
  });
}

/** All resources of one type in a synthesized stack. */
export function resourcesOfType(stack: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(stack.resource[type] ?? {});
}
