/**
 * The public face of `src/sim`: the kernel, its strategies, outcomes and trace, the ports, and
 * the simulated world (disks, network, fault plans). Scenarios, checkers, the explorer and the
 * CLI import from here; systems under test import only `./ports.js` (the types).
 */

export {
  DEFAULT_DISK_COSTS,
  type DiskCosts,
  type DiskFaultOp,
  type DiskFaultRates,
  type DiskMode,
  SimDisk,
  type SimDiskOptions,
  type TearRequest,
} from './disk.js';
export {
  type DiskCall,
  type DiskOpFields,
  type EventRecord,
  type EventTuple,
  eventsOf,
  type FaultStrikeFields,
  type FaultStrikeRecord,
  type FlockResult,
  type FunlockReason,
  faultStrikesOf,
  isEvent,
  isEventIn,
  isFaultStrike,
  type RpcDirection,
  type RpcDropReason,
} from './events.js';
export {
  type AnyFaultVerb,
  applyFaultPlan,
  arg,
  type FaultCatalogue,
  type FaultEffect,
  type FaultPlan,
  FaultPlanError,
  type FaultRates,
  type FaultTime,
  type FaultVerb,
  FaultVocabulary,
  KERNEL_FAULT_VERBS,
  KERNEL_FAULTS,
  kernelVerbs,
  type PlannedFault,
  validateFaultPlan,
} from './faults.js';
export { installGuard, NondeterminismError } from './guard.js';
export { Hash64, hashString32 } from './hash.js';
export {
  type Budget,
  DEFAULT_BUDGET,
  type DecisionRecord,
  type InvariantRule,
  Kernel,
  KernelInvariantError,
  type KernelOptions,
  type RunResult,
} from './kernel.js';
export { DEFAULT_NET_OPTIONS, type NetOptions, SimNet } from './net.js';
export { type BlockedThread, describeOutcome, isFinding, type Outcome, type OutcomeKind } from './outcome.js';
export type {
  Condition,
  ConditionOptions,
  Disk,
  DiskErrorCode,
  Emit,
  FileLockMode,
  Net,
  Proc,
  ProcessControl,
  ProcessMain,
  ProcessOptions,
  ProcessRef,
  Rng,
  RngStreamName,
  RpcFailure,
  RpcHandler,
  RpcResult,
  RpcTarget,
  Runtime,
  Signal,
  SpawnOptions,
  ThreadRef,
  TraceEvents,
  TraceField,
  TraceKind,
  World,
} from './ports.js';
export { DiskError } from './ports.js';
export { checkRate, type Rate, type Ratio, rateProblem, toRatio } from './rate.js';
export { RngRoot, SeededRng } from './rng.js';
export { Simulation, type SimulationOptions, type StrategySpec, strategyFromSpec } from './simulation.js';
export {
  type ChoicesOptions,
  choices,
  type Decision,
  fifo,
  type PctOptions,
  pct,
  random,
  replay,
  roundRobin,
  ScheduleDivergence,
  type Strategy,
  withFairSuffix,
} from './strategy.js';
export { formatTime, renderTrace, TRACE_TAIL, Trace, type TraceMode, type TraceRecord } from './trace.js';
export {
  type CreateWorldOptions,
  createWorld,
  type SharedDiskSpec,
  SimWorld,
  type WorldOptions,
  WorldProcesses,
} from './world.js';
