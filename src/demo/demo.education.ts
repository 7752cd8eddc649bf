import { randomUUID } from 'node:crypto';
import { clock } from '../shared/clock';
import { LegalDay, LegalEducationActivity, LegalEducationAudience, LegalEducationCase, LegalEducationForm, LegalEducationPlan, LegalEducationStatus } from '../modules/legal-education/legal-education.entity';
import { LegalConsultation, LegalConsultationOutcome, LegalServiceDuty, LegalServiceRoom } from '../modules/legal-education/legal-service.entity';
import { CaseCategory } from '../modules/case/case.entity';
import type { DemoContext } from './demo.types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 09:00 China Standard Time on a month and day of a year. */
const cst = (year: number, month: number, day: number, hour = 9) => new Date(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`);

type Seed = {
  key: string;
  org: string;
  form: LegalEducationForm;
  topic: string;
  laws: string[];
  day: LegalDay | null;
  category: CaseCategory | null;
  area: string;
  venue: string;
  at: Date;
  audience: LegalEducationAudience[];
  report?: { attendance: number; materials: number; questions: number; text: string; cases?: number };
};

/**
 * Shashi's legal education (普法) as the seed describes it: each enforcing
 * body explains its own law (誰執法誰普法) on the legal days (3.15, 6.25,
 * 7.1, 12.4), with face-to-face lectures explaining real cases (以案釋法),
 * consultation desks, exhibition windows, market-day stalls and school
 * classes whose children take the law home (孩子帶法回家). The coming
 * 12.4's activities are still ahead; the rest are held and reported. The
 * police station has an annual plan; 三板橋 runs a community legal-service
 * room with the district legal-aid centre's lawyers on duty.
 */
export async function seedEducation({ em, ids }: DemoContext): Promise<void> {
  const now = clock.now();
  const year = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
  // The coming 12.4 is planned and the one before it held: from 5 December on, that is next year's and this year's.
  const nextConstitutionYear = cst(year, 12, 4, 13) > now ? year : year + 1;
  const last = nextConstitutionYear - 1;
  const burglaries: { id: string }[] = await em.query(
    `SELECT c.id FROM case_record c JOIN area a ON a.id = c.area_id, area p
      WHERE p.id = $1 AND a.path LIKE p.path || '%' AND c.category = 'PUBLIC_SECURITY' AND c.merged_into_id IS NULL ORDER BY c.reported_at LIMIT 3`,
    [ids['area:st-zhongshan']],
  );
  const disputes: { id: string }[] = await em.query(
    `SELECT c.id FROM case_record c JOIN area a ON a.id = c.area_id, area p
      WHERE p.id = $1 AND a.path LIKE p.path || '%' AND c.category = 'DISPUTE' AND c.merged_into_id IS NULL ORDER BY c.reported_at LIMIT 2`,
    [ids['area:st-zhongshan']],
  );
  const seeds: Seed[] = [
    { key: 'constitution-last', org: 'legal-shashi', form: LegalEducationForm.CONSULTATION_DESK, topic: '國家憲法日法治宣傳咨詢', laws: ['《中華人民共和國憲法》'], day: LegalDay.CONSTITUTION_DAY, category: null, area: 'st-zhongshan', venue: '中山路步行街廣場', at: cst(last, 12, 4), audience: [LegalEducationAudience.RESIDENTS], report: { attendance: 420, materials: 1500, questions: 36, text: '設咨詢臺、展板，發放宣傳單和小手冊，解答群眾法律問題。' } },
    { key: 'consumer', org: 'street-office-zhongshan', form: LegalEducationForm.MARKET_DAY_STALL, topic: '3.15消費者權益保護', laws: ['《中華人民共和國消費者權益保護法》'], day: LegalDay.CONSUMER_RIGHTS_DAY, category: CaseCategory.DISPUTE, area: 'c-sanbanqiao', venue: '三板橋農貿市場', at: cst(year, 3, 15), audience: [LegalEducationAudience.RESIDENTS, LegalEducationAudience.MERCHANTS], report: { attendance: 260, materials: 800, questions: 21, text: '利用趕集日擺攤，現場解答消費糾紛。' } },
    { key: 'land', org: 'street-office-zhongshan', form: LegalEducationForm.EXHIBITION_WINDOW, topic: '6.25全國土地日：違法建設的危害', laws: ['《中華人民共和國土地管理法》', '《中華人民共和國城鄉規劃法》'], day: LegalDay.LAND_DAY, category: CaseCategory.ILLEGAL_CONSTRUCTION, area: 'c-hongjiatai', venue: '洪家台社區宣傳櫥窗', at: cst(year, 6, 25), audience: [LegalEducationAudience.RESIDENTS], report: { attendance: 180, materials: 300, questions: 8, text: '宣傳櫥窗、掛圖與展板一週。' } },
    { key: 'party', org: 'rc-sanbanqiao', form: LegalEducationForm.LECTURE, topic: '七一黨員學法：基層干部依法辦事', laws: ['《中華人民共和國村民委員會組織法》', '《中華人民共和國城市居民委員會組織法》'], day: LegalDay.PARTY_FOUNDING_DAY, category: null, area: 'c-sanbanqiao', venue: '三板橋社區黨群服務中心', at: cst(year, 7, 1, 15), audience: [LegalEducationAudience.CADRES], report: { attendance: 45, materials: 60, questions: 10, text: '基層干部學法，提高依法辦事能力。' } },
    { key: 'burglary', org: 'police-zhongshan', form: LegalEducationForm.LECTURE, topic: '以案釋法：防範入室盜竊', laws: ['《中華人民共和國治安管理處罰法》', '《中華人民共和國刑法》'], day: null, category: CaseCategory.PUBLIC_SECURITY, area: 'c-sanbanqiao', venue: '三板橋社區居民學校', at: new Date(now.getTime() - 40 * DAY), audience: [LegalEducationAudience.RESIDENTS, LegalEducationAudience.ELDERLY], report: { attendance: 120, materials: 400, questions: 15, text: '民警結合轄區近期入室盜竊案例，講解防範要點。', cases: 3 } },
    { key: 'school', org: 'police-zhongshan', form: LegalEducationForm.SCHOOL_CLASS, topic: '孩子帶法回家：防詐騙、防盜竊', laws: ['《中華人民共和國未成年人保護法》', '《中華人民共和國治安管理處罰法》'], day: null, category: CaseCategory.PUBLIC_SECURITY, area: 'c-hongjiatai', venue: '洪家台小學', at: new Date(now.getTime() - 25 * DAY), audience: [LegalEducationAudience.STUDENTS, LegalEducationAudience.PARENTS], report: { attendance: 310, materials: 310, questions: 12, text: '每名學生帶一份家庭法治小手冊回家，由家長簽收。' } },
    { key: 'dispute', org: 'legal-shashi', form: LegalEducationForm.LECTURE, topic: '以案釋法：鄰里糾紛依法化解', laws: ['《中華人民共和國民法典》', '《中華人民共和國人民調解法》'], day: null, category: CaseCategory.DISPUTE, area: 'c-sanbanqiao', venue: '三板橋社區公共法律服務工作室', at: new Date(now.getTime() - 12 * DAY), audience: [LegalEducationAudience.RESIDENTS], report: { attendance: 70, materials: 150, questions: 18, text: '結合本社區調處的糾紛，講解依法維權途徑。', cases: 2 } },
    { key: 'online', org: 'bureau-shashi', form: LegalEducationForm.ONLINE, topic: '防範電信網絡詐騙', laws: ['《中華人民共和國反電信網絡詐騙法》'], day: null, category: CaseCategory.PUBLIC_SECURITY, area: 'shashi', venue: '沙市公安微信公眾號、手機報', at: new Date(now.getTime() - 8 * DAY), audience: [LegalEducationAudience.RESIDENTS, LegalEducationAudience.ELDERLY], report: { attendance: 5600, materials: 0, questions: 40, text: '推送以案說法文章三篇。' } },
    { key: 'constitution', org: 'legal-shashi', form: LegalEducationForm.CONSULTATION_DESK, topic: '12.4國家憲法日：尊法學法守法用法', laws: ['《中華人民共和國憲法》'], day: LegalDay.CONSTITUTION_DAY, category: null, area: 'st-zhongshan', venue: '中山路步行街廣場', at: cst(nextConstitutionYear, 12, 4), audience: [LegalEducationAudience.RESIDENTS] },
    { key: 'constitution-police', org: 'police-zhongshan', form: LegalEducationForm.MARKET_DAY_STALL, topic: '12.4法制宣傳日：治安防範進社區', laws: ['《中華人民共和國治安管理處罰法》'], day: LegalDay.CONSTITUTION_DAY, category: CaseCategory.PUBLIC_SECURITY, area: 'c-sanbanqiao', venue: '三板橋農貿市場', at: cst(nextConstitutionYear, 12, 4, 10), audience: [LegalEducationAudience.RESIDENTS, LegalEducationAudience.MERCHANTS] },
  ];
  for (const s of seeds) {
    const id = randomUUID();
    ids[`activity:${s.key}`] = id;
    // Only what has begun is reported; anything ahead of now stays planned.
    const held = s.report && s.at < now;
    await em.insert(LegalEducationActivity, {
      id,
      organizerOrganizationId: ids[`org:${s.org}`],
      form: s.form,
      topic: s.topic,
      laws: s.laws,
      legalDay: s.day,
      caseCategory: s.category,
      areaId: ids[`area:${s.area}`],
      venue: s.venue,
      startsAt: s.at,
      endsAt: new Date(s.at.getTime() + 3 * HOUR),
      audienceGroups: s.audience,
      status: held ? LegalEducationStatus.HELD : LegalEducationStatus.PLANNED,
      attendance: held ? s.report!.attendance : null,
      materialsHandedOut: held ? s.report!.materials : null,
      questionsAnswered: held ? s.report!.questions : null,
      report: held ? s.report!.text : null,
      createdAt: new Date(s.at.getTime() - 14 * DAY),
    });
    const explained = held && s.report!.cases ? (s.category === CaseCategory.DISPUTE ? disputes : burglaries).slice(0, s.report!.cases) : [];
    if (explained.length) await em.insert(LegalEducationCase, explained.map((c) => ({ activityId: id, caseId: c.id })));
  }

  await em.insert(LegalEducationPlan, {
    organizationId: ids['org:police-zhongshan'],
    year,
    targets: [
      { form: LegalEducationForm.LECTURE, areaId: ids['area:st-zhongshan'], count: 4 },
      { form: LegalEducationForm.SCHOOL_CLASS, areaId: ids['area:st-zhongshan'], count: 2 },
      { form: LegalEducationForm.MARKET_DAY_STALL, areaId: null, count: 2 },
    ],
    note: '誰執法誰普法：全年以案釋法講座不少於4場，進校園2場，趕集日擺攤2場。',
  });

  const room = randomUUID();
  ids['legalServiceRoom:sanbanqiao'] = room;
  await em.insert(LegalServiceRoom, { id: room, organizationId: ids['org:rc-sanbanqiao'], areaId: ids['area:c-sanbanqiao'], name: '三板橋社區公共法律服務工作室', address: '三板橋社區黨群服務中心一樓', openingHours: '每週二、四 9:00-12:00 律師值班' });
  const duties: LegalServiceDuty[] = [];
  // Tuesdays and Thursdays, four weeks back and two ahead.
  for (let d = -28; d <= 14; d += 1) {
    const day = new Date(now.getTime() + d * DAY);
    const weekday = new Date(day.getTime() + 8 * HOUR).getUTCDay();
    if (weekday !== 2 && weekday !== 4) continue;
    const date = new Date(day.getTime() + 8 * HOUR).toISOString().slice(0, 10);
    const start = new Date(`${date}T09:00:00+08:00`);
    duties.push(em.create(LegalServiceDuty, { id: randomUUID(), roomId: room, lawyerName: weekday === 2 ? '陳律師' : '劉律師', lawyerOrganizationId: ids['org:legal-shashi'], lawyerPhone: weekday === 2 ? '0716-8210001' : '0716-8210002', startsAt: start, endsAt: new Date(start.getTime() + 3 * HOUR) }));
  }
  await em.insert(LegalServiceDuty, duties);
  const past = duties.filter((d) => d.endsAt < now);
  const topics: [string, CaseCategory | null, LegalConsultationOutcome][] = [
    ['鄰里宅基地糾紛', CaseCategory.DISPUTE, LegalConsultationOutcome.MEDIATION],
    ['拖欠工資', CaseCategory.LEGAL_AID, LegalConsultationOutcome.REFERRED_TO_LEGAL_AID],
    ['贍養老人', CaseCategory.DISPUTE, LegalConsultationOutcome.ADVISED],
    ['租房押金', null, LegalConsultationOutcome.ADVISED],
    ['樓道違建', CaseCategory.ILLEGAL_CONSTRUCTION, LegalConsultationOutcome.ADVISED],
  ];
  await em.insert(
    LegalConsultation,
    past.flatMap((duty, i) => Array.from({ length: 1 + (i % 3) }, (_, j) => {
      const [topic, caseCategory, outcome] = topics[(i + j) % topics.length];
      return { roomId: room, dutyId: duty.id, occurredAt: new Date(duty.startsAt.getTime() + (j + 1) * 40 * 60_000), topic, caseCategory, outcome, loggedByUserId: ids['user:community-admin'] };
    })),
  );
}
