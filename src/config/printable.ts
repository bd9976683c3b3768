/**
 * Characters that change how a terminal shows text without being visible themselves: controls
 * (C0, DEL, C1, which JSON.stringify leaves partly as they are), format characters such as
 * bidirectional overrides and zero-width spaces, and the Unicode line and paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** Renders an untrusted string for a message: invisible characters escaped, length capped. */
export function printable(value: string, maxLength = 80): string {
  const escaped = JSON.stringify(value).slice(1, -1).replace(INVISIBLE, escapeCodePoint);
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength)}... (${value.length} characters)` : escaped;
}

function escapeCodePoint(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
