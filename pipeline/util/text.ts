/**
 * Quoting user-provided values in messages. A value is echoed in an issue message, the report and
 * the CLI output, so a 10 MB field must not become a 10 MB message: it is cut to a prefix and the
 * number of characters left out.
 */

/** Default number of characters of a value kept by `clip`. */
export const DEFAULT_CLIP_LENGTH = 80;

/**
 * `clip(text, max)` is `text` when it has at most `max` UTF-16 code units, else its first `max`
 * (never splitting a surrogate pair) followed by `…(+N chars)`.
 * @example clip('x'.repeat(100), 4) // 'xxxx…(+96 chars)'
 */
export function clip(text: string, max = DEFAULT_CLIP_LENGTH): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…(+${text.length - end} chars)`;
}
