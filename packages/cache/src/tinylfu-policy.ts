import type { EvictionPolicy } from './eviction-policy.js';
import { FrequencySketch } from './frequency-sketch.js';
import { mix32 } from './hash-key.js';
import type { SlotLinks } from './slot-links.js';

/** New entries: an LRU in front of the main space. */
const WINDOW = 0;
/** Main space, not hit since entering it: where victims come from. */
const PROBATION = 1;
/** Main space, hit while in probation. */
const PROTECTED = 2;
/** `order()`: the window, then the main space from its safest end to the next victim. */
const ORDER = [WINDOW, PROTECTED, PROBATION] as const;

/** Share of the main space (everything outside the window) kept for `PROTECTED`. */
const PROTECTED_SHARE = 0.8;
/** Initial window, as a share of `max`. */
const INITIAL_WINDOW_SHARE = 0.01;
/**
 * The window's largest share of `max`: at the top the policy is LRU but for the main
 * space's last entries, which keep main evidence observable.
 */
const MAX_WINDOW_SHARE = 0.995;
/** A candidate this popular that is not more popular than the victim may still get in… */
const FLOOD_THRESHOLD = 6;
/** …with probability 1/128 (`random & FLOOD_MASK === 0`). */
const FLOOD_MASK = 127;
/** Climbing: the margin the evidence looks at, as a share of `max`… */
const HORIZON_SHARE = 0.125;
/** …and in entries, at least. */
const MIN_HORIZON = 2;
/** Ghost slots per entry of the horizon, in each side's direct-mapped table. */
const GHOST_FACTOR = 2;
/** Climbing: the first step, as a share of `max`. */
const STEP_SHARE = 0.0625;
/** Climbing: the largest step, as a share of `max`. */
const MAX_STEP_SHARE = 0.25;
/** Climbing: the smallest step, in entries. */
const MIN_STEP = 1;
/** Climbing: the step grows this much while the evidence keeps pointing one way… */
const STEP_UP = 1.5;
/** …shrinks this much when it turns around… */
const STEP_DOWN = 0.7;
/** …and decays this much when it is split. */
const STEP_DECAY = 0.98;
/**
 * Climbing: evidence is split when the sides differ by less than this share of it. Below
 * a quarter, a batch's imbalance is mostly the phase of a cyclic workload (a zigzag sweep
 * gives window regrets at each turn and main regrets in between), not a direction.
 */
const SPLIT = 0.25;
/**
 * Climbing: growing a window pinned at 0, once the step has grown past this share of
 * `max` there, waits for the next decision to agree. On a cyclic workload (a zigzag
 * sweep) such a window sees a lone batch of window regrets at each turn of the sweep;
 * moving on it would throw a grown step's worth of frequency-chosen main entries away,
 * only for main evidence to bring the window back to 0 right after.
 */
const CONFIRM_STEP_SHARE = 0.15;
/** …and the agreeing decision needs this margin, as a share of its evidence. */
const CONFIRM_MARGIN = 0.33;
/**
 * A confirmed growth whose second batch is this lopsided (window regrets at least this
 * many times main evidence) also takes the move the first batch would have made: a new
 * working set (a phase change) does not pay for the wait.
 */
const CATCH_UP_RATIO = 4;
/** Climbing: pieces of evidence per decision, at least… */
const MIN_EVIDENCE = 16;
/** …and per entry of the current step (which bounds the entries moved per access). */
const EVIDENCE_PER_STEP = 0.25;

/** Options of {@link TinyLfuPolicy}. */
export interface TinyLfuPolicyOptions {
  /**
   * Seeds the sketch's hashing and the admission's coin flips, for reproducible runs.
   * @default random
   */
  readonly seed?: number;
  /**
   * Whether the hill climber moves the window; `false` keeps the static 1% window of the
   * original W-TinyLFU (for comparisons).
   * @default true
   */
  readonly adaptive?: boolean;
}

