import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { processCpuMs } from './cpu';
import type { BenchServer } from './server';

export interface FanoutOptions {
  /** Progress lines while it runs. */
  progress?: (line: string) => void;
  subscribers: number;
  /** Subscription document every subscriber runs. */
  subscription: string;
  variables?: Record<string, unknown>;
  /** Makes a change all subscribers wait for; `round` counts from 0, so each call can make a new one. */
  trigger: (round: number) => Promise<void>;
  /**
   * Changes delivered to every subscriber before the measured one, a second apart (default 0). The first change a
   * server delivers runs its delivery code unoptimised while V8 compiles it (a profile of it showed the optimising
   * compiler); the floor's few functions are compiled within a moment.
   */
  warmups?: number;
  /** Token of subscriber i (subscribers may be different users). */
  tokenFor: (i: number) => string;
}

export interface FanoutResult {
  subscribers: number;
  delivered: number;
  /** Subscriptions that ended with an error before or during the fan-out. */
  failed: number;
  p50Ms: number;
  p99Ms: number;
  lastMs: number;
  /** The first change's p50 / p99 when warm-ups came before the measured one (the delivery code still cold). */
  coldP50Ms: number;
  coldP99Ms: number;
  /** Growth of what the server holds (live heap and buffers after a full garbage collection) per connection. */
  bytesPerIdleConnection: number;
  /** Growth of the server's resident memory per connection: adds allocator and heap slack, and garbage not yet collected. */
  rssPerIdleConnection: number;
  /**
   * CPU from the change to the last delivery: the server's, and this bench client's (which receives every message
   * on the same two cores, so its share is inside the delivery times).
   */
  serverCpuMs: number;
  clientCpuMs: number;
}

const WAVE = 500;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** N WebSocket clients subscribe, one change is made, and the time until each has it is measured. */
export async function benchFanout(server: BenchServer, options: FanoutOptions): Promise<FanoutResult> {
  const clients: Client[] = [];
  const arrivals: number[] = [];
  let triggeredAt = 0;
  let cpuAtTrigger = { server: 0, client: process.cpuUsage() };
  let cpuToLast = { server: NaN, client: NaN };
  let connected = 0;
  /** Subscriptions the server ended with an error: each is an event some subscriber will not get. */
  let failed = 0;

  /**
   * Opens subscribers [from, to) in waves of WAVE and resolves when all are connected and have had time to
   * subscribe. Thousands of connects at once overflow the listen backlog of a busy 2-core machine
   * (ECONNRESET); what is measured here is delivery to connected subscribers, not a connection storm.
   */
  async function open(from: number, to: number): Promise<void> {
    for (let wave = from; wave < to; wave += WAVE) await openWave(wave, Math.min(to, wave + WAVE));
    // Let every subscribe message be processed and the server settle before measuring memory.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }

  async function openWave(from: number, to: number): Promise<void> {
    const target = connected + (to - from);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${connected}/${target} connected in 120 s`)), 120_000);
      for (let i = from; i < to; i++) {
        const client = createClient({
          url: server.wsUrl,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${options.tokenFor(i)}` },
          retryAttempts: 0,
          lazy: false,
          on: {
            connected: () => {
              connected += 1;
              if (connected % 500 === 0) options.progress?.(`subscribers connected: ${connected}/${options.subscribers}`);
              if (connected === target) {
                clearTimeout(timer);
                resolve();
              }
            },
          },
        });
        client.subscribe(
          { query: options.subscription, variables: options.variables },
          {
            next: () => {
              if (arrivals.push(performance.now() - triggeredAt) === options.subscribers) {
                const client = process.cpuUsage(cpuAtTrigger.client);
                cpuToLast = { server: processCpuMs(server.pid) - cpuAtTrigger.server, client: (client.user + client.system) / 1000 };
              }
            },
            error: () => (failed += 1),
            complete: () => {},
          },
        );
        clients.push(client);
      }
    });
  }

  // Memory per connection is the growth between half and all of them, so one-time costs (code warming up) do not count.
  const half = Math.floor(options.subscribers / 2);
  await open(0, half);
  const rssHalf = server.rss();
  const heldHalf = await server.heldBytes();
  await open(half, options.subscribers);
  const rssAll = server.rss();
  const heldAll = await server.heldBytes();
  // heldBytes() forces a full, compacting collection through the inspector; the server finishes its aftermath for
  // about half a second. Triggered at once, the change waited behind the bench's own measurement (seen in a profile).
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const warmups = options.warmups ?? 0;
  let cold: number[] = [];
  for (let round = 0; round <= warmups; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    options.progress?.(`all ${options.subscribers} subscribed; ${round < warmups ? `warm-up change ${round + 1}/${warmups}` : 'triggering the measured change'}`);
    arrivals.length = 0;
    triggeredAt = performance.now();
    cpuAtTrigger = { server: processCpuMs(server.pid), client: process.cpuUsage() };
    await options.trigger(round);
    const deadline = Date.now() + 60_000;
    while (arrivals.length < options.subscribers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (round === 0 && warmups > 0) cold = [...arrivals].sort((a, b) => a - b);
  }
  const sorted = [...arrivals].sort((a, b) => a - b);
  await Promise.all(clients.map((c) => c.dispose()));
  return {
    subscribers: options.subscribers,
    delivered: arrivals.length,
    failed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    lastMs: sorted[sorted.length - 1] ?? NaN,
    coldP50Ms: percentile(cold, 50),
    coldP99Ms: percentile(cold, 99),
    bytesPerIdleConnection: Math.max(0, (heldAll - heldHalf) / (options.subscribers - half)),
    rssPerIdleConnection: Math.max(0, (rssAll - rssHalf) / (options.subscribers - half)),
    serverCpuMs: cpuToLast.server,
    clientCpuMs: cpuToLast.client,
  };
}
