import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityInput,
  computeBusy,
  type Interval,
  listSlots,
} from "../../../src/availability/index.js";
import { availabilityInput } from "./arbitraries.js";
import { referenceSlots, slotRules } from "./reference-model.js";

const MIN = 60_000;
const RUNS = { numRuns: 150 };
const REFERENCE_RUNS = { numRuns: 400 };

/** Every 5-minute point of a slot (all boundaries are 5-minute multiples). */
function points(slot: Interval): number[] {
  const out: number[] = [];
  for (let t = slot.start; t < slot.end; t += 5 * MIN) out.push(t);
  return out;
}

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

/**
 * Inputs that offer at least one slot (about half of `availabilityInput` offer none): a
 * property that loops over the slots must have slots to check.
 */
const inputWithSlots = availabilityInput.filter((input) => listSlots(input).length > 0);
/** Inputs that offer at least two slots, for properties about consecutive slots. */
const inputWithTwoSlots = availabilityInput.filter((input) => listSlots(input).length > 1);

describe("listSlots properties", () => {
  it("offers exactly the slots of the point-by-point reference model", () => {
    fc.assert(
      fc.property(availabilityInput, (input) => {
        expect(listSlots(input)).toEqual(referenceSlots(input));
      }),
      REFERENCE_RUNS,
    );
  });

  it("puts every slot inside a scheduling block's local hours and outside blackouts", () => {
    fc.assert(
      fc.property(inputWithSlots, (input) => {
        const { scheduled } = slotRules(input);
        for (const slot of listSlots(input)) expect(points(slot).every(scheduled)).toBe(true);
      }),
      RUNS,
    );
  });

  it("keeps every slot clear of bookings and their buffers, holds, external busy and focus", () => {
    fc.assert(
      fc.property(inputWithSlots, (input) => {
        const { focused } = slotRules(input);
        const before = (input.rules?.buffer_before_minutes ?? 0) * MIN;
        const after = (input.rules?.buffer_after_minutes ?? 0) * MIN;
        const blocked = [
          ...input.bookings.map((b) => ({ start: b.start - before, end: b.end + after })),
          ...input.holds,
          ...(input.externalBusy ?? []),
        ];
        for (const slot of listSlots(input)) {
          expect(blocked.some((b) => overlaps(b, slot))).toBe(false);
          expect(points(slot).some(focused)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("starts every slot on the local grid, at the earlier instant of its wall time, after notice, inside the range", () => {
    fc.assert(
      fc.property(inputWithSlots, (input) => {
        const { oracle, dayFull } = slotRules(input);
        const step = input.stepMinutes ?? 15;
        const earliest = input.now + (input.profile.min_notice_hours ?? 0) * 3_600_000;
        for (const slot of listSlots(input)) {
          const local = DateTime.fromMillis(slot.start, { zone: input.profile.timezone });
          const minute = local.hour * 60 + local.minute;
          expect(local.second).toBe(0);
          expect(minute % step).toBe(0);
          expect(oracle.wall(local.toISODate()!, minute)).toEqual({
            instant: slot.start,
            exists: true,
          });
          expect(slot.start).toBeGreaterThanOrEqual(earliest);
          expect(slot.start).toBeGreaterThanOrEqual(input.range.start);
          expect(slot.end).toBeLessThanOrEqual(input.range.end);
          expect(slot.end - slot.start).toBe(input.durationMinutes * MIN);
          expect(dayFull(local.toISODate()!)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("returns slots sorted and unique", () => {
    fc.assert(
      fc.property(inputWithTwoSlots, (input) => {
        const slots = listSlots(input);
        for (let i = 1; i < slots.length; i++) {
          expect(slots[i]!.start).toBeGreaterThan(slots[i - 1]!.start);
        }
      }),
      RUNS,
    );
  });

  it("never offers a slot that overlaps a free/busy interval", () => {
    fc.assert(
      fc.property(inputWithSlots, (input) => {
        const busy = computeBusy(input);
        for (const slot of listSlots(input)) {
          expect(busy.some((b) => overlaps(b, slot))).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("gives the same slots for a range listed in two halves, except those crossing the split", () => {
    const withSplit = availabilityInput.chain((input) =>
      fc.tuple(
        fc.constant(input),
        fc.integer({ min: input.range.start, max: input.range.end }),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(withSplit, ([input, at, onGrid]) => {
        const whole = listSlots(input);
        // Either a slot start of the whole range (a local grid time) or any millisecond.
        const split = onGrid && whole.length > 0 ? whole[at % whole.length]!.start : at;
        const half = (start: number, end: number) => listSlots({ ...input, range: { start, end } });
        const halves = [...half(input.range.start, split), ...half(split, input.range.end)];
        expect(halves).toEqual(whole.filter((s) => s.end <= split || s.start >= split));
      }),
      RUNS,
    );
  });
});

describe("computeBusy properties", () => {
  it("is sorted, disjoint, inside the range, and covers exactly bookings, holds and external busy", () => {
    fc.assert(
      fc.property(availabilityInput, (input: AvailabilityInput) => {
        const busy = computeBusy(input);
        const all = [...input.bookings, ...input.holds, ...(input.externalBusy ?? [])];
        for (let i = 0; i < busy.length; i++) {
          const b = busy[i]!;
          expect(b.start).toBeLessThan(b.end);
          expect(b.start).toBeGreaterThanOrEqual(input.range.start);
          expect(b.end).toBeLessThanOrEqual(input.range.end);
          if (i > 0) expect(b.start).toBeGreaterThan(busy[i - 1]!.end);
        }
        for (let t = input.range.start; t < input.range.end; t += 5 * MIN) {
          const inBusy = busy.some((b) => b.start <= t && t < b.end);
          expect(inBusy).toBe(all.some((b) => b.start <= t && t < b.end));
        }
      }),
      RUNS,
    );
  });
});
