import { defineRule } from '../../../src/core/define-rule.js';

const readmeName = /^readme(?:\.(?:md|markdown|mdx|rst|txt|adoc|asciidoc|org))?$/i;
/** A heading that introduces setup: Markdown `#`, reStructuredText/AsciiDoc underlines or `=` titles. */
const setupHeading =
  /^(?:#{1,6}|=+)\s*.*\b(?:install(?:ation|ing)?|set\s?up|getting started|get started|quick\s?start|development|develop(?:ing)? locally|local (?:development|setup)|running|run(?:ning)? (?:it )?locally|how to run|usage|build(?:ing)?|prerequisites|requirements|deploy(?:ment|ing)?|self[- ]?host(?:ing)?)\b/im;
const underlinedSetupHeading = /^.*\b(?:install(?:ation)?|set\s?up|getting started|quick\s?start|development|usage|running)\b.*\n[=\-~^]{3,}\s*$/im;
/** Shell commands that install or run the project. */
const setupCommand =
  /^\s*(?:\$\s*)?(?:npm (?:install|i|ci|run|start|test)|npx |pnpm (?:install|i|dev|run|start)|yarn(?: install| dev| start| run)?\s*$|yarn (?:install|dev|start|run)|bun (?:install|run|dev)|docker(?:-compose| compose) (?:up|run|build)|docker (?:run|build)|make\b|pip install|poetry install|go (?:run|build)|cargo (?:run|build)|corepack enable|nvm use)/m;
/**
 * A local link to a setup guide: CONTRIBUTING/DEVELOPMENT/SETUP files, or a link whose text or target names setup
 * (`[Installing and running](docs/installing-and-running.md)`).
 */
const setupLink =
  /\[[^\]]*\]\((?:\.\/|\/)?(?:CONTRIBUTING|DEVELOPMENT|SETUP|INSTALL|HACKING)\b[^)]*\)|\[[^\]]*\b(?:install(?:ing|ation)?|set\s?up|getting started|quick\s?start|running|local development)\b[^\]]*\]\((?!\w+:)[^)]+\)|\]\((?!\w+:)[^)]*(?:install|setup|getting[-_]started|quick[-_]?start|development)[^)]*\.(?:md|mdx|rst|adoc)\)/i;

function explainsSetup(text: string): boolean {
  return setupHeading.test(text) || underlinedSetupHeading.test(text) || setupCommand.test(text);
}

export default defineRule({
  meta: {
    id: 'readme-missing',
    category: 'operations',
    checklist: 'OPS-4',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The repository has no README at its root, so a new engineer or an on-call responder has nothing telling them what this is, how to run it or where its documentation lives. Add a README.md with a short description and the commands to install, configure, run and test it.',
      noSetup:
        'The README ({{path}}) has no setup instructions (no "Getting started", "Installation" or "Development" section and no install or run commands), so getting a working local environment depends on asking someone. Add the commands to install dependencies, configure the environment, start the app and run the tests.',
    },
    docs: {
      summary: 'No README at the repository root, or a README without setup instructions (no setup section, no install/run commands, no link to a setup guide).',
      why: 'The README is the entry point for new engineers, reviewers and whoever is paged at night. Without setup instructions, onboarding and incident work start with archaeology: which Node version, which env vars, how to start the database, how to run the tests.',
      howToFix:
        'Add a README.md at the root with what the service does, prerequisites, and a "Getting started" section listing the commands to install dependencies, configure the environment (`cp .env.example .env`), start dependencies (`docker compose up -d`), run the app and run the tests, or link to a CONTRIBUTING/DEVELOPMENT guide that does.',
      examples: {
        invalid: [
          {
            file: 'README.md',
            code: '# orders-api\n\nThe orders service of the shop.\n\nOwned by the checkout team.\n',
          },
        ],
        valid: [
          {
            file: 'README.md',
            code: '# orders-api\n\nThe orders service of the shop.\n\n## Getting started\n\n```sh\npnpm install\ncp .env.example .env\ndocker compose up -d postgres\npnpm dev\n```\n',
          },
        ],
      },
      peers: ['Repolinter (file-existence of README, CONTRIBUTING...) and OpenSSF Scorecard\'s documentation checks; markdownlint checks style only'],
      limitations: [
        'Only the root README is read; per-package READMEs in a monorepo are not required.',
        'Setup is recognised by headings (Getting started, Installation, Setup, Development, Usage, Running, Prerequisites, Deployment...), shell commands (`npm install`, `pnpm dev`, `docker compose up`, `make`...) or a link to CONTRIBUTING/DEVELOPMENT/SETUP guides or to a local Markdown page that has them (followed one level); whether the instructions still work is not checked.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const { model } = ctx;
    if (model.files.length === 0) {
      ctx.notApplicable('The repository is empty.');
      return;
    }
    const readme = model.files.filter((f) => !f.path.includes('/') && readmeName.test(f.path)).sort((a, b) => a.path.localeCompare(b.path))[0];
    const docsReadme = readme ?? model.files.find((f) => /^(?:\.github|docs)\/readme(?:\.md)?$/i.test(f.path));
    if (!docsReadme) {
      if (model.exists('README.md') || model.exists('readme.md')) return;
      ctx.report({ messageId: 'missing' });
      return;
    }
    const text = model.text(docsReadme.path) ?? '';
    if (explainsSetup(text) || setupLink.test(text)) return;
    // "Full documentation here": a linked local Markdown guide that has the setup counts.
    for (const m of text.matchAll(/\]\(\s*(?:\.\/|\/)?([^)#\s:]+\.(?:md|mdx|rst|adoc))(?:#[^)]*)?\s*\)/gi)) {
      const linked = model.text(m[1]!);
      if (linked !== undefined && (explainsSetup(linked) || setupLink.test(linked))) return;
    }
    ctx.report({ messageId: 'noSetup', data: { path: docsReadme.path }, path: docsReadme.path, line: 1 });
  },
});
