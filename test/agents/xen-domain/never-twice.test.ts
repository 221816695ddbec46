import t from "tap";
import { rmSync } from "node:fs";
import { killHost, startHost } from "../../../lib/sim/index.ts";
import { leaseLab, MONITOR } from "../../support/lease-lab.ts";
import type { PoolFault } from "../../support/faulty-lease-fs.ts";
import { seededRandom } from "../../support/seeded-random.ts";

/**
 * The never-twice property under a random mix of events on three simulated
 * hosts that share a lease pool: starts anywhere (even where Pacemaker would
 * not start), stops, fences with fence_xen, host deaths and restarts, and
 * hosts cut off from the pool. Time moves by one monitor interval per step,
 * and every live host runs the recurring monitor of each domain it runs, as
 * Pacemaker would. After every step the simulator's ground truth is checked:
 * no domain may exist on two hosts. What the model leaves out: a host whose
 * cluster stack stops running monitors while its domains keep running
 * (that is the job of node fencing or a watchdog such as sbd).
 *
 * NEVER_TWICE_STEPS and NEVER_TWICE_SEED replay or lengthen a run.
 */
const HOSTS = ["node1", "node2", "node3"] as const;
const DOMAINS = ["vm1", "vm2"] as const;
const STEPS = Number(process.env["NEVER_TWICE_STEPS"] ?? 30);
// A fixed default keeps CI deterministic; this seed's 30 steps include self-fencing, fences and host deaths.
const SEED = Number(process.env["NEVER_TWICE_SEED"] ?? 743_569);

t.test(`never twice: ${STEPS} random steps on three hosts (seed ${SEED})`, async (t) => {
  const lab = leaseLab(t, HOSTS, DOMAINS);
  const next = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const up = new Set<string>(HOSTS);
  const counts: Record<string, number> = {};
  const count = (what: string) => void (counts[what] = (counts[what] ?? 0) + 1);
  let violations = 0;

  const events: readonly { weight: number; run: () => Promise<string> }[] = [
    {
      weight: 35,
      run: async () => {
        const host = pick([...up]);
        const domain = pick(DOMAINS);
        const result = await lab.run(host, "start", {}, domain);
        count(result.code === 0 ? "start ok" : "start refused");
        return `start ${domain} on ${host} -> ${result.code}${result.code ? ` (${result.reasons.at(-1)})` : ""}`;
      },
    },
    {
      weight: 15,
      run: async () => {
        const host = pick([...up]);
        const domain = pick(DOMAINS);
        const result = await lab.run(host, "stop", {}, domain);
        count("stop");
        return `stop ${domain} on ${host} -> ${result.code}`;
      },
    },
    {
      weight: 12,
      run: async () => {
        const from = pick([...up]);
        const domain = pick(DOMAINS);
        const result = await lab.fence(from, domain);
        count(result.code === 0 ? "fence ok" : "fence failed");
        return `fence_xen off ${domain} from ${from} -> ${result.code}`;
      },
    },
    {
      weight: 6,
      run: async () => {
        if (up.size <= 1) return "no host to kill";
        const host = pick([...up]);
        killHost(lab.root, host);
        up.delete(host);
        count("host killed");
        return `host ${host} dies`;
      },
    },
    {
      weight: 10,
      run: async () => {
        const down = HOSTS.filter((h) => !up.has(h));
        if (down.length === 0) return "no dead host to restart";
        const host = pick(down);
        await startHost(lab.root, host);
        rmSync(lab.rsctmp(host), { recursive: true, force: true }); // a reboot empties the tmpfs
        up.add(host);
        count("host restarted");
        return `host ${host} restarts`;
      },
    },
    {
      weight: 12,
      run: async () => {
        // Mostly a host that runs something: the partition that matters is the holder's.
        const holders = HOSTS.filter((h) => DOMAINS.some((d) => lab.where(d).includes(h)));
        const host = holders.length > 0 && next() < 0.6 ? pick(holders) : pick(HOSTS);
        const fault = pick<PoolFault>(["none", "unreachable", "read-only"]);
        lab.faults.set(host, fault);
        count(`pool ${fault}`);
        return `${host} sees the pool as ${fault}`;
      },
    },
    { weight: 10, run: async () => "time passes (5 monitor intervals)" },
  ];
  const total = events.reduce((sum, e) => sum + e.weight, 0);
  const chooseEvent = () => {
    let x = next() * total;
    for (const event of events) if ((x -= event.weight) < 0) return event;
    return events.at(-1) as (typeof events)[number];
  };

  /** One monitor interval: time moves, and every live host monitors each domain it runs, as Pacemaker does. */
  async function interval(): Promise<string[]> {
    lab.clock.now += MONITOR.intervalMs;
    const failed: string[] = [];
    for (const host of HOSTS.filter((h) => up.has(h))) {
      for (const domain of DOMAINS.filter((d) => lab.where(d).includes(host))) {
        const result = await lab.monitor(host, domain);
        if (result.code !== 0) failed.push(`${domain}@${host} monitor ${result.code}: ${result.reasons.at(-1) ?? ""}`);
        if (/copy was destroyed/.test(result.reasons.at(-1) ?? "")) count("self-fenced");
      }
    }
    return failed;
  }

  /** The invariant, read from the simulator's ground truth: the domains that exist on more than one host. */
  const twice = () => DOMAINS.filter((d) => lab.where(d).length > 1);

  for (let step = 1; step <= STEPS; step++) {
    const what = await chooseEvent().run();
    const seen = new Set(twice());
    const monitors: string[] = [];
    for (let i = 0; i < (what.startsWith("time passes") ? 5 : 1); i++) {
      monitors.push(...(await interval()));
      for (const domain of twice()) seen.add(domain);
    }
    violations += seen.size;
    const placement = DOMAINS.map((d) => `${d}@${lab.where(d).join("+") || "-"}`).join(" ");
    t.comment(`step ${step}: ${what} | ${placement}${monitors.length ? ` | ${monitors.join("; ")}` : ""}${seen.size ? ` | VIOLATION: ${[...seen].join(", ")}` : ""}`);
  }

  t.comment(`never-twice: ${STEPS} steps, ${violations} violations, seed ${SEED}; ${JSON.stringify(counts)}`);
  t.equal(violations, 0, "no domain ever ran on two hosts");
  t.ok((counts["start ok"] ?? 0) > 0 && (counts["start refused"] ?? 0) > 0, "the run exercised both successful and refused starts");
});
