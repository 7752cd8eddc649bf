import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canManageRelationship } from '../../shared/auth/policy';
import { today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { Relationship, RelationshipType } from './relationship.entity';
import type { Network, RelationshipCreateInput, RelationshipEndInput } from './relationship.inputs';
import { relationshipsById } from './relationship.loaders';
import { organizationsById } from '../organization/organization.loaders';

export const MAX_NETWORK_DEPTH = 4;
/** A walk never returns more than this many organisations; the rest of a huge network is cut off. */
export const MAX_NETWORK_SIZE = 5000;

export function findRelationship(ctx: AppContext, id: string): Promise<Relationship | null> {
  return relationshipsById(ctx).load(id);
}

export function isActive(relationship: Relationship, on: string = today()): boolean {
  return relationship.startsOn <= on && (relationship.endsOn === null || relationship.endsOn >= on);
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
    // Serialise writers of the same pair so the duplicate check below cannot race.
    await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [[fromId, toId, input.type].join('|')]);
    const open = await tx.em
      .createQueryBuilder(Relationship, 'r')
      .where('r.from_organization_id = :fromId AND r.to_organization_id = :toId AND r.type = :type', { fromId, toId, type: input.type })
      .andWhere('(r.ends_on IS NULL OR r.ends_on >= :startsOn)', { startsOn })
      .getExists();
    if (open) fail('type', UserErrorCode.DUPLICATE, 'This relation already holds between the two organisations.');
    const { identifiers } = await tx.em.insert(Relationship, { fromOrganizationId: fromId!, toOrganizationId: toId!, type: input.type, startsOn, note });
    const relationship = await tx.em.findOneByOrFail(Relationship, { id: identifiers[0].id });
    tx.audit({ action: 'relationshipCreate', recordType: 'Relationship', recordId: relationship.id, details: { fromId, toId, type: input.type, startsOn } });
    tx.emit({
      topic: 'network',
      type: 'relationship.created',
      subjectId: relationship.id,
      organizationIds: [fromId!, toId!],
      payload: { relationshipId: relationship.id, fromOrganizationId: fromId, toOrganizationId: toId, type: input.type, startsOn },
    });
    return { relationship };
  });
}

export async function endRelationship(ctx: AppContext, input: RelationshipEndInput): Promise<{ relationship: Relationship }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Relationship', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const relationship = await tx.em.findOne(Relationship, { where: { id: id! }, lock: { mode: 'pessimistic_write' } });
    if (!relationship) fail('id', UserErrorCode.NOT_FOUND, 'No Relationship with this id.');
    if (!canManageRelationship(ctx.viewer, relationship.fromOrganizationId, relationship.toOrganizationId)) {
      throw forbidden('Only ADMINs of one of the two organisations end their relations.');
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
        WHERE type = ANY($3) AND starts_on <= $4 AND (ends_on IS NULL OR ends_on >= $4)
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
      WHERE type = ANY($2) AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $3)
        AND from_organization_id = ANY($1) AND to_organization_id = ANY($1)
      ORDER BY created_at, id`,
    [ids, typeList, on],
  );
  return { root, depth, organizationIds: ids, relationshipIds: relationships.map((r) => r.id) } as Network;
}
