import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { Viewer } from '../../shared/auth/viewer';
import { fail, inTransaction } from '../../shared/transaction';
import { User } from '../user/user.entity';
import type { AccessToken, AuthLogoutInput, AuthRefreshInput, RefreshToken } from './auth.inputs';

/**
 * Refresh tokens: 256 random bits handed out once, stored as a SHA-256 hash
 * (like client secrets: a fast hash suffices for random secrets). Each use
 * rotates the token: the used one is marked rotated and a new one of the same
 * family (one family per sign-in) is returned. A rotated token presented
 * again means two holders: the whole family is revoked, so neither the thief
 * nor the owner can go on, and the owner signs in again.
 */
const INVALID = 'The refresh token is invalid, expired or revoked. Sign in again.';

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function readToken(value: unknown): string | null {
  const token = String(value ?? '').trim();
  return /^gzr_[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

/** A new refresh token of `familyId` (a new family when null), stored hashed. */
export async function issueRefreshToken(ctx: AppContext, em: EntityManager, userId: string, familyId: string | null): Promise<RefreshToken> {
  const token = `gzr_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + ctx.app.config.refreshTtlSeconds * 1000);
  await em.query(
    `INSERT INTO refresh_token (family_id, user_id, token_hash, expires_at) VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4)`,
    [familyId, userId, hashRefreshToken(token), expiresAt],
  );
  return { token, expiresAt };
}

interface StoredToken {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

type RefreshOutcome = { ok: { accessToken: AccessToken; refreshToken: RefreshToken; user: User } } | { refused: 'invalid' | 'reused' };

export async function refreshSession(ctx: AppContext, input: AuthRefreshInput): Promise<{ accessToken: AccessToken; refreshToken: RefreshToken; user: User }> {
  const token = readToken(input.refreshToken);
  const [found]: StoredToken[] = token ? await ctx.app.db.query(`SELECT user_id FROM refresh_token WHERE token_hash = $1`, [hashRefreshToken(token)]) : [];
  if (!token || !found) fail('refreshToken', UserErrorCode.INVALID_CREDENTIALS, INVALID);
  const actor = { ...ctx, viewer: Viewer.user(found.user_id, false, new Map()) };
  // A refusal still commits what it decided (a revoked family), so the transaction returns it rather than throwing.
  const outcome = await inTransaction<RefreshOutcome>(actor, async (tx) => {
    const [row]: StoredToken[] = await tx.em.query(
      `SELECT id, family_id, user_id, expires_at, rotated_at, revoked_at FROM refresh_token WHERE token_hash = $1 FOR UPDATE`,
      [hashRefreshToken(token)],
    );
    const user = await tx.em.findOneBy(User, { id: row.user_id });
    if (row.rotated_at && !row.revoked_at) {
      await tx.em.query(`UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [row.family_id]);
      tx.audit({ action: 'authRefreshReuse', recordType: 'User', recordId: row.user_id, details: { familyId: row.family_id } });
      ctx.log.warn({ userId: row.user_id, familyId: row.family_id }, 'rotated refresh token reused: session family revoked');
      return { refused: 'reused' };
    }
    if (row.rotated_at || row.revoked_at || row.expires_at.getTime() <= Date.now() || !user || user.disabledAt) return { refused: 'invalid' };
    await tx.em.query(`UPDATE refresh_token SET rotated_at = now() WHERE id = $1`, [row.id]);
    const refreshToken = await issueRefreshToken(ctx, tx.em, row.user_id, row.family_id);
    tx.audit({ action: 'authRefresh', recordType: 'User', recordId: row.user_id, details: { familyId: row.family_id } });
    return { ok: { accessToken: ctx.app.tokens.issue(`user:${row.user_id}`), refreshToken, user } };
  });
  if ('refused' in outcome) fail('refreshToken', UserErrorCode.INVALID_CREDENTIALS, INVALID);
  return outcome.ok;
}

export async function endSession(ctx: AppContext, input: AuthLogoutInput): Promise<{ loggedOut: boolean }> {
  const token = readToken(input.refreshToken);
  const [found]: StoredToken[] = token ? await ctx.app.db.query(`SELECT user_id, family_id FROM refresh_token WHERE token_hash = $1`, [hashRefreshToken(token)]) : [];
  if (!token || !found) fail('refreshToken', UserErrorCode.INVALID_CREDENTIALS, INVALID);
  return inTransaction({ ...ctx, viewer: Viewer.user(found.user_id, false, new Map()) }, async (tx) => {
    const revoked: unknown[] = await tx.em.query(`UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL RETURNING id`, [found.family_id]);
    // typeorm answers an UPDATE ... RETURNING with [rows, count].
    const count = Array.isArray(revoked[0]) ? (revoked[0] as unknown[]).length : revoked.length;
    if (count === 0) fail('refreshToken', UserErrorCode.ALREADY_DONE, 'This session was already ended.');
    tx.audit({ action: 'authLogout', recordType: 'User', recordId: found.user_id, details: { familyId: found.family_id } });
    return { loggedOut: true };
  });
}
