import { checkNumber, invalidMessage } from '@breakwater/core';

/** One answer to the question under analysis. */
export interface ConsensusResponse {
  /** Names the response in the result: a non-empty string, unique within one analysis. */
  readonly id: string;
  /** The answer's text. Any string, empty included. */
  readonly text: string;
  /** How sure its author is: a number >= 0 and <= 1. */
  readonly confidence: number;
  /** Actions the response recommends, counted across responses. @default [] */
  readonly recommendations?: readonly string[] | undefined;
}

/** A validated response. */
export interface CheckedResponse {
  readonly id: string;
  readonly text: string;
  readonly confidence: number;
  readonly recommendations: readonly string[];
}

/**
 * Validates the responses of an analysis; the caller's objects are only read.
 * @throws TypeError for a value of the wrong type, RangeError for an empty or repeated id
 *   or a confidence out of range; the message names `responses[i].field`.
 */
export function checkResponses(responses: unknown): CheckedResponse[] {
  if (!Array.isArray(responses)) {
    throw new TypeError(invalidMessage('responses', 'an array of responses', responses));
  }
  const n = responses.length;
  const checked: CheckedResponse[] = new Array(n);
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r: unknown = responses[i];
    const at = `responses[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      throw new TypeError(invalidMessage(at, 'a response object', r));
    }
    const { id, text, confidence, recommendations } = r as Record<string, unknown>;
    if (typeof id !== 'string')
      throw new TypeError(invalidMessage(`${at}.id`, 'a non-empty string', id));
    if (id === '') throw new RangeError(invalidMessage(`${at}.id`, 'a non-empty string', id));
    const first = seen.get(id);
    if (first !== undefined) {
      throw new RangeError(
        invalidMessage(`${at}.id`, `an id not used before (responses[${first}] has it)`, id),
      );
    }
    seen.set(id, i);
    if (typeof text !== 'string')
      throw new TypeError(invalidMessage(`${at}.text`, 'a string', text));
    checkNumber(`${at}.confidence`, confidence, { min: 0, max: 1 });
    let recs: readonly string[] = [];
    if (recommendations !== undefined) {
      if (!Array.isArray(recommendations)) {
        throw new TypeError(
          invalidMessage(`${at}.recommendations`, 'an array of strings', recommendations),
        );
      }
      // Copied as they are checked: the analysis reads the copy, so a caller's array that
      // changes later (during a parallel analysis, or an accessor that answers differently
      // on a second read) cannot change or break it.
      const length = recommendations.length;
      const copy: string[] = new Array(length);
      for (let j = 0; j < length; j++) {
        const rec: unknown = recommendations[j];
        if (typeof rec !== 'string') {
          throw new TypeError(invalidMessage(`${at}.recommendations[${j}]`, 'a string', rec));
        }
        copy[j] = rec;
      }
      recs = copy;
    }
    checked[i] = { id, text, confidence: confidence as number, recommendations: recs };
  }
  return checked;
}
