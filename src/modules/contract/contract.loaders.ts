import { In } from 'typeorm';
import { today } from '../../shared/clock';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { Contract, ContractArea, ContractClause, ContractParty, ContractServiceLevel, ContractSignature, ContractVersion } from './contract.entity';
import { ServiceLevelAssessment } from './contract.assessment';

export const contractsById = defineByIdLoader(Contract);

export const contractPartiesByContractId = defineLoader<string, ContractParty[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractParty).find({ where: { contractId: In([...ids]) }, order: { role: 'ASC', organizationId: 'ASC' } });
  return groupByKey(ids, rows, (p) => p.contractId);
});

export const contractAreaIdsByContractId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractArea).findBy({ contractId: In([...ids]) });
  return groupByKey(ids, rows, (a) => a.contractId).map((group) => group.map((a) => a.areaId));
});

export const contractClausesByContractId = defineLoader<string, ContractClause[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractClause).find({ where: { contractId: In([...ids]) }, order: { position: 'ASC' } });
  return groupByKey(ids, rows, (c) => c.contractId);
});

export const contractServiceLevelsByContractId = defineLoader<string, ContractServiceLevel[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractServiceLevel).find({ where: { contractId: In([...ids]) }, order: { position: 'ASC' } });
  return groupByKey(ids, rows, (s) => s.contractId);
});

export const contractVersionsByContractId = defineLoader<string, ContractVersion[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractVersion).find({ where: { contractId: In([...ids]) }, order: { number: 'ASC' } });
  return groupByKey(ids, rows, (v) => v.contractId);
});

export const contractSignaturesByContractId = defineLoader<string, ContractSignature[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ContractSignature).find({ where: { contractId: In([...ids]) }, order: { signedAt: 'ASC', organizationId: 'ASC' } });
  return groupByKey(ids, rows, (s) => s.contractId);
});

/** Every contract an organisation is a party to, oldest first (raw rows: visibility is decided by the caller). */
export const contractsByPartyOrganizationId = defineLoader<string, Contract[]>(async (ids, ctx) => {
  const rows: { organization_id: string; contract_id: string }[] = await ctx.app.db.query(
    `SELECT DISTINCT p.organization_id, c.id AS contract_id, c.created_at
       FROM contract_party p JOIN contract c ON c.id = p.contract_id
      WHERE p.organization_id = ANY($1)
      ORDER BY c.created_at, c.id`,
    [ids],
  );
  const contracts = (await contractsById(ctx).loadMany([...new Set(rows.map((r) => r.contract_id))])).filter((c): c is Contract => c instanceof Contract);
  const byId = new Map(contracts.map((c) => [c.id, c]));
  return groupByKey(ids, rows, (r) => r.organization_id).map((group) => group.map((r) => byId.get(r.contract_id)!).filter(Boolean));
});

/** Organisations that SUPERVISE or GUIDE each organisation through a relation in force today. */
export const overseerOrganizationIdsByOrganizationId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows: { from_organization_id: string; to_organization_id: string }[] = await ctx.app.db.query(
    `SELECT DISTINCT from_organization_id, to_organization_id FROM relationship
      WHERE to_organization_id = ANY($1) AND type IN ('SUPERVISES','GUIDES') AND status = 'ACCEPTED'
        AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)`,
    [ids, today()],
  );
  return groupByKey(ids, rows, (r) => r.to_organization_id).map((group) => group.map((r) => r.from_organization_id));
});

/** Every assessment entry of each contract, by period then time recorded (the latest of a period counts). */
export const serviceLevelAssessmentsByContractId = defineLoader<string, ServiceLevelAssessment[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ServiceLevelAssessment).find({ where: { contractId: In([...ids]) }, order: { startsOn: 'ASC', assessedAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (a) => a.contractId);
});
