// Property tests of the money path against an oracle written here, independently of src/domain/money.ts:
// exact decimals as BigInt mantissas with a power-of-ten scale, and the billing rules restated from
// billing.md (input type §4, resolution §5, 720p policy §3, formula §1).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Quote } from '../../src/domain/bill-line.js';
import { normalizeRequest, RequestEnvelope } from '../../src/domain/envelope.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import { parseRateCard, RateCardSnapshot, snapshotRateCard } from '../../src/domain/rate-card.js';

// --- the oracle ---------------------------------------------------------------------------------------------

interface Exact {
  readonly mantissa: bigint;
  readonly scale: number; // value = mantissa / 10^scale
}

function exact(text: string): Exact {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new Error(`oracle: not a plain decimal: ${text}`);
  const fraction = match[2] ?? '';
  return { mantissa: BigInt(match[1]! + fraction), scale: fraction.length };
}

const pow10 = (n: number) => 10n ** BigInt(n);
const times = (a: Exact, b: Exact): Exact => ({
  mantissa: a.mantissa * b.mantissa,
  scale: a.scale + b.scale,
});
const same = (a: Exact, b: Exact) => a.mantissa * pow10(b.scale) === b.mantissa * pow10(a.scale);
const ceilWhole = (a: Exact) => (a.mantissa + pow10(a.scale) - 1n) / pow10(a.scale);
/** Half-up to cents, for non-negative values: floor(value * 100 + 1/2). */
const halfUpCents = (a: Exact) => (2n * a.mantissa * 100n + pow10(a.scale)) / (2n * pow10(a.scale));
const centsOf = (usd: string) => {
  const value = exact(usd);
  return (value.mantissa * 100n) / pow10(value.scale);
};
const formatCents = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;

const documentedModelMultipliers: Record<string, string> = {
  'kling-v2-5-turbo': '1.0',
  'kling-v1-6': '1.0',
  'kling-v2-6': '1.0',
  'kling-v3': '1.3',
  'kling-video-o1': '1.8',
};

interface Generated {
  readonly payload: Record<string, unknown>;
  /** What the oracle needs to know about the request, straight from the generator. */
  readonly facts: {
    readonly model: string;
    readonly mode: 'std' | 'pro';
    readonly seconds: string; // the exact requested duration
    readonly stills: number;
    readonly video: boolean;
    readonly resolution: string | undefined;
  };
}

interface CardInput {
  readonly json: Record<string, unknown>;
  /** Every factor's exact decimal text, whichever way the JSON wrote it. */
  readonly base: Record<'std' | 'pro', string>;
  readonly resolution: Record<string, string>;
  readonly input: Record<string, string>;
  readonly modelOverrides: Record<string, string>;
  readonly unknownModel: string;
  readonly min: string;
  readonly max: string;
  readonly billedResolution: '720p' | 'requested';
}

function oracle(request: Generated, card: CardInput) {
  const { facts } = request;
  const inputType = facts.video
    ? 'video'
    : facts.stills === 0
      ? 'text'
      : facts.stills === 1
        ? 'image'
        : 'multi-image';
  const requestedResolution = facts.resolution ?? (facts.mode === 'pro' ? '1080p' : '720p');
  const billedResolution = card.billedResolution === '720p' ? '720p' : requestedResolution;
  const modelFactor =
    card.modelOverrides[facts.model] ?? documentedModelMultipliers[facts.model] ?? card.unknownModel;
  const billedSeconds = ceilWhole(exact(facts.seconds));
  const raw = [card.base[facts.mode], card.resolution[billedResolution]!, card.input[inputType]!, modelFactor]
    .map(exact)
    .reduce(times, { mantissa: billedSeconds, scale: 0 });
  const rounded = halfUpCents(raw);
  const [min, max] = [centsOf(card.min), centsOf(card.max)];
  const cents = rounded < min ? min : rounded > max ? max : rounded;
  return {
    inputType,
    requestedResolution,
    billedResolution,
    billedSeconds: Number(billedSeconds),
    raw,
    costUsd: formatCents(cents),
    amountCents: Number(cents),
    clamped: rounded < min ? 'min' : rounded > max ? 'max' : null,
    factorModel: modelFactor,
  };
}