/**
 * W-TinyLFU (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission
 * Policy", 2017) with an adaptive window.
 *
 * **Segments.** New entries enter a small LRU *window* (list 0). When the window
 * overflows, its least recent entry moves to the head of *probation* (list 1) as the
 * **candidate**. When the cache is over capacity the candidate competes with
 * probation's least recent entry, the **victim** (protected's, when the candidate is
 * alone in probation): a {@link FrequencySketch} of recent accesses decides, and
 * `victim()` returns the loser. A probation entry that is hit moves to *protected*
 * (list 2, 80% of the main space); protected's overflow moves back to the head of
 * probation. A burst of one-off keys only churns the window and popular entries survive
 * scans, while a new key that keeps coming back gets in. Segments count entries: with
 * `maxSize` the weights only decide how many times the cache calls `victim()`, and
 * every call returns an entry of the cache, whatever the balance of the segments.
 *
 * **Admission.** The more frequent key stays; ties keep the victim. A candidate with an
 * estimated frequency of 6 or more that does not beat the victim still gets in with
 * probability 1/128, so an attacker who inflates victims' counters (hash flooding)
 * cannot lock new entries out for good. Every access counts in the sketch once: a
 * `miss(hash)` followed by `insert(…, hash)` ("get, then set on a miss") is one access.
 *
 * **Adaptive window.** A fixed 1% window loses badly to plain LRU on recency-heavy
 * workloads, and a bigger one costs hits on loops and scans. The window starts at 1% of
 * `max` and a hill climber moves the boundary, steering by evidence about the margin
 * `H` (12.5% of `max`) on either side of it:
 *
 * - *window regret* (grow): a miss on a key the window let go of (a rejected candidate)
 *   within its last `H` outflows: a window `H` larger would have hit;
 * - *main regret* (shrink): a miss on a key the main space evicted within its last `H`
 *   evictions: a main space `H` larger would have hit;
 * - *main tail hit* (shrink): a hit on an entry among the last `H` of the main space's
 *   eviction order (rank estimated from per-list push stamps): a main space `H`
 *   smaller would have missed.
 *
 * Outcasts are remembered as ghosts (key hash and the side's outflow count) in a small
 * direct-mapped table per side of about `max / 4` slots (4–8 bytes per entry of `max`
 * in all), allocated at the first eviction. Once 16 pieces of evidence have gathered
 * (and at least a quarter of the current step), the next miss moves the boundary a step
 * towards the side with more: the step (first 6.25% of `max`) grows 1.5× while the
 * evidence keeps pointing the same way, up to 25%, shrinks to 0.7× when it turns
 * around, and decays when the sides are within 25%. A window at 0 whose step has grown
 * past 15% of `max` grows only when two decisions in a row say so, the second by a
 * margin of a third of its evidence: a zigzag sweep gives a lone batch of window regrets
 * at each turn, and following each one swung the window by the whole step and back,
 * every swing throwing frequency-chosen main entries away. A second batch of window
 * regrets four times the main evidence (a new working set) also takes the move the wait
 * skipped. Decisions wait for a miss (deciding
 * on hits as tail hits pile up measured worse), so a hit never moves other entries.
 * Loops and scans give main evidence, so the window shrinks; a sliding working set
 * gives window regrets and the window grows until the policy behaves like LRU; a later
 * switch to a skewed workload brings main tail hits back and the window shrinks again.
 * The window keeps at most 99.5% of `max`: a recency workload gets within a fraction of
 * a point of LRU, and the main space left (5 entries per 1,000) still evicts and gets hit
 * often enough for the window to shrink again when the workload changes.
 *
 * Caffeine's climber compares the hit rates of consecutive sample periods instead. With
 * this package's traces that signal was too noisy (the hit rate moves with the workload
 * and lags each move) to beat a static window on the frequency-heavy traces and still
 * follow a sliding working set; the evidence above points the way at every decision.
 *
 * A smaller window moves its excess to probation at once; a larger one fills up with
 * new entries, the main space giving way to them through eviction.
 *
 * `order()` lists the window, then protected, then probation (each most recent first):
 * probation's least recent entry is the one a candidate competes with.
 *
 * Per-slot state (segment, key hash, push stamp) lives in typed arrays that grow by
 * doubling when a slot beyond them shows up; no access allocates.
 */
