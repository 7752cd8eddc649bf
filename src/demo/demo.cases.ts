import { randomUUID } from 'node:crypto';
import { hashPassword } from '../shared/auth/password';
import { MemberRole } from '../shared/auth/roles';
import { clock } from '../shared/clock';
import {
  Case,
  CaseCategory,
  CaseChannel,
  CaseEvent,
  CaseEventType,
  CaseEventVisibility,
  CaseFollower,
  CaseSeverity,
  CaseStatus,
  ConstructionClassification,
  ReporterVerdict,
  DisposalClass,
  DisposalPlanPhase,
  FoundHow,
  IllegalConstructionLedgerRecord,
  OPEN_STATUSES,
  isMajorDispute,
} from '../modules/case/case.entity';
import { NEW_DEADLINE_DAYS, addDays, templateFor } from '../modules/case/case.construction';
import { Membership } from '../modules/membership/membership.entity';
import { User } from '../modules/user/user.entity';
import { DEMO_PASSWORD } from './demo.foundation';
import type { DemoContext } from './demo.types';

/** How many cases the demo holds, reported over the last 90 days. */
const CASE_COUNT = 300;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Deterministic pseudo-random numbers (mulberry32), so every demo database holds the same cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
    weighted: <T>(items: readonly [T, number][]): T => {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) if ((r -= w) < 0) return item;
      return items[items.length - 1][0];
    },
  };
}

/** Staff who handle cases in the units the foundation seeds without members (they sign in with the demo password). */
const STAFF: [key: string, name: string, org: string, role: MemberRole][] = [
  ['staff-hongjiatai-1', '吳桂芳', 'rc-hongjiatai', MemberRole.COORDINATOR],
  ['staff-hongjiatai-2', '鄭小東', 'rc-hongjiatai', MemberRole.MEMBER],
  ['staff-jiefang-1', '馮所長', 'police-jiefang', MemberRole.LIAISON_OFFICER],
  ['staff-jiefang-2', '何警官', 'police-jiefang', MemberRole.MEMBER],
  ['staff-bianhe-1', '許文娟', 'rc-bianhe', MemberRole.COORDINATOR],
  ['staff-bianhe-2', '呂建華', 'rc-bianhe', MemberRole.MEMBER],
  ['staff-chongwen-1', '韓所長', 'police-chongwen', MemberRole.LIAISON_OFFICER],
  ['staff-chongwen-2', '曹警官', 'police-chongwen', MemberRole.MEMBER],
  ['staff-bureau-1', '蔣局長', 'bureau-shashi', MemberRole.COORDINATOR],
  ['staff-bureau-2', '沈科長', 'bureau-shashi', MemberRole.MEMBER],
  ['staff-legal-1', '羅律師', 'legal-shashi', MemberRole.COORDINATOR],
  ['staff-legal-2', '謝律師', 'legal-shashi', MemberRole.MEMBER],
];

/** Responsible units with [leader, handler] (demo account or staff keys). */
const UNITS: Record<string, [string, string]> = {
  'police-zhongshan': ['station-admin', 'liaison'],
  'rc-sanbanqiao': ['community-admin', 'community-member'],
  'rc-hongjiatai': ['staff-hongjiatai-1', 'staff-hongjiatai-2'],
  'police-jiefang': ['staff-jiefang-1', 'staff-jiefang-2'],
  'rc-bianhe': ['staff-bianhe-1', 'staff-bianhe-2'],
  'police-chongwen': ['staff-chongwen-1', 'staff-chongwen-2'],
  'bureau-shashi': ['staff-bureau-1', 'staff-bureau-2'],
  'legal-shashi': ['staff-legal-1', 'staff-legal-2'],
};

/** Shashi areas with weight, police unit and resident committee (if it has staff). */
const AREAS: [area: string, weight: number, police: string, committee: string | null][] = [
  ['c-sanbanqiao', 8, 'police-zhongshan', 'rc-sanbanqiao'],
  ['g-sanbanqiao-1', 6, 'police-zhongshan', 'rc-sanbanqiao'],
  ['g-sanbanqiao-2', 5, 'police-zhongshan', 'rc-sanbanqiao'],
  ['c-hongjiatai', 5, 'police-zhongshan', 'rc-hongjiatai'],
  ['g-hongjiatai-1', 4, 'police-zhongshan', 'rc-hongjiatai'],
  ['c-bianhe', 5, 'police-jiefang', 'rc-bianhe'],
  ['g-bianhe-1', 3, 'police-jiefang', 'rc-bianhe'],
  ['c-wenhuagong', 4, 'police-jiefang', null],
  ['c-chongwen', 4, 'police-chongwen', null],
  ['c-shengli', 3, 'police-chongwen', null],
  ['c-chaoyang', 2, 'bureau-shashi', null],
  ['c-lixin', 2, 'bureau-shashi', null],
];

