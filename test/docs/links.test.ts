// The repository's Markdown links stay inside it and point at files that exist: a clone with
// nothing beside it (no ../shared) must not send its readers to pages it does not carry.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/processes.ts';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.redband']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : markdownFiles(join(dir, e.name));
    return e.name.endsWith('.md') ? [join(dir, e.name)] : [];
  });
}

/** Relative link targets of a Markdown text, code spans and fenced blocks left out. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const targets = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'));
}

describe('Markdown links', () => {
  it.each([
    ['[a](docs/x.md) and [b](https://example.com) and [c](#top)', ['docs/x.md']],
    ['`[not](a/link.md)` then [yes](../up.md "title")', ['../up.md']],
    ['```\n[in](code.md)\n```\n[out](b.md#part)', ['b.md#part']],
  ])('relativeLinks(%j)', (text, expected) => {
    expect(relativeLinks(text)).toEqual(expected);
  });

  it('every relative link of every .md file resolves to a file inside the repository', () => {
    const problems: string[] = [];
    for (const file of markdownFiles(REPO)) {
      for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), decodeURI(link.split('#')[0]!));
        const where = `${relative(REPO, file)}: (${link})`;
        if (relative(REPO, target).startsWith('..'))
          problems.push(`${where} leaves the repository`);
        else if (!existsSync(target)) problems.push(`${where} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });
});
