import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Construct } from "constructs";

export interface PublishedSettingsProps {
  /** Parameter path prefix, e.g. `/twinstack/staging` (the API function may read everything under it). */
  readonly prefix: string;
  /**
   * Non-secret settings by name (`site-url`, `cognito/user-pool-id`, …). Secrets never go here:
   * publish a secret's ARN (e.g. `database/secret-arn`), never its value.
   */
  readonly settings: Record<string, string>;
}

/**
 * The environment's settings where the app reads them at run time (SSM Parameter Store,
 * `/<project>/<env>/<name>`), instead of in git.
 */
export class PublishedSettings extends Construct {
  readonly prefix: string;
  readonly parameterNames: string[];

  constructor(scope: Construct, id: string, props: PublishedSettingsProps) {
    super(scope, id);
    if (!/^\/[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(props.prefix)) {
      throw new Error(`${this.node.path}: prefix (${JSON.stringify(props.prefix)}) must look like /project/environment`);
    }
    this.prefix = props.prefix;
    this.parameterNames = Object.entries(props.settings).map(([name, value]) => {
      if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(name)) throw new Error(`${this.node.path}: setting name (${JSON.stringify(name)}) must be lowercase words separated by / or -`);
      const parameter = new SsmParameter(this, name.replace(/\//g, "-"), {
        name: `${props.prefix}/${name}`,
        type: "String",
        value,
        description: `Published by Terraform (${props.prefix}); non-secret`,
      });
      return parameter.name;
    });
  }
}
