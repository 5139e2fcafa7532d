/**
 * The configuration's documentation is generated from `app/config.ts`, so it cannot drift:
 * every `/** comment *\/ NAME:` pair of the zod schema, grouped under its `// ── Group ──`
 * header. `npm run docs:config` rewrites the table in README.md between its markers; tests
 * check README.md and `.env.example` against the same reading.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const README_TABLE_START = '<!-- config-table:start -->';
export const README_TABLE_END = '<!-- config-table:end -->';

export interface DocumentedVariable {
  name: string;
  comment: string;
  group: string;
}

/** Reads the schema's variables, comments and groups from the source of app/config.ts. */
export function documentedInSchemaSource(
  source = fs.readFileSync(path.join(ROOT, 'app/config.ts'), 'utf8'),
): DocumentedVariable[] {
  const start = source.indexOf('export const configSchema = z.object({');
  if (start < 0) throw new Error('configSchema not found in app/config.ts');
  const end = source.indexOf('\n});', start);
  const out: DocumentedVariable[] = [];
  let group = '';
  let comment: string | undefined;
  for (const raw of source.slice(start, end).split('\n').slice(1)) {
    const line = raw.trim();
    const header = /^\/\/ ── (.+?) ─+$/.exec(line);
    const doc = /^\/\*\* (.+) \*\/$/.exec(line);
    const key = /^([A-Za-z_]\w*):/.exec(line);
    if (header) group = header[1]!;
    else if (doc) comment = doc[1]!;
    else if (key && raw.startsWith('  ') && !raw.startsWith('   ')) {
      out.push({ name: key[1]!, comment: comment ?? '', group });
      comment = undefined;
    }
  }
  return out;
}

/** The README's configuration table in Markdown. */
export function configTable(vars = documentedInSchemaSource()): string {
  const rows: string[] = [];
  let group = '';
  for (const v of vars) {
    if (v.group !== group) {
      group = v.group;
      rows.push(`| **${group}** | |`);
    }
    rows.push(`| \`${v.name}\` | ${v.comment.replaceAll('|', '\\|')} |`);
  }
  return ['| Variable | Meaning, unit, default |', '| --- | --- |', ...rows].join('\n');
}

/** README.md with the table between the markers replaced by the generated one. */
export function readmeWithTable(readme: string, table = configTable()): string {
  const a = readme.indexOf(README_TABLE_START);
  const b = readme.indexOf(README_TABLE_END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${README_TABLE_START} … ${README_TABLE_END} markers`);
  return `${readme.slice(0, a + README_TABLE_START.length)}\n${table}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const file = path.join(ROOT, 'README.md');
  fs.writeFileSync(file, readmeWithTable(fs.readFileSync(file, 'utf8')));
  process.stdout.write('README.md configuration table updated\n');
}
