import { Field, ObjectType } from 'type-graphql';
import type { EventRecord } from '../../shared/events/event.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

@ObjectType({ description: valueObject('A change to the governance network: an organisation, membership, relation or API client.', WHY.event) })
export class NetworkChange {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({ description: 'What happened: organization.created, organization.updated, jurisdiction.granted, jurisdiction.revoked, membership.added, membership.removed, relationship.proposed, relationship.created (in force at once), relationship.accepted, relationship.declined, relationship.ended, apiClient.revoked.' })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toNetworkChange(event: EventRecord): NetworkChange {
  return Object.assign(new NetworkChange(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
