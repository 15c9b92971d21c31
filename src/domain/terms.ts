import { z } from 'zod';

/** Generation mode; it picks the base price per second. */
export const Mode = z.enum(['std', 'pro']);
export type Mode = z.infer<typeof Mode>;

/** Output resolutions the portal and the rate card know. */
export const Resolution = z.enum(['480p', '720p', '1080p', '4k']);
export type Resolution = z.infer<typeof Resolution>;

/**
 * The billing input type (billing.md §4). `chisel` is a rate-card entry that no Kling request maps to yet;
 * derivation never produces it.
 */
export const InputType = z.enum(['text', 'image', 'multi-image', 'video', 'chisel']);
export type InputType = z.infer<typeof InputType>;

/** A decimal amount written as a string, e.g. `"0.12"`: money never travels as a float. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number as a string, e.g. "0.12"');
