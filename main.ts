/** The cdktf entry point: reads the environment registry and instantiates one stack per environment and account. */
import { synthesize } from "./app";
import { ConfigError } from "./environments/config";

try {
  synthesize();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`twinstack: invalid configuration, nothing synthesized:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
