import type { SqlAnswers } from '../../shared/read-plan/sql-answer';

/**
 * Users as PostgreSQL answers them whole (shared/read-plan/sql-answer.ts): only the fields with no record rule.
 * `email` (canSeeEmail) and `memberships` are left to the resolvers, so a document asking for them is not answered here.
 */
export const userSqlAnswers: SqlAnswers = {
  roots: {},
  tables: {
    User: {
      table: 'app_user',
      fields: {
        id: { globalId: true },
        displayName: { column: 'display_name' },
        isPlatformAdmin: { column: 'is_platform_admin' },
        createdAt: { column: 'created_at' },
      },
    },
  },
};
