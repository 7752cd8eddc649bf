#!/usr/bin/env node
// Keeps what a stopped Stryker run has tested: writes the part's incremental file from the files its event
// recorder wrote (one per tested mutant, plus the dry run's tests), so the next run tests only the rest.
//
//   node scripts/mutation-keep-results.mjs stryker.patrols.config.mjs [file to write; default: its incremental file]
//     [--sources-unchanged: a file was touched after the run started but its text is as it was then]
//     [--retest=<status or words of a reason>, repeatable: leave such results out, so the next run tests them
//      again; e.g. --retest=Timeout --retest="condition not met in time" for a run on a busy machine, where a
//      deadline missed for want of CPU looks like a kill]
//
// Stryker writes its incremental file only when a run ends, and a first run of a database-backed part takes
// hours on this machine. The file written here has the shape Stryker's own has (mutation-testing-report-schema:
// mutants and test files with their sources, tests numbered, coverage and kills by those numbers); Stryker's
// incremental differ then reuses each result whose code and tests are unchanged, as after a complete run.
// Refused when a mutated or test file changed after the run started: the recorded locations would no longer
// point at the code they were tested on.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const [configFile = 'stryker.config.mjs', out] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const trustSources = flags.includes('--sources-unchanged');
const retest = flags.filter((flag) => flag.startsWith('--retest=')).map((flag) => flag.slice('--retest='.length));
const toRetest = (mutant) => retest.some((words) => mutant.status === words || (mutant.statusReason ?? '').includes(words));
const config = (await import(pathToFileURL(path.resolve(configFile)).href)).default;
const eventsDir = config.eventReporter?.baseDir ?? 'reports/mutation/events';
const target = out ?? config.incrementalFile ?? 'reports/stryker-incremental.json';

function fail(message) {
  console.error(`mutation-keep-results: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(eventsDir)) fail(`no event files in ${eventsDir}: was the run started with this configuration?`);
const names = fs.readdirSync(eventsDir).sort();
const read = (name) => JSON.parse(fs.readFileSync(path.join(eventsDir, name), 'utf8'));
const dryRunFile = names.find((name) => name.endsWith('-onDryRunCompleted.json'));
if (!dryRunFile) fail(`${eventsDir} has no dry run: the run stopped before testing any mutant`);
const startedAt = fs.statSync(path.join(eventsDir, dryRunFile)).mtimeMs;
const relative = (fileName) => path.relative(process.cwd(), fileName).split(path.sep).join('/');

const sources = new Map();
function sourceOf(fileName) {
  if (!sources.has(fileName)) {
    if (!trustSources && fs.statSync(fileName).mtimeMs > startedAt) {
      fail(`${relative(fileName)} was written after the run started; if its text is as it was then, add --sources-unchanged, else run the part again`);
    }
    sources.set(fileName, fs.readFileSync(fileName, 'utf8'));
  }
  return sources.get(fileName);
}

// The dry run's tests, numbered as Stryker numbers them in its reports; jest's ids are the tests' full names.
const tests = read(dryRunFile).result.tests;
const numberOf = new Map(tests.map((test, index) => [test.id, String(index)]));
const testFiles = {};
for (const test of tests) {
  const file = (testFiles[relative(test.fileName)] ??= { source: sourceOf(test.fileName), tests: [] });
  // Stryker's positions are 0-based, the report's 1-based.
  const location = test.startPosition ? { start: { line: test.startPosition.line + 1, column: test.startPosition.column + 1 } } : undefined;
  file.tests.push({ id: numberOf.get(test.id), name: test.name, location });
}

const numbered = (ids) => ids?.map((id) => numberOf.get(id)).filter((id) => id !== undefined);
const files = {};
let count = 0;
let left = 0;
const byStatus = {};
for (const name of names.filter((n) => n.endsWith('-onMutantTested.json'))) {
  const { fileName, coveredBy, killedBy, ...mutant } = read(name);
  if (toRetest(mutant)) {
    left += 1;
    continue;
  }
  const file = (files[relative(fileName)] ??= { language: 'typescript', source: sourceOf(fileName), mutants: [] });
  file.mutants.push({ ...mutant, coveredBy: numbered(coveredBy), killedBy: numbered(killedBy) });
  count += 1;
  byStatus[mutant.status] = (byStatus[mutant.status] ?? 0) + 1;
}
if (count === 0) fail('no mutant was tested before the run stopped');

const report = { schemaVersion: '1.0', thresholds: config.thresholds ?? { high: 80, low: 60, break: null }, projectRoot: process.cwd(), files, testFiles };
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, JSON.stringify(report));
console.log(`${target}: ${count} mutant results kept (${Object.entries(byStatus).map(([status, n]) => `${n} ${status}`).join(', ')}), ${left} left for the next run to test again, ${tests.length} tests`);
