const WILDCARDS: Readonly<Record<string, string>> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };

/** A `*`, `?` and `**` glob as an anchored regular expression over '/'-separated paths. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const source = glob.replace(/\*\*\/|\*\*|\*|\?|[.+^${}()|[\]\\]/g, (token) => WILDCARDS[token] ?? `\\${token}`);
  return new RegExp(`^${source}$`, flags);
}
