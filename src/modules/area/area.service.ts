import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canManageAreas } from '../../shared/auth/policy';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { AREA_LEVEL, Area, AreaKind } from './area.entity';
import type { AreaCreateInput, AreaUpdateInput } from './area.inputs';
import { areasById } from './area.loaders';

export interface AreaFilter {
  parentId?: string | null;
  withinAreaId?: string | null;
  kind?: AreaKind | null;
  search?: string | null;
  rootsOnly?: boolean;
}

export async function listAreas(ctx: AppContext, filter: AreaFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Area).createQueryBuilder('a');
  if (filter.rootsOnly) qb.andWhere('a.parent_id IS NULL');
  if (filter.parentId) qb.andWhere('a.parent_id = :parentId', { parentId: filter.parentId });
  if (filter.kind) qb.andWhere('a.kind = :kind', { kind: filter.kind });
  if (filter.search) qb.andWhere(`a.name ILIKE :search ESCAPE '\\'`, { search: `%${escapeLike(filter.search)}%` });
  if (filter.withinAreaId) {
    qb.andWhere(`a.path LIKE :within`, { within: await subtreePattern(ctx, filter.withinAreaId) });
  }
  return paginate(qb, args, [
    { sql: 'a.name', value: (a) => a.name },
    { sql: 'a.id', value: (a) => a.id },
  ]);
}

/**
 * LIKE pattern of an area's subtree, to bind as a value: the planner sees the
 * prefix and the area-path index serves it (a `LIKE (SELECT path ...) || '%'`
 * reads the whole area table). An unknown area gives '', which no path matches.
 */
export async function subtreePattern(ctx: AppContext, areaId: string): Promise<string> {
  const area = await areasById(ctx).load(areaId);
  return area ? `${escapeLike(area.path)}%` : '';
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Ids of the area and every ancestor, root first, read from the materialized path. */
export function pathIds(area: Area): string[] {
  return area.path.split('/').filter(Boolean);
}

export async function createArea(ctx: AppContext, input: AreaCreateInput): Promise<{ area: Area }> {
  if (!canManageAreas(ctx.viewer)) throw forbidden('Only platform administrators manage areas.');
  const check = new InputCheck();
  const name = check.text('name', input.name, { max: 200, required: true });
  const code = check.text('code', input.code, { max: 50 });
  const parentId = check.id('parentId', input.parentId, 'Area');
  if (!Object.values(AreaKind).includes(input.kind)) check.add('kind', UserErrorCode.INVALID, 'Unknown area kind.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    let parent: Area | null = null;
    if (parentId) {
      parent = await tx.em.findOneBy(Area, { id: parentId });
      if (!parent) fail('parentId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
      if (AREA_LEVEL[input.kind] <= AREA_LEVEL[parent.kind]) {
        fail('kind', UserErrorCode.INVALID, `A ${input.kind} cannot lie inside a ${parent.kind}.`);
      }
    }
    const id = randomUUID();
    const area = tx.em.create(Area, {
      id,
      name: name!,
      kind: input.kind,
      code,
      parentId,
      path: `${parent?.path ?? '/'}${id}/`,
      depth: parent ? parent.depth + 1 : 0,
    });
    await tx.em.insert(Area, area);
    tx.audit({ action: 'areaCreate', recordType: 'Area', recordId: id, details: { name, kind: input.kind, parentId } });
    return { area: await tx.em.findOneByOrFail(Area, { id }) };
  });
}

export async function updateArea(ctx: AppContext, input: AreaUpdateInput): Promise<{ area: Area }> {
  if (!canManageAreas(ctx.viewer)) throw forbidden('Only platform administrators manage areas.');
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Area', { required: true });
  const name = input.name === undefined || input.name === null ? null : check.text('name', input.name, { max: 200, required: true });
  const code = input.code === undefined ? undefined : check.text('code', input.code, { max: 50 });
  const parentId = check.id('parentId', input.parentId, 'Area');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    // Lock the row so two concurrent moves cannot build a cycle between them.
    const area = await tx.em.createQueryBuilder(Area, 'a').setLock('pessimistic_write').where('a.id = :id', { id }).getOne();
    if (!area) fail('id', UserErrorCode.NOT_FOUND, 'No Area with this id.');
    const changes: Partial<Area> = {};
    if (name) changes.name = name;
    if (code !== undefined) changes.code = code;
    if (Object.keys(changes).length) await tx.em.update(Area, { id: area.id }, changes);
    if (parentId && parentId !== area.parentId) {
      const parent = await tx.em.findOneBy(Area, { id: parentId });
      if (!parent) fail('parentId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
      if (parent.path.startsWith(area.path)) fail('parentId', UserErrorCode.CYCLE, 'An area cannot move inside its own subtree.');
      if (AREA_LEVEL[area.kind] <= AREA_LEVEL[parent.kind]) fail('parentId', UserErrorCode.INVALID, `A ${area.kind} cannot lie inside a ${parent.kind}.`);
      const newPath = `${parent.path}${area.id}/`;
      const depthShift = parent.depth + 1 - area.depth;
      await tx.em.query(
        `UPDATE area SET path = $1 || substr(path, length($2) + 1), depth = depth + $3,
                parent_id = CASE WHEN id = $4 THEN $5::uuid ELSE parent_id END
          WHERE path LIKE $2 || '%'`,
        [newPath, area.path, depthShift, area.id, parent.id],
      );
    }
    tx.audit({ action: 'areaUpdate', recordType: 'Area', recordId: area.id, details: { name, code, parentId } });
    return { area: await tx.em.findOneByOrFail(Area, { id: area.id }) };
  });
}

export async function findArea(ctx: AppContext, id: string | null): Promise<Area | null> {
  return id ? areasById(ctx).load(id) : null;
}
