/** `team=audit` lines as tags; a line without `=` is a key with an empty value. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf('=');
    tags[eq < 0 ? line : line.slice(0, eq).trim()] = eq < 0 ? '' : line.slice(eq + 1).trim();
  }
  return tags;
}
