/**
 * SQL text helpers for the generated scrub: quoting, the real PostgreSQL 16 parser (libpg-query,
 * the parser of PostgreSQL itself compiled to WebAssembly: no server, no network) and the
 * lexer the Data API executor needs to rename `$n` placeholders without touching literals.
 */
import { loadModule, parseSync } from "libpg-query";

/** `"app_users"`: an identifier, always quoted (a manifest name is never spliced in raw). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`: a string literal in standard_conforming_strings form (PostgreSQL's default since 9.1). */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("a SQL literal cannot contain NUL");
  return `'${value.replace(/'/g, "''")}'`;
}

/** `ARRAY['a','b']::text[]` (an empty list stays typed). */
export function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map(quoteLiteral).join(", ")}]::text[]`;
}

/** `"schema"."table"`, or the table alone in `public`. */
export function qualified(schema: string, table: string): string {
  return schema === "public" ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * The places in `sql` that are code (not inside a string literal, quoted identifier,
 * dollar-quoted body or comment), as [start, end) ranges. Follows PostgreSQL's lexer
 * (scan.l): '…' with '' escapes, E'…' with backslash escapes, "…" identifiers,
 * $tag$…$tag$ bodies, -- line comments and nested /* … *\/ comments.
 */
export function codeRanges(sql: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  const skipTo = (end: number) => {
    i = end;
    start = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    let end = -1;
    if (c === "-" && next === "-") {
      const newline = sql.indexOf("\n", i);
      end = newline === -1 ? sql.length : newline;
    } else if (c === "/" && next === "*") {
      let depth = 0;
      let j = i;
      while (j < sql.length) {
        if (sql[j] === "/" && sql[j + 1] === "*") {
          depth++;
          j += 2;
        } else if (sql[j] === "*" && sql[j + 1] === "/") {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      end = j;
    } else if (c === "'") {
      // E'…' (or e'…') allows backslash escapes; the E belongs to the literal.
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !/[\w$]/.test(sql[i - 2]));
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === "\\") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      end = Math.min(j + 1, sql.length);
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      end = Math.min(j + 1, sql.length);
    } else if (c === "$" && (i === 0 || !/[\w$]/.test(sql[i - 1]))) {
      // $tag$ opens a dollar-quoted body; $1 is a parameter (a tag cannot start with a digit).
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close === -1 ? sql.length : close + tag[0].length;
      }
    }
    if (end === -1) {
      i++;
      continue;
    }
    if (i > start) ranges.push([start, i]);
    skipTo(end);
  }
  if (start < sql.length) ranges.push([start, sql.length]);
  return ranges;
}

/** `$1` → `:p1` in code only (the Data API names its parameters); literals and comments keep their text. */
export function positionalToNamed(sql: string): string {
  let out = "";
  let last = 0;
  for (const [start, end] of codeRanges(sql)) {
    out += sql.slice(last, start);
    out += sql.slice(start, end).replace(/(?<![\w$])\$(\d+)/g, (_, n: string) => `:p${n}`);
    last = end;
  }
  return out + sql.slice(last);
}

let parserReady: Promise<void> | undefined;

/** Loads the parser once (WebAssembly, ~1 MB, offline). */
export function loadParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

/**
 * PostgreSQL's own parser's verdict on `sql`: undefined when it parses, else the error with its
 * position, counted from `prefix` characters in (text the caller wrapped around the user's SQL).
 */
export async function syntaxError(sql: string, prefix = 0): Promise<string | undefined> {
  await loadParser();
  try {
    parseSync(sql);
    return undefined;
  } catch (error) {
    const e = error as Error & { sqlDetails?: { cursorPosition?: number } };
    const at = e.sqlDetails?.cursorPosition;
    return at === undefined || at < 0 ? e.message : `${e.message} (at character ${Math.max(1, at + 1 - prefix)})`;
  }
}

/** How many statements `sql` holds (after parsing; 0 for an empty or comment-only text). */
export async function statementCount(sql: string): Promise<number> {
  await loadParser();
  return (parseSync(sql).stmts ?? []).length;
}
