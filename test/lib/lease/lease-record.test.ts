import t from "tap";
import { formatFence, formatLease, parseFence, parseLease, type LeaseRecord } from "../../../lib/lease/lease-record.ts";

const lease: LeaseRecord = {
  domain: "web/1 ü",
  generation: 7,
  holder: "node1",
  state: "held",
  renewedAt: 1_764_000_000_000,
  timeoutMs: 60_000,
};

t.test("a lease survives its text form, whatever the domain is called", async (t) => {
  const text = formatLease(lease);
  t.match(text, /^xen-ha-lease 1\ndomain=web%2F1%20%C3%BC\ngeneration=7\nholder=node1\nstate=held\nrenewed_at=1764000000000\ntimeout_ms=60000\nchecksum=sha256:[0-9a-f]{64}\n$/);
  t.same(parseLease(text), { ok: true, value: lease });
});

const text = formatLease(lease);
const broken: readonly { name: string; text: string; problem: RegExp }[] = [
  { name: "an empty file (a write that never happened)", text: "", problem: /empty file/ },
  { name: "a torn write: the end is missing", text: text.slice(0, 60), problem: /no checksum line/ },
  { name: "a torn write: one byte changed", text: text.replace("generation=7", "generation=8"), problem: /checksum mismatch/ },
  { name: "a foreign file", text: "{\"holder\":\"node2\"}\n", problem: /not a xen-ha-lease 1 record/ },
  { name: "a fence record where a lease belongs", text: formatFence({ domain: "d", generation: 1, by: "x", state: "confirmed", at: 1 }), problem: /not a xen-ha-lease 1 record/ },
];

for (const c of broken) {
  t.test(`${c.name} is an error, never a free lease`, async (t) => {
    const parsed = parseLease(c.text);
    t.equal(parsed.ok, false);
    if (!parsed.ok) t.match(parsed.problem, c.problem);
  });
}

t.test("fence records round-trip and are checked the same way", async (t) => {
  const fence = { domain: "vm1", generation: 3, by: "fence_xen@guest2", state: "announced", at: 5 } as const;
  t.same(parseFence(formatFence(fence)), { ok: true, value: fence });
  t.equal(parseFence(formatFence(fence).replace("announced", "confirmed")).ok, false, "an edited state is caught");
});
