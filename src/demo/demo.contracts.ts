import { randomUUID } from 'node:crypto';
import { today } from '../shared/clock';
import {
  Contract,
  ContractArea,
  ContractClause,
  ContractClauseKind,
  ContractParty,
  ContractPartyRole,
  ContractServiceLevel,
  ContractSignature,
  ContractStatus,
  ContractVersion,
  PaymentSchedule,
  ServiceLevelMetric,
  ServiceLevelPeriod,
  type ContractTermsSnapshot,
} from '../modules/contract/contract.entity';
import { Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal, ConsultationStance, ConsultationStatus } from '../modules/consultation/consultation.entity';
import { Relationship, RelationshipType } from '../modules/relationship/relationship.entity';
import { ServiceLevelAssessment } from '../modules/contract/contract.assessment';
import { QualityStandard } from '../modules/quality/quality.entity';
import { periodsBetween } from '../modules/patrol/patrol.compliance';
import type { DemoContext } from './demo.types';

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

type PartySeed = [org: string, role: ContractPartyRole];

interface ContractSeed {
  key: string;
  title: string;
  parties: PartySeed[];
  areas: string[];
  feeMinor: number;
  clauses: [role: ContractPartyRole, kind: ContractClauseKind, text: string][];
  serviceLevels: [metric: ServiceLevelMetric, target: number, period: ServiceLevelPeriod, description: string | null][];
  /** Signing organisation -> demo account that signed (null: signed on paper, no account). */
  signers: Record<string, string | null>;
}

const CONTRACTS: ContractSeed[] = [
  {
    key: 'sanbanqiao-security',
    title: '三板橋社區局部區域安防責任承包契約（保安有償承包）',
    parties: [
      ['rc-sanbanqiao', ContractPartyRole.CLIENT],
      ['rc-sanbanqiao', ContractPartyRole.FUNDER],
      ['security-shashi', ContractPartyRole.PROVIDER],
      ['police-zhongshan', ContractPartyRole.SUPERVISOR],
    ],
    areas: ['c-sanbanqiao'],
    feeMinor: 1_200_000,
    clauses: [
      [ContractPartyRole.PROVIDER, ContractClauseKind.DUTY, '負責承包區域內的治安防範，每日巡邏不少於4次，夜間重點時段加密巡邏。'],
      [ContractPartyRole.PROVIDER, ContractClauseKind.DUTY, '發現可疑情況及時報告派出所，並協助處置。'],
      [ContractPartyRole.CLIENT, ContractClauseKind.DUTY, '按月從社區統一籌集的經費中支付服務費（誰出資誰受益）。'],
      [ContractPartyRole.CLIENT, ContractClauseKind.RIGHT, '服務未達標時可要求整改，連續兩月未達標可暫停契約。'],
      [ContractPartyRole.SUPERVISOR, ContractClauseKind.RIGHT, '制定保安服務質量標準，對服務質量進行監督檢查。'],
    ],
    serviceLevels: [
      [ServiceLevelMetric.PATROLS_PER_DAY, 4, ServiceLevelPeriod.MONTH, '每日完成巡邏不少於4次'],
      [ServiceLevelMetric.CHECKPOINT_COVERAGE, 90, ServiceLevelPeriod.MONTH, '門棟、店鋪等巡查點覆蓋率不低於90%'],
      [ServiceLevelMetric.RESPONSE_MINUTES, 10, ServiceLevelPeriod.MONTH, '接報後10分鐘內到場'],
    ],
    signers: { 'rc-sanbanqiao': 'community-admin', 'security-shashi': 'security-admin', 'police-zhongshan': 'station-admin' },
  },
  {
    key: 'minyi-security',
    title: '民意街社區自籌經費安保隊服務協議',
    parties: [
      ['rc-minyi', ContractPartyRole.FUNDER],
      ['rc-minyi', ContractPartyRole.CLIENT],
      ['patrol-minyi', ContractPartyRole.PROVIDER],
      ['police-minyi', ContractPartyRole.SUPERVISOR],
    ],
    areas: ['c-minyi'],
    feeMinor: 800_000,
    clauses: [
      [ContractPartyRole.FUNDER, ContractClauseKind.DUTY, '安保經費由社區收取、管理和監督，按月發放。'],
      [ContractPartyRole.PROVIDER, ContractClauseKind.DUTY, '安保隊由社區自己組建，負責社區日常巡邏與門崗值守。'],
      [ContractPartyRole.SUPERVISOR, ContractClauseKind.RIGHT, '只對安保隊的具體技術進行業務指導，並對責權利分配進行監督。'],
    ],
    serviceLevels: [
      [ServiceLevelMetric.PATROLS_PER_DAY, 3, ServiceLevelPeriod.MONTH, null],
      [ServiceLevelMetric.CUSTOM, 1, ServiceLevelPeriod.QUARTER, '每季度向居民公開經費收支一次'],
    ],
    signers: { 'rc-minyi': 'minyi-admin', 'patrol-minyi': null, 'police-minyi': null },
  },
];

