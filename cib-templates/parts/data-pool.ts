import { param } from "../../lib/ocf/params.ts";
import { clone, colocation, order, primitive, promotableClone } from "../../lib/cib/author/build.ts";
import type { CibParts } from "../../lib/cib/author/define-template.ts";
import { makeId } from "../../lib/cib/model/ids.ts";
import type { SchemaProfile } from "../../lib/cib/model/schema.ts";
import type { Xml } from "../../lib/xml/xml.ts";

/**
 * The HA data pool the domains' disks live on (doc/cib.md §2b, §2d):
 *  - shared-fs: a cluster file system (OCFS2/GFS2 over DLM, or NFS) mounted on
 *    every host by a clone; domains order after it and live-migrate freely;
 *  - drbd-single-primary: DRBD promoted on one host; the domains follow the
 *    primary and move cold (stop, demote, promote, start);
 *  - drbd-dual-primary: DRBD promoted on both hosts so a domain can live-migrate.
 *    Its orders are the two asymmetric ones: a symmetric promote->start order
 *    turns a migration into a restart, and no order lets DRBD be demoted under
 *    a running domain.
 */
export const POOL_MODES = ["shared-fs", "drbd-single-primary", "drbd-dual-primary"] as const;
export type PoolMode = (typeof POOL_MODES)[number];

/** Only single-primary DRBD cannot carry a live migration. */
export const poolAllowsMigration = (mode: PoolMode): boolean => mode !== "drbd-single-primary";

export const poolVariables = {
  fs_type: param.select(["ocfs2", "gfs2", "nfs"])({
    default: "ocfs2",
    shortdesc: "shared-fs: file system type (ocfs2 and gfs2 run over a DLM clone)",
  }),
  fs_device: param.string({
    default: "/dev/disk/by-label/vmstore",
    shortdesc: "shared-fs: the device (or server:/export for nfs) holding the domains' disks",
  }),
  fs_directory: param.string({
    default: "/srv/xen",
    shortdesc: "shared-fs: where the file system is mounted on every host",
  }),
  drbd_resource: param.string({
    default: "vmpool",
    shortdesc: "drbd-*: the DRBD resource name (drbd.conf) holding the domains' disks",
    longdesc:
      "Dual-primary also needs allow-two-primaries and resource-and-stonith fencing in the DRBD configuration, " +
      "which lives outside the CIB.",
  }),
};

export interface PoolValues {
  readonly fs_type: "ocfs2" | "gfs2" | "nfs";
  readonly fs_device: string;
  readonly fs_directory: string;
  readonly drbd_resource: string;
}

export const POOL_CLONE = { "shared-fs": "vmstore-clone", drbd: "drbd-pool-clone" } as const;
export const poolCloneId = (mode: PoolMode): string =>
  mode === "shared-fs" ? POOL_CLONE["shared-fs"] : POOL_CLONE.drbd;

function sharedFs(values: PoolValues): Xml[] {
  const fs = clone(
    POOL_CLONE["shared-fs"],
    primitive({
      id: "vmstore",
      agent: "ocf:heartbeat:Filesystem",
      params: { device: values.fs_device, directory: values.fs_directory, fstype: values.fs_type },
      ops: [
        { name: "start", interval: "0", timeout: "60s" },
        { name: "stop", interval: "0", timeout: "60s" },
        { name: "monitor", interval: "20s", timeout: "40s" },
      ],
    }),
  );
  if (values.fs_type === "nfs") return [fs];
  const dlm = clone(
    "dlm-clone",
    primitive({
      id: "dlm",
      agent: "ocf:pacemaker:controld",
      ops: [
        { name: "start", interval: "0", timeout: "90s" },
        { name: "stop", interval: "0", timeout: "100s" },
        { name: "monitor", interval: "60s", timeout: "60s" },
      ],
    }),
  );
  return [dlm, fs];
}

function drbd(mode: PoolMode, hosts: number, profile: SchemaProfile, values: PoolValues): Xml {
  return promotableClone(profile, {
    id: POOL_CLONE.drbd,
    promoted: mode === "drbd-dual-primary" ? 2 : 1,
    instances: hosts,
    child: primitive({
      id: "drbd-pool",
      agent: "ocf:linbit:drbd",
      params: { drbd_resource: values.drbd_resource },
      ops: [
        // two monitors, one per role, with different intervals (Pacemaker requires it)
        { name: "monitor", interval: "29s", timeout: "20s", role: profile.promotedRole },
        { name: "monitor", interval: "31s", timeout: "20s", role: profile.unpromotedRole },
      ],
    }),
  });
}

/** Constraints tying one domain to the pool. */
function domainTies(mode: PoolMode, domain: string, profile: SchemaProfile): Xml[] {
  const pool = poolCloneId(mode);
  if (mode === "shared-fs") {
    return [
      order({ id: makeId(domain, "after", pool), first: pool, then: domain }),
      colocation({ id: makeId(domain, "with", pool), rsc: domain, withRsc: pool, score: "INFINITY" }),
    ];
  }
  const withPrimary = colocation({
    id: makeId(domain, "with", pool, "primary"),
    rsc: domain,
    withRsc: pool,
    withRscRole: profile.promotedRole,
    score: "INFINITY",
  });
  if (mode === "drbd-single-primary") {
    return [
      order({ id: makeId(domain, "after", pool, "promote"), first: pool, firstAction: "promote", then: domain, thenAction: "start" }),
      withPrimary,
    ];
  }
  return [
    order({
      id: makeId(domain, "after", pool, "promote"),
      first: pool,
      firstAction: "promote",
      then: domain,
      thenAction: "start",
      symmetrical: false,
    }),
    order({
      id: makeId(pool, "demote-after", domain, "stop"),
      first: domain,
      firstAction: "stop",
      then: pool,
      thenAction: "demote",
      symmetrical: false,
    }),
    withPrimary,
  ];
}

export function dataPool(
  mode: PoolMode,
  hosts: number,
  domainIds: readonly string[],
  profile: SchemaProfile,
  values: PoolValues,
): Required<Pick<CibParts, "resources" | "constraints">> {
  const infrastructure =
    mode === "shared-fs" && values.fs_type !== "nfs"
      ? [
          order({ id: "vmstore-after-dlm", first: "dlm-clone", then: POOL_CLONE["shared-fs"] }),
          colocation({ id: "vmstore-with-dlm", rsc: POOL_CLONE["shared-fs"], withRsc: "dlm-clone", score: "INFINITY" }),
        ]
      : [];
  return {
    resources: mode === "shared-fs" ? sharedFs(values) : [drbd(mode, hosts, profile, values)],
    constraints: [...infrastructure, ...domainIds.flatMap((domain) => domainTies(mode, domain, profile))],
  };
}

/** DRBD pools replicate between two hosts. */
export const drbdHostProblems = (mode: PoolMode, hosts: readonly string[]): string[] =>
  mode !== "shared-fs" && hosts.length !== 2
    ? [`nodes: a ${mode} pool replicates between exactly 2 hosts, got ${hosts.length}`]
    : [];
