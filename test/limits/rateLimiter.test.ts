// RateLimiter over both stores: per-user, per-IP and per-domain keys kept apart, check versus consume
// (a refused client is not charged), and the same rules against a real redis-server shared by two
// limiters (two msa instances), plus what happens when Redis cannot be reached (fail open or closed).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCounterStore, type CounterStore } from "../../runtime/limits/counterStore.js";
import { RateLimiter, rateKey, type RateRule } from "../../runtime/limits/rateLimiter.js";
import { RedisCounterStore, type LimitsLogger } from "../../runtime/limits/redisCounterStore.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { freePort } from "../support/freePort.js";
import { startRedis, type RedisServer } from "./redisServer.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const one = { messages: 1, recipients: 0, bytes: 0 };
const message = (recipients: number, bytes = 1000) => ({ messages: 1, recipients, bytes });

const perUserMessages: RateRule = { id: "site.msa:3", count: 2, unit: "messages", windowMs: HOUR, per: "user" };
const perIpMessages: RateRule = { id: "site.msa:4", count: 3, unit: "messages", windowMs: HOUR, per: "ip" };
const perUserRecipients: RateRule = { id: "site.msa:5", count: 10, unit: "recipients", windowMs: DAY, per: "user" };
const perDomainBytes: RateRule = { id: "site.msa:6", count: 5000, unit: "bytes", windowMs: HOUR, per: "domain" };

/** The behaviour both stores must share; `make` builds a fresh store on the given clock. */
function sharedBehaviour(make: (clock: ManualClock) => CounterStore): void {
  let stores: CounterStore[] = [];
  const limiter = (rules: RateRule[]): { clock: ManualClock; limits: RateLimiter } => {
    const clock = new ManualClock(500 * HOUR); // on a bucket boundary of every window used here
    const store = make(clock);
    stores.push(store);
    return { clock, limits: new RateLimiter(rules, store) };
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
    stores = [];
  });

  it("refuses the message past the limit, names the rule, and admits it again when the window has slid", async () => {
    const { clock, limits } = limiter([perUserMessages]);
    const alice = { user: "alice", ip: "192.0.2.1" };
    expect(await limits.consume(alice, message(1))).toEqual({ allowed: true });
    expect(await limits.consume(alice, message(1))).toEqual({ allowed: true });
    const refused = await limits.consume(alice, message(1));
    expect(refused).toEqual({ allowed: false, rule: perUserMessages, retryAfterMs: HOUR + HOUR / 2 });
    clock.advance(HOUR + HOUR / 2 - 1);
    expect((await limits.check(alice, one)).allowed).toBe(false);
    clock.advance(1);
    expect(await limits.consume(alice, message(1))).toEqual({ allowed: true });
  });

  it("keeps per-user and per-IP counters apart", async () => {
    const { limits } = limiter([perUserMessages, perIpMessages]);
    // alice sends 2 from one address: her 2 of 2, the address's 2 of 3.
    for (let i = 0; i < 2; i++) expect(await limits.consume({ user: "alice", ip: "192.0.2.1" }, one)).toEqual({ allowed: true });
    expect(await limits.check({ user: "alice", ip: "192.0.2.2" }, one)).toMatchObject({ allowed: false, rule: perUserMessages });
    // bob has his own count, but shares the address: his first fills it, his second is refused by it.
    expect(await limits.consume({ user: "bob", ip: "192.0.2.1" }, one)).toEqual({ allowed: true });
    expect(await limits.consume({ user: "bob", ip: "192.0.2.1" }, one)).toMatchObject({ allowed: false, rule: perIpMessages });
    // From another address bob still has one left (the refusal above charged nothing).
    expect(await limits.consume({ user: "bob", ip: "192.0.2.2" }, one)).toEqual({ allowed: true });
    expect(await limits.check({ user: "Bob", ip: "192.0.2.3" }, one)).toMatchObject({ allowed: false, rule: perUserMessages });
  });

  it("does not apply a per-user rule before AUTH nor a per-domain rule without a sender domain", async () => {
    const { limits } = limiter([perUserMessages, perDomainBytes]);
    for (let i = 0; i < 5; i++) expect(await limits.consume({ ip: "192.0.2.9" }, message(1, 2000))).toEqual({ allowed: true });
    expect(await limits.consume({ ip: "192.0.2.9", senderDomain: "Example.org" }, message(1, 3000))).toEqual({ allowed: true });
    expect(await limits.check({ ip: "192.0.2.9", senderDomain: "example.ORG" }, message(1, 2001))).toMatchObject({ allowed: false, rule: perDomainBytes });
  });

  it("check charges nothing; a message refused at the end is not charged for the rules it fitted", async () => {
    const { limits } = limiter([perUserMessages, perUserRecipients]);
    const bob = { user: "bob", ip: "198.51.100.7" };
    // The RCPT-time checks of a transaction with 8 recipients: all fit, none is counted.
    for (let n = 1; n <= 8; n++) expect(await limits.check(bob, { messages: 1, recipients: n, bytes: 0 })).toEqual({ allowed: true });
    expect(await limits.consume(bob, message(8))).toEqual({ allowed: true });
    // 11 recipients would pass the messages rule but not the recipients rule: refused, and the
    // message is not counted either, so two more small messages still fit.
    expect(await limits.consume(bob, message(3))).toMatchObject({ allowed: false, rule: perUserRecipients });
    expect(await limits.consume(bob, message(2))).toEqual({ allowed: true });
    expect(await limits.check(bob, one)).toMatchObject({ allowed: false, rule: perUserMessages });
  });

  it("counts an IPv6 client per /64 and an IPv4-mapped address as IPv4", async () => {
    const { limits } = limiter([perIpMessages]);
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:0db8:0001:0002::77"]) {
      expect(await limits.consume({ ip }, one)).toEqual({ allowed: true });
    }
    expect((await limits.check({ ip: "2001:db8:1:2::5" }, one)).allowed).toBe(false);
    expect((await limits.check({ ip: "2001:db8:1:3::5" }, one)).allowed).toBe(true);
    for (let i = 0; i < 3; i++) await limits.consume({ ip: "203.0.113.5" }, one);
    expect((await limits.check({ ip: "::ffff:203.0.113.5" }, one)).allowed).toBe(false);
  });
}

