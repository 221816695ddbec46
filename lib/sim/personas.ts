/**
 * What differs between the toolstacks an agent may meet (doc/xl-behaviour.md §9).
 * Every version-dependent branch in the simulator asks one of these fields.
 */
export interface Persona {
  readonly id: PersonaId;
  /** The executable the host has: Xen 3 had xm only, xend was removed in 4.5. */
  readonly tool: "xl" | "xm" | "none";
  readonly xenMajor: number;
  readonly xenMinor: number;
  readonly xenExtra: string;
  /** shutdown/reboot wait up to 60 s for the guest's ack (Xen >= 4.13). */
  readonly waitsForAck: boolean;
  /** `shutdown -ww` waits for death (Xen >= 4.14). */
  readonly waitForDeath: boolean;
  /** Toolstack pause is reference-counted (Xen >= 4.5). */
  readonly pauseCounted: boolean;
  /** `xl list -l` JSON layout: yajl (4 spaces, `"k": v`) or json-c (2 spaces, `"k":v`, Xen >= 4.21). */
  readonly json: "yajl" | "json-c";
  /** `xl info FIELD` (Xen >= 4.8). */
  readonly infoField: boolean;
}

export const PERSONA_IDS = ["xl-4.17", "xl-4.4", "xl-4.21", "xm", "none"] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];
export const DEFAULT_PERSONA: PersonaId = "xl-4.17";

const xl417: Persona = {
  id: "xl-4.17",
  tool: "xl",
  xenMajor: 4,
  xenMinor: 17,
  xenExtra: ".3",
  waitsForAck: true,
  waitForDeath: true,
  pauseCounted: true,
  json: "yajl",
  infoField: true,
};

/** What toolstacks before Xen 4.5 lacked: the ack wait, -ww, counted pause, `info FIELD`. */
const beforeXen45 = { waitsForAck: false, waitForDeath: false, pauseCounted: false, infoField: false } as const;

export const PERSONAS: Readonly<Record<PersonaId, Persona>> = {
  "xl-4.17": xl417,
  "xl-4.4": { ...xl417, ...beforeXen45, id: "xl-4.4", xenMinor: 4, xenExtra: ".4" },
  "xl-4.21": { ...xl417, id: "xl-4.21", xenMinor: 21, xenExtra: ".0", json: "json-c" },
  xm: { ...xl417, ...beforeXen45, id: "xm", tool: "xm", xenMajor: 3, xenMinor: 4, xenExtra: ".4" },
  none: { ...xl417, id: "none", tool: "none" },
};

export function isPersonaId(value: string): value is PersonaId {
  return (PERSONA_IDS as readonly string[]).includes(value);
}