export class TinyLfuPolicy implements EvictionPolicy {
  readonly usesHashes = true;
  readonly #links: SlotLinks;
  readonly #sketch: FrequencySketch;
  #max: number;

  /** Per slot: the list holding it. */
  #segments: Uint8Array;
  /** Per slot: its key's hash. */
  #hashes: Int32Array;
  /** Per slot: its list's push clock when it was last pushed to the head. */
  #stamps: Int32Array;

  #windowSize = 0;
  #probationSize = 0;
  #protectedSize = 0;
  #windowMax = 0;
  #protectedMax = 0;
  /** Push clocks of the main lists, for ranks. */
  #probationClock = 0;
  #protectedClock = 0;
  /** The window's latest outcast waiting in probation to compete; 0 when none. */
  #candidate = 0;
  /** `miss(hash)` was the last call: an `insert` of that hash is the same access. */
  #missPending = false;
  #missHash = 0;
  /** xorshift32 state of the anti-flooding coin. */
  #random: number;
  readonly #adaptive: boolean;

  /** The window size aimed at (fractional; `#windowMax` is its rounding). */
  #windowTarget: number;
  /** Signed: the direction of the last move and the size of the next. */
  #step: number;
  #horizon = MIN_HORIZON;
  #evidenceNeeded = MIN_EVIDENCE;
  /** A turn waiting for the next decision to confirm it: its direction, or 0. */
  #pendingTurn = 0;
  #growEvidence = 0;
  #shrinkEvidence = 0;
  /** Outflows of each side so far: the ghosts' clocks. */
  #windowOutflows = 0;
  #mainOutflows = 0;
  #ghostMask = -1;
  #windowGhosts = new Int32Array(0);
  #windowGhostClocks = new Int32Array(0);
  #mainGhosts = new Int32Array(0);
  #mainGhostClocks = new Int32Array(0);

