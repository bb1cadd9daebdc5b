/**
 * Kind: unit — the exit codes every operator command's main maps commander's exits to.
 * Why: the commands (db, smoke, dr, previews, drift-issue, cost-change) share this one mapping;
 * CI steps read 0 (ran, or help asked for) and 2 (bad usage) from it.
 */
import { Command } from "commander";
import { parseCommand } from "../../scripts/lib/cli-main";

function program(ran: string[]): Command {
  const root = new Command("tool").exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  root
    .command("run")
    .requiredOption("--env <env>", "environment")
    .action(() => {
      ran.push("run");
    });
  return root;
}

describe("parseCommand", () => {
  test("the action ran: undefined (the command's own code stands)", async () => {
    const ran: string[] = [];
    expect(await parseCommand(program(ran), ["run", "--env", "staging"])).toBeUndefined();
    expect(ran).toEqual(["run"]);
  });

  test("help asked for (--help, `help`, `help run`): 0", async () => {
    expect(await parseCommand(program([]), ["--help"])).toBe(0);
    expect(await parseCommand(program([]), ["help"])).toBe(0);
    expect(await parseCommand(program([]), ["help", "run"])).toBe(0);
    expect(await parseCommand(program([]), ["run", "--help"])).toBe(0);
  });

  test("bad usage (no subcommand, an unknown one, an unknown option, a missing required option): 2, nothing runs", async () => {
    const ran: string[] = [];
    expect(await parseCommand(program(ran), [])).toBe(2);
    expect(await parseCommand(program(ran), ["sweep-everything"])).toBe(2);
    expect(await parseCommand(program(ran), ["run", "--env", "staging", "--force"])).toBe(2);
    expect(await parseCommand(program(ran), ["run"])).toBe(2);
    expect(ran).toEqual([]);
  });
});