// --- generators ---------------------------------------------------------------------------------------------

/** A non-negative decimal with up to 4 places, as text. */
const decimalText = (maxWhole: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: maxWhole }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 9999 }),
    )
    .map(([whole, places, digits]) =>
      places === 0 ? String(whole) : `${whole}.${String(digits).padStart(4, '0').slice(0, places)}`,
    );

/** A factor written as a string (kept as written) or as a JSON number (read as its decimal text). */
const factor = (maxWhole: number) =>
  fc.tuple(decimalText(maxWhole), fc.boolean()).map(([text, asNumber]) => ({
    text: asNumber ? String(Number(text)) : text,
    json: asNumber ? Number(text) : text,
  }));

const cardArb: fc.Arbitrary<CardInput> = fc
  .record({
    std: factor(1),
    pro: factor(1),
    r480: factor(3),
    r720: factor(3),
    r1080: factor(3),
    r4k: factor(3),
    text: factor(2),
    image: factor(2),
    multi: factor(2),
    video: factor(2),
    overrides: fc.dictionary(
      fc.constantFrom('kling-v3', 'kling-v2-6', 'kling-v3-omni', 'acme-video', 'kling-video-o1'),
      factor(2),
      { maxKeys: 3 },
    ),
    unknownModel: factor(2),
    minCents: fc.integer({ min: 0, max: 300 }),
    spanCents: fc.integer({ min: 0, max: 3000 }),
    billedResolution: fc.constantFrom('720p' as const, 'requested' as const),
  })
  .map((r) => {
    const min = formatCents(BigInt(r.minCents));
    const max = formatCents(BigInt(r.minCents + r.spanCents));
    const overrides = Object.fromEntries(Object.entries(r.overrides).map(([model, f]) => [model, f]));
    return {
      json: {
        version: 'property',
        basePricePerSecond: { std: r.std.json, pro: r.pro.json },
        resolutionMultipliers: {
          '480p': r.r480.json,
          '720p': r.r720.json,
          '1080p': r.r1080.json,
          '4k': r.r4k.json,
        },
        inputMultipliers: {
          text: r.text.json,
          image: r.image.json,
          'multi-image': r.multi.json,
          video: r.video.json,
        },
        modelMultipliers: Object.fromEntries(Object.entries(overrides).map(([model, f]) => [model, f.json])),
        unknownModelMultiplier: r.unknownModel.json,
        minChargeUsd: min,
        maxChargeUsd: max,
        billedResolution: r.billedResolution,
      },
      base: { std: r.std.text, pro: r.pro.text },
      resolution: { '480p': r.r480.text, '720p': r.r720.text, '1080p': r.r1080.text, '4k': r.r4k.text },
      input: { text: r.text.text, image: r.image.text, 'multi-image': r.multi.text, video: r.video.text },
      modelOverrides: Object.fromEntries(Object.entries(overrides).map(([model, f]) => [model, f.text])),
      unknownModel: r.unknownModel.text,
      min,
      max,
      billedResolution: r.billedResolution,
    };
  });

type Shape = 'text' | 'image' | 'frames' | 'list' | 'video' | 'image+video' | 'extend';

/** The model table of kling-api.md, restated: which request shapes, durations and audio each model takes. */
interface ModelSpec {
  readonly shapes: Shape[];
  /** Durations by shape: omni models take other durations with references or a video. */
  readonly seconds: (shape: Shape) => fc.Arbitrary<string>;
  readonly audio: 'never' | 'pro' | 'always' | 'no-video' | 'any';
  /** A start + end frame is made in pro only (in std Kling drops the end frame, so the worker refuses it). */
  readonly framesInProOnly?: true;
}

const fiveOrTen = () => fc.constantFrom('5', '10');
const whole = (min: number, max: number) => () => fc.integer({ min, max }).map(String);
const withReferences = (shape: Shape) => shape === 'list' || shape === 'video' || shape === 'image+video';

