// Preloaded into every Node process of a benchmarked command (NODE_OPTIONS=--require):
// writes the process's peak RSS when it exits, so the parent can report the maximum.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const dir = process.env.TWINSTACK_RUSAGE_DIR;
if (dir) {
  process.on("exit", () => {
    try {
      writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(process.resourceUsage()));
    } catch {
      // The benchmark reports what it got; a missing sample must not fail the command.
    }
  });
}