/**
 * Contracts and consultations: the Sanbanqiao security contract (ACTIVE, supervised by the Zhongshan Road
 * police station), the Minyi Street self-funded security team arrangement (ACTIVE), and one open
 * consultation about extending night patrols (夜間巡邏延長).
 */
export async function seedContracts({ em, ids }: DemoContext): Promise<void> {
  const on = today();
  // Two-year terms signed on 1 January of last month's year: last month always lies in the term, so compliance
  // and the public board have a complete month to show even in January (a term starting this 1 January had none).
  const year = on.slice(5, 7) === '01' ? Number(on.slice(0, 4)) - 1 : Number(on.slice(0, 4));
  const startsOn = `${year}-01-01`;
  const endsOn = `${year + 1}-12-31`;

  for (const seed of CONTRACTS) {
    const id = randomUUID();
    ids[`contract:${seed.key}`] = id;
    const parties = seed.parties.map(([org, role]) => ({ organizationId: ids[`org:${org}`], role }));
    const terms: ContractTermsSnapshot = {
      title: seed.title,
      startsOn,
      endsOn,
      feeMinor: String(seed.feeMinor),
      currency: 'CNY',
      paymentSchedule: PaymentSchedule.MONTHLY,
      parties,
      areaIds: seed.areas.map((a) => ids[`area:${a}`]),
      clauses: seed.clauses.map(([partyRole, kind, text]) => ({ id: randomUUID(), partyRole, kind, text })),
      serviceLevels: seed.serviceLevels.map(([metric, target, period, description]) => ({ id: randomUUID(), metric, target: String(target), period, description })),
    };
    const creator = parties[0].organizationId;
    await em.insert(Contract, {
      id,
      title: terms.title,
      status: ContractStatus.ACTIVE,
      startsOn,
      endsOn,
      feeMinor: terms.feeMinor,
      currency: 'CNY',
      paymentSchedule: PaymentSchedule.MONTHLY,
      currentVersion: 1,
      version: 5,
      createdByOrganizationId: creator,
    });
    await em.insert(ContractParty, parties.map((p) => ({ contractId: id, ...p })));
    await em.insert(ContractArea, terms.areaIds.map((areaId) => ({ contractId: id, areaId })));
    await em.insert(ContractClause, terms.clauses.map((c, position) => ({ ...c, contractId: id, position })));
    await em.insert(ContractServiceLevel, terms.serviceLevels.map((l, position) => ({ ...l, contractId: id, position })));
    const signedAt = new Date(`${startsOn}T02:00:00Z`);
    await em.insert(ContractVersion, { contractId: id, number: 1, snapshot: terms, createdByUserId: ids[`user:${seed.signers[seed.parties[0][0]]}`], proposedAt: signedAt, signedAt });
    await em.insert(
      ContractSignature,
      Object.entries(seed.signers).map(([org, user]) => ({ contractId: id, versionNumber: 1, organizationId: ids[`org:${org}`], signedByUserId: user ? ids[`user:${user}`] : null, signedAt })),
    );
    // The client checks by hand what is not computed: Minyi Street's community discloses the fund's accounts every quarter.
    const custom = terms.serviceLevels.find((l) => l.metric === ServiceLevelMetric.CUSTOM);
    if (custom) {
      const client = parties.find((p) => p.role === ContractPartyRole.CLIENT)!.organizationId;
      const all = periodsBetween(startsOn, endsOn, custom.period);
      // Early in the year no quarter has ended yet; the first one has at least begun.
      const quarters = all.filter((q) => q.endsOn < on).length ? all.filter((q) => q.endsOn < on) : all.slice(0, 1);
      {
        await em.insert(
          ServiceLevelAssessment,
          quarters.map((q) => ({
            contractId: id,
            serviceLevelId: custom.id,
            startsOn: q.startsOn,
            endsOn: q.endsOn,
            met: true,
            achieved: 1,
            note: '季度經費收支已在社區公告欄公開，居民代表簽字確認。',
            assessedByOrganizationId: client,
            assessedByUserId: ids['user:minyi-admin'] ?? null,
            assessedAt: new Date(`${addDays(q.endsOn, 3)}T02:00:00Z`),
          })),
        );
      }
    }
  }

  // The station's quality standard (政府必須牢牢掌控治安服務的質量標準和監督權), adopted by the Sanbanqiao contract,
  // whose client clause lets two months below standard suspend it.
  const standardId = randomUUID();
  ids['qualityStandard:zhongshan'] = standardId;
  await em.insert(QualityStandard, {
    id: standardId,
    organizationId: ids['org:police-zhongshan'],
    areaId: ids['area:st-zhongshan'],
    name: '中山路派出所保安服務質量標準',
    serviceLevels: [
      { metric: ServiceLevelMetric.PATROLS_PER_DAY, target: 4, description: '每日完成巡邏不少於4次' },
      { metric: ServiceLevelMetric.CHECKPOINT_COVERAGE, target: 90, description: '巡查點覆蓋率不低於90%' },
      { metric: ServiceLevelMetric.RESPONSE_MINUTES, target: 10, description: '接報後10分鐘內到場' },
    ],
    minimumResidentRating: 3.5,
    breachMonths: 2,
    createdByUserId: ids['user:station-admin'],
  });
  await em.update(Contract, { id: ids['contract:sanbanqiao-security'] }, { qualityStandardId: standardId, suspendOnQualityBreach: true });

  // The self-funded arrangement is a contract too: the network shows it (Sanbanqiao's relation exists in the foundation).
  await em.insert(Relationship, {
    fromOrganizationId: ids['org:rc-minyi'],
    toOrganizationId: ids['org:patrol-minyi'],
    type: RelationshipType.CONTRACTS_WITH,
    startsOn,
    endsOn,
    note: '契約 (contract): 民意街社區自籌經費安保隊服務協議',
  });

  const consultationId = randomUUID();
  ids['consultation:night-patrols'] = consultationId;
  await em.insert(Consultation, {
    id: consultationId,
    convenerOrganizationId: ids['org:rc-sanbanqiao'],
    question: '是否將三板橋社區夜間巡邏延長至凌晨兩點？（夜間巡邏延長）',
    background: '近一個月社區夜間入室盜竊與電動車被盜報案增多，居民代表提出延長夜間巡邏時段。延長需增加保安人手，相應調整承包費用。',
    closesOn: addDays(on, 14),
    status: ConsultationStatus.OPEN,
    openedByUserId: ids['user:community-admin'],
    version: 4,
  });
  const invitees = ['police-zhongshan', 'security-shashi', 'patrol-volunteers', 'street-office-zhongshan'];
  await em.insert(ConsultationInvitee, invitees.map((org) => ({ consultationId, organizationId: ids[`org:${org}`] })));
  await em.insert(ConsultationPosition, [
    { consultationId, organizationId: ids['org:police-zhongshan'], stance: ConsultationStance.SUPPORT, statement: '夜間是案件高發時段，支持延長，派出所可安排民警帶巡。', statedByUserId: ids['user:station-admin'] },
    { consultationId, organizationId: ids['org:security-shashi'], stance: ConsultationStance.AMEND, statement: '同意延長，但需相應增加人手與費用。', statedByUserId: ids['user:security-admin'] },
  ]);
  await em.insert(ConsultationProposal, {
    consultationId,
    organizationId: ids['org:security-shashi'],
    text: '夜間巡邏延長至凌晨兩點，增派2名保安，每月服務費增加2,000元（200,000分）。',
    proposedByUserId: ids['user:security-admin'],
  });
}
