/**
 * Splits a plain-SQL migration into single statements.
 *
 * Why: @effect/sql-pg speaks the extended protocol, which refuses more than one
 * command per message, so a migration file is sent statement by statement.
 * The scanner understands what can hide a `;`: single-quoted strings (with
 * `''` and, for `E'...'`, backslash escapes), double-quoted identifiers,
 * dollar-quoted bodies (`$$`, `$tag$`), line comments and nested block
 * comments. Statements that are only comments are dropped.
 */
export const splitSqlStatements = (source: string): string[] => {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;
  const n = source.length;
  const push = (end: number) => {
    const text = source.slice(start, end).trim();
    if (hasCode && text !== '') statements.push(text);
    hasCode = false;
  };
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '-' && next === '-') {
      const eol = source.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (source[i] === '/' && source[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (source[i] === '*' && source[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === ';') {
      push(i);
      start = i + 1;
      i++;
      continue;
    }
    hasCode ||= !/\s/.test(c);
    if (c === "'") {
      const backslashEscapes = i > 0 && /[eE]/.test(source[i - 1] as string) && !/\w/.test(source[i - 2] ?? ' ');
      i = skipQuoted(source, i, "'", backslashEscapes);
      continue;
    }
    if (c === '"') {
      i = skipQuoted(source, i, '"', false);
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(source.slice(i, i + 64));
      // `$1` is a parameter, and `a$b$` is part of an identifier: neither opens a body.
      if (tag && !/[\w$]/.test(source[i - 1] ?? ' ')) {
        const close = source.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new Error(`unterminated dollar-quoted string ${tag[0]}`);
        i = close + tag[0].length;
        continue;
      }
    }
    i++;
  }
  push(n);
  return statements;
};

const skipQuoted = (source: string, open: number, quote: string, backslashEscapes: boolean): number => {
  let i = open + 1;
  while (i < source.length) {
    const c = source[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (source[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new Error(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
};
