/** Repository hygiene (static scan): provider classes come only from `@cdktf/provider-aws/lib/<resource>`. */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");
const SKIP = new Set(["node_modules", "cdktf.out", ".git", ".gen", ".terraform", "coverage"]);
const BARREL = /(?:from\s+|require\(\s*|import\(\s*)["']@cdktf\/provider-aws(?:\/lib)?\/?["']/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

describe("imports", () => {
  test("no file imports the @cdktf/provider-aws barrel (7x slower synth, 6x the memory)", () => {
    const offenders = sourceFiles(ROOT)
      .filter((file) => !file.endsWith("imports.test.ts"))
      .filter((file) => BARREL.test(readFileSync(file, "utf8")))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  test("the pattern catches barrel imports and allows deep ones", () => {
    // Assembled at run time so this fixture is not itself a barrel import to any scanner.
    const barrel = ["@cdktf", "provider-aws"].join("/");
    expect(BARREL.test(`import { Vpc } from "${barrel}";`)).toBe(true);
    expect(BARREL.test(`import * as aws from '@cdktf/provider-aws/lib';`)).toBe(true);
    expect(BARREL.test(`const aws = require("@cdktf/provider-aws");`)).toBe(true);
    expect(BARREL.test(`import { Vpc } from "@cdktf/provider-aws/lib/vpc";`)).toBe(false);
  });
});
