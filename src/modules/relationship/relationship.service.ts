import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canAnswerRelationshipProposal, canManageRelationship, canSeeRelationship, relationshipAgreedByBothEnds } from '../../shared/auth/policy';
import { today } from '../../shared/clock';
import { type Tx, fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { Relationship, RelationshipStatus, RelationshipType } from './relationship.entity';
import type { Network, RelationshipAnswerInput, RelationshipCreateInput, RelationshipEndInput } from './relationship.inputs';
import { relationshipsById } from './relationship.loaders';
import { organizationsById } from '../organization/organization.loaders';

export const MAX_NETWORK_DEPTH = 4;
/** A walk never returns more than this many organisations; the rest of a huge network is cut off. */
export const MAX_NETWORK_SIZE = 5000;

/** The relation if the viewer may see it (a proposal only to its two ends); null exactly as for an unknown id. */
export async function findRelationship(ctx: AppContext, id: string): Promise<Relationship | null> {
  const relationship = await relationshipsById(ctx).load(id);
  return relationship && canSeeRelationship(ctx.viewer, relationship) ? relationship : null;
}

/** In force on the day: accepted by both ends and within its dates. */
export function isActive(relationship: Relationship, on: string = today()): boolean {
  return relationship.status === RelationshipStatus.ACCEPTED && relationship.startsOn <= on && (relationship.endsOn === null || relationship.endsOn >= on);
}

export async function createRelationship(ctx: AppContext, input: RelationshipCreateInput): Promise<{ relationship: Relationship }> {
  const check = new InputCheck();
  const fromId = check.id('fromOrganizationId', input.fromOrganizationId, 'Organization', { required: true });
  const toId = check.id('toOrganizationId', input.toOrganizationId, 'Organization', { required: true });
  const note = check.text('note', input.note, { max: 1000 });
  if (!Object.values(RelationshipType).includes(input.type)) check.add('type', UserErrorCode.INVALID, 'Unknown relationship type.');
  if (fromId && fromId === toId) check.add('toOrganizationId', UserErrorCode.SELF_REFERENCE, 'An organisation cannot relate to itself.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const found = await tx.em.countBy(Organization, [{ id: fromId! }, { id: toId! }]);
    if (found !== 2) fail('toOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    if (!canManageRelationship(ctx.viewer, fromId!, toId!)) throw forbidden('Only ADMINs of one of the two organisations record their relations.');
    const startsOn = input.startsOn ?? today();
    // One end cannot bind the other: unless both agree in this very call, the relation waits for the other end.
    const agreed = relationshipAgreedByBothEnds(ctx.viewer, fromId!, toId!);
    const proposer = agreed ? null : ctx.viewer.isAdminOf(fromId!) ? fromId! : toId!;
    // Serialise writers of the same pair so the duplicate check below cannot race.
    await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [[fromId, toId, input.type].join('|')]);
    const open = await tx.em
      .createQueryBuilder(Relationship, 'r')
      .where('r.from_organization_id = :fromId AND r.to_organization_id = :toId AND r.type = :type', { fromId, toId, type: input.type })
      .andWhere("r.status IN ('PROPOSED','ACCEPTED')")
      .andWhere('(r.ends_on IS NULL OR r.ends_on >= :startsOn)', { startsOn })
      .getExists();
    if (open) fail('type', UserErrorCode.DUPLICATE, 'This relation already holds, or is already proposed, between the two organisations.');
    const status = agreed ? RelationshipStatus.ACCEPTED : RelationshipStatus.PROPOSED;
    const { identifiers } = await tx.em.insert(Relationship, { fromOrganizationId: fromId!, toOrganizationId: toId!, type: input.type, startsOn, note, status, proposedByOrganizationId: proposer });
    const relationship = await tx.em.findOneByOrFail(Relationship, { id: identifiers[0].id });
    tx.audit({ action: agreed ? 'relationshipCreate' : 'relationshipPropose', recordType: 'Relationship', recordId: relationship.id, details: { fromId, toId, type: input.type, startsOn, status } });
    tx.emit({
      topic: 'network',
      type: agreed ? 'relationship.created' : 'relationship.proposed',
      subjectId: relationship.id,
      organizationIds: [fromId!, toId!],
      payload: { relationshipId: relationship.id, fromOrganizationId: fromId, toOrganizationId: toId, type: input.type, startsOn, status, proposedByOrganizationId: proposer },
    });
    return { relationship };
  });
}

function relationshipId(globalId: string): string {
  const check = new InputCheck();
  const id = check.id('id', globalId, 'Relationship', { required: true });
  failIfAny(check.errors);
  return id!;
}

/** The relation locked for the change, or NOT_FOUND when it does not exist or the viewer may not see it (the same answer). */
async function lockVisibleRelationship(tx: Tx, ctx: AppContext, id: string): Promise<Relationship> {
  const relationship = await tx.em.findOne(Relationship, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!relationship || !canSeeRelationship(ctx.viewer, relationship)) fail('id', UserErrorCode.NOT_FOUND, 'No Relationship with this id.');
  return relationship;
}

