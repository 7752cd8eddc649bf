/** The words that mark an object type as a value object in the schema; test/node-ids.test.ts looks for them. */
export const VALUE_OBJECT_MARK = 'Value object (no id):';

/**
 * Description of an object type that deliberately has no global id. Clients
 * that normalise by id (Apollo Client, urql Graphcache) keep it inside the
 * object that holds it; `why` says what it is, so nobody adds an id by reflex.
 */
export function valueObject(description: string, why: string): string {
  return `${description} ${VALUE_OBJECT_MARK} ${why}.`;
}

export const WHY = {
  event: 'an event pushed to subscribers, identified by its `cursor`',
  computed: 'computed when asked, never stored',
  terms: 'part of the terms of one contract version (`ContractVersion` has the id)',
  answer: 'the answer to one request',
  part: 'part of the record that holds it',
} as const;
