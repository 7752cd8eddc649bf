import { Field, ObjectType } from 'type-graphql';
import { today } from '../../shared/clock';
import type { EventRecord } from '../../shared/events/event.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';
import type { Tx } from '../../shared/transaction';

export const FUND_TOPIC = 'fund';

/** Who may see the fund now, from the same SQL function the lists filter by (see fund.policy.ts). */
export async function fundAudienceAt(tx: Pick<Tx, 'em'>, fundId: string): Promise<string[]> {
  const [row] = await tx.em.query(`SELECT security_fund_audience($1, $2::date)::text[] AS ids`, [fundId, today()]);
  return row?.ids ?? [];
}

/**
 * One entry in the event log about a fund, visible to the fund's audience as
 * of the change. Payloads carry ids, kinds, categories and amounts: never a
 * person's name or phone.
 */
export async function emitFund(tx: Tx, fundId: string, type: string, payload: Record<string, unknown>): Promise<void> {
  tx.emit({ topic: FUND_TOPIC, type, subjectId: fundId, organizationIds: await fundAudienceAt(tx, fundId), payload: { fundId, ...payload } });
}

@ObjectType({ description: valueObject('Something that happened to a security fund.', WHY.event) })
export class FundUpdate {
  @Field({ description: 'Position in the event log; pass it as `after` to resume from here.' })
  cursor!: string;

  @Field({
    description:
      'What happened: fund.created, fund.updated, fund.entryRecorded (a contribution counted at once, or a payout or reversal waiting for approval), fund.entryApproved, fund.entryRejected, fund.statementPublished (the period is frozen).',
  })
  type!: string;

  @Field({ description: 'When the change was committed.' })
  occurredAt!: Date;

  event!: EventRecord;
}

export function toFundUpdate(event: EventRecord): FundUpdate {
  return Object.assign(new FundUpdate(), { cursor: event.id, type: event.type, occurredAt: event.createdAt, event });
}
