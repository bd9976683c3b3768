import { type ParseError, printParseErrorCode, visit } from 'jsonc-parser';

import { printable } from './printable.js';

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses strict JSON and rejects an object that repeats a key, which JSON.parse would silently
 * collapse to the last value (a duplicated hostname in a tenant map must not hide its twin).
 * Messages give positions and key names, never values, because a value may be a secret.
 */
export function parseJsonText(text: string): JsonTextResult {
  const errors: ParseError[] = [];
  const duplicates: string[] = [];
  const keysPerObject: Array<Set<string>> = [];

  visit(
    text,
    {
      onObjectBegin: () => {
        keysPerObject.push(new Set());
      },
      onObjectEnd: () => {
        keysPerObject.pop();
      },
      onObjectProperty: (property, offset) => {
        const keys = keysPerObject.at(-1);
        if (keys === undefined) {
          return;
        }

        if (keys.has(property)) {
          duplicates.push(`duplicate key "${printable(property)}" at ${position(text, offset)}`);
        }

        keys.add(property);
      },
      onError: (error, offset) => {
        errors.push({ error, offset, length: 0 });
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );

  const first = errors[0];
  if (first !== undefined) {
    return { ok: false, message: `is not valid JSON: ${describeParseError(first.error)} at ${position(text, first.offset)}` };
  }

  if (duplicates.length > 0) {
    return { ok: false, message: `repeats a key: ${duplicates.slice(0, 5).join('; ')}${duplicates.length > 5 ? `; and ${duplicates.length - 5} more` : ''}` };
  }

  return { ok: true, value: JSON.parse(text) as unknown };
}

function describeParseError(code: number): string {
  return printParseErrorCode(code).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