  /**
   * @param links the cache's slot lists; this policy uses lists 0, 1 and 2.
   * @param max the cache's entry limit.
   */
  constructor(links: SlotLinks, max: number, options: TinyLfuPolicyOptions = {}) {
    this.#links = links;
    this.#max = Math.max(1, max);
    const seed = options.seed;
    this.#adaptive = options.adaptive ?? true;
    this.#sketch = new FrequencySketch(this.#max, seed);
    // xorshift32 needs a non-zero state.
    this.#random = mix32(seed ?? Math.random() * 0x1_0000_0000) || 1;
    const capacity = links.capacity;
    this.#segments = new Uint8Array(capacity);
    this.#hashes = new Int32Array(capacity);
    this.#stamps = new Int32Array(capacity);
    this.#windowTarget = Math.max(
      1,
      this.#max * ((options as { share?: number }).share ?? INITIAL_WINDOW_SHARE),
    );
    // Signed as a shrink, as Caffeine starts; a first move to grow is a turn (0.7×).
    this.#step = -STEP_SHARE * this.#max;
    this.#applyLimits();
  }

  /** The window's current size limit, in entries (for tests and diagnostics). */
  get windowMax(): number {
    return this.#windowMax;
  }

  insert(slot: number, hash: number): void {
    if (slot >= this.#segments.length) this.#grow(slot);
    this.#hashes[slot] = hash;
    if (this.#missPending && this.#missHash === hash) {
      // The lookup that missed has counted this access.
      this.#missPending = false;
    } else {
      this.#missPending = false;
      this.#sketch.increment(hash);
      if (this.#ghostMask >= 0) this.#checkGhosts(hash);
    }
    this.#segments[slot] = WINDOW;
    this.#links.pushHead(WINDOW, slot);
    this.#candidate = 0;
    if (++this.#windowSize > this.#windowMax) this.#evictFromWindow();
    this.#sketch.ensureCapacity(this.#windowSize + this.#probationSize + this.#protectedSize);
  }

  touch(slot: number): void {
    this.#missPending = false;
    this.#sketch.increment(this.#hashes[slot]!);
    const segment = this.#segments[slot];
    if (segment === WINDOW) {
      this.#links.moveToHead(WINDOW, slot);
    } else if (segment === PROBATION) {
      this.#countTailHit(slot, PROBATION, this.#probationClock, this.#probationSize, 0);
      this.#promote(slot);
    } else {
      if (this.#horizon > this.#probationSize) {
        this.#countTailHit(
          slot,
          PROTECTED,
          this.#protectedClock,
          this.#protectedSize,
          this.#probationSize,
        );
      }
      this.#links.moveToHead(PROTECTED, slot);
      this.#stamps[slot] = this.#protectedClock;
      this.#protectedClock = (this.#protectedClock + 1) | 0;
    }
  }

  miss(hash: number): void {
    this.#missPending = true;
    this.#missHash = hash;
    this.#sketch.increment(hash);
    if (this.#ghostMask >= 0) this.#checkGhosts(hash);
  }

  remove(slot: number): void {
    this.#links.unlink(slot);
    const segment = this.#segments[slot];
    if (segment === WINDOW) this.#windowSize--;
    else if (segment === PROBATION) this.#probationSize--;
    else this.#protectedSize--;
    if (slot === this.#candidate) this.#candidate = 0;
  }

  victim(): number {
    if (this.#ghostMask < 0) this.#allocateGhosts();
    const links = this.#links;
    const candidate = this.#candidate;
    let victim = links.tail(PROBATION);
    if (candidate !== 0) {
      // The candidate sits at probation's head: when it is probation's tail too, it is
      // alone there and protected's least recent entry stands in for the victim.
      if (victim === candidate) {
        victim = links.tail(PROTECTED);
        if (victim === PROTECTED) return this.#rejectCandidate(candidate);
      }
      return this.#admit(candidate, victim)
        ? this.#evictMain(victim)
        : this.#rejectCandidate(candidate);
    }
    if (victim !== PROBATION) return this.#evictMain(victim);
    victim = links.tail(PROTECTED);
    if (victim !== PROTECTED) return this.#evictMain(victim);
    // Only the window holds entries (or nothing does, and this is sentinel 0).
    victim = links.tail(WINDOW);
    if (victim !== WINDOW) {
      this.#recordGhost(victim, this.#windowGhosts, this.#windowGhostClocks, this.#windowOutflows);
      this.#windowOutflows = (this.#windowOutflows + 1) | 0;
    }
    return victim;
  }

  order(): number[] {
    const out: number[] = [];
    const next = this.#links.next;
    for (const list of ORDER) {
      for (let slot = next[list]!; slot !== list; slot = next[slot]!) out.push(slot);
    }
    return out;
  }

  resize(max: number): void {
    const previous = this.#max;
    this.#max = Math.max(1, max);
    this.#sketch.setMaximum(this.#max);
    this.#windowTarget = (this.#windowTarget * this.#max) / previous;
    this.#step = (this.#step < 0 ? -STEP_SHARE : STEP_SHARE) * this.#max;
    this.#applyLimits();
  }

  clear(): void {
    const links = this.#links;
    links.reset(WINDOW);
    links.reset(PROBATION);
    links.reset(PROTECTED);
    this.#windowSize = 0;
    this.#probationSize = 0;
    this.#protectedSize = 0;
    this.#candidate = 0;
    this.#missPending = false;
    this.#sketch.clear();
    this.#windowGhosts.fill(0);
    this.#mainGhosts.fill(0);
    this.#growEvidence = 0;
    this.#shrinkEvidence = 0;
    this.#pendingTurn = 0;
  }

  /** TinyLFU admission: should `candidate` take `victim`'s place? */
  #admit(candidate: number, victim: number): boolean {
    const candidateFrequency = this.#sketch.frequency(this.#hashes[candidate]!);
    const victimFrequency = this.#sketch.frequency(this.#hashes[victim]!);
    if (candidateFrequency > victimFrequency) return true;
    if (candidateFrequency < FLOOD_THRESHOLD) return false;
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    return (x & FLOOD_MASK) === 0;
  }

  #rejectCandidate(candidate: number): number {
    // Its window outflow was counted when it moved to probation.
    this.#recordGhost(candidate, this.#windowGhosts, this.#windowGhostClocks, this.#windowOutflows);
    return candidate;
  }

  #evictMain(victim: number): number {
    this.#recordGhost(victim, this.#mainGhosts, this.#mainGhostClocks, this.#mainOutflows);
    this.#mainOutflows = (this.#mainOutflows + 1) | 0;
    return victim;
  }

  /** Moves the window's overflow to probation; the first one moved is the candidate. */
  #evictFromWindow(): void {
    const links = this.#links;
    let first = 0;
    while (this.#windowSize > this.#windowMax) {
      const slot = links.tail(WINDOW);
      this.#pushProbation(slot);
      this.#windowSize--;
      this.#windowOutflows = (this.#windowOutflows + 1) | 0;
      if (first === 0) first = slot;
    }
    this.#candidate = first;
  }

  /** A probation hit: move to protected, demoting protected's overflow to probation. */
  #promote(slot: number): void {
    this.#links.moveToHead(PROTECTED, slot);
    this.#segments[slot] = PROTECTED;
    this.#stamps[slot] = this.#protectedClock;
    this.#protectedClock = (this.#protectedClock + 1) | 0;
    this.#probationSize--;
    this.#protectedSize++;
    if (slot === this.#candidate) this.#candidate = 0;
    if (this.#protectedSize > this.#protectedMax) this.#demoteProtected();
  }

  #demoteProtected(): void {
    const links = this.#links;
    while (this.#protectedSize > this.#protectedMax) {
      this.#pushProbation(links.tail(PROTECTED));
      this.#protectedSize--;
    }
  }

  /** Moves `slot` from wherever it is to probation's head (the caller fixes its old count). */
  #pushProbation(slot: number): void {
    this.#links.moveToHead(PROBATION, slot);
    this.#segments[slot] = PROBATION;
    this.#stamps[slot] = this.#probationClock;
    this.#probationClock = (this.#probationClock + 1) | 0;
    this.#probationSize++;
  }

  /**
   * Counts a hit on `slot` in `list` as a main tail hit when its rank from the list's
   * tail, plus `ahead` entries evicted before that list, is within the horizon. The rank
   * is estimated from push stamps, assuming the entries that left between two stamps
   * left evenly.
   */
  #countTailHit(slot: number, list: number, clock: number, size: number, ahead: number): void {
    const stamps = this.#stamps;
    const tail = stamps[this.#links.tail(list)]!;
    const span = (clock - tail) | 0;
    if (span <= 0) return;
    const rank = (((stamps[slot]! - tail) | 0) * size) / span;
    // Counted now, weighed at the next miss: hits never move the boundary.
    if (rank + ahead < this.#horizon) this.#shrinkEvidence++;
  }

  /** Remembers an outcast's hash in a side's ghost table with that side's clock. */
  #recordGhost(slot: number, ghosts: Int32Array, clocks: Int32Array, clock: number): void {
    const hash = this.#hashes[slot]!;
    const index = hash & this.#ghostMask;
    ghosts[index] = hash;
    clocks[index] = clock;
  }

  #allocateGhosts(): void {
    const size = ceilingPowerOfTwo(GHOST_FACTOR * this.#horizon);
    this.#windowGhosts = new Int32Array(size);
    this.#windowGhostClocks = new Int32Array(size);
    this.#mainGhosts = new Int32Array(size);
    this.#mainGhostClocks = new Int32Array(size);
    this.#ghostMask = size - 1;
  }

  /** A miss: was it a key one side let go of lately? */
  #checkGhosts(hash: number): void {
    const index = hash & this.#ghostMask;
    if (this.#windowGhosts[index] === hash) {
      // Each outcast counts once.
      this.#windowGhosts[index] = ~hash;
      const age = (this.#windowOutflows - this.#windowGhostClocks[index]!) | 0;
      if (age <= this.#horizon) this.#addEvidence(1, 0);
    } else if (this.#mainGhosts[index] === hash) {
      this.#mainGhosts[index] = ~hash;
      const age = (this.#mainOutflows - this.#mainGhostClocks[index]!) | 0;
      if (age <= this.#horizon) this.#addEvidence(0, 1);
    }
  }

  #addEvidence(grow: number, shrink: number): void {
    this.#growEvidence += grow;
    this.#shrinkEvidence += shrink;
    if (this.#growEvidence + this.#shrinkEvidence >= this.#evidenceNeeded) this.#climb();
  }

  /** One hill-climbing step, towards the side with more evidence. */
  #climb(): void {
    const grow = this.#growEvidence;
    const shrink = this.#shrinkEvidence;
    this.#growEvidence = 0;
    this.#shrinkEvidence = 0;
    if (!this.#adaptive) return;
    const step = this.#step;
    const pending = this.#pendingTurn;
    this.#pendingTurn = 0;
    const margin = Math.abs(grow - shrink);
    if (margin < (grow + shrink) * SPLIT) {
      this.#step = step * STEP_DECAY;
      this.#evidenceNeeded = evidenceFor(this.#step);
      return;
    }
    const direction = grow > shrink ? 1 : -1;
    const magnitude = Math.abs(step);
    const largestStep = MAX_STEP_SHARE * this.#max;
    if (direction * step > 0) {
      this.#windowTarget += step;
      this.#step = direction * Math.min(largestStep, magnitude * STEP_UP);
    } else {
      const confirm = this.#windowTarget <= 0 && magnitude > CONFIRM_STEP_SHARE * this.#max;
      if (confirm && (pending !== direction || margin < (grow + shrink) * CONFIRM_MARGIN)) {
        // The step and the window stay; the next decision confirms the turn or drops it.
        this.#pendingTurn = direction;
        this.#evidenceNeeded = evidenceFor(step);
        return;
      }
      const turn = direction * Math.max(MIN_STEP, magnitude * STEP_DOWN);
      this.#windowTarget += turn;
      this.#step = turn;
      if (confirm && direction > 0 && grow >= CATCH_UP_RATIO * shrink) {
        // That was the first batch's move; this one's follows it in the same direction.
        this.#windowTarget += Math.min(largestStep, turn * STEP_UP);
        this.#step = Math.min(largestStep, turn * STEP_UP * STEP_UP);
      }
    }
    this.#applyLimits();
  }

  /** Derives the limits from `#max` and `#windowTarget` and enforces the smaller ones. */
  #applyLimits(): void {
    const max = this.#max;
    const target = Math.min(Math.floor(max * MAX_WINDOW_SHARE), Math.max(0, this.#windowTarget));
    this.#windowTarget = target;
    this.#windowMax = Math.round(target);
    this.#protectedMax = Math.floor((max - this.#windowMax) * PROTECTED_SHARE);
    this.#evidenceNeeded = evidenceFor(this.#step);
    const horizon = Math.max(MIN_HORIZON, HORIZON_SHARE * max);
    if (horizon !== this.#horizon) {
      this.#horizon = horizon;
      // Ghost tables exist from the first eviction on; they follow the horizon's size.
      if (this.#ghostMask >= 0) this.#allocateGhosts();
    }
    if (this.#windowSize > this.#windowMax) {
      this.#evictFromWindow();
      // Entries moved by a boundary change are ordinary probation entries.
      this.#candidate = 0;
    }
    if (this.#protectedSize > this.#protectedMax) this.#demoteProtected();
  }

  #grow(slot: number): void {
    const length = Math.max(slot + 1, this.#segments.length * 2);
    const segments = new Uint8Array(length);
    segments.set(this.#segments);
    this.#segments = segments;
    const hashes = new Int32Array(length);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const stamps = new Int32Array(length);
    stamps.set(this.#stamps);
    this.#stamps = stamps;
  }
}

function evidenceFor(step: number): number {
  return Math.max(MIN_EVIDENCE, Math.abs(step) * EVIDENCE_PER_STEP);
}

function ceilingPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}
