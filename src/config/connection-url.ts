import { inspect } from 'node:util';

const MASK = '****';

/** Connection settings in the shape that `pg` accepts, with the password kept out of rendering. */
export interface PgConnectionFields {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string;
  /** Absent when the URL sets no sslmode, so that `pg` keeps its own default. */
  ssl?: boolean | { rejectUnauthorized: boolean };
}

/** The result of parsing: a value, or a message that is safe to show because it contains no secret. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

const SSL_MODES: Record<string, PgConnectionFields['ssl']> = {
  disable: false,
  allow: false,
  prefer: false,
  require: { rejectUnauthorized: false },
  'no-verify': { rejectUnauthorized: false },
  'verify-ca': { rejectUnauthorized: true },
  'verify-full': { rejectUnauthorized: true },
};

/** Connection parameter names of libpq, safe to quote in a message because none is a secret. */
const LIBPQ_PARAMETERS = new Set([
  'application_name',
  'channel_binding',
  'client_encoding',
  'connect_timeout',
  'dbname',
  'gssencmode',
  'hostaddr',
  'keepalives',
  'options',
  'passfile',
  'password',
  'port',
  'sslcert',
  'sslcrl',
  'sslkey',
  'sslrootcert',
  'target_session_attrs',
  'user',
]);

/**
 * A PostgreSQL connection URL parsed once. It renders itself with the password masked in
 * `toString`, `toJSON` and `util.inspect`, so it can travel through logs and errors safely.
 */
export class PostgresUrl {
  readonly #password: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly database: string;
  readonly sslMode: string | undefined;

  private constructor(fields: { host: string; port: number; user: string | undefined; password: string | undefined; database: string; sslMode: string | undefined }) {
    this.host = fields.host;
    this.port = fields.port;
    this.user = fields.user;
    this.#password = fields.password;
    this.database = fields.database;
    this.sslMode = fields.sslMode;
  }

  /**
   * Parses `postgres://user:password@host:port/database?sslmode=...`. Error messages describe the
   * problem without quoting any part of the input, because the input may contain a password.
   */
  static parse(raw: string): ParseResult<PostgresUrl> {
    if (raw.trim() === '') {
      return { ok: false, message: 'is empty; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE' };
    }

    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, message: 'is not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE, with special characters in the password percent-encoded' };
    }

    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      return { ok: false, message: `has scheme "${url.protocol.slice(0, 20)}"; expected postgres: or postgresql:` };
    }

    if (url.hash !== '') {
      return { ok: false, message: 'contains "#", which ends the URL early; percent-encode "#" in the password as %23' };
    }

    // A raw "@" after the host means the authority ended early, most often at an unencoded "/" or
    // "?" in the password. The rest of the password would then be read as the database name and shown.
    if (url.pathname.includes('@') || url.search.includes('@')) {
      return { ok: false, message: 'contains "@" after the host, so part of the password was read as the database name or query; percent-encode "/" as %2F, "?" as %3F and "@" as %40 in the password' };
    }

    const decoded = decodeParts(url);
    if (!decoded.ok) {
      return decoded;
    }

    const { user, password, database } = decoded.value;
    const socketHost = url.searchParams.get('host');
    const host = url.hostname !== '' ? stripBrackets(url.hostname) : socketHost ?? '';
    if (host === '') {
      return { ok: false, message: 'has no host; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE' };
    }

    const port = url.port === '' ? 5432 : Number(url.port);
    if (database === '' || database.includes('/')) {
      return { ok: false, message: 'has no database name, or a "/" in it; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE, with "/" in the password percent-encoded as %2F' };
    }

    for (const key of url.searchParams.keys()) {
      if (key !== 'sslmode' && key !== 'host') {
        // Only libpq's own parameter names are quoted, because any other text may be part of a password.
        const shown = LIBPQ_PARAMETERS.has(key) ? `the unsupported query parameter "${key}"` : 'an unsupported query parameter';
        return { ok: false, message: `has ${shown}; only sslmode and host are read` };
      }
    }

    const sslMode = url.searchParams.get('sslmode') ?? undefined;
    if (sslMode !== undefined && !(sslMode in SSL_MODES)) {
      return { ok: false, message: `has an invalid sslmode; expected one of ${Object.keys(SSL_MODES).join(', ')}` };
    }

    return { ok: true, value: new PostgresUrl({ host, port, user, password, database, sslMode }) };
  }

  /** Whether a password is set; the password itself is never exposed for display. */
  get hasPassword(): boolean {
    return this.#password !== undefined && this.#password !== '';
  }

  /** Returns the password, for the connection factory only. Never pass it to a message or event. */
  revealPassword(): string | undefined {
    return this.#password;
  }

  /** Returns the fields `pg` needs to connect, ready to spread into a pool or client config. */
  toPgFields(): PgConnectionFields {
    const fields: PgConnectionFields = { host: this.host, port: this.port, user: this.user, password: this.#password, database: this.database };
    const ssl = this.sslMode === undefined ? undefined : SSL_MODES[this.sslMode];
    if (ssl !== undefined) {
      fields.ssl = ssl;
    }

    return fields;
  }

  /** Host and database only, as `status` shows them. */
  get location(): string {
    return `${formatHost(this.host)}:${this.port}/${this.database}`;
  }

  toString(): string {
    const credentials = this.user === undefined ? '' : `${encodeURIComponent(this.user)}${this.hasPassword ? `:${MASK}` : ''}@`;
    return `postgres://${credentials}${this.location}`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return `PostgresUrl<${this.toString()}>`;
  }
}