const modelSpecs: Record<string, ModelSpec> = {
  'kling-v1-6': {
    shapes: ['text', 'image', 'frames', 'list', 'extend'],
    seconds: fiveOrTen,
    audio: 'never',
    framesInProOnly: true,
  },
  'kling-v2-5-turbo': {
    shapes: ['text', 'image', 'frames'],
    seconds: fiveOrTen,
    audio: 'never',
    framesInProOnly: true,
  },
  'kling-v2-6': {
    shapes: ['text', 'image', 'frames'],
    seconds: fiveOrTen,
    audio: 'pro',
    framesInProOnly: true,
  },
  'kling-v3': { shapes: ['text', 'image', 'frames'], seconds: whole(3, 15), audio: 'always' },
  'kling-video-o1': {
    shapes: ['text', 'image', 'frames', 'list', 'video', 'image+video'],
    seconds: (shape) => (withReferences(shape) ? whole(3, 10)() : fiveOrTen()),
    audio: 'never',
  },
  'kling-v3-omni': {
    shapes: ['text', 'image', 'frames', 'list', 'video', 'image+video'],
    seconds: (shape) => (shape === 'video' || shape === 'image+video' ? whole(3, 10)() : whole(3, 15)()),
    audio: 'no-video',
  },
  'acme-video': {
    shapes: ['text', 'image', 'frames', 'list', 'video', 'image+video', 'extend'],
    // any positive duration up to 60, fractions included
    seconds: () =>
      decimalText(60).filter((text) => {
        const value = exact(text);
        return value.mantissa > 0n && value.mantissa <= 60n * pow10(value.scale);
      }),
    audio: 'any',
  },
};

const url = (kind: string, n: number) => `https://e.com/${kind}${n}`;

const requestArb = (models: string[], withoutShapes: Shape[] = []): fc.Arbitrary<Generated> =>
  fc.constantFrom(...models).chain((model) => {
    const spec = modelSpecs[model]!;
    return fc
      .constantFrom(...spec.shapes.filter((shape) => !withoutShapes.includes(shape)))
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          mode: fc.constantFrom('std' as const, 'pro' as const),
          omitMode: fc.boolean(),
          seconds: spec.seconds(shape),
          durationSpelling: fc.constantFrom('number', 'string', 'absent'),
          resolution: fc.option(fc.constantFrom('480p', '720p', '1080p', '4k'), { nil: undefined }),
          listSize: fc.integer({ min: 1, max: 4 }),
          audio: fc.boolean(),
        }),
      )
      .map((drawn): Generated => {
        const proOnly = drawn.shape === 'frames' && spec.framesInProOnly === true;
        const r = proOnly ? { ...drawn, mode: 'pro' as const, omitMode: false } : drawn;
        const mode = r.omitMode ? 'std' : r.mode;
        const extend = r.shape === 'extend';
        const absent = r.durationSpelling === 'absent';
        const seconds = extend || absent ? '5' : r.seconds;
        const audioAllowed =
          !extend &&
          (spec.audio === 'always' ||
            spec.audio === 'any' ||
            (spec.audio === 'pro' && mode === 'pro') ||
            (spec.audio === 'no-video' && r.shape !== 'video' && r.shape !== 'image+video'));
        const media: Record<string, unknown> =
          r.shape === 'image'
            ? { image: url('i', 1) }
            : r.shape === 'frames'
              ? { image: url('i', 1), image_tail: url('i', 2) }
              : r.shape === 'list'
                ? { image_list: Array.from({ length: r.listSize }, (_, n) => ({ image: url('l', n) })) }
                : r.shape === 'video'
                  ? { video_list: [{ video_url: url('v', 1) }] }
                  : r.shape === 'image+video'
                    ? { image: url('i', 1), video: url('v', 1) }
                    : r.shape === 'extend'
                      ? { video_id: 'video-1' }
                      : {};
        const payload: Record<string, unknown> = {
          model_name: model,
          prompt: 'a property-tested prompt',
          ...(r.omitMode ? {} : { mode }),
          ...(extend || absent
            ? {}
            : { duration: r.durationSpelling === 'number' ? Number(seconds) : seconds }),
          ...(r.resolution === undefined ? {} : { resolution: r.resolution }),
          ...(audioAllowed ? { generateAudio: r.audio } : {}),
          ...media,
        };
        const stills =
          r.shape === 'image' || r.shape === 'image+video'
            ? 1
            : r.shape === 'frames'
              ? 2
              : r.shape === 'list'
                ? r.listSize
                : 0;
        return {
          payload,
          facts: {
            model,
            mode,
            seconds,
            stills,
            video: r.shape === 'video' || r.shape === 'image+video' || extend,
            resolution: r.resolution,
          },
        };
      });
  });

