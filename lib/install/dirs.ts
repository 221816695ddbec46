// Apart from plan.ts so the `xen-ha install` help can show the defaults without loading the installer.

/** The directories an installation writes to. */
export interface InstallDirs {
  /** OCF_ROOT: agents go to OCF_ROOT/resource.d/<provider>/. */
  readonly ocfRoot: string;
  /** The private copy of Node, the compiled code and its production dependencies. */
  readonly prefix: string;
  /** Commands for administrators and fence agents (Pacemaker looks for fence_* here). */
  readonly sbinDir: string;
  /** cluster-glue external stonith plugins. */
  readonly stonithDir: string;
  /** Where man pages go (MANDIR/man7, MANDIR/man8); none are installed when unset. */
  readonly manDir?: string;
}

export const defaultInstallDirs: InstallDirs = {
  ocfRoot: "/usr/lib/ocf",
  prefix: "/usr/lib/xen-ha",
  sbinDir: "/usr/sbin",
  stonithDir: "/usr/lib/stonith/plugins/external",
  manDir: "/usr/share/man",
};
