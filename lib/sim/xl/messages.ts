/**
 * libxl's log line shape: `libxl: LEVEL: FILE:LINE:FUNC: Domain N:MESSAGE`
 * (no space after `Domain N:`; that part only for guest domids). File and line
 * numbers are those of Xen 4.17 as far as known; they change every release,
 * so agents (and our tests) match only on MESSAGE.
 */
const SOURCE_LINES: Readonly<Record<string, string>> = {
  libxl__domain_rename: "libxl_domain.c:46",
  initiate_domain_create: "libxl_create.c:1261",
  domcreate_rebuild_done: "libxl_create.c:1886",
  libxl__build_dom: "libxl_dom.c:598",
  libxl__destroy_domid: "libxl_domain.c:1234",
  domain_destroy_callback: "libxl_domain.c:1162",
  domain_destroy_cb: "libxl_domain.c:1109",
  pvcontrol_cb: "libxl_domain.c:854",
  libxl_domain_pause: "libxl_domain.c:605",
  libxl_domain_unpause: "libxl_domain.c:683",
  libxl__domain_type: "libxl_dom.c:45",
  libxl_list_domain: "libxl_domain.c:333",
  libxl_set_memory_target: "libxl_mem.c:335",
  libxl_domain_setmaxmem: "libxl_mem.c:50",
  libxl_send_trigger: "libxl_domain.c:1766",
  libxl_ctx_alloc: "libxl.c:102",
  libxl_domain_core_dump: "libxl_domain.c:628",
};

export function libxlLine(level: "error" | "warning" | "info", func: string, domid: number | null, message: string): string {
  const where = SOURCE_LINES[func] ?? "libxl.c:1";
  const domain = domid !== null && domid > 0 && domid <= 0x7fef ? `Domain ${domid}:` : "";
  return `libxl: ${level}: ${where}:${func}: ${domain}${message}\n`;
}

/** xl without a usable hypervisor (observed on Debian's xl 4.17 without Xen). */
export const NO_HYPERVISOR =
  "xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n" +
  "libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\n" +
  "cannot init xl context\n";

export const XM_NO_XEND = "Error: Unable to connect to xend: No such file or directory. Is xend running?\n";

export const invalidDomainIdentifier = (argument: string): string => `${argument} is an invalid domain identifier (rc=-6)\n`;
