/**
 * Short lists (of jobs, submissions, domains) that shrink by dropping any one element.
 *
 * `fc.array` shrinks by cutting elements from the front and then shrinking elements in place, so
 * a counterexample whose first element matters and whose last one does not keeps both: in a
 * workload, the submission that could go is often a later one. Scenario lists hold a handful of
 * elements, so trying each single removal is cheap, and the counterexample loses every element
 * it does not need.
 */
import fc from 'fast-check';

export interface ListConstraints {
  readonly minLength?: number;
  readonly maxLength: number;
}

/** Each element's generated value, with the context its arbitrary shrinks it from. */
type ListContext<T> = readonly fc.Value<T>[];

class ListArbitrary<T> extends fc.Arbitrary<T[]> {
  private readonly length: fc.Arbitrary<number>;

  constructor(
    private readonly item: fc.Arbitrary<T>,
    private readonly minLength: number,
    maxLength: number,
  ) {
    super();
    this.length = fc.integer({ min: minLength, max: maxLength });
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T[]> {
    const n = this.length.generate(mrng, biasFactor).value;
    const items: fc.Value<T>[] = [];
    for (let i = 0; i < n; i++) items.push(this.item.generate(mrng, biasFactor));
    return this.listValue(items);
  }

  canShrinkWithoutContext(value: unknown): value is T[] {
    return false;
  }

  shrink(_value: T[], context: unknown): fc.Stream<fc.Value<T[]>> {
    const items = context as ListContext<T> | undefined;
    if (!items) return fc.Stream.nil();
    const self = this;
    function* removals(): Generator<fc.Value<T[]>> {
      if (items === undefined || items.length <= self.minLength) return;
      for (let i = 0; i < items.length; i++) yield self.listValue(items.filter((_, k) => k !== i));
    }
    function* inPlace(): Generator<fc.Value<T[]>> {
      if (items === undefined) return;
      for (let i = 0; i < items.length; i++) {
        const it = items[i] as fc.Value<T>;
        for (const s of self.item.shrink(it.value_, it.context)) {
          yield self.listValue(items.map((x, k) => (k === i ? s : x)));
        }
      }
    }
    return new fc.Stream(removals()).join(new fc.Stream(inPlace()));
  }

  private listValue(items: readonly fc.Value<T>[]): fc.Value<T[]> {
    return new fc.Value(
      items.map((v) => v.value),
      items,
    );
  }
}

/** A list of `minLength` (default 0) to `maxLength` elements that shrinks by dropping any one. */
export function listOf<T>(item: fc.Arbitrary<T>, c: ListConstraints): fc.Arbitrary<T[]> {
  const min = c.minLength ?? 0;
  if (!Number.isInteger(min) || !Number.isInteger(c.maxLength) || min < 0 || c.maxLength < min) {
    throw new Error(`listOf: bad length bounds ${min}..${c.maxLength}`);
  }
  return new ListArbitrary(item, min, c.maxLength);
}
