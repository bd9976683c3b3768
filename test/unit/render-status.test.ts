import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';

import { drawTable } from '../../src/cli/render-status.js';

const chalk = new Chalk({ level: 0 });
const HEAD = ['tenant', 'database', 'problems'];
const LONG_PROBLEM = 'database-unreachable: cannot reach 127.0.0.1:5999 (ECONNREFUSED); check that the server runs and the host is right';
const ROWS = [
  ['acme', '127.0.0.1:5432/tenantctl_demo_acme', ''],
  ['down', '127.0.0.1:5999/down', LONG_PROBLEM],
];

/** Widths of the drawn lines, which are all equal for a well-formed table. */
function lineWidths(table: string): number[] {
  return table.split('\n').map((line) => line.length);
}

describe('status table width', () => {
  it('fits content without a terminal', () => {
    const table = drawTable(HEAD, ROWS, chalk, undefined);

    expect(table).toContain(LONG_PROBLEM);
    expect(table).not.toContain('…');
    expect(new Set(lineWidths(table)).size).toBe(1);
  });

  it('stays content sized on wide terminal', () => {
    const table = drawTable(HEAD, ROWS, chalk, 400);

    expect(table).toBe(drawTable(HEAD, ROWS, chalk, undefined));
  });

  it('fits a narrow terminal', () => {
    const table = drawTable(HEAD, ROWS, chalk, 80);

    for (const width of lineWidths(table)) {
      expect(width).toBeLessThanOrEqual(80);
    }
    expect(table).toContain('acme');
    expect(table).toContain('127.0.0.1:5432/tenantctl_demo_acme');
    expect(table).toContain('ECONNREFUSED');
  });

  it('wraps at word boundaries', () => {
    const table = drawTable(HEAD, ROWS, chalk, 80);
    const words = new Set(LONG_PROBLEM.split(' '));
    const cellWords = table
      .split('\n')
      .map((line) => line.split('│')[3]?.trim() ?? '')
      .flatMap((cell) => cell.split(' '))
      .filter((word) => word !== '' && word !== 'problems');

    for (const word of cellWords) {
      expect(words.has(word)).toBe(true);
    }
  });
});
