// The header-field syntax that RFC 3464 delivery-status and RFC 5965
// feedback-report parts share with mail headers: "Name: value" lines,
// continuation lines starting with white space, groups separated by blank
// lines. Pure.

/** One group of fields; names lower-cased, repeated fields kept in order. */
export type FieldGroup = Map<string, string[]>;

/** Every blank-line-separated group of fields in `text`. */
export function parseFieldGroups(text: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let group: FieldGroup = new Map();
  let last: { name: string; index: number } | undefined;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (line.trim() === "") {
      if (group.size > 0) groups.push(group);
      group = new Map();
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      const values = group.get(last.name)!;
      values[last.index] = `${values[last.index]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a field: ignored, as a lenient reader of machine output should
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = group.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    group.set(name, values);
    last = { name, index: values.length - 1 };
  }
  if (group.size > 0) groups.push(group);
  return groups;
}

/** The header block of a message (everything before the first blank line), as one group. */
export function parseHeaderBlock(message: string): FieldGroup {
  const normal = message.replace(/\r\n?/g, "\n");
  const end = normal.indexOf("\n\n");
  return parseFieldGroups(end === -1 ? normal : normal.slice(0, end))[0] ?? new Map();
}

/** The first value of a field, if any. */
export function first(group: FieldGroup | undefined, name: string): string | undefined {
  return group?.get(name)?.[0];
}

/** "rfc822; reader@example.org" → "reader@example.org" (the address type is dropped). */
export function typedAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semi = value.indexOf(";");
  const address = (semi === -1 ? value : value.slice(semi + 1)).trim().replace(/^<|>$/g, "");
  return address || undefined;
}

/** The first <…@…> id in a Message-ID style header, brackets included. */
export function messageIdOf(value: string | undefined): string | undefined {
  const match = value && /<[^<>\s]+@[^<>\s]+>/.exec(value);
  if (match) return match[0];
  const bare = value?.trim();
  return bare && /^[^<>\s]+@[^<>\s]+$/.test(bare) ? `<${bare}>` : undefined;
}
