import type { DomainRow, DomainState, ShutdownReason } from "./toolstack.ts";

/**
 * Parsers for the `xl list` and `xm list` tables (doc/xl-behaviour.md §1.2-1.3, §1.7).
 * xl rows: `%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f`; the header has TABs.
 * xm rows: `%-40s %5s %5d %5d %10s %8.1f`; the ID column is empty for
 * xend-managed domains that are not running.
 * Names are taken from the left up to the last four columns, so they may hold
 * any character except a line break; `(null)` is a domain without a name.
 */

/** Position 5 of an xl state when position 4 is `s` (xl_info.c `list_domains`). */
const XL_REASONS: Readonly<Record<string, ShutdownReason>> = {
  "-": "poweroff",
  r: "reboot",
  s: "suspend",
  c: "crash",
  w: "watchdog",
  S: "soft-reset",
};

// xl prints a reason letter only after an `s`; xm prints its crash `c` without one.
const XL_ROW = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-r][-b][-p](?:s[-rscwS]|--)[-d])\s+(\d+(?:\.\d+)?)$/;
const XM_ROW = /^(.+?)\s+(\d*)\s+(\d+)\s+(\d+)\s+([-r][-b][-p][-s][-c][-d])\s+(\d+(?:\.\d+)?)$/;
const HEADER = /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)/;

/** Positions 1-3 and 6 mean the same in xl and xm. */
const commonFlags = (letters: string) => ({
  letters,
  running: letters[0] === "r",
  blocked: letters[1] === "b",
  paused: letters[2] === "p",
  dying: letters[5] === "d",
});

export function parseXlState(letters: string): DomainState {
  const shutdown = letters[3] === "s";
  const shutdownReason = shutdown ? XL_REASONS[letters[4] ?? "-"] : undefined;
  return { ...commonFlags(letters), shutdown, shutdownReason, crashed: shutdownReason === "crash" };
}

/** xm's fifth letter is `c` for a crash, with the shutdown flag cleared by libxc. */
export function parseXmState(letters: string): DomainState {
  const crashed = letters[4] === "c";
  const shutdown = letters[3] === "s";
  const shutdownReason = crashed ? "crash" : shutdown ? "poweroff" : undefined;
  return { ...commonFlags(letters), shutdown, shutdownReason, crashed };
}

export type TableParse =
  | { readonly ok: true; readonly rows: readonly DomainRow[]; readonly inactive: readonly string[] }
  | { readonly ok: false; readonly problem: string };

function parseTable(text: string, row: RegExp, state: (letters: string) => DomainState): TableParse {
  const lines = text.split("\n").map((line) => line.trimEnd()).filter((line) => line !== "");
  const [header, ...body] = lines;
  if (header === undefined || !HEADER.test(header)) {
    return { ok: false, problem: `no list header in ${JSON.stringify(text.slice(0, 80))}` };
  }
  const rows: DomainRow[] = [];
  const inactive: string[] = [];
  for (const line of body) {
    const match = row.exec(line);
    if (!match) return { ok: false, problem: `unreadable row ${JSON.stringify(line)}` };
    const [, name = "", domid = "", mem = "", vcpus = "", letters = "", time = ""] = match;
    if (domid === "") {
      inactive.push(name); // xend knows it, but it is not a hypervisor domain
      continue;
    }
    rows.push({
      name: name === "(null)" ? undefined : name,
      domid: Number(domid),
      memoryMiB: Number(mem),
      vcpus: Number(vcpus),
      state: state(letters),
      cpuSeconds: Number(time),
    });
  }
  return { ok: true, rows, inactive };
}

export const parseXlList = (text: string): TableParse => parseTable(text, XL_ROW, parseXlState);
export const parseXmList = (text: string): TableParse => parseTable(text, XM_ROW, parseXmState);
