import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export interface TokenClaims {
  /** `user:<uuid>` or `client:<uuid>`. */
  sub: string;
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

  issue(subject: string): { token: string; expiresAt: Date } {
    const token = jwt.sign({}, this.key, {
      algorithm: 'HS256',
      subject,
      issuer: this.config.issuer,
      audience: this.config.audience,
      expiresIn: this.config.ttlSeconds,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The subject of a valid token, or null. The algorithm is pinned, so `alg: none` and RS/HS confusion fail here. */
  verify(token: string): TokenClaims | null {
    try {
      const claims = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.config.issuer,
        audience: this.config.audience,
      });
      if (typeof claims === 'string' || typeof claims.sub !== 'string') return null;
      return { sub: claims.sub };
    } catch {
      return null;
    }
  }
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
