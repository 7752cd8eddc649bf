import type { SqlAnswers } from '../../shared/read-plan/sql-answer';

/** Memberships as PostgreSQL answers them whole (shared/read-plan/sql-answer.ts); reached only through a members page, whose rule decides. */
export const membershipSqlAnswers: SqlAnswers = {
  roots: {},
  tables: {
    Membership: {
      table: 'membership',
      fields: {
        id: { globalId: true },
        role: { column: 'role' },
        createdAt: { column: 'created_at' },
        user: { one: 'User', key: 'user_id' },
        organization: { one: 'Organization', key: 'organization_id' },
      },
    },
  },
};