const SLA_BASE: Record<CaseCategory, number> = { PUBLIC_SECURITY: 72, DISPUTE: 168, ILLEGAL_CONSTRUCTION: 720, ENVIRONMENT: 168, LEGAL_AID: 240, SOCIAL_ASSISTANCE: 240, OTHER: 240 };
const SLA_FACTOR: Record<CaseSeverity, number> = { LOW: 2, MEDIUM: 1, HIGH: 0.5, CRITICAL: 0.25 };

const TITLES: Record<CaseCategory, [string, string][]> = {
  PUBLIC_SECURITY: [
    ['車棚電動車被盜', '小區車棚夜間有電動車被盜，監控角度有盲區，請求加強巡邏。'],
    ['可疑人員徘徊', '連續幾晚有陌生人在單元門口徘徊，居民擔心入室盜竊。'],
    ['商鋪門鎖被撬', '臨街商鋪凌晨門鎖被撬，店主已報警，請社區協助排查。'],
    ['路燈損壞夜間昏暗', '巷道路燈損壞多日，夜間行人安全堪憂。'],
    ['樓道消防通道堵塞', '樓道堆放雜物堵塞消防通道，存在火災隱患。'],
  ],
  DISPUTE: [
    ['鄰里噪音糾紛', '樓上住戶深夜噪音擾民，多次協商未果，雙方矛盾激化。'],
    ['停車位爭議', '業主與外來車輛因佔用車位發生爭吵，需要調解。'],
    ['房屋漏水賠償糾紛', '樓上漏水導致樓下天花板受損，雙方就賠償金額爭執不下。'],
    ['拖欠工資糾紛', '裝修工人反映被拖欠工資，與包工頭發生衝突。'],
    ['物業費爭議', '部分業主對物業服務不滿拒交物業費，與物業公司僵持。'],
  ],
  ILLEGAL_CONSTRUCTION: [
    ['樓頂違規加建', '頂樓住戶在樓頂加建彩鋼房，影響樓體安全。'],
    ['佔用綠地搭建棚屋', '一樓住戶佔用公共綠地搭建棚屋。'],
    ['陽台外擴違建', '住戶將陽台向外擴建，突出建築紅線。'],
    ['臨街違規搭建門面', '臨街商戶擅自搭建門面房，佔用人行道。'],
  ],
  ENVIRONMENT: [
    ['垃圾清運不及時', '小區垃圾站滿溢，清運不及時，異味嚴重。'],
    ['餐館油煙擾民', '樓下餐館油煙直排，居民窗戶無法打開。'],
    ['污水外溢', '下水道堵塞，污水外溢到路面。'],
    ['建築垃圾亂倒', '有人夜間在空地傾倒建築垃圾。'],
  ],
  LEGAL_AID: [
    ['勞動合同糾紛諮詢', '居民被單位辭退未獲補償，諮詢如何維權。'],
    ['贍養糾紛法律援助', '老人子女拒絕贍養，申請法律援助。'],
    ['租房押金糾紛', '租客退租後房東拒退押金，請求法律幫助。'],
  ],
  SOCIAL_ASSISTANCE: [
    ['獨居老人需要照護', '獨居老人行動不便，請求社區定期上門探訪。'],
    ['低保申請協助', '下崗職工家庭生活困難，請求協助辦理低保。'],
    ['殘疾人出行困難', '殘疾居民反映無障礙通道損壞，出行困難。'],
  ],
  OTHER: [
    ['井蓋缺失', '人行道井蓋缺失，存在安全隱患。'],
    ['公共健身器材損壞', '小區健身器材損壞，請求維修。'],
    ['共享單車亂停放', '共享單車堆放在小區門口，影響通行。'],
  ],
};

const RESOLUTIONS: Record<CaseCategory, string> = {
  PUBLIC_SECURITY: '已加強夜間巡邏並增設監控，轄區派出所已備案跟進。',
  DISPUTE: '經社區人民調解委員會調解，雙方達成書面協議。',
  ILLEGAL_CONSTRUCTION: '違建已按處置方案拆除，場地已恢復。',
  ENVIRONMENT: '已協調環衛及相關部門處理完畢。',
  LEGAL_AID: '已指派律師提供法律援助，當事人權益已得到維護。',
  SOCIAL_ASSISTANCE: '已落實幫扶措施並建立定期探訪台賬。',
  OTHER: '已通知責任單位處理完畢。',
};