// --- the properties -----------------------------------------------------------------------------------------

/** `expect` is slow next to the code under test; it only runs to report a difference. */
function expectSame(actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
}

function quoteOf(payload: Record<string, unknown>, card: CardInput) {
  const envelope = normalizeRequest(payload);
  const snapshot = snapshotRateCard(parseRateCard(card.json));
  return { quote: quoteRequest(envelope, snapshot), envelope, snapshot };
}

describe('pricing properties', () => {
  test('agrees with the exact oracle, stays within the clamp, and is deterministic', () => {
    fc.assert(
      fc.property(requestArb(Object.keys(modelSpecs)), cardArb, (request, card) => {
        const { quote, envelope, snapshot } = quoteOf(request.payload, card);
        const expected = oracle(request, card);
        expectSame(
          {
            model: quote.model,
            mode: quote.mode,
            inputType: quote.inputType,
            requestedResolution: quote.requestedResolution,
            billedResolution: quote.billedResolution,
            billedSeconds: quote.billedSeconds,
            costUsd: quote.costUsd,
            amountCents: quote.amountCents,
            clamped: quote.clamped,
            rounding: quote.rounding,
            currency: quote.currency,
            rateCard: quote.rateCard,
            requestedSeconds: same(exact(quote.requestedSeconds), exact(request.facts.seconds)),
            rawCostUsd: same(exact(quote.rawCostUsd), expected.raw),
            modelFactor: same(exact(quote.factors.model), exact(expected.factorModel)),
            withinClamp:
              quote.amountCents >= Number(centsOf(card.min)) &&
              quote.amountCents <= Number(centsOf(card.max)),
          },
          {
            model: request.facts.model,
            mode: request.facts.mode,
            inputType: expected.inputType,
            requestedResolution: expected.requestedResolution,
            billedResolution: expected.billedResolution,
            billedSeconds: expected.billedSeconds,
            costUsd: expected.costUsd,
            amountCents: expected.amountCents,
            clamped: expected.clamped,
            rounding: 'half-up',
            currency: 'USD',
            rateCard: { version: 'property', sha256: snapshot.sha256 },
            requestedSeconds: true,
            rawCostUsd: true,
            modelFactor: true,
            withinClamp: true,
          },
        );
        Quote.parse(quote);
        // deterministic: the same payload normalizes alike, and the envelope and the card priced again after a
        // trip through JSON (Temporal payloads, JSONB) give the same line
        expectSame(normalizeRequest(request.payload), envelope);
        const again = quoteRequest(
          RequestEnvelope.parse(JSON.parse(JSON.stringify(envelope))),
          RateCardSnapshot.parse(JSON.parse(JSON.stringify(snapshot))),
        );
        expectSame(again, quote);
      }),
      { numRuns: 10_000 },
    );
    // 10,000 normalizations and quotes: tens of seconds on a loaded machine.
  }, 180_000);

  test('the price never decreases as the duration grows', () => {
    const seconds = modelSpecs['acme-video']!.seconds('text');
    fc.assert(
      fc.property(
        seconds,
        seconds,
        requestArb(['acme-video'], ['extend']),
        cardArb,
        (a, b, request, card) => {
          const [shorter, longer] = lessThan(b, a) ? [b, a] : [a, b];
          const at = (duration: string) => quoteOf({ ...request.payload, duration }, card).quote.amountCents;
          const [low, high] = [at(shorter), at(longer)];
          if (low > high) expect({ shorter, low }).toEqual({ shorter, low: high });
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

function lessThan(a: string, b: string): boolean {
  const [x, y] = [exact(a), exact(b)];
  return x.mantissa * pow10(y.scale) < y.mantissa * pow10(x.scale);
}
