import { MIGRATION_FAULTS, type GuestBehaviour, type HostKnobs, type MigrationFault } from "./host/model.ts";
import { DEFAULT_BEHAVIOUR, DEFAULT_KNOBS } from "./host/store.ts";
import { isTimingName, type Timing } from "./host/timing.ts";

/**
 * `key=value` words (the `xen-ha sim knob` and `xen-ha sim guest` syntax) to
 * knob and behaviour objects. Keys are the field names of HostKnobs and
 * GuestBehaviour; maps take `fail.CMD=N`, `slowMs.CMD=MS`, `timing.NAME=MS`;
 * `hang=list,create` (empty: none). Booleans: on/off/true/false/1/0.
 */
export type Parsed<T> = { readonly value: T } | { readonly error: string };

function parseBoolean(text: string): boolean | undefined {
  if (["on", "true", "1", "yes"].includes(text)) return true;
  if (["off", "false", "0", "no"].includes(text)) return false;
  return undefined;
}

function parseMs(text: string): number | undefined {
  const value = Number(text);
  return text !== "" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function split(word: string): [string, string] | undefined {
  const at = word.indexOf("=");
  return at > 0 ? [word.slice(0, at), word.slice(at + 1)] : undefined;
}

export function parseKnobWords(words: readonly string[], current: HostKnobs = DEFAULT_KNOBS): Parsed<Partial<HostKnobs>> {
  const knobs: Partial<HostKnobs> = {};
  const fail = { ...current.fail };
  const slowMs = { ...current.slowMs };
  const timing: Partial<Timing> = {};
  for (const word of words) {
    const pair = split(word);
    if (!pair) return { error: `expected key=value, got ${JSON.stringify(word)}` };
    const [key, text] = pair;
    const [head, sub] = key.includes(".") ? [key.slice(0, key.indexOf(".")), key.slice(key.indexOf(".") + 1)] : [key, undefined];
    const bad = (): Parsed<never> => ({ error: `bad value for ${key}: ${JSON.stringify(text)}` });
    if (sub !== undefined) {
      const amount = parseMs(text);
      if (amount === undefined) return bad();
      if (head === "fail") fail[sub] = amount;
      else if (head === "slowMs") slowMs[sub] = amount;
      else if (head === "timing" && isTimingName(sub)) timing[sub] = amount;
      else return { error: `unknown knob ${key}` };
      continue;
    }
    switch (head) {
      case "hypervisor":
      case "privcmd":
      case "autoballoon":
      case "xendomains":
      case "sshDeny":
      case "sshHang":
      case "relocationServer": {
        const flag = parseBoolean(text);
        if (flag === undefined) return bad();
        knobs[head] = flag;
        break;
      }
      case "dom0MinMiB": {
        const amount = parseMs(text);
        if (amount === undefined) return bad();
        knobs.dom0MinMiB = amount;
        break;
      }
      case "zombieMs": {
        const amount = text === "never" ? "never" : parseMs(text);
        if (amount === undefined) return bad();
        knobs.zombieMs = amount;
        break;
      }
      case "hang":
        knobs.hang = text === "" ? [] : text.split(",");
        break;
      case "relocationHostsAllow":
      case "missingPaths":
        knobs[head] = text === "" ? [] : text.split(",");
        break;
      case "migrationFault":
        if (!(MIGRATION_FAULTS as readonly string[]).includes(text)) return { error: `bad value for ${key}: ${JSON.stringify(text)} (one of ${MIGRATION_FAULTS.join(", ")})` };
        knobs.migrationFault = text as MigrationFault;
        break;
      default:
        return { error: `unknown knob ${key} (known: ${Object.keys(DEFAULT_KNOBS).join(", ")})` };
    }
  }
  return { value: { ...knobs, fail, slowMs, ...(Object.keys(timing).length > 0 ? { timing: timing as Timing } : {}) } };
}

export function parseBehaviourWords(words: readonly string[]): Parsed<Partial<GuestBehaviour>> {
  const behaviour: Record<string, number | boolean | null> = {};
  for (const word of words) {
    const pair = split(word);
    if (!pair) return { error: `expected key=value, got ${JSON.stringify(word)}` };
    const [key, text] = pair;
    const fallback = (DEFAULT_BEHAVIOUR as unknown as Record<string, unknown>)[key];
    if (fallback === undefined) return { error: `unknown guest behaviour ${key} (known: ${Object.keys(DEFAULT_BEHAVIOUR).join(", ")})` };
    const value = typeof fallback === "boolean" ? parseBoolean(text) : text === "null" || text === "never" ? null : parseMs(text);
    if (value === undefined || (value === null && key !== "crashAfterMs")) return { error: `bad value for ${key}: ${JSON.stringify(text)}` };
    behaviour[key] = value;
  }
  return { value: behaviour as Partial<GuestBehaviour> };
}
