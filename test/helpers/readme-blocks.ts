/**
 * The shell code blocks of a markdown file (fenced ```sh, ```bash or ```shell, indented
 * or not), in order, each with the reason it is skipped when the line before its fence
 * is `<!-- readme-test: skip (reason) -->`.
 */
export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  skip?: string;
}

const SHELL = new Set(["sh", "bash", "shell"]);
const SKIP_RE = /^\s*<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->\s*$/;

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    if (SHELL.has(open[2]!)) {
      const code = lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
        .join("\n");
      const before = lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== "");
      const skip = before === undefined ? undefined : SKIP_RE.exec(before)?.[1];
      blocks.push({ line: i + 1, code, ...(skip !== undefined && { skip }) });
    }
    i = end;
  }
  return blocks;
}
