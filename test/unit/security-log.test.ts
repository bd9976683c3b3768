import { describe, expect, it } from 'vitest';

import { type SecurityRecord, SecurityLog } from '../../src/hosts/security-log.js';

function setup(options: { windowMs?: number; perKeyLimit?: number; maxKeys?: number } = {}) {
  const records: SecurityRecord[] = [];
  let now = 1_700_000_000_000;
  const log = new SecurityLog({ ...options, sink: (record) => records.push(record), now: () => now });
  const advance = (ms: number): void => {
    now += ms;
  };
  const reject = (host: string, reason: 'malformed' | 'unknown-host' = 'unknown-host'): void => {
    log.record({ event: 'host.rejected', reason, host, strictMode: true });
  };
  return { records, log, advance, reject };
}

describe('SecurityLog rate limit', () => {
  it('writes the first record', () => {
    const { records, reject } = setup();

    reject('a.example.com');

    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'host.rejected', reason: 'unknown-host', host: 'a.example.com', strictMode: true });
    expect(records[0]?.time).toBe('2023-11-14T22:13:20.000Z');
  });

  it('suppresses a flood of one host', () => {
    const { records, reject } = setup();

    for (let i = 0; i < 10_000; i++) reject('a.example.com');

    expect(records).toHaveLength(1);
  });

  it('reports the suppressed count later', () => {
    const { records, reject, advance } = setup({ windowMs: 1000 });

    for (let i = 0; i < 50; i++) reject('a.example.com');
    advance(1000);
    reject('a.example.com');

    expect(records.map((record) => record.event)).toEqual(['host.rejected', 'host.suppressed', 'host.rejected']);
    expect(records[1]).toMatchObject({ host: 'a.example.com', reason: 'unknown-host', suppressed: 49 });
  });

  it('keeps reasons and hosts apart', () => {
    const { records, reject } = setup();

    reject('a.example.com');
    reject('a.example.com', 'malformed');
    reject('b.example.com');
    reject('b.example.com');

    expect(records.map((record) => `${record.reason} ${record.host}`)).toEqual(['unknown-host a.example.com', 'malformed a.example.com', 'unknown-host b.example.com']);
  });

  it('bounds distinct hosts per window', () => {
    const { records, reject, log } = setup({ maxKeys: 3 });

    for (let i = 0; i < 1000; i++) reject(`h${i}.example.com`);
    log.flush();

    expect(records.filter((record) => record.event === 'host.rejected')).toHaveLength(3);
    expect(records.at(-1)).toMatchObject({ event: 'host.suppressed', host: '(other hosts)', suppressed: 997 });
  });

  it('flush writes pending counts once', () => {
    const { records, reject, log } = setup({ perKeyLimit: 2 });

    for (let i = 0; i < 5; i++) reject('a.example.com');
    log.flush();
    log.flush();

    expect(records.map((record) => record.event)).toEqual(['host.rejected', 'host.rejected', 'host.suppressed']);
    expect(records[2]?.suppressed).toBe(3);
  });

  it('survives a throwing sink', () => {
    const log = new SecurityLog({
      sink: () => {
        throw new Error('disk full');
      },
    });

    expect(() => log.record({ event: 'host.rejected', reason: 'malformed', host: 'x', strictMode: true })).not.toThrow();
  });
});
