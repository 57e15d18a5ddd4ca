/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is already
 * `SafeHtml` made by this tag, so text from the env repo (release messages, names, approver comments,
 * record reasons) can never become markup. Escaping covers text and double-quoted attribute values.
 */
export class SafeHtml {
  /** @internal */
  constructor(public readonly text: string) {}

  public toString(): string {
    return this.text;
  }
}

/** A value `html` accepts: text is escaped, SafeHtml is kept, lists are joined, undefined and false vanish. */
export type HtmlValue = SafeHtml | string | number | boolean | undefined | null | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false || value === true) {
    return '';
  }
  if (value instanceof SafeHtml) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return value.map(render).join('');
  }
  return escapeHtml(String(value));
}

/** The tagged template: html`<td title="${reason}">${image}</td>`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let text = strings[0];
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1];
  });
  return new SafeHtml(text);
}

/**
 * A link target for the page: only absolute http(s) URLs (commit links built from the repo's web address);
 * anything else (javascript:, data:, relative tricks) gives undefined and the text is shown without a link.
 */
export function safeUrl(candidate: string | undefined): string | undefined {
  if (candidate === undefined) {
    return undefined;
  }
  try {
    const url = new URL(candidate);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
