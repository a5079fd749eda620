/**
 * gnt-sim's public API: `import { ... } from 'gnt-sim'`. What a project needs to write scenarios
 * and search them: the scenario interface and its helpers, the fault vocabulary, the kernel's
 * public face and the world a scenario builds in, the search and replay, and the built-in
 * scenarios. Nothing outside this module and `gnt-sim/vitest` is promised.
 *
 * `fc` and `z` are gnt-sim's own fast-check and zod: a scenario's arbitraries and fault schemas
 * must come from the same copies the search uses, and a project then needs no install of its own.
 */

// The libraries scenario authors write with.
export { default as fc } from 'fast-check';
export { z } from 'zod';
// Scenarios.
export { defineScenario } from '../scenarios/define-scenario.js';
export {
  type AnyFaultDefinition,
  defineFault,
  type FaultDefinition,
  FaultSpace,
  type FaultSpaceOptions,
  type RateDefinition,
} from '../scenarios/fault-space.js';
export { type ListConstraints, listOf } from '../scenarios/list-arbitrary.js';
export type {
  BuildInput,
  CheckContext,
  Checker,
  CounterexampleSize,
  HazardFeature,
  ModelCoverage,
  Scenario,
  ScenarioInstance,
} from '../scenarios/scenario.js';
// Findings and deadlock graphs.
export { describeFinding } from './check/describe.js';
export type { Finding, FindingKind, WaitCycle } from './check/finding.js';
export type { WaitForEdge, WaitForGraph, WaitNode } from './check/wait-for.js';
// Searching and replaying.
export { builtinScenario, builtinScenarios } from './explore/builtin-scenarios.js';
export type { SearchExploration, SearchSummary, Shard } from './explore/coordinator.js';
export { type ReplayOptions, type ReplayOutcome, replayFinding } from './explore/replay.js';
export { replayCommand } from './explore/replay-command.js';
export { type ReplayFile, ReplayFileError, readReplayFile } from './explore/replay-file.js';
export {
  DEFAULT_EXHAUSTIVE_LIMITS,
  type ExhaustiveLimits,
  type FoundRecord,
  SEARCH_STRATEGIES,
  type SearchStrategy,
} from './explore/search.js';
export { ScenarioModuleError, SEARCH_DEFAULTS, type SearchOptions, search } from './explore/search-api.js';
// Historical bugs that can be switched back on.
export { MUTANT_NAMES, MUTANTS, type MutantInfo, type MutantName, MutantSet } from './mutants/registry.js';
// The kernel's public face and the simulated world.
export {
  arg,
  type BlockedThread,
  type Budget,
  type Condition,
  type ConditionOptions,
  DEFAULT_BUDGET,
  type Disk,
  DiskError,
  type DiskErrorCode,
  describeOutcome,
  type FaultCatalogue,
  type FaultPlan,
  type FaultRates,
  type FaultTime,
  type FaultVerb,
  FaultVocabulary,
  type FileLockMode,
  formatTime,
  isFinding,
  KERNEL_FAULTS,
  kernelVerbs,
  type Net,
  type Outcome,
  type OutcomeKind,
  type PlannedFault,
  type Proc,
  type ProcessControl,
  type ProcessMain,
  type ProcessOptions,
  type ProcessRef,
  type Rng,
  type RngStreamName,
  type RpcFailure,
  type RpcHandler,
  type RpcResult,
  type RpcTarget,
  type RunResult,
  type Runtime,
  renderTrace,
  type Signal,
  Simulation,
  type SimulationOptions,
  SimWorld,
  type SpawnOptions,
  type StrategySpec,
  type ThreadRef,
  type TraceField,
  type TraceRecord,
  type World,
} from './sim/index.js';
export { TOOL_NAME, TOOL_VERSION } from './version.js';
