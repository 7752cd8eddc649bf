import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { WebhookConfig } from '../../shared/config';
import type { AttemptJson } from './webhook.entity';

/** Ranges a webhook must not reach unless allowed by configuration: this host, private networks, link-local (cloud metadata), multicast, reserved. */
const FORBIDDEN_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'];
const FORBIDDEN_V6 = ['::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32', '64:ff9b::/96', '100::/64'];

const EXCERPT_BYTES = 256;

function blockList(ranges: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split('/');
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

const forbidden = blockList([...FORBIDDEN_V4, ...FORBIDDEN_V6]);

/**
 * Decides where a webhook may connect. Addresses are judged after DNS
 * resolution (a public name may point at 127.0.0.1 or 169.254.169.254), and
 * the connection goes to the very address that was judged, so a second
 * lookup cannot answer differently (DNS rebinding).
 */
export class OutboundGuard {
  private readonly allowed: net.BlockList;
  readonly agents: { http: http.Agent; https: https.Agent };

  constructor(readonly config: WebhookConfig) {
    this.allowed = blockList(config.allowedNetworks);
    const lookup = this.lookup.bind(this) as unknown as net.LookupFunction;
    // Keep-alive: one endpoint receives many events in a row.
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 64, lookup } as http.AgentOptions),
      https: new https.Agent({ keepAlive: true, maxSockets: 64, lookup } as https.AgentOptions),
    };
  }

  /** Null when the address may be reached, else why not. */
  refusal(address: string): string | null {
    let ip = address;
    // An IPv4-mapped IPv6 address reaches the IPv4 host: judge that.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) ip = mapped[1];
    const family = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (this.allowed.check(ip, family)) return null;
    return forbidden.check(ip, family) ? `address refused: ${ip} is private, loopback or link-local` : null;
  }

  /** The URL's own problems, before any connection: scheme, credentials, a literal forbidden address. */
  checkUrl(raw: string): { url: URL } | { error: string } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { error: 'Not a valid URL.' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'Only http and https URLs are allowed.' };
    if (url.username || url.password) return { error: 'Put no credentials in the URL; verify the signature instead.' };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) {
      const refused = this.refusal(host);
      if (refused) return { error: `The URL points at a private, loopback or link-local address (${host}).` };
    } else if (host === 'localhost' || host.endsWith('.localhost')) {
      if (this.refusal('127.0.0.1')) return { error: 'The URL points at this host (localhost).' };
    }
    return { url };
  }

  /** checkUrl's answers by URL: an endpoint's URL is judged once, not at every delivery (addresses are judged at each connection). */
  private readonly checkedUrls = new Map<string, { url: URL } | { error: string }>();

  private checkedUrl(raw: string): { url: URL } | { error: string } {
    let checked = this.checkedUrls.get(raw);
    if (!checked) {
      checked = this.checkUrl(raw);
      if (this.checkedUrls.size >= 1024) this.checkedUrls.delete(this.checkedUrls.keys().next().value!);
      this.checkedUrls.set(raw, checked);
    }
    return checked;
  }

  private lookup(hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void): void {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      // Any forbidden answer refuses the name: a mixed answer is how rebinding tricks start.
      for (const a of addresses) {
        const refused = this.refusal(a.address);
        if (refused) return callback(Object.assign(new Error(refused), { code: 'EADDRREFUSED' }), '', 0);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }

  /**
   * One POST. Never follows redirects (a 3xx is a failed attempt), bounds
   * connecting and the whole exchange by time and the answer by size.
   */
  post(rawUrl: string, headers: Record<string, string>, body: string): Promise<AttemptJson & { ok: boolean }> {
    const at = new Date();
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null, excerpt: string | null) => ({
      ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
      at: at.toISOString(),
      statusCode,
      durationMs: Math.round(performance.now() - started),
      error,
      responseExcerpt: excerpt,
    });
    const checked = this.checkedUrl(rawUrl);
    if ('error' in checked) return Promise.resolve(done(null, checked.error, null));
    const url = checked.url;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (statusCode: number | null, error: string | null, excerpt: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connecting);
        resolve(done(statusCode, error, excerpt));
      };
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Gongzhi-Webhooks/1' },
      });
      let connecting: NodeJS.Timeout | undefined;
      const total = setTimeout(() => {
        request.destroy();
        finish(null, `timeout after ${this.config.timeoutMs} ms`, null);
      }, this.config.timeoutMs);
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        connecting = setTimeout(() => {
          request.destroy();
          finish(null, `connect timeout after ${this.config.connectTimeoutMs} ms`, null);
        }, this.config.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connecting));
      });
      request.on('error', (error: NodeJS.ErrnoException) => finish(null, error.code === 'EADDRREFUSED' ? error.message : `${error.code ?? 'error'}: ${error.message}`.slice(0, 300), null));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const excerpt = () => (chunks.length ? Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') : null);
        if (status >= 300 && status < 400) {
          response.destroy();
          return finish(status, `redirect not followed${response.headers.location ? ` (to ${String(response.headers.location).slice(0, 200)})` : ''}`, null);
        }
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= EXCERPT_BYTES || chunks.length === 0) chunks.push(chunk);
          if (size > this.config.maxResponseBytes) {
            // Enough read: the answer's status is known, and an endless body must not hold the worker.
            response.destroy();
            finish(status, null, excerpt());
          }
        });
        response.on('end', () => finish(status, null, excerpt()));
        response.on('error', () => finish(status, null, excerpt()));
      });
      request.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
