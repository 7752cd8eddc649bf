import type { SqlAnswers } from '../shared/read-plan/sql-answer';
import { areaSqlAnswers } from './area/area.sql-answer';
import { caseSqlAnswers } from './case/case.sql-answer';
import { meetingSqlAnswers } from './meeting/meeting.sql-answer';
import { membershipSqlAnswers } from './membership/membership.sql-answer';
import { organizationSqlAnswers } from './organization/organization.sql-answer';
import { patrolSqlAnswers } from './patrol/patrol.sql-answer';
import { userSqlAnswers } from './user/user.sql-answer';

/** Every module's declaration of what PostgreSQL may answer whole (shared/read-plan/sql-answer.ts), as one registry. */
export const SQL_ANSWERS: SqlAnswers = [areaSqlAnswers, caseSqlAnswers, meetingSqlAnswers, membershipSqlAnswers, organizationSqlAnswers, patrolSqlAnswers, userSqlAnswers].reduce<SqlAnswers>(
  (all, part) => ({ roots: { ...all.roots, ...part.roots }, tables: { ...all.tables, ...part.tables } }),
  { roots: {}, tables: {} },
);
