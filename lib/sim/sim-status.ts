import { listHosts } from "./host/store.ts";
import { DEFAULT_KNOBS, freeMemoryMiB, readHost } from "./host/store.ts";
import { allViews } from "./host/views.ts";
import { formatList } from "./xl/list.ts";

/** `xen-ha sim status`: every host under a root, its state and its domains as `xl list` shows them. */
export function formatStatus(root: string): string {
  const hosts = listHosts(root);
  if (hosts.length === 0) return `no simulated hosts under ${root}\n`;
  return hosts
    .map((host) => {
      const record = readHost(root, host);
      const active = { ...record.knobs, fail: Object.fromEntries(Object.entries(record.knobs.fail).filter(([, n]) => n > 0)) };
      const knobs = Object.entries(active)
        .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify((DEFAULT_KNOBS as unknown as Record<string, unknown>)[key]))
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
      const head =
        `${host}: ${record.up ? "up" : "DOWN"}, persona ${record.persona}, time factor ${record.timeFactor}, ` +
        `free ${freeMemoryMiB(record)} of ${record.totalMemoryMiB} MiB${knobs.length > 0 ? `, knobs ${knobs.join(" ")}` : ""}\n`;
      return record.up ? head + formatList(allViews(record), false) : head;
    })
    .join("\n");
}
