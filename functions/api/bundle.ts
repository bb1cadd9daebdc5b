/**
 * The API function's deployment package: index.js and its dependencies (pg, the RDS signer)
 * bundled by esbuild into one CommonJS file, written to .build/api-function/ at synth and
 * zipped from there by modules/lambda (TerraformAsset). Built once per process; the output
 * depends only on the sources and the locked packages, so its hash — and the function — change
 * exactly when they do. Migrations are not part of it: db:migrate runs them from the repository.
 */
import { buildSync } from "esbuild";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Source of the handler. */
export const API_SOURCE_DIR = resolve(__dirname);
/** Where the bundle is written (git-ignored). */
export const API_BUNDLE_DIR = resolve(__dirname, "..", "..", ".build", "api-function");

let built: string | undefined;

/** Builds the bundle (once per process) and returns its folder. */
export function apiBundleDir(): string {
  if (built) return built;
  const result = buildSync({
    entryPoints: [join(API_SOURCE_DIR, "index.js")],
    bundle: true,
    platform: "node",
    // The Lambda runtime (modules/lambda RUNTIME) is Node.js 22 or older-compatible syntax.
    target: "node20",
    format: "cjs",
    write: false,
    // pg's optional native binding is never installed.
    external: ["pg-native"],
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  mkdirSync(API_BUNDLE_DIR, { recursive: true });
  const target = join(API_BUNDLE_DIR, "index.js");
  let current: Buffer | undefined;
  try {
    current = readFileSync(target);
  } catch {
    current = undefined;
  }
  if (!current || !current.equals(Buffer.from(code))) {
    // Atomic replace: parallel synths (test workers) never read half a file.
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, target);
  }
  built = API_BUNDLE_DIR;
  return built;
}
