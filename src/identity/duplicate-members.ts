/**
 * I-JSON (RFC 7493) and JCS (RFC 8785) forbid an object with the same member twice:
 * `JSON.parse` keeps the last, another parser may show the first, so a signed profile
 * could read differently to two verifiers. Signed documents are checked where they enter.
 */

export interface DuplicateMember {
  /** JSON pointer (RFC 6901) of the repeated member. */
  pointer: string;
  name: string;
}

type Frame =
  | { kind: "object"; names: Set<string>; name?: string; expectName: boolean }
  | {
      kind: "array";
      index: number;
    };

function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

function pointerTo(stack: Frame[], name: string): string {
  const tokens = stack
    .slice(0, -1)
    .map((f) => (f.kind === "object" ? (f.name ?? "") : String(f.index)));
  return `/${[...tokens, name].map(escapePointerToken).join("/")}`;
}

/** End index (the closing quote) of the string literal opening at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i;
    else i += 1;
  }
  return text.length;
}

/**
 * The first member repeated within one object of `text`, which must be valid JSON (parse
 * it first). Names compare after unescaping: `"a"` and `"\u0061"` are the same member.
 */
export function findDuplicateMember(text: string): DuplicateMember | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack.at(-1);
    if (c === "{") stack.push({ kind: "object", names: new Set(), expectName: true });
    else if (c === "[") stack.push({ kind: "array", index: 0 });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      if (top?.kind === "object") top.expectName = true;
      else if (top?.kind === "array") top.index += 1;
    } else if (c === '"') {
      const end = endOfString(text, i);
      if (top?.kind === "object" && top.expectName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) return { pointer: pointerTo(stack, name), name };
        top.names.add(name);
        top.name = name;
        top.expectName = false;
      }
      i = end;
    }
  }
  return undefined;
}

export class DuplicateMemberError extends Error {
  constructor(readonly duplicate: DuplicateMember) {
    super(
      `member "${duplicate.name}" appears twice at ${duplicate.pointer}: JSON with repeated members can be read two ways (RFC 7493, RFC 8785)`,
    );
    this.name = "DuplicateMemberError";
  }
}

/** `JSON.parse`, refusing an object with a repeated member (throws DuplicateMemberError). */
export function parseJsonWithoutDuplicates(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  const duplicate = findDuplicateMember(text);
  if (duplicate) throw new DuplicateMemberError(duplicate);
  return value;
}
