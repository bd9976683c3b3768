import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

import type { ParseResult } from '../config/connection-url.js';

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_INPUT_LENGTH = 1024;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Normalizes a hostname the same way for config entries and for requests: lower case, no port, no
 * trailing dot, IPv6 literals in brackets, internationalized names in their punycode (ASCII) form.
 * Anything that is not a well-formed hostname is rejected and never looked up.
 */
export function normalizeHost(input: string): ParseResult<string> {
  if (input.length > MAX_INPUT_LENGTH) {
    return { ok: false, message: `is ${input.length} characters long; a hostname has at most ${MAX_NAME_LENGTH}` };
  }

  // Control characters, spaces and the characters of paths, queries and quotes never belong in a host.
  if (/[\u0000-\u0020\u007f-\u009f/\\?#@'";`<>{}|^%,()*!$&=+~]/u.test(input)) {
    return { ok: false, message: 'contains a character that a hostname cannot have (space, control character, quote, or URL or SQL punctuation)' };
  }

  const split = splitPort(input);
  if (!split.ok) {
    return split;
  }

  const host = split.value;
  if (host.startsWith('[')) {
    return { ok: true, value: host };
  }

  const withoutDot = host.endsWith('.') ? host.slice(0, -1) : host;
  if (withoutDot === '') {
    return { ok: false, message: 'is empty' };
  }

  if (isIPv4(withoutDot)) {
    return { ok: true, value: withoutDot };
  }

  if (/^[\d.]+$/.test(withoutDot)) {
    return { ok: false, message: 'looks like an IPv4 address but is not a valid one' };
  }

  const ascii = domainToASCII(withoutDot);
  if (ascii === '') {
    return { ok: false, message: 'is not a valid internationalized domain name' };
  }

  return checkLabels(ascii);
}

/** Returns true when the string is a hostname in the form `normalizeHost` produces. */
export function isNormalizedHost(value: string): boolean {
  const result = normalizeHost(value);
  return result.ok && result.value === value;
}

function splitPort(input: string): ParseResult<string> {
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close === -1) {
      return { ok: false, message: 'opens an IPv6 literal with "[" but never closes it' };
    }

    const address = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (!isIPv6(address)) {
      return { ok: false, message: 'has an invalid IPv6 literal in brackets' };
    }

    if (rest !== '' && !isValidPortSuffix(rest)) {
      return { ok: false, message: 'has an invalid port; expected a number from 1 to 65535 after ":"' };
    }

    return { ok: true, value: `[${canonicalIPv6(address)}]` };
  }

  const colons = input.split(':').length - 1;
  if (colons > 1) {
    if (isIPv6(input)) {
      return { ok: true, value: `[${canonicalIPv6(input)}]` };
    }

    return { ok: false, message: 'has more than one ":"; write an IPv6 address in brackets, as [::1]:8080' };
  }

  if (colons === 1) {
    const at = input.indexOf(':');
    if (!isValidPortSuffix(input.slice(at))) {
      return { ok: false, message: 'has an invalid port; expected a number from 1 to 65535 after ":"' };
    }

    return { ok: true, value: input.slice(0, at) };
  }

  return { ok: true, value: input };
}

function isValidPortSuffix(suffix: string): boolean {
  if (!/^:\d{1,5}$/.test(suffix)) {
    return false;
  }

  const port = Number(suffix.slice(1));
  return port >= 1 && port <= 65535;
}

function canonicalIPv6(address: string): string {
  // The WHATWG URL parser compresses and lower-cases IPv6 addresses to one canonical spelling.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function checkLabels(ascii: string): ParseResult<string> {
  if (ascii.length > MAX_NAME_LENGTH) {
    return { ok: false, message: `is ${ascii.length} characters long; a hostname has at most ${MAX_NAME_LENGTH}` };
  }

  for (const label of ascii.split('.')) {
    if (label === '') {
      return { ok: false, message: 'has an empty label (two dots in a row, or a leading dot)' };
    }

    if (label.length > MAX_LABEL_LENGTH) {
      return { ok: false, message: `has a label of ${label.length} characters; a label has at most ${MAX_LABEL_LENGTH}` };
    }

    if (!LABEL.test(label)) {
      return { ok: false, message: 'has a label with characters other than letters, digits and inner hyphens' };
    }
  }

  return { ok: true, value: ascii };
}

/** A normalized tenant-map key: an exact hostname, or `*.` followed by the normalized parent domain. */
export interface HostPattern {
  /** The key as stored in the tenant map: `acme.example.com` or `*.example.com`. */
  key: string;
  /** For a wildcard, the parent domain the `*` label sits under (`example.com`). */
  wildcardParent?: string;
}

/**
 * Normalizes a tenant-map key. Besides plain hostnames it accepts one wildcard form, `*.` followed
 * by a domain of at least two labels: the `*` stands for exactly one whole label, so
 * `*.example.com` matches `a.example.com` but neither `example.com` nor `a.b.example.com`.
 * Partial-label wildcards (`a*.example.com`), wildcards on IP addresses and on a single-label
 * parent (`*.com`) are rejected.
 */
export function normalizeHostPattern(input: string): ParseResult<HostPattern> {
  if (!input.startsWith('*.')) {
    if (input.includes('*')) {
      return { ok: false, message: 'has a "*" that is not a whole first label; a wildcard entry is written as *.example.com' };
    }

    const host = normalizeHost(input);
    return host.ok ? { ok: true, value: { key: host.value } } : host;
  }

  const parentInput = input.slice(2);
  if (parentInput.includes('*')) {
    return { ok: false, message: 'has more than one "*"; a wildcard entry has one "*" as its whole first label, as *.example.com' };
  }

  const parent = normalizeHost(parentInput);
  if (!parent.ok) {
    return parent;
  }

  // A port in the entry is dropped like in exact entries, so only the address forms need a check.
  if (isIPv4(parent.value) || parent.value.startsWith('[')) {
    return { ok: false, message: 'is a wildcard over an IP address; a wildcard entry is a domain name, as *.example.com' };
  }

  if (!parent.value.includes('.')) {
    return { ok: false, message: `is a wildcard over the single label "${parent.value}", which would match whole top-level domains; name at least two labels, as *.example.com` };
  }

  if (parent.value.length + 2 > MAX_NAME_LENGTH) {
    return { ok: false, message: `is ${parent.value.length + 2} characters long; a hostname has at most ${MAX_NAME_LENGTH}` };
  }

  return { ok: true, value: { key: `*.${parent.value}`, wildcardParent: parent.value } };
}
