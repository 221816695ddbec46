/**
 * The colours Pacemaker's node-health-strategy reads from `#health-*` node
 * attributes (doc/xen-host.md §1): each check contributes one, the host's is
 * the worst.
 */
export type Colour = "green" | "yellow" | "red";

export interface Finding {
  /** What was checked, e.g. "toolstack", "bridge xenbr0". */
  readonly check: string;
  readonly colour: Colour;
  /** The figure or the cause: for yellow and red, a sentence an admin can act on. */
  readonly detail: string;
}

export const RANK: Readonly<Record<Colour, number>> = { green: 0, yellow: 1, red: 2 };

export const worst = (findings: readonly Finding[]): Colour =>
  findings.reduce<Colour>((acc, f) => (RANK[f.colour] > RANK[acc] ? f.colour : acc), "green");

export const green = (check: string, detail: string): Finding => ({ check, colour: "green", detail });
export const yellow = (check: string, detail: string): Finding => ({ check, colour: "yellow", detail });
export const red = (check: string, detail: string): Finding => ({ check, colour: "red", detail });

/** Red causes first, then yellow: what the exit reason and the log say. */
export function causes(findings: readonly Finding[]): string {
  return (["red", "yellow"] as const)
    .flatMap((colour) => findings.filter((f) => f.colour === colour).map((f) => `${colour}: ${f.check}: ${f.detail}`))
    .join("; ");
}