const CATEGORY_WEIGHTS: [CaseCategory, number][] = [
  [CaseCategory.PUBLIC_SECURITY, 26],
  [CaseCategory.DISPUTE, 22],
  [CaseCategory.ILLEGAL_CONSTRUCTION, 14],
  [CaseCategory.ENVIRONMENT, 16],
  [CaseCategory.LEGAL_AID, 7],
  [CaseCategory.SOCIAL_ASSISTANCE, 8],
  [CaseCategory.OTHER, 7],
];

const CHANNELS_BY_CATEGORY: Record<CaseCategory, [CaseChannel, number][]> = {
  PUBLIC_SECURITY: [[CaseChannel.PATROL, 5], [CaseChannel.HOTLINE, 4], [CaseChannel.MOBILE_APP, 3], [CaseChannel.WECHAT, 2], [CaseChannel.WALK_IN, 1], [CaseChannel.GRID_INSPECTION, 2]],
  DISPUTE: [[CaseChannel.WALK_IN, 4], [CaseChannel.HOTLINE, 4], [CaseChannel.WECHAT, 3], [CaseChannel.MAILBOX, 2], [CaseChannel.GRID_INSPECTION, 2], [CaseChannel.MOBILE_APP, 2]],
  ILLEGAL_CONSTRUCTION: [[CaseChannel.GRID_INSPECTION, 4], [CaseChannel.DRONE, 4], [CaseChannel.URBAN_PLATFORM, 4], [CaseChannel.MAILBOX, 1], [CaseChannel.HOTLINE, 1], [CaseChannel.MOBILE_APP, 1], [CaseChannel.WECHAT, 1]],
  ENVIRONMENT: [[CaseChannel.URBAN_PLATFORM, 4], [CaseChannel.MOBILE_APP, 3], [CaseChannel.WECHAT, 3], [CaseChannel.HOTLINE, 2], [CaseChannel.GRID_INSPECTION, 2], [CaseChannel.DRONE, 1]],
  LEGAL_AID: [[CaseChannel.WALK_IN, 4], [CaseChannel.HOTLINE, 3], [CaseChannel.MAILBOX, 2], [CaseChannel.WECHAT, 1]],
  SOCIAL_ASSISTANCE: [[CaseChannel.WALK_IN, 3], [CaseChannel.GRID_INSPECTION, 3], [CaseChannel.HOTLINE, 2], [CaseChannel.MOBILE_APP, 1]],
  OTHER: [[CaseChannel.MOBILE_APP, 3], [CaseChannel.URBAN_PLATFORM, 3], [CaseChannel.WECHAT, 2], [CaseChannel.MAILBOX, 1]],
};

const FOUND_HOW: Partial<Record<CaseChannel, FoundHow>> = {
  GRID_INSPECTION: FoundHow.GRID_INSPECTION,
  DRONE: FoundHow.DRONE,
  URBAN_PLATFORM: FoundHow.URBAN_PLATFORM,
  PATROL: FoundHow.PATROL,
};

const PUBLIC_STEPS = new Set<CaseEventType>([CaseEventType.REPORTED, CaseEventType.TRIAGED, CaseEventType.STARTED, CaseEventType.RESOLVED, CaseEventType.CLOSED, CaseEventType.SUPERVISED, CaseEventType.MERGED]);

const yearOf = (d: Date) => Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(d));
const dateOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

async function insertChunked<T>(ctx: DemoContext, entity: new () => T, rows: T[], size = 200): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await ctx.em.insert(entity, rows.slice(i, i + size) as never);
}

/**
 * About 300 cases of every category and channel over the last three months
 * in Shashi's communities and grids, walked through their lifecycle with a
 * timeline; some overdue (escalated), some under public supervision, a few
 * merged duplicates, and an illegal-construction ledger with phased plans.
 */
