import { defineByIdLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { Area } from './area.entity';

export const areasById = defineByIdLoader(Area);

export const areaChildrenByParentId = defineChildConnection<Area>({
  entity: Area,
  parentColumn: 'x.parent_id',
  sort: [
    { sql: 'x.name', value: (a) => a.name },
    { sql: 'x.id', value: (a) => a.id },
  ],
});
