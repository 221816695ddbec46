/**
 * What the remote user's shell makes of the command line real ssh sends: ssh
 * joins its remote words with spaces, and the shell splits the line again,
 * honouring '...', "..." and backslashes. The simulator does the same split,
 * so a caller that forgets to quote a word for the remote shell fails here as
 * it would on a real dom0, instead of passing by luck. Shell syntax that a
 * real shell would act on (expansions, globs, redirections, separators) is
 * not run: it is refused, which a test notices at once.
 */
export type RemoteWords = { readonly ok: true; readonly words: readonly string[] } | { readonly ok: false; readonly problem: string };

/** Unquoted characters that make a POSIX shell do something other than split words. */
const ACTIVE = new Set(["$", "`", ";", "|", "&", "<", ">", "(", ")", "*", "?", "[", "#", "~", "\n"]);

export function splitRemoteLine(line: string): RemoteWords {
  const words: string[] = [];
  let word: string | undefined;
  const add = (text: string) => {
    word = (word ?? "") + text;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: "unterminated '" };
      add(line.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let text = "";
      for (i++; i < line.length && line[i] !== '"'; i++) {
        const d = line[i] as string;
        if (d === "$" || d === "`") return { ok: false, problem: `expansion ${d} inside "..."` };
        if (d === "\\" && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) i++;
        text += line[i];
      }
      if (i >= line.length) return { ok: false, problem: 'unterminated "' };
      add(text);
    } else if (c === "\\") {
      if (i + 1 >= line.length) return { ok: false, problem: "trailing backslash" };
      add(line[++i] as string);
    } else if (ACTIVE.has(c) && !(c === "#" && word !== undefined) && !(c === "~" && word !== undefined)) {
      return { ok: false, problem: `unquoted ${JSON.stringify(c)} would be interpreted by the remote shell` };
    } else {
      add(c);
    }
  }
  if (word !== undefined) words.push(word);
  return { ok: true, words };
}
