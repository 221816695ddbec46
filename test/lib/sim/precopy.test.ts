import t from "tap";
import { LEGACY_LIBXC, PAGES_PER_MIB, planPrecopy, STREAM_V2, transferMs } from "../../../lib/sim/migration/precopy.ts";

/**
 * How many pages each pass of a live migration sends (doc/xl-behaviour.md §4.5):
 * stream v2 stops pre-copy below 50 dirty pages or after 5 passes; legacy
 * libxc (xm) after 29, below 50 sent, beyond 3x memory, or when the guest
 * dirties faster than the link sends. Expected figures were worked out
 * separately: pages dirtied in a pass = dirty rate x (pages sent / link rate).
 */
const GBE = (1024 * PAGES_PER_MIB * 1000) / 9_760; // pages per second at 110 MB/s
const mib = (n: number) => n * PAGES_PER_MIB;

const rows = [
  { name: "idle guest converges in a few passes", policy: STREAM_V2, memory: 512, dirty: 16, rounds: [131072, 19988, 3048, 465, 71], final: 11 },
  { name: "a guest that writes nothing: one pass, empty stop-and-copy", policy: STREAM_V2, memory: 512, dirty: 0, rounds: [131072], final: 0 },
  { name: "a busy guest is cut off after 5 passes with a large remainder", policy: STREAM_V2, memory: 1024, dirty: 90, rounds: [262144, 224870, 192896, 165469, 141941], final: 121759 },
  { name: "a guest dirtying faster than the link: the whole memory each pass, then stop", policy: STREAM_V2, memory: 256, dirty: 400, rounds: [65536, 65536, 65536, 65536, 65536], final: 65536 },
  { name: "legacy: dirtier than the link stops after the first pass", policy: LEGACY_LIBXC, memory: 256, dirty: 400, rounds: [65536], final: 65536 },
  { name: "legacy: idle guest stops once fewer than 50 pages were sent", policy: LEGACY_LIBXC, memory: 512, dirty: 16, rounds: [131072, 19988, 3048, 465, 71, 11], final: 2 },
] as const;

for (const row of rows) {
  t.test(row.name, async (t) => {
    const plan = planPrecopy({ memoryPages: mib(row.memory), dirtyPagesPerS: mib(row.dirty), linkPagesPerS: GBE }, row.policy);
    t.same(plan, { rounds: row.rounds, finalPages: row.final });
  });
}

t.test("transfer time follows the link speed", async (t) => {
  t.equal(transferMs(mib(1024), 9_760), 9_760);
  t.equal(transferMs(mib(512), 9_760), 4_880);
});