export async function seedCases(ctx: DemoContext): Promise<void> {
  const { em, ids } = ctx;
  const rnd = prng(20261126);
  const now = clock.now();

  // Staff for the units that handle cases.
  const hash = await hashPassword(DEMO_PASSWORD);
  for (const [key, name, org, role] of STAFF) {
    const id = randomUUID();
    ids[`user:${key}`] = id;
    await em.insert(User, { id, email: `${key.replace(/-/g, '.')}@gongzhi.demo`, displayName: name, passwordHash: hash, isPlatformAdmin: false });
    await em.insert(Membership, { userId: id, organizationId: ids[`org:${org}`], role });
  }
  await em.query(`INSERT INTO case_reference_prefix (area_id, prefix) VALUES ($1, 'SHASHI') ON CONFLICT (area_id) DO UPDATE SET prefix = EXCLUDED.prefix`, [ids['area:shashi']]);

  const areaWeights = AREAS.map((a) => [a, a[1]] as [typeof a, number]);
  const reportedTimes = Array.from({ length: CASE_COUNT }, () => new Date(now.getTime() - rnd.next() * 90 * DAY)).sort((a, b) => a.getTime() - b.getTime());
  const sequences = new Map<number, number>();

  const cases: Case[] = [];
  const events: Partial<CaseEvent>[] = [];
  const ledgers: Partial<IllegalConstructionLedgerRecord>[] = [];
  const phases: Partial<DisposalPlanPhase>[] = [];
  const residentId = ids['user:resident'];
  const at = (t: number) => new Date(Math.round(t));

  for (let n = 0; n < CASE_COUNT; n++) {
    const reportedAt = reportedTimes[n];
    const [areaKey, , police, committee] = rnd.weighted(areaWeights);
    const category = rnd.weighted(CATEGORY_WEIGHTS);
    const channel = rnd.weighted(CHANNELS_BY_CATEGORY[category]);
    const severity = rnd.weighted<CaseSeverity>([[CaseSeverity.LOW, 3], [CaseSeverity.MEDIUM, 5], [CaseSeverity.HIGH, 2], [CaseSeverity.CRITICAL, category === CaseCategory.PUBLIC_SECURITY ? 1 : 0.4]]);
    const [title, description] = rnd.pick(TITLES[category]);
    const year = yearOf(reportedAt);
    const number = (sequences.get(year) ?? 0) + 1;
    sequences.set(year, number);
    const id = randomUUID();
    const people = [CaseChannel.HOTLINE, CaseChannel.MAILBOX, CaseChannel.MOBILE_APP, CaseChannel.WECHAT, CaseChannel.WALK_IN].includes(channel);
    const named = people && rnd.chance(0.45);
    const dueHours = SLA_BASE[category] * SLA_FACTOR[severity];
    let dueAt = at(reportedAt.getTime() + dueHours * HOUR);

    const unit = category === CaseCategory.PUBLIC_SECURITY ? police : category === CaseCategory.LEGAL_AID ? 'legal-shashi' : (committee ?? police);
    const [leaderKey, handlerKey] = UNITS[unit];
    const record: Partial<Case> = {
      id,
      reference: `SHASHI-${year}-${String(number).padStart(6, '0')}`,
      category,
      channel,
      severity,
      status: CaseStatus.REPORTED,
      title,
      description,
      areaId: ids[`area:${areaKey}`],
      latitude: Math.round((30.3 + (rnd.next() - 0.5) * 0.06) * 1e6) / 1e6,
      longitude: Math.round((112.25 + (rnd.next() - 0.5) * 0.08) * 1e6) / 1e6,
      address: null,
      reporterUserId: named ? residentId : null,
      reporterOrganizationId: null,
      reporterContact: people && !named && rnd.chance(0.6) ? `139${String(rnd.int(10000000, 99999999))}` : null,
      recordedByUserId: null,
      recordedByClientId: null,
      externalSource: channel === CaseChannel.URBAN_PLATFORM ? 'demo:szcg' : null,
      externalId: channel === CaseChannel.URBAN_PLATFORM ? `SZCG-${year}-${String(number).padStart(5, '0')}` : null,
      patrolId: null,
      responsibleOrganizationId: null,
      leaderUserId: null,
      handlerUserId: null,
      supervisingOrganizationId: null,
      supervisedAt: null,
      escalatedAt: null,
      reportedAt,
      triagedAt: null,
      assignedAt: null,
      startedAt: null,
      resolvedAt: null,
      closedAt: null,
      resolution: null,
      satisfaction: null,
      mergedIntoId: null,
      attachments: [CaseChannel.DRONE, CaseChannel.MOBILE_APP, CaseChannel.WECHAT].includes(channel) && rnd.chance(0.6)
        ? [{ url: `https://files.gongzhi.demo/cases/${year}/${number}.jpg`, mediaType: 'image/jpeg' }]
        : [],
      version: 1,
      createdAt: reportedAt,
    };
    const step = (type: CaseEventType, t: Date, status: CaseStatus, body: string | null = null, data: Record<string, unknown> = {}, actor: string | null = null) =>
      events.push({ caseId: id, type, visibility: PUBLIC_STEPS.has(type) ? CaseEventVisibility.PUBLIC : CaseEventVisibility.INTERNAL, actorUserId: actor, actorClientId: null, body, data, statusAfter: status, occurredAt: t });
    step(CaseEventType.REPORTED, reportedAt, CaseStatus.REPORTED, null, { channel, category, severity }, record.reporterUserId ?? null);

    // Each stage happens unless the case stalls there (stalled cases pile up as overdue).
    const stall = () => rnd.chance(0.07);
    let t = reportedAt.getTime();
    const reached = (next: number) => next <= now.getTime();
    const leader = ids[`user:${leaderKey}`];
    const handler = ids[`user:${handlerKey}`];
    const dispatcher = ids[`user:${UNITS[police][0]}`];

    let status = CaseStatus.REPORTED;
    const major = isMajorDispute(category, severity);
    const triageAt = t + rnd.int(1, 12) * HOUR;
    if (!stall() && reached(triageAt)) {
      t = triageAt;
      status = major ? CaseStatus.ASSIGNED : CaseStatus.TRIAGED;
      Object.assign(record, { status, triagedAt: at(t) });
      step(CaseEventType.TRIAGED, at(t), status, null, { category, severity, dueAt: dueAt.toISOString() }, dispatcher);
      if (major) {
        Object.assign(record, { responsibleOrganizationId: ids[`org:${unit}`], leaderUserId: leader, handlerUserId: handler, assignedAt: at(t) });
        step(CaseEventType.ASSIGNED, at(t), status, null, { responsibleOrganizationId: ids[`org:${unit}`], leaderUserId: leader, handlerUserId: handler }, dispatcher);
      }
      // 選擇部分典型案件公開掛牌督辦: some typical cases, about one in ten of all (the same draw as before, so nothing else moves).
      if ((major || category === CaseCategory.ILLEGAL_CONSTRUCTION) && rnd.chance(0.62)) {
        const supervisor = areaKey.includes('sanbanqiao') || areaKey.includes('hongjiatai') ? 'street-office-zhongshan' : 'bureau-shashi';
        Object.assign(record, { supervisingOrganizationId: ids[`org:${supervisor}`], supervisedAt: at(t + HOUR) });
        step(CaseEventType.SUPERVISED, at(t + HOUR), status, '列入掛牌督辦', { supervisingOrganizationId: ids[`org:${supervisor}`] }, dispatcher);
      }
      if (category === CaseCategory.ILLEGAL_CONSTRUCTION) {
        const foundHow = FOUND_HOW[channel] ?? FoundHow.RESIDENT_REPORT;
        const ledger: Partial<IllegalConstructionLedgerRecord> = {
          caseId: id,
          structureType: title.includes('彩鋼') || title.includes('樓頂') ? '樓頂彩鋼房' : title.includes('棚屋') ? '簡易棚屋' : title.includes('陽台') ? '陽台外擴' : '臨街門面房',
          floorAreaM2: rnd.int(600, 24000) / 100,
          discoveredBy: foundHow === FoundHow.DRONE ? '區城管局無人機巡查' : foundHow === FoundHow.GRID_INSPECTION ? '網格員巡查' : foundHow === FoundHow.URBAN_PLATFORM ? '數字城管平台' : '居民舉報',
          foundHow,
          classification: rnd.weighted([[ConstructionClassification.NEW, 5], [ConstructionClassification.EXISTING, 3], [ConstructionClassification.HISTORICAL, 2]]),
          safetyHazard: rnd.chance(0.35),
          version: 1,
          createdAt: at(t),
          updatedAt: at(t),
        };
        // 分類處置: a hazard is demolished without fail; other old structures by class (no extra draw, so the rest of the data stays as it was).
        ledger.disposalClass =
          ledger.classification === ConstructionClassification.NEW
            ? null
            : ledger.safetyHazard
              ? DisposalClass.DEMOLISH_HAZARD
              : ledger.classification === ConstructionClassification.EXISTING
                ? DisposalClass.DEMOLISH_PRIORITY
                : [DisposalClass.DEMOLISH_PRIORITY, DisposalClass.RECTIFY, DisposalClass.CONFISCATE][number % 3];
        ledgers.push(ledger);
        // New building is stopped at once and removed quickly: its case is due with the plan's last step at the latest.
        if (ledger.classification === ConstructionClassification.NEW) {
          const planDue = new Date(`${addDays(dateOf(at(t)), NEW_DEADLINE_DAYS)}T23:59:59.999+08:00`);
          if (planDue < dueAt) dueAt = planDue;
        }
        step(CaseEventType.LEDGER_RECORDED, at(t), status, null, {}, dispatcher);
      }
    }
    if (status === CaseStatus.TRIAGED) {
      const assignAt = t + rnd.int(1, 24) * HOUR;
      if (!stall() && reached(assignAt)) {
        t = assignAt;
        status = CaseStatus.ASSIGNED;
        Object.assign(record, { status, responsibleOrganizationId: ids[`org:${unit}`], leaderUserId: leader, handlerUserId: handler, assignedAt: at(t) });
        step(CaseEventType.ASSIGNED, at(t), status, null, { responsibleOrganizationId: ids[`org:${unit}`], leaderUserId: leader, handlerUserId: handler }, dispatcher);
      }
    }
    if (status === CaseStatus.ASSIGNED) {
      const startAt = t + rnd.int(1, 24) * HOUR;
      if (!stall() && reached(startAt)) {
        t = startAt;
        status = CaseStatus.IN_PROGRESS;
        Object.assign(record, { status, startedAt: at(t) });
        step(CaseEventType.STARTED, at(t), status, null, {}, handler);
        if (rnd.chance(0.4)) step(CaseEventType.COMMENTED, at(t + 2 * HOUR), status, '已上門了解情況，正在協調處理。', {}, handler);
      }
    }
    if (category === CaseCategory.ILLEGAL_CONSTRUCTION && record.triagedAt) {
      // The plan of the construction's track (NEW, or its disposal class), as caseLedgerSet sets it.
      const ledger = ledgers[ledgers.length - 1];
      const plan = templateFor(ledger.classification!, ledger.disposalClass ?? null)!;
      const from = dateOf(record.triagedAt);
      plan.forEach((p, i) => phases.push({ id: randomUUID(), caseId: id, ordinal: i + 1, kind: p.kind, title: p.title, dueOn: addDays(from, p.days), completedOn: null, note: null }));
      step(CaseEventType.PLAN_SET, at(record.triagedAt.getTime()), status, null, { phases: plan.length, track: ledger.disposalClass ?? ledger.classification }, dispatcher);
    }
    if (status === CaseStatus.IN_PROGRESS) {
      const resolveAt = t + dueHours * HOUR * (0.15 + rnd.next() * 1.1);
      if (!stall() && reached(resolveAt)) {
        t = resolveAt;
        status = CaseStatus.RESOLVED;
        Object.assign(record, { status, resolvedAt: at(t), resolution: RESOLUTIONS[category] });
        step(CaseEventType.RESOLVED, at(t), status, RESOLUTIONS[category], {}, handler);
      }
    }
    if (status === CaseStatus.RESOLVED) {
      const closeAt = t + rnd.int(2, 72) * HOUR;
      if (reached(closeAt) && rnd.chance(0.9)) {
        t = closeAt;
        status = CaseStatus.CLOSED;
        Object.assign(record, { status, closedAt: at(t) });
        step(CaseEventType.CLOSED, at(t), status, null, {}, dispatcher);
        // Only a named reporter can rate (caseFeedback); most of them do, within a couple of days.
        const feedbackAt = t + rnd.int(1, 48) * HOUR;
        if (record.reporterUserId && reached(feedbackAt) && rnd.chance(0.7)) {
          const rating = rnd.weighted([[5, 5], [4, 4], [3, 2], [2, 1], [1, 0.5]]);
          const verdict = rating >= 3 ? ReporterVerdict.CONFIRMED : ReporterVerdict.DISPUTED;
          Object.assign(record, { satisfaction: rating, reporterVerdict: verdict, reporterFeedbackAt: at(feedbackAt) });
          events.push({ caseId: id, type: CaseEventType.FEEDBACK, visibility: CaseEventVisibility.PUBLIC, actorUserId: record.reporterUserId, actorClientId: null, body: null, data: { verdict, rating, reopen: false }, statusAfter: status, occurredAt: at(feedbackAt) });
        }
      }
    }
    // Disposal phases done so far.
    if (category === CaseCategory.ILLEGAL_CONSTRUCTION) {
      const own = phases.filter((p) => p.caseId === id);
      const done = status === CaseStatus.RESOLVED || status === CaseStatus.CLOSED ? own.length : status === CaseStatus.IN_PROGRESS ? rnd.int(0, own.length - 1) : 0;
      own.slice(0, done).forEach((p, i) => {
        const completed = Math.min(now.getTime(), (record.startedAt?.getTime() ?? now.getTime()) + (i + 1) * 5 * DAY, record.resolvedAt?.getTime() ?? Infinity);
        p.completedOn = dateOf(at(completed));
        step(CaseEventType.PHASE_COMPLETED, at(completed), status, null, { ordinal: p.ordinal, title: p.title }, handler);
      });
    }
    // Past due while open (or resolved late): escalated once, as the scheduled job would have.
    const openUntil = record.resolvedAt?.getTime() ?? now.getTime();
    if (dueAt.getTime() + 5 * 60_000 < openUntil) {
      const escalatedAt = at(dueAt.getTime() + 5 * 60_000);
      record.escalatedAt = escalatedAt;
      const before = (d: Date | null | undefined) => !!d && d <= escalatedAt;
      const statusThen = before(record.startedAt) ? CaseStatus.IN_PROGRESS : before(record.assignedAt) ? CaseStatus.ASSIGNED : before(record.triagedAt) ? CaseStatus.TRIAGED : CaseStatus.REPORTED;
      step(CaseEventType.ESCALATED, escalatedAt, statusThen, null, { dueAt: dueAt.toISOString(), leaderUserId: record.leaderUserId, supervisingOrganizationId: record.supervisingOrganizationId });
    }
    dueAt = at(dueAt.getTime());
    record.dueAt = dueAt;
    record.updatedAt = at(Math.max(t, reportedAt.getTime()));
    cases.push(em.create(Case, record));
    if (n < 3) ids[`case:${n + 1}`] = id;
  }

  // A few duplicates, reported shortly after an open case in the same area, merged into it.
  const followers: Partial<CaseFollower>[] = [];
  let merged = 0;
  for (let i = cases.length - 1; i > 0 && merged < 4; i--) {
    const original = cases[i];
    if (!OPEN_STATUSES.includes(original.status)) continue;
    const duplicate = cases.find((c) => c !== original && c.status === CaseStatus.REPORTED && c.areaId === original.areaId && c.reportedAt > original.reportedAt && !c.mergedIntoId);
    if (!duplicate) continue;
    const mergedAt = at(Math.min(now.getTime(), duplicate.reportedAt.getTime() + 2 * HOUR));
    Object.assign(duplicate, { status: CaseStatus.CLOSED, closedAt: mergedAt, mergedIntoId: original.id, escalatedAt: null, category: original.category, title: original.title });
    // Keep the duplicate's timeline to its report and the merge.
    for (let e = events.length - 1; e >= 0; e--) if (events[e].caseId === duplicate.id && events[e].type !== CaseEventType.REPORTED) events.splice(e, 1);
    events.push({ caseId: duplicate.id, type: CaseEventType.MERGED, visibility: CaseEventVisibility.PUBLIC, actorUserId: null, actorClientId: null, body: null, data: { originalId: original.id, originalReference: original.reference }, statusAfter: CaseStatus.CLOSED, occurredAt: mergedAt });
    events.push({ caseId: original.id, type: CaseEventType.DUPLICATE_MERGED, visibility: CaseEventVisibility.INTERNAL, actorUserId: null, actorClientId: null, body: null, data: { duplicateId: duplicate.id, duplicateReference: duplicate.reference }, statusAfter: original.status, occurredAt: mergedAt });
    if (duplicate.reporterUserId) followers.push({ caseId: original.id, fromCaseId: duplicate.id, userId: duplicate.reporterUserId, organizationId: null });
    merged++;
  }

  // The joint meeting's finding: grid inspection found 12 stairwell structures (樓道違章搭建), 9 of them in 洪家台;
  // the station and the communities have them rectified in batches (EXISTING, RECTIFY), each in the ledger.
  const stairwellFound = at(now.getTime() - 25 * DAY);
  for (let i = 0; i < 12; i++) {
    const inHongjiatai = i < 9;
    const year = yearOf(stairwellFound);
    const number = (sequences.get(year) ?? 0) + 1;
    sequences.set(year, number);
    const id = randomUUID();
    const reportedAt = at(stairwellFound.getTime() + i * 20 * 60_000);
    const triagedAt = at(reportedAt.getTime() + 2 * HOUR);
    const plan = templateFor(ConstructionClassification.EXISTING, DisposalClass.RECTIFY)!;
    const from = dateOf(triagedAt);
    const dueAt = new Date(`${addDays(from, plan[plan.length - 1].days)}T23:59:59.999+08:00`);
    const building = inHongjiatai ? `洪家台社區${Math.floor(i / 3) + 1}棟${(i % 3) + 1}單元` : `三板橋社區${i - 8}棟1單元`;
    cases.push(em.create(Case, {
      id,
      reference: `SHASHI-${year}-${String(number).padStart(6, '0')}`,
      category: CaseCategory.ILLEGAL_CONSTRUCTION,
      channel: CaseChannel.GRID_INSPECTION,
      severity: CaseSeverity.MEDIUM,
      status: CaseStatus.ASSIGNED,
      title: `樓道違章搭建：${building}`,
      description: `網格巡查發現${building}樓道內違章搭建隔斷和雜物間。聯席會議決定由派出所會同社區分批督促整改，逾期未改的移交城管。`,
      areaId: ids[inHongjiatai ? 'area:g-hongjiatai-1' : 'area:g-sanbanqiao-1'],
      latitude: null,
      longitude: null,
      address: building,
      reporterUserId: null,
      reporterOrganizationId: null,
      reporterContact: null,
      recordedByUserId: ids['user:liaison'],
      recordedByClientId: null,
      externalSource: null,
      externalId: null,
      patrolId: null,
      responsibleOrganizationId: ids['org:police-zhongshan'],
      leaderUserId: ids['user:station-admin'],
      handlerUserId: ids['user:liaison'],
      supervisingOrganizationId: null,
      supervisedAt: null,
      dueAt,
      escalatedAt: null,
      reportedAt,
      triagedAt,
      assignedAt: triagedAt,
      startedAt: null,
      resolvedAt: null,
      closedAt: null,
      resolution: null,
      satisfaction: null,
      mergedIntoId: null,
      attachments: [],
      version: 1,
      createdAt: reportedAt,
      updatedAt: triagedAt,
    }));
    const liaison = ids['user:liaison'];
    const push = (type: CaseEventType, t: Date, status: CaseStatus, data: Record<string, unknown> = {}) =>
      events.push({ caseId: id, type, visibility: PUBLIC_STEPS.has(type) ? CaseEventVisibility.PUBLIC : CaseEventVisibility.INTERNAL, actorUserId: liaison, actorClientId: null, body: null, data, statusAfter: status, occurredAt: t });
    push(CaseEventType.REPORTED, reportedAt, CaseStatus.REPORTED, { channel: CaseChannel.GRID_INSPECTION, category: CaseCategory.ILLEGAL_CONSTRUCTION, severity: CaseSeverity.MEDIUM });
    push(CaseEventType.TRIAGED, triagedAt, CaseStatus.TRIAGED, { dueAt: dueAt.toISOString() });
    push(CaseEventType.ASSIGNED, triagedAt, CaseStatus.ASSIGNED, { responsibleOrganizationId: ids['org:police-zhongshan'], leaderUserId: ids['user:station-admin'], handlerUserId: liaison });
    push(CaseEventType.LEDGER_RECORDED, triagedAt, CaseStatus.ASSIGNED);
    push(CaseEventType.PLAN_SET, triagedAt, CaseStatus.ASSIGNED, { phases: plan.length, track: DisposalClass.RECTIFY });
    ledgers.push({
      caseId: id,
      structureType: '樓道違章搭建（隔斷、雜物間）',
      floorAreaM2: 3 + (i % 4) * 1.5,
      discoveredBy: '網格員巡查',
      foundHow: FoundHow.GRID_INSPECTION,
      classification: ConstructionClassification.EXISTING,
      disposalClass: DisposalClass.RECTIFY,
      safetyHazard: false,
      version: 1,
      createdAt: triagedAt,
      updatedAt: triagedAt,
    });
    plan.forEach((p, k) => phases.push({ id: randomUUID(), caseId: id, ordinal: k + 1, kind: p.kind, title: p.title, dueOn: addDays(from, p.days), completedOn: null, note: null }));
  }

  await insertChunked(ctx, Case, cases);
  events.sort((a, b) => a.occurredAt!.getTime() - b.occurredAt!.getTime());
  await insertChunked(ctx, CaseEvent, events as CaseEvent[], 500);
  if (followers.length) await insertChunked(ctx, CaseFollower, followers as CaseFollower[]);
  await insertChunked(ctx, IllegalConstructionLedgerRecord, ledgers as IllegalConstructionLedgerRecord[]);
  await insertChunked(ctx, DisposalPlanPhase, phases as DisposalPlanPhase[]);
  for (const [year, last] of sequences) {
    await em.query(
      `INSERT INTO case_sequence (prefix, year, last_value) VALUES ('SHASHI', $1, $2) ON CONFLICT (prefix, year) DO UPDATE SET last_value = GREATEST(case_sequence.last_value, EXCLUDED.last_value)`,
      [year, last],
    );
  }
  ctx.log.info({ cases: cases.length, events: events.length, ledger: ledgers.length, merged }, 'demo cases loaded');
}
