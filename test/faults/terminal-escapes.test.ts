import { describe, expect, test } from 'vitest';

import { printable } from '../../src/config/printable.js';

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

describe('printable', () => {
  test('escapes every invisible code point', () => {
    const leaked: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) {
        continue;
      }

      const character = String.fromCodePoint(code);
      if (INVISIBLE.test(printable(`a${character}b`))) {
        leaked.push(`U+${code.toString(16).padStart(4, '0')}`);
      }
    }

    expect(leaked).toEqual([]);
  });

  test('escapes lone surrogates', () => {
    expect(printable('a\ud800b')).toBe('a\\ud800b');
  });

  test('keeps visible Unicode as is', () => {
    expect(printable('\u0430cme \u00e9t\u00e9 \u{1f600}')).toBe('\u0430cme \u00e9t\u00e9 \u{1f600}');
  });

  test('escapes DEL and C1 controls', () => {
    expect(printable('x\u007fy\u009bz')).toBe('x\\u007fy\\u009bz');
  });

  test('escapes bidirectional overrides', () => {
    expect(printable('acme\u202egnp.exe\u2066')).toBe('acme\\u202egnp.exe\\u2066');
  });
});
