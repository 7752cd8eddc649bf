import { registerEnumType } from 'type-graphql';

export enum MemberRole {
  ADMIN = 'ADMIN',
  COORDINATOR = 'COORDINATOR',
  LIAISON_OFFICER = 'LIAISON_OFFICER',
  MEMBER = 'MEMBER',
  OBSERVER = 'OBSERVER',
}

registerEnumType(MemberRole, {
  name: 'MemberRole',
  description: "A member's role in an organisation.",
  valuesConfig: {
    ADMIN: { description: 'Manages the organisation, its members, API clients and signatures.' },
    COORDINATOR: { description: 'Runs the day-to-day work: patrols, meetings, cases.' },
    LIAISON_OFFICER: { description: 'Police-community liaison: follows the jurisdiction and its meetings.' },
    MEMBER: { description: 'Takes part in the work of the organisation.' },
    OBSERVER: { description: 'Reads what the organisation may see; changes nothing.' },
  },
});

/** The roles that speak for an organisation to others: issuing its bulletins, publishing on its behalf. */
export const SPEAKING_ROLES: readonly MemberRole[] = [MemberRole.ADMIN, MemberRole.COORDINATOR, MemberRole.LIAISON_OFFICER];

export enum ApiClientScope {
  READ = 'READ',
  READ_WRITE = 'READ_WRITE',
}

registerEnumType(ApiClientScope, {
  name: 'ApiClientScope',
  description: 'What a partner integration may do on behalf of its organisation.',
  valuesConfig: {
    READ: { description: 'Queries and subscriptions only.' },
    READ_WRITE: { description: 'Queries, subscriptions and mutations.' },
  },
});
