import { fromGlobalId, toGlobalId } from '../../shared/relay/global-id';
import type { EventRecord } from '../../shared/events/event.entity';
import { nodeFetcher } from '../node/node.registry';
import { FeedEvent, type EventTopic, type FeedEventJson } from './event-feed.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keys for the dispatcher's own use (cache invalidation): not facts a partner should depend on. */
const INTERNAL_KEYS = new Set(['invalidatesViewers']);

/** Id keys whose name does not end in the type's name. */
const ID_TYPES: Record<string, string> = {
  team: 'PatrolTeam',
  event: 'PatrolEvent',
  mergedInto: 'Case',
  duplicate: 'Case',
  fromCase: 'Case',
  series: 'MeetingSeries',
  entry: 'FundEntry',
  fund: 'SecurityFund',
  reversesEntry: 'FundEntry',
  statement: 'FundStatement',
};

const SUBJECT_TYPES: Record<string, string> = {
  case: 'Case',
  meeting: 'Meeting',
  contract: 'Contract',
  consultation: 'Consultation',
  patrol: 'Patrol',
  screening: 'ScreeningRound',
  education: 'LegalEducationActivity',
  fund: 'SecurityFund',
  bulletin: 'Bulletin',
  roster: 'PatrolTeam',
};

/** nodeTypeOf's answers by key (every event of a kind has the same keys); only found types, as registrations only add. */
const nodeTypes = new Map<string, string>();

/** `fromOrganization` -> `Organization`: the longest trailing run of camel-case words that names a node type. */
function nodeTypeOf(base: string): string | null {
  const known = nodeTypes.get(base);
  if (known) return known;
  const type = findNodeType(base);
  if (type && nodeTypes.size < 1024) nodeTypes.set(base, type);
  return type;
}

function findNodeType(base: string): string | null {
  if (ID_TYPES[base]) return ID_TYPES[base];
  const words = base.replace(/^./, (c) => c.toUpperCase()).split(/(?=[A-Z])/);
  for (let i = 0; i < words.length; i += 1) {
    const name = words.slice(i).join('');
    if (nodeFetcher(name)) return name;
  }
  return null;
}

/**
 * Event payloads hold database ids; the API speaks global ids only. Keys named
 * `<thing>Id`/`<thing>Ids` become global ids of the matching node type; ids
 * with no node type are left out rather than leaked raw.
 */
function present(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(present);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (INTERNAL_KEYS.has(key)) continue;
    const idKey = /^(.+?)(Id|Ids)$/.exec(key);
    const looksLikeIds = typeof raw === 'string' ? UUID.test(raw) : Array.isArray(raw) && raw.length > 0 && raw.every((v) => typeof v === 'string' && UUID.test(v));
    if (idKey && looksLikeIds) {
      const type = nodeTypeOf(idKey[1]);
      if (!type) continue;
      out[key] = Array.isArray(raw) ? raw.map((id: string) => toGlobalId(type, id)) : toGlobalId(type, raw as string);
    } else if (idKey && typeof raw === 'string' && /^\d+$/.test(raw)) {
      // bigint row ids: timeline steps (CaseEvent) have global ids; any other is left out.
      const type = nodeTypeOf(idKey[1]);
      const globalId = type ? toGlobalId(type, raw) : null;
      if (globalId && fromGlobalId(globalId)) out[key] = globalId;
    } else {
      out[key] = present(raw);
    }
  }
  return out;
}

function areaIdOf(path: string | null): string | null {
  const last = path?.split('/').filter(Boolean).pop();
  return last && UUID.test(last) ? toGlobalId('Area', last) : null;
}

export function toFeedEvent(event: EventRecord): FeedEvent {
  const subjectType = SUBJECT_TYPES[event.topic];
  return Object.assign(new FeedEvent(), {
    cursor: event.id,
    topic: event.topic as EventTopic,
    type: event.type,
    occurredAt: event.createdAt,
    subjectId: event.subjectId && subjectType ? toGlobalId(subjectType, event.subjectId) : null,
    areaId: areaIdOf(event.areaPath),
    data: present(event.payload ?? {}) as Record<string, unknown>,
  });
}

export function toFeedEventJson(event: EventRecord): FeedEventJson {
  const feed = toFeedEvent(event);
  return { ...feed, occurredAt: new Date(feed.occurredAt).toISOString() };
}
