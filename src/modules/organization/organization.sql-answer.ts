import { canSeeMembersSql } from '../../shared/auth/policy';
import type { SqlAnswers } from '../../shared/read-plan/sql-answer';

/** The organisation directory as PostgreSQL answers it whole (shared/read-plan/sql-answer.ts): the same order and rules as its resolvers. */
export const organizationSqlAnswers: SqlAnswers = {
  roots: {
    // listOrganizations: by name, then id.
    organizations: { type: 'Organization', order: (o) => `${o}.name, ${o}.id` },
  },
  tables: {
    Organization: {
      table: 'organization',
      fields: {
        id: { globalId: true },
        name: { column: 'name' },
        kind: { column: 'kind' },
        description: { column: 'description' },
        version: { column: 'version' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        homeArea: { one: 'Area', key: 'home_area_id' },
        parent: { one: 'Organization', key: 'parent_id' },
        // membershipsByOrganizationId: oldest first; canSeeMembers decides whether the field is null.
        members: { page: 'Membership', foreignKey: 'organization_id', order: (m) => `${m}.created_at, ${m}.id`, visible: canSeeMembersSql },
      },
    },
  },
};
