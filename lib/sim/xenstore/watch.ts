import { watch } from "node:fs";
import type { ToolIo } from "../context.ts";
import { hostPaths } from "../host/paths.ts";
import { HostMissing, readHost } from "../host/store.ts";
import { domainPhases, eventsFor, specialEvents, treeChanges, xenstoreTree, type DomainPhase, type XenstoreTree } from "./tree.ts";

/**
 * xenstore-watch (xenstore_client.c MODE_watch, do_watch): every path is
 * watched; each watch fires once at registration with its own path, then
 * once per change, printing only the event path, one line flushed at once.
 * `-n NR` exits 0 after NR lines. A duplicate path is refused (EEXIST).
 *
 * The simulated xenstored is the host's state file: each time it is
 * replaced (inotify on the host directory, no polling) the tree and the
 * domains' phases are derived again and compared with the last look, so
 * events come exactly when the simulated hypervisor changes state, with
 * the simulator's latencies (doc/xenstore.md §3).
 */
interface Look {
  readonly tree: XenstoreTree;
  readonly phases: ReadonlyMap<number, DomainPhase>;
}

const look = (root: string, host: string): Look => {
  const record = readHost(root, host);
  return { tree: xenstoreTree(record), phases: domainPhases(record) };
};

export function watchPaths(root: string, host: string, prog: string, paths: readonly string[], count: number | undefined, io: ToolIo): Promise<number> {
  const duplicate = paths.find((path, i) => paths.indexOf(path) !== i);
  if (duplicate !== undefined) {
    io.stderr(`${prog}: Unable to add watch on ${duplicate}\n\n`);
    return Promise.resolve(1);
  }
  let printed = 0;
  /** Prints one event; true once -n's count is reached. */
  const emit = (path: string): boolean => {
    io.stdout(`${path}\n`);
    printed++;
    return count !== undefined && printed >= count;
  };
  // xenstored registers the watch before it fires the initial event: a
  // change made by whoever read that first line must not fall between the
  // two, so the directory is watched and the tree read before anything is
  // printed.
  const watcher = watch(hostPaths(root, host).dir, { persistent: true });
  let last: Look;
  try {
    last = look(root, host);
  } catch (error) {
    watcher.close();
    throw error;
  }
  for (const path of paths) {
    if (emit(path)) {
      watcher.close();
      return Promise.resolve(0);
    }
  }
  return new Promise((resolve) => {
    const finish = (code: number): void => {
      watcher.close();
      resolve(code);
    };
    // the simulation root was removed: the simulated host is gone with its xenstored
    watcher.on("error", () => finish(0));
    watcher.on("change", (_event, file) => {
      if (file !== "host.json") return;
      let now: Look;
      try {
        now = look(root, host);
      } catch (error) {
        if (error instanceof HostMissing || error instanceof SyntaxError) return;
        throw error;
      }
      const changes = treeChanges(last.tree, now.tree);
      const special = specialEvents(last.phases, now.phases);
      last = now;
      // node watches first: libxl removes a domain's subtree before the destroy hypercall raises @releaseDomain
      const ordered = [...paths.filter((p) => !p.startsWith("@")), ...paths.filter((p) => p.startsWith("@"))];
      for (const path of ordered) {
        for (const event of eventsFor(path, changes, special)) {
          if (emit(event)) return finish(0);
        }
      }
    });
  });
}