describe("RateLimiter with the memory store", () => {
  sharedBehaviour((clock) => new MemoryCounterStore({ clock }));

  it("rejects a rule that could never admit anything", () => {
    expect(() => new RateLimiter([{ ...perUserMessages, count: 0 }], new MemoryCounterStore())).toThrow(/site\.msa:3/);
  });

  it("names counters by rule, unit, window and subject without ambiguity", () => {
    expect(rateKey(perIpMessages, "2001:db8::/64")).toBe("rule/site.msa%3A4/messages/3600000/ip/2001%3Adb8%3A%3A%2F64");
  });
});

describe("RateLimiter with Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  describe("same behaviour as in memory", () => {
    // Each store gets its own prefix so the tests in this block do not share counters.
    let n = 0;
    sharedBehaviour((clock) => new RedisCounterStore({ redis: redis.url, clock, prefix: `test${n++}:` }));
  });

  it("two instances sharing one Redis see one counter", async () => {
    const clock = new ManualClock(500 * HOUR);
    const a = new RedisCounterStore({ redis: redis.url, clock, prefix: "shared:" });
    const b = new RedisCounterStore({ redis: redis.url, clock, prefix: "shared:" });
    try {
      const first = new RateLimiter([perUserMessages], a);
      const second = new RateLimiter([perUserMessages], b);
      const dave = { user: "dave", ip: "192.0.2.44" };
      expect(await first.consume(dave, one)).toEqual({ allowed: true });
      expect(await second.consume(dave, one)).toEqual({ allowed: true });
      expect(await first.check(dave, one)).toMatchObject({ allowed: false, rule: perUserMessages });
      expect(await second.consume(dave, one)).toMatchObject({ allowed: false, rule: perUserMessages });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("admits exactly the limit when many consumes race from two instances (the script is atomic)", async () => {
    const rule: RateRule = { ...perUserMessages, count: 25 };
    const a = new RedisCounterStore({ redis: redis.url, prefix: "race:" });
    const b = new RedisCounterStore({ redis: redis.url, prefix: "race:" });
    try {
      const limiters = [new RateLimiter([rule], a), new RateLimiter([rule], b)];
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => limiters[i % 2].consume({ user: "erin", ip: "192.0.2.5" }, one)));
      expect(results.filter((result) => result.allowed)).toHaveLength(25);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("keeps its keys under msa:rate: and lets them expire two windows after their bucket", async () => {
    const client = new Redis(redis.url);
    const store = new RedisCounterStore({ redis: client });
    try {
      await new RateLimiter([perUserMessages], store).consume({ user: "frank", ip: "192.0.2.6" }, one);
      const key = `msa:rate:${rateKey(perUserMessages, "frank")}`;
      expect(await client.keys("msa:rate:*")).toEqual([key]);
      expect(await client.hgetall(key)).toMatchObject({ c: "1", p: "0" });
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(HOUR);
      expect(ttl).toBeLessThanOrEqual(2 * HOUR);
    } finally {
      await store.close(); // leaves the caller's client open
      expect(client.status).toBe("ready");
      client.disconnect();
    }
  });
});

describe("RateLimiter when Redis is unreachable", () => {
  function recordingLogger(): LimitsLogger & { warnings: object[]; infos: object[] } {
    const warnings: object[] = [];
    const infos: object[] = [];
    return { warnings, infos, warn: (fields) => warnings.push(fields), info: (fields) => infos.push(fields) };
  }

  it("falls back to counting in memory by default, quickly, and logs one warning for the outage", async () => {
    const logger = recordingLogger();
    const store = new RedisCounterStore({ redis: `redis://127.0.0.1:${await freePort()}`, logger });
    try {
      const limits = new RateLimiter([{ ...perUserMessages, count: 2 }], store);
      const started = Date.now();
      const jo = { user: "jo", ip: "192.0.2.7" };
      expect(await limits.consume(jo, one)).toEqual({ allowed: true });
      expect(await limits.consume(jo, one)).toEqual({ allowed: true });
      expect(await limits.consume(jo, one)).toMatchObject({ allowed: false, rule: { id: "site.msa:3" } });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(logger.warnings).toEqual([expect.objectContaining({ event: "limits-store-unavailable", failMode: "local" })]);
    } finally {
      await store.close();
    }
  });

  it("fails open when asked to: everything fits, and one warning is logged", async () => {
    const logger = recordingLogger();
    const store = new RedisCounterStore({ redis: `redis://127.0.0.1:${await freePort()}`, logger, failMode: "open" });
    try {
      const limits = new RateLimiter([{ ...perUserMessages, count: 1 }], store);
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect(await limits.consume({ user: "gina", ip: "192.0.2.7" }, one)).toEqual({ allowed: true });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatchObject({ event: "limits-store-unavailable", failMode: "open" });
    } finally {
      await store.close();
    }
  });

  it("fails closed when asked to, saying the store and not the rule refused", async () => {
    const store = new RedisCounterStore({ redis: `redis://127.0.0.1:${await freePort()}`, failMode: "closed", closedRetryAfterMs: 30_000 });
    try {
      const limits = new RateLimiter([perUserMessages], store);
      expect(await limits.check({ user: "hal", ip: "192.0.2.8" }, one)).toEqual({ allowed: false, rule: perUserMessages, retryAfterMs: 30_000, storeUnavailable: true });
      // no rule applies (no login): nothing to ask the store, so nothing to refuse
      expect(await limits.check({ ip: "192.0.2.8" }, one)).toEqual({ allowed: true });
    } finally {
      await store.close();
    }
  });

  it("enforces again once Redis is back after an outage, and logs the recovery", async () => {
    const logger = recordingLogger();
    let server = await startRedis();
    const store = new RedisCounterStore({ redis: server.url, logger, prefix: "outage:", failMode: "open" });
    try {
      await store.ready();
      const limits = new RateLimiter([{ ...perUserMessages, count: 1 }], store);
      const ivan = { user: "ivan", ip: "192.0.2.10" };
      expect(await limits.consume(ivan, one)).toEqual({ allowed: true });
      await server.stop();
      expect(await limits.consume(ivan, one)).toEqual({ allowed: true }); // open: admitted despite the limit
      expect(await limits.consume(ivan, one)).toEqual({ allowed: true });
      server = await startRedis(server.port); // empty: the counters were in the stopped server's memory
      await store.ready(5_000);
      expect(await limits.consume(ivan, one)).toEqual({ allowed: true });
      expect(await limits.consume(ivan, one)).toMatchObject({ allowed: false });
      expect(logger.warnings).toHaveLength(1);
      expect(logger.infos).toEqual([{ event: "limits-store-available" }]);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
