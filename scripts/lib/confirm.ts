/**
 * The typed confirmation of a writing command: the operator types the target environment's name
 * (as `npm run refresh -- run` asks), or passes --yes. Without a terminal and without --yes the
 * command is refused (exit 2): a script must say --yes on purpose.
 */
import { RefusedError } from "../refresh/core";

export interface ConfirmOptions {
  /** --yes was given. */
  readonly yes?: boolean;
  /** stdin is a terminal. */
  readonly isTTY: boolean;
  /** Reads one line of the operator's answer. */
  readonly ask: (question: string) => Promise<string>;
  /** What the operator must type: the target environment's name. */
  readonly expected: string;
  /** What is about to happen, e.g. "This copies production's uploads into staging's". */
  readonly action: string;
}

/** Resolves when confirmed; throws RefusedError (exit 2, nothing written) otherwise. */
export async function confirmWrite(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  if (!options.isTTY) throw new RefusedError("stdin is not a terminal: pass --yes to confirm non-interactively");
  const answer = (await options.ask(`${options.action}. Type the target's name (${options.expected}) to continue: `)).trim();
  if (answer !== options.expected) throw new RefusedError(`confirmation ${JSON.stringify(answer)} does not match ${options.expected}: nothing was changed`);
}
