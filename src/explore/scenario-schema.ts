/**
 * The shape of a scenario module, as a zod schema: every field of `Scenario`
 * (`scenarios/scenario.ts`), so that a module with a wrong field is refused when it is loaded,
 * with the field named (`scenarios[1].budget.maxSteps: expected number, got "x"`), instead of
 * failing somewhere inside a run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MUTANT_NAMES } from '../mutants/registry.js';

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `Must be ${what}` });

const positive = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Where a scenario's source lives must be readable: its content hash goes into replay files. */
function sourceExists(s: string): boolean {
  try {
    return existsSync(s.startsWith('file:') ? fileURLToPath(s) : s);
  } catch {
    return false;
  }
}

export const scenarioSchema = z.object({
  // The id names replay files: no path separators, nothing a shell would mangle.
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'Must be letters, digits, ".", "_" or "-" (at most 100)'),
  title: z.string(),
  description: z.string(),
  seeds: z.array(z.string()),
  mutants: z.array(z.enum(MUTANT_NAMES)),
  features: z.array(z.string()),
  budget: z.object({ maxSteps: positive, maxTimeUs: positive }),
  pctDepths: z.array(z.number().int().min(1).max(1000)).min(1).optional(),
  source: z.string().refine(sourceExists, {
    message: 'Must be the URL or path of the module that defines the scenario (import.meta.url)',
  }),
  params: fn('a function returning a fast-check arbitrary'),
  faults: fn('a function returning a fast-check arbitrary of fault plans'),
  faultVocabulary: z
    .object({
      kinds: z.array(z.string()),
      validate: fn('a function'),
      describe: fn('a function'),
      weight: fn('a function'),
    })
    .optional(),
  build: fn('a function (world, input) => instance'),
  size: fn('a function (input) => { jobs, faults }'),
});

export const scenarioListSchema = z
  .array(scenarioSchema)
  .min(1, 'Must hold at least one scenario')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of list.entries()) {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `Must be unique ("${s.id}" repeats)` });
      seen.add(s.id);
    }
  });
