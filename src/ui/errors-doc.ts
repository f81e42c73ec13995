import {ERROR_AREAS, ERRORS, EXIT_CODE_MEANINGS, ExitCode, exitCodeSummary, type ErrorArea, type ErrorCode} from '../errors.js'

/** The catalogue's entries of one area, in catalogue order. */
function errorCodesOf(area: ErrorArea): ErrorCode[] {
  return (Object.keys(ERRORS) as ErrorCode[]).filter((code) => ERRORS[code].area === area)
}

/** The heading anchor GitHub gives `text` (lowercase; punctuation other than - and _ dropped; spaces → -). */
function anchor(text: string): string {
  return text
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{N}\s_-]/gu, '')
    .replaceAll(' ', '-')
}

/** docs/errors.md, written from the catalogue by `npm run errors` (a unit test compares). */
export function renderErrorsDoc(): string {
  const areas = Object.entries(ERROR_AREAS) as [ErrorArea, string][]
  const lines = [
    '# Errors',
    '',
    '<!-- Written from src/error-catalogue.ts by `npm run errors`; a unit test fails when this file differs. -->',
    '',
    'Every problem dcbench can explain ends a command with one line on stderr,',
    '',
    '```',
    'error [DCB_CODE]: what failed · where · what was received · what was expected',
    '```',
    '',
    'then, indented, a `hint:` line for each command or flag that may fix it. Under `--json` the same',
    'error is a JSON object on stdout instead:',
    '',
    '```json',
    '{"error": {"code": "DCB_…", "message": "…", "exit_code": 2, "suggestions": ["…"]}}',
    '```',
    '',
    'Each code has one exit code, wherever it is raised, so scripts can rely on either. `bench errors`',
    'prints this catalogue and `bench errors DCB_CODE` one entry of it.',
    '',
    '## Exit codes',
    '',
    '| code | meaning |',
    '|---|---|',
    ...Object.values(ExitCode).map((code) => `| ${code} | ${EXIT_CODE_MEANINGS[code]} |`),
    '',
    '## Codes by area',
    '',
    ...areas.map(([area, title]) => `- [${title}](#${anchor(title)}): ${errorCodesOf(area).map((code) => `[${code}](#${anchor(code)})`).join(', ')}`),
  ]
  for (const [area, title] of areas) {
    lines.push('', `## ${title}`)
    for (const code of errorCodesOf(area)) {
      const entry = ERRORS[code]
      lines.push(
        '',
        `### ${code}`,
        '',
        `- **exit code:** ${entry.exitCode} (${exitCodeSummary(entry.exitCode)})`,
        `- **meaning:** ${entry.meaning}`,
        `- **fix:** ${entry.fix}`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
