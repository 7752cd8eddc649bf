import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export interface TokenClaims {
  /** `user:<uuid>` or `client:<uuid>`. */
  sub: string;
  /** When the token stops working; every accepted token has one. */
  expiresAt: Date;
}

export interface TokenConfig {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export class TokenService {
  /** Built once: given the secret as a string, jsonwebtoken would rebuild a key object on every call. */
  private readonly key: KeyObject;

  constructor(private readonly config: TokenConfig) {
    this.key = createSecretKey(Buffer.from(config.secret, 'utf8'));
  }

  /** `ttlSeconds` may shorten the configured lifetime (tests of expiry), never lengthen it. */
  issue(subject: string, ttlSeconds = this.config.ttlSeconds): { token: string; expiresAt: Date } {
    const token = jwt.sign({}, this.key, {
      algorithm: 'HS256',
      subject,
      issuer: this.config.issuer,
      audience: this.config.audience,
      expiresIn: Math.min(ttlSeconds, this.config.ttlSeconds),
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The subject of a valid token, or null. The algorithm is pinned, so
   * `alg: none` and RS/HS confusion fail here. A token must say when it was
   * issued and when it expires, and may not live longer than this server
   * issues tokens for: a token without `exp` (or minted with a long one by
   * whoever holds the secret) would otherwise work, and hold a socket, forever.
   */
  verify(token: string): TokenClaims | null {
    try {
      const claims = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
      });
      if (typeof claims === 'string' || typeof claims.sub !== 'string') return null;
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null;
      // A future `iat` must not stretch the lifetime either: measured from now too (a few seconds of clock skew allowed).
      if (claims.exp - claims.iat > this.config.ttlSeconds || claims.exp - Date.now() / 1000 > this.config.ttlSeconds + 5) return null;
      return { sub: claims.sub, expiresAt: new Date(claims.exp * 1000) };
    } catch {
      return null;
    }
  }
}

/** What every transport answers when a well-formed token does not verify or its account is gone. */
export const INVALID_TOKEN = 'The access token is invalid or expired. Sign in again.';

/** What every transport answers when the Authorization value is not `Bearer <token>`. */
export const MALFORMED_AUTHORIZATION = 'Malformed Authorization: expected "Bearer <access token>", or no Authorization at all to stay signed out.';

/**
 * The one rule for an Authorization value, HTTP header or graphql-ws
 * `connection_init` payload alike: absent or empty means signed out,
 * `Bearer <token>` carries a token, anything else is an error the client must
 * hear about (a silently ignored token looks like missing permissions).
 */
export function readAuthorization(value: unknown): { token: string | null } | { error: string } {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return { token: null };
  if (typeof value !== 'string') return { error: MALFORMED_AUTHORIZATION };
  const match = /^Bearer +(\S+)$/i.exec(value.trim());
  return match ? { token: match[1] } : { error: MALFORMED_AUTHORIZATION };
}
