import type { SqlAnswers } from '../../shared/read-plan/sql-answer';
import { caseListStatements, filterConditions } from './case.lists';
import { caseScope, visibleCaseSql, type SqlParams } from './case.scope';

/**
 * The case list as PostgreSQL answers it whole (shared/read-plan/sql-answer.ts): the page is listCases's own
 * statements (the walk over the newest cases, or, when it comes up short, the collecting statement through the
 * indexes), so its visibility and its plan at city scale are theirs. Leader and handler are read only where the
 * viewer sees the whole case, as their resolvers decide (visibility without the reporter branches); the other
 * declared fields are every viewer's who sees the case in the list.
 */
export const caseSqlAnswers: SqlAnswers = {
  roots: {
    cases: {
      type: 'Case',
      order: (c) => `${c}.reported_at DESC, ${c}.id DESC`,
      rows: async ({ ctx, bind, first }) => {
        const scope = await caseScope(ctx);
        const conditions = await filterConditions(ctx, scope, {});
        const params = { values: [], bind } as unknown as SqlParams;
        const select = `c.*, ${visibleCaseSql(scope, bind, 'filter', { asReporter: false })} AS viewer_sees_whole`;
        const { walk, collect } = caseListStatements(conditions, null, first, select, params);
        if (!collect) return `(${walk[0]})`;
        // As listCases: the walk's rows when it finds a whole page; otherwise the collecting statement's.
        return `(WITH walk AS MATERIALIZED (${walk[0]})
                 SELECT * FROM walk WHERE (SELECT count(*) FROM walk) >= ${bind(first)}
                 UNION ALL
                 SELECT ${select} FROM case_record c
                  WHERE c.id IN (SELECT id FROM (${collect[0]}) found) AND (SELECT count(*) FROM walk) < ${bind(first)})`;
      },
    },
  },
  tables: {
    Case: {
      table: 'case_record',
      fields: {
        id: { globalId: true },
        reference: { column: 'reference' },
        category: { column: 'category' },
        channel: { column: 'channel' },
        severity: { column: 'severity' },
        status: { column: 'status' },
        title: { column: 'title' },
        description: { column: 'description' },
        version: { column: 'version' },
        reportedAt: { column: 'reported_at' },
        dueAt: { column: 'due_at' },
        triagedAt: { column: 'triaged_at' },
        assignedAt: { column: 'assigned_at' },
        closedAt: { column: 'closed_at' },
        updatedAt: { column: 'updated_at' },
        area: { one: 'Area', key: 'area_id' },
        responsibleOrganization: { one: 'Organization', key: 'responsible_organization_id' },
        supervisingOrganization: { one: 'Organization', key: 'supervising_organization_id' },
        leader: { one: 'User', key: 'leader_user_id', when: 'viewer_sees_whole' },
        handler: { one: 'User', key: 'handler_user_id', when: 'viewer_sees_whole' },
      },
    },
  },
};
