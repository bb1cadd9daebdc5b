/** Test doubles for terminal output. */
import { PassThrough } from "node:stream";

/** A writable that says it is a terminal of `columns` columns and keeps what was written (`text()`). */
export function fakeTerminal(columns = 100): NodeJS.WriteStream & { text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  let written = "";
  stream.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  Object.assign(stream, { isTTY: true, columns, rows: 40, text: () => written });
  return stream;
}
