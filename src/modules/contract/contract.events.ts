import { Field, ObjectType } from 'type-graphql';
import type { EventRecord } from '../../shared/events/event.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

/** Event types of topic `contract`. */
export const CONTRACT_EVENT_TYPES = [
  'contract.drafted',
  'contract.updated',
  'contract.proposed',
  'contract.signed',
  'contract.activated',
  'contract.suspended',
  'contract.resumed',
  'contract.terminated',
  'contract.declined',
  'contract.expired',
  'contract.amendmentProposed',
  'contract.amendmentInForce',
  'contract.assessmentRecorded',
] as const;

@ObjectType({ description: valueObject("A change to a contract of one of the viewer's organisations (or of an organisation it supervises or guides).", WHY.event) })
export class ContractUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: `What happened: ${CONTRACT_EVENT_TYPES.join(', ')}.` })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toContractUpdate(event: EventRecord): ContractUpdate {
  return Object.assign(new ContractUpdate(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
