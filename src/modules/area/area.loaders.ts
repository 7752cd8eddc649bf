import { In } from 'typeorm';
import { byKey, defineLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { Area } from './area.entity';

export const areasById = defineLoader<string, Area | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(Area).findBy({ id: In([...ids]) });
  return byKey(ids, rows, (a) => a.id);
});

export const areaChildrenByParentId = defineChildConnection<Area>({
  entity: Area,
  parentColumn: 'x.parent_id',
  sort: [
    { sql: 'x.name', value: (a) => a.name },
    { sql: 'x.id', value: (a) => a.id },
  ],
});
