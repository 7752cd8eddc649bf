const UUID_PART = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_PART}$`);
const SERIAL_PART = '[1-9][0-9]{0,17}';

/**
 * Most records are keyed by one UUID. A few are not: append-only logs count
 * with a bigint, and contract versions and signatures are keyed by their
 * contract and a number. Keys are checked per type, so a fetcher never sees a
 * key of the wrong shape (a crafted id answers null, not a database error).
 */
const KEY_FORMATS: Record<string, RegExp> = {
  CaseEvent: new RegExp(`^${SERIAL_PART}$`),
  WebhookDelivery: new RegExp(`^${SERIAL_PART}$`),
  ContractVersion: new RegExp(`^${UUID_PART}/${SERIAL_PART}$`),
  ContractSignature: new RegExp(`^${UUID_PART}/${SERIAL_PART}/${UUID_PART}$`),
};

/** The key of a record identified by several columns, in the order the type's KEY_FORMATS entry gives. */
export function compositeKey(...parts: (string | number)[]): string {
  return parts.join('/');
}

/** Opaque, URL-safe id: clients must not parse it, the server can tell the type. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  if (typeof globalId !== 'string' || globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) return null;
  const type = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (!(KEY_FORMATS[type] ?? UUID).test(id)) return null;
  return { type, id };
}

/** The database id behind a global id of the expected type, or null for anything else. */
export function idOf(globalId: string | null | undefined, type: string): string | null {
  if (!globalId) return null;
  const parsed = fromGlobalId(globalId);
  return parsed && parsed.type === type ? parsed.id : null;
}

/** A uuid no record has: a filter given an id that is not one of its type matches nothing instead of being dropped. */
export const NO_MATCH = '00000000-0000-0000-0000-000000000000';

/**
 * An id argument used as a list filter: null when not given (no filter), and
 * an id that matches nothing when it is not a valid id of the expected type,
 * so a mistyped filter answers an empty list, never an unfiltered one.
 */
export function filterId(globalId: string | null | undefined, type: string): string | null {
  return globalId ? (idOf(globalId, type) ?? NO_MATCH) : null;
}
