import type { z } from 'zod';

import { printable } from './printable.js';
import type { SettingDefinition } from './settings.js';

type SchemaIssue = z.core.$ZodIssue;

/** Plain names for the types that zod reports in `expected`. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  record: 'JSON object',
  object: 'JSON object',
  array: 'JSON array',
};

/**
 * Turns one zod issue of a setting into a plain message such as `must be a number of seconds, got "ten"`.
 * The value at the issue's path is quoted only for settings that are not secret; for a secret
 * setting the message names the value's JSON type at most.
 */
export function describeSchemaIssue(setting: SettingDefinition, issue: SchemaIssue, settingValue: unknown): string {
  const value = valueAtPath(settingValue, issue.path);
  const got = setting.secret === true ? withArticle(jsonType(value)) : renderValue(value);

  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    const atRoot = issue.path.length === 0;
    const zodExpected = issue.code === 'invalid_type' ? issue.expected : undefined;
    const expected = (atRoot ? setting.expected : undefined) ?? (zodExpected === undefined ? 'valid value' : (TYPE_NAMES[zodExpected] ?? zodExpected));
    return `must be ${withArticle(expected)}, got ${got}`;
  }

  // The schemas in settings.ts give every other check its own plain message.
  return setting.secret === true ? issue.message : `${issue.message}, got ${got}`;
}

function valueAtPath(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }

    current = (current as Record<PropertyKey, unknown>)[segment];
  }

  return current;
}

/** The JSON type of a value: null, array, object, string, number or boolean. */
function jsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }

  return Array.isArray(value) ? 'array' : typeof value;
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') {
    return `"${printable(value)}"`;
  }

  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? jsonType(value) : printable(json);
}

function withArticle(noun: string): string {
  if (noun === 'null') {
    return noun;
  }

  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}
