/**
 * C0 controls (NUL included), DEL and C1 controls, and UTF-16 halves without
 * their partner (which cannot be encoded as UTF-8 at all). Tab, line feed and
 * carriage return are allowed where text is free-form.
 */
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FREE_FORM_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a text input is refused, or null when it is fine. One rule for every text input of the API. */
export function textProblem(value: string, freeForm: boolean): string | null {
  const match = (freeForm ? FREE_FORM_FORBIDDEN : SINGLE_LINE_FORBIDDEN).exec(value);
  if (!match) return null;
  const char = match[0];
  const code = char.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return 'contains invalid Unicode (an unpaired surrogate).';
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return freeForm
    ? `contains a control character (${name}); only tab and line breaks are allowed.`
    : `contains a control character (${name}); this field takes a single line without tabs.`;
}

/**
 * An input list field with this extension is a batch whose items are judged
 * one by one: the text guard leaves its items to the batch's own validation
 * (which calls `textProblem` per item), so one bad item never refuses the others.
 */
export const PER_ITEM_OUTCOME = 'perItemOutcome';
