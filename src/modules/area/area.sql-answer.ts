import type { SqlAnswers } from '../../shared/read-plan/sql-answer';

/** Areas as PostgreSQL answers them whole (shared/read-plan/sql-answer.ts); every signed-in viewer sees every area. */
export const areaSqlAnswers: SqlAnswers = {
  roots: {},
  tables: {
    Area: {
      table: 'area',
      fields: {
        id: { globalId: true },
        name: { column: 'name' },
        kind: { column: 'kind' },
        code: { column: 'code' },
        depth: { column: 'depth' },
        createdAt: { column: 'created_at' },
        parent: { one: 'Area', key: 'parent_id' },
      },
    },
  },
};
