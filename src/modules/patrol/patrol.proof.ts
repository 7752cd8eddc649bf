import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Checkpoint } from './patrol.entity';
import { checkpointTokenHash } from './patrol.ingest-judge';
import type { CheckpointTokenIssueInput } from './patrol.inputs';
import { checkpointToManage } from './patrol.service';

/**
 * Issues a new check-in token for a checkpoint (the code printed on it as a QR
 * code or written to its NFC tag). The token is random, returned once, and
 * stored only as a hash bound to the checkpoint, so neither a database reader
 * nor the team can derive a valid token for another checkpoint. Issuing again
 * replaces the old token (a tag was copied or damaged).
 */
export async function issueCheckpointToken(ctx: AppContext, input: CheckpointTokenIssueInput): Promise<{ checkpoint: Checkpoint; token: string }> {
  const check = new InputCheck();
  const id = check.id('checkpointId', input.checkpointId, 'Checkpoint', { required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const checkpoint = await checkpointToManage(tx, id!);
    const token = randomBytes(18).toString('base64url');
    const now = clock.now();
    await tx.em.query(`UPDATE checkpoint SET token_hash = $2, token_issued_at = $3, version = version + 1, updated_at = now() WHERE id = $1`, [checkpoint.id, checkpointTokenHash(checkpoint.id, token), now]);
    tx.audit({ action: 'checkpointTokenIssue', recordType: 'Checkpoint', recordId: checkpoint.id, details: { issuedAt: now } });
    return { checkpoint: await tx.em.findOneByOrFail(Checkpoint, { id: checkpoint.id }), token };
  });
}
