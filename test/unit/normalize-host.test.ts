import { describe, expect, it } from 'vitest';

import { isNormalizedHost, normalizeHost } from '../../src/hosts/normalize-host.js';

function normalized(input: string): string {
  const result = normalizeHost(input);
  if (!result.ok) {
    throw new Error(`expected "${input}" to normalize, got: ${result.message}`);
  }

  return result.value;
}

describe('normalizeHost accepts', () => {
  it.each([
    ['acme.example.com', 'acme.example.com'],
    ['ACME.Example.COM', 'acme.example.com'],
    ['acme.example.com.', 'acme.example.com'],
    ['acme.example.com:8443', 'acme.example.com'],
    ['Acme.Example.Com.:443', 'acme.example.com'],
    ['localhost', 'localhost'],
    ['10.0.0.7:5432', '10.0.0.7'],
    ['[::1]:8080', '[::1]'],
    ['[2001:DB8::0:1]', '[2001:db8::1]'],
    ['2001:db8::1', '[2001:db8::1]'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['a-b.example', 'a-b.example'],
  ])('%s as %s', (input, expected) => {
    expect(normalized(input)).toBe(expected);
  });

  it('spellings of one host agree', () => {
    const spellings = ['acme.example.com', 'ACME.EXAMPLE.COM', 'acme.example.com.', 'Acme.Example.Com:80', 'acme.example.com.:443'];

    const results = new Set(spellings.map(normalized));

    expect([...results]).toEqual(['acme.example.com']);
  });

  it('recognizes its own output', () => {
    expect(isNormalizedHost('acme.example.com')).toBe(true);
    expect(isNormalizedHost('ACME.example.com')).toBe(false);
    expect(isNormalizedHost('acme.example.com.')).toBe(false);
  });
});

describe('normalizeHost rejects', () => {
  it.each([
    ['empty', ''],
    ['only a dot', '.'],
    ['two dots', 'acme..example.com'],
    ['leading dot', '.acme.example.com'],
    ['space', 'acme example.com'],
    ['path', 'acme.example.com/admin'],
    ['user info', 'admin@acme.example.com'],
    ['quote', "acme'; drop table x; --"],
    ['percent', 'acme%2eexample.com'],
    ['port zero', 'acme.example.com:0'],
    ['port too large', 'acme.example.com:65536'],
    ['empty port', 'acme.example.com:'],
    ['two colons', 'acme:1:2'],
    ['bad IPv4', '999.1.1.1'],
    ['unclosed bracket', '[::1'],
    ['bad IPv6 in brackets', '[not-ipv6]'],
    ['leading hyphen label', '-acme.example.com'],
    ['trailing hyphen label', 'acme-.example.com'],
    ['underscore', 'ac_me.example.com'],
    ['long label', `${'a'.repeat(64)}.example.com`],
    ['long name', `${'a.'.repeat(127)}com`],
    ['very long input', 'a'.repeat(2000)],
    ['control character', 'acme\u0000.example.com'],
    ['newline', 'acme.example.com\n'],
  ])('%s', (_label, input) => {
    const result = normalizeHost(input);

    expect(result.ok).toBe(false);
  });
});
