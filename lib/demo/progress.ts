/**
 * Progress of a long demo step. On a terminal one line updates in place (a
 * spinner, the elapsed time and what the step reports); elsewhere (CI logs,
 * pipes) each report that differs from the last is a plain line, so a log
 * shows the same story without control characters.
 */
export interface Progress {
  /** Runs `work`, showing `label` while it runs; `work` may report details through `note`. */
  step<T>(label: string, work: (note: (detail: string) => void) => Promise<T>): Promise<T>;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\x1b[2K";
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `columns`: the terminal's width; the updating line is cut to it, since a wrapped line cannot be redrawn in place. */
export function progress(out: (text: string) => void, tty: boolean, columns = 80): Progress {
  return {
    async step<T>(label: string, work: (note: (detail: string) => void) => Promise<T>): Promise<T> {
      const started = Date.now();
      let detail = "";
      let frame = 0;
      const draw = () => {
        const text = `${FRAMES[frame++ % FRAMES.length]} ${label} ${seconds(Date.now() - started)}${detail ? `: ${detail}` : ""}`;
        out(`${CLEAR_LINE}${[...text].slice(0, Math.max(10, columns - 1)).join("")}`);
      };
      const note = (text: string): void => {
        if (text === detail) return;
        detail = text;
        if (tty) draw();
        else out(`  ${seconds(Date.now() - started).padStart(7)}  ${text}\n`);
      };
      let timer: NodeJS.Timeout | undefined;
      if (tty) {
        draw();
        timer = setInterval(draw, 100);
      } else {
        out(`${label} ...\n`);
      }
      try {
        const value = await work(note);
        out(`${tty ? CLEAR_LINE : ""}${label}: done in ${seconds(Date.now() - started)}\n`);
        return value;
      } catch (error) {
        out(`${tty ? CLEAR_LINE : ""}${label}: FAILED after ${seconds(Date.now() - started)}\n`);
        throw error;
      } finally {
        if (timer) clearInterval(timer);
      }
    },
  };
}
