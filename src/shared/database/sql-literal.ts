/**
 * A string as an SQL literal, byte for byte what pg's `escapeLiteral` returns: quotes and backslashes doubled, and
 * the ` E` prefix when there is a backslash (so the literal reads the same whatever standard_conforming_strings is).
 *
 * pg builds its literal one character at a time. A change's events and audit rows travel as one inlined JSON
 * literal (transaction.ts); for a check-in batch's event, 3-4 KB, that was as many string concatenations, and 9% of
 * the bytes the server allocated during ingestion. Native replaces do the same in two passes.
 */
export function sqlStringLiteral(text: string): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}
