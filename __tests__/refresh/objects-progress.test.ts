/**
 * Unit tests (no AWS) of the object sync's terminal progress display: the figures it shows
 * (objects and bytes done/total, rate, ETA) and how it shares the terminal with event lines.
 * A fake terminal stream stands in for stderr.
 */
import { progressLine, terminalProgress } from "../../scripts/refresh/objects/progress";
import { fakeTerminal } from "../helpers/terminal";

describe("object sync progress display", () => {
  test("GIVEN 1,500 of 2,000 objects done in 3 s WHEN the line is drawn THEN it shows counts, percent, bytes, rates and ETA", () => {
    // GIVEN / WHEN
    const line = progressLine({ objectsDone: 1500, objectsTotal: 2000, bytesDone: 1500 * 4096, bytesTotal: 2000 * 4096 }, 3000);
    // THEN: 500 obj/s, 500 left → 1 s
    expect(line).toBe("1,500/2,000 objects 75% | 5.9 MiB/7.8 MiB | 500 obj/s 2.0 MiB/s | ETA 1 s");
  });

  test("GIVEN nothing done yet, or everything done WHEN drawn THEN the ETA is unknown, then zero", () => {
    expect(progressLine({ objectsDone: 0, objectsTotal: 10, bytesDone: 0, bytesTotal: 100 }, 0)).toMatch(/0\/10 objects 0% .* ETA …$/);
    expect(progressLine({ objectsDone: 10, objectsTotal: 10, bytesDone: 100, bytesTotal: 100 }, 2000)).toMatch(/10\/10 objects 100% .* ETA 0 s$/);
    // An empty sync is complete, not a division by zero.
    expect(progressLine({ objectsDone: 0, objectsTotal: 0, bytesDone: 0, bytesTotal: 0 }, 1000)).toMatch(/0\/0 objects 100% /);
  });

  test("GIVEN a long sync WHEN the ETA is minutes or hours away THEN it reads as minutes or hours", () => {
    expect(progressLine({ objectsDone: 1000, objectsTotal: 100_000, bytesDone: 0, bytesTotal: 0 }, 10_000)).toMatch(/ETA 16 min 30 s$/);
    expect(progressLine({ objectsDone: 1, objectsTotal: 61, bytesDone: 0, bytesTotal: 0 }, 999)).toMatch(/ETA 1 min 0 s$/);
    expect(progressLine({ objectsDone: 10, objectsTotal: 1_000_000, bytesDone: 0, bytesTotal: 0 }, 10_000)).toMatch(/ETA 277 h 47 min$/);
  });

  test("GIVEN a terminal WHEN progress arrives, lines are logged and the display stops THEN the lines are printed above the bar, the bar ends at its final figures", async () => {
    // GIVEN
    const terminal = fakeTerminal();
    const display = terminalProgress(terminal, "objects");
    const fallback: string[] = [];

    // WHEN
    display.update({ objectsDone: 5, objectsTotal: 10, bytesDone: 50, bytesTotal: 100 });
    display.log("[    1.0s] objects  sync-objects  info", (line) => fallback.push(line));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the bar redraws 5 times a second
    display.update({ objectsDone: 10, objectsTotal: 10, bytesDone: 100, bytesTotal: 100 });
    display.log("[    1.2s] objects  sync-objects  done", (line) => fallback.push(line));
    display.stop();
    display.log("[    1.3s] refresh  run  done", (line) => fallback.push(line));

    // THEN: while the bar was up, lines went to the terminal (none lost at stop), in order, before the final bar
    const text = terminal.text();
    expect(text).toMatch(/objects \[[█░]+\] 5\/10 objects 50% \| 50 B\/100 B/);
    const halfway = text.indexOf("5/10 objects 50%");
    const info = text.indexOf("sync-objects  info\n");
    const done = text.indexOf("sync-objects  done\n");
    const finalBar = text.lastIndexOf("10/10 objects 100% | 100 B/100 B");
    expect(info).toBeGreaterThan(0);
    expect(halfway).toBeGreaterThan(info);
    expect(done).toBeGreaterThan(info);
    expect(finalBar).toBeGreaterThan(done);
    expect(text.endsWith("\n")).toBe(true);
    // and after it stopped, lines go back to their own output
    expect(fallback).toEqual(["[    1.3s] refresh  run  done"]);
  });

  test("GIVEN no progress yet WHEN a line is logged THEN it goes to its own output and nothing is drawn", () => {
    const terminal = fakeTerminal();
    const display = terminalProgress(terminal);
    const printed: string[] = [];
    display.log("accounts done", (line) => printed.push(line));
    display.stop();
    expect(printed).toEqual(["accounts done"]);
    expect(terminal.text()).toBe("");
  });
});
