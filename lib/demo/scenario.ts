import type { ForcedAction } from "./crm-resource.ts";

/**
 * The demo's story, as data: each step is a crm_resource call (or an event
 * inside the simulated guest) and the outcome a correct agent must give.
 */
export type DemoStep =
  | {
      readonly kind: "crm";
      readonly title: string;
      readonly action: ForcedAction | "validate";
      readonly expectRc: number;
      /** What the simulator must show afterwards: "running", "crashed" or "absent". */
      readonly expectDomain: DomainShape;
    }
  | { readonly kind: "crash"; readonly title: string; readonly expectDomain: DomainShape };

export type DomainShape = "running" | "crashed" | "absent";

export const demoSteps: readonly DemoStep[] = [
  { kind: "crm", title: "validate the configuration", action: "validate", expectRc: 0, expectDomain: "absent" },
  { kind: "crm", title: "check before start (not running here)", action: "force-check", expectRc: 7, expectDomain: "absent" },
  { kind: "crm", title: "start the domain", action: "force-start", expectRc: 0, expectDomain: "running" },
  { kind: "crm", title: "monitor the running domain", action: "force-check", expectRc: 0, expectDomain: "running" },
  { kind: "crash", title: "the guest kernel crashes (on_crash=preserve)", expectDomain: "crashed" },
  { kind: "crm", title: "monitor detects the crash", action: "force-check", expectRc: 1, expectDomain: "crashed" },
  { kind: "crm", title: "stop (destroys the crashed domain)", action: "force-stop", expectRc: 0, expectDomain: "absent" },
  { kind: "crm", title: "monitor after stop", action: "force-check", expectRc: 7, expectDomain: "absent" },
];

/** The simulator's ground truth, reduced to what the story talks about. */
export function domainShape(state: string | undefined): DomainShape | "other" {
  if (state === undefined) return "absent";
  if (state[4] === "c") return "crashed";
  if (/^[rb-]{2}----$/.test(state)) return "running";
  return "other";
}
