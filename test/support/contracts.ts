import { today } from '../../src/shared/clock';
import { gql } from './graphql';
import type { Harness } from './harness';

/** Calendar date `days` after today (Asia/Shanghai), YYYY-MM-DD. */
export function dayOffset(days: number, from: string = today()): string {
  const d = new Date(`${from}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** An instant at local noon (Asia/Shanghai) on a calendar date, for clock.freeze. */
export function noonOn(date: string): Date {
  return new Date(`${date}T04:00:00Z`);
}

export const CONTRACT_FIELDS = `id status version title startsOn endsOn currentVersionNumber statusReason
  fee { amountMinor currency schedule }
  parties { role organization { id name } }
  areas { id }
  clauses { partyRole kind text }
  serviceLevels { metric target period description }
  awaitingSignatureFrom { id }
  pendingAmendment { number }`;

export const DRAFT = `mutation ($input: ContractDraftInput!) { contractDraft(input: $input) { contract { ${CONTRACT_FIELDS} } userErrors { field code message } } }`;
export const PROPOSE = `mutation ($input: ContractStepInput!) { contractPropose(input: $input) { contract { ${CONTRACT_FIELDS} } userErrors { field code } } }`;
export const SIGN = `mutation ($input: ContractSignInput!) { contractSign(input: $input) { contract { ${CONTRACT_FIELDS} } userErrors { field code } } }`;

/** Draft input for community (CLIENT+FUNDER) / security (PROVIDER) / police (SUPERVISOR), overridable. */
export function draftInput(h: Harness, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: '三板橋社區安防服務契約',
    parties: [
      { organizationId: h.world.gid.org('community'), role: 'CLIENT' },
      { organizationId: h.world.gid.org('community'), role: 'FUNDER' },
      { organizationId: h.world.gid.org('security'), role: 'PROVIDER' },
      { organizationId: h.world.gid.org('police'), role: 'SUPERVISOR' },
    ],
    areaIds: [h.world.gid.area('communityA')],
    startsOn: dayOffset(-10),
    endsOn: dayOffset(365),
    feeMinor: 1_200_000,
    currency: 'CNY',
    paymentSchedule: 'MONTHLY',
    clauses: [
      { partyRole: 'PROVIDER', kind: 'DUTY', text: '每日巡邏不少於4次' },
      { partyRole: 'CLIENT', kind: 'DUTY', text: '每月按時支付服務費' },
      { partyRole: 'SUPERVISOR', kind: 'RIGHT', text: '監督服務質量' },
    ],
    serviceLevels: [
      { metric: 'PATROLS_PER_DAY', target: 4, period: 'MONTH' },
      { metric: 'CHECKPOINT_COVERAGE', target: 90, period: 'MONTH' },
    ],
    ...overrides,
  };
}

export async function draftContract(h: Harness, overrides: Record<string, unknown> = {}, token = h.world.tokens.communityAdmin) {
  const response = await gql(h.server.httpUrl, DRAFT, { input: draftInput(h, overrides) }, token);
  const payload = response.body.data?.contractDraft;
  if (!payload || payload.userErrors.length) throw new Error(`draft failed: ${JSON.stringify(response.body)}`);
  return payload.contract as { id: string; version: number; status: string };
}

/** Drafts, proposes and has every party's ADMIN sign; returns the contract as after the last signature. */
export async function activeContract(h: Harness, overrides: Record<string, unknown> = {}) {
  const drafted = await draftContract(h, overrides);
  const proposed = await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin);
  let contract = proposed.body.data.contractPropose.contract;
  for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin, h.world.tokens.policeAdmin]) {
    const signed = await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, token);
    if (signed.body.data?.contractSign.userErrors.length) throw new Error(`sign failed: ${JSON.stringify(signed.body)}`);
    contract = signed.body.data.contractSign.contract;
  }
  return contract;
}