export async function endRelationship(ctx: AppContext, input: RelationshipEndInput): Promise<{ relationship: Relationship }> {
  const id = relationshipId(input.id);

  return inTransaction(ctx, async (tx) => {
    const relationship = await lockVisibleRelationship(tx, ctx, id);
    if (!canManageRelationship(ctx.viewer, relationship.fromOrganizationId, relationship.toOrganizationId)) {
      throw forbidden('Only ADMINs of one of the two organisations end their relations.');
    }
    if (relationship.status !== RelationshipStatus.ACCEPTED) {
      fail('id', UserErrorCode.INVALID_TRANSITION, 'Only an accepted relation ends; withdraw or decline a proposal with relationshipDecline.');
    }
    const endsOn = input.endsOn ?? today();
    if (relationship.endsOn !== null && relationship.endsOn <= endsOn) fail('id', UserErrorCode.ALREADY_DONE, 'The relation has already ended.');
    if (endsOn < relationship.startsOn) fail('endsOn', UserErrorCode.DATE_ORDER, 'A relation cannot end before it starts.');
    await tx.em.update(Relationship, { id: relationship.id }, { endsOn });
    tx.audit({ action: 'relationshipEnd', recordType: 'Relationship', recordId: relationship.id, details: { endsOn } });
    tx.emit({
      topic: 'network',
      type: 'relationship.ended',
      subjectId: relationship.id,
      organizationIds: [relationship.fromOrganizationId, relationship.toOrganizationId],
      payload: { relationshipId: relationship.id, endsOn },
    });
    return { relationship: await tx.em.findOneByOrFail(Relationship, { id: relationship.id }) };
  });
}

/**
 * Answers a proposal. Accepting puts the relation in force (from its start
 * date); declining (or the proposer withdrawing) closes it for good.
 */
export async function answerRelationship(ctx: AppContext, input: RelationshipAnswerInput, accept: boolean): Promise<{ relationship: Relationship }> {
  const id = relationshipId(input.id);

  return inTransaction(ctx, async (tx) => {
    const relationship = await lockVisibleRelationship(tx, ctx, id);
    const withdrawing = !accept && relationship.proposedByOrganizationId !== null && ctx.viewer.canWrite && ctx.viewer.isAdminOf(relationship.proposedByOrganizationId);
    if (!withdrawing && !canAnswerRelationshipProposal(ctx.viewer, relationship)) {
      throw forbidden(accept ? "Only an ADMIN of the other end accepts a proposed relation." : "Only an ADMIN of the other end declines a proposed relation (the proposer's ADMIN may withdraw it).");
    }
    if (relationship.status !== RelationshipStatus.PROPOSED) {
      fail('id', relationship.status === (accept ? RelationshipStatus.ACCEPTED : RelationshipStatus.DECLINED) ? UserErrorCode.ALREADY_DONE : UserErrorCode.INVALID_TRANSITION, `The relation is ${relationship.status}, no longer PROPOSED.`);
    }
    const status = accept ? RelationshipStatus.ACCEPTED : RelationshipStatus.DECLINED;
    await tx.em.update(Relationship, { id: relationship.id }, { status, respondedAt: () => 'now()' });
    const action = accept ? 'relationshipAccept' : 'relationshipDecline';
    tx.audit({ action, recordType: 'Relationship', recordId: relationship.id, details: { status, withdrawn: withdrawing } });
    tx.emit({
      topic: 'network',
      type: accept ? 'relationship.accepted' : 'relationship.declined',
      subjectId: relationship.id,
      organizationIds: [relationship.fromOrganizationId, relationship.toOrganizationId],
      payload: { relationshipId: relationship.id, status },
    });
    return { relationship: await tx.em.findOneByOrFail(Relationship, { id: relationship.id }) };
  });
}

/**
 * Walks relations in force today, in both directions, up to `depth` steps.
 * One recursive query; UNION keeps each (organisation, depth) once, so dense
 * graphs do not blow up.
 */
export async function walkNetwork(ctx: AppContext, rootId: string, depth: number, types: RelationshipType[] | null): Promise<Network | null> {
  const root = await organizationsById(ctx).load(rootId);
  if (!root) return null;
  const on = today();
  const typeList = types?.length ? types : Object.values(RelationshipType);
  const reached: { id: string; depth: number }[] = await ctx.app.db.query(
    `WITH RECURSIVE edge AS (
       SELECT from_organization_id AS a, to_organization_id AS b FROM relationship
        WHERE type = ANY($3) AND status = 'ACCEPTED' AND starts_on <= $4 AND (ends_on IS NULL OR ends_on >= $4)
     ), walk(id, depth) AS (
       SELECT $1::uuid, 0
       UNION
       SELECT CASE WHEN e.a = w.id THEN e.b ELSE e.a END, w.depth + 1
         FROM walk w JOIN edge e ON e.a = w.id OR e.b = w.id
        WHERE w.depth < $2
     )
     SELECT w.id, min(w.depth) AS depth FROM walk w JOIN organization o ON o.id = w.id
      GROUP BY w.id, o.name ORDER BY min(w.depth), o.name, w.id LIMIT $5`,
    [rootId, depth, typeList, on, MAX_NETWORK_SIZE],
  );
  const ids = reached.map((r) => r.id);
  const relationships: { id: string }[] = await ctx.app.db.query(
    `SELECT id FROM relationship
      WHERE type = ANY($2) AND status = 'ACCEPTED' AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $3)
        AND from_organization_id = ANY($1) AND to_organization_id = ANY($1)
      ORDER BY created_at, id`,
    [ids, typeList, on],
  );
  return { root, depth, organizationIds: ids, relationshipIds: relationships.map((r) => r.id) } as Network;
}