/** A Redis URL parsed once, rendering itself with the password masked. */
export class RedisUrl {
  readonly #raw: string;
  readonly #password: string | undefined;
  readonly display: string;

  private constructor(raw: string, display: string, password: string | undefined) {
    this.#raw = raw;
    this.display = display;
    this.#password = password;
  }

  /** Returns the password, for the secret registry only. Never pass it to a message or event. */
  revealPassword(): string | undefined {
    return this.#password;
  }

  static parse(raw: string): ParseResult<RedisUrl> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, message: 'is not a valid URL; expected redis://[:PASSWORD@]HOST:PORT[/DB], with special characters in the password percent-encoded' };
    }

    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      return { ok: false, message: `has scheme "${url.protocol.slice(0, 20)}"; expected redis: or rediss:` };
    }

    if (url.hostname === '') {
      return { ok: false, message: 'has no host; expected redis://HOST:PORT' };
    }

    if (url.hash !== '') {
      return { ok: false, message: 'contains "#", which ends the URL early; percent-encode "#" in the password as %23' };
    }

    const database = url.pathname.replace(/^\//, '');
    if (database !== '' && !/^\d{1,2}$/.test(database)) {
      return { ok: false, message: 'has an invalid database number; expected redis://HOST:PORT/N with N from 0 to 15' };
    }

    const credentials = url.username !== '' || url.password !== '' ? `${url.username}${url.password !== '' ? `:${MASK}` : ''}@` : '';
    const display = `${url.protocol}//${credentials}${url.host}${database === '' ? '' : `/${database}`}`;
    let password: string | undefined;
    try {
      password = url.password === '' ? undefined : decodeURIComponent(url.password);
    } catch {
      password = url.password;
    }

    return { ok: true, value: new RedisUrl(raw, display, password) };
  }

  /** Returns the full URL, for the Redis client factory only. */
  reveal(): string {
    return this.#raw;
  }

  toString(): string {
    return this.display;
  }

  toJSON(): string {
    return this.display;
  }

  [inspect.custom](): string {
    return `RedisUrl<${this.display}>`;
  }
}

function decodeParts(url: URL): ParseResult<{ user: string | undefined; password: string | undefined; database: string }> {
  try {
    return {
      ok: true,
      value: {
        user: url.username === '' ? undefined : decodeURIComponent(url.username),
        password: url.password === '' ? undefined : decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.replace(/^\//, '')),
      },
    };
  } catch {
    return { ok: false, message: 'contains a "%" that does not start a valid percent-encoding; encode "%" in the password as %25' };
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
