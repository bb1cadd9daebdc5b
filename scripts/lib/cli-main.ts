/** The shape every operator command's `main` shares: parse with commander, map its exits to our exit codes, run as a script. */
import { Command, CommanderError } from "commander";

/**
 * Parses `argv` (the user's arguments, without node and the script); undefined when it went
 * through, else the exit code: 0 where commander itself exits 0 (--help, `help`), 2 for bad usage
 * (an unknown option, a missing required one, no subcommand where one is needed).
 */
export async function parseCommand(program: Command, argv: string[]): Promise<number | undefined> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}

export type CommandMain = (argv: string[], out: (line: string) => void, err: (line: string) => void) => Promise<number>;

/** Runs a command's main with this process's arguments and streams; its result is the exit code. */
export function runAsScript(main: CommandMain): void {
  main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then((code) => {
    process.exitCode = code;
  });
}
