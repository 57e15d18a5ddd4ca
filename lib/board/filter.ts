import type { Cell, Row } from './model';
import { asciiLowercase } from '../envrepo/names';

/**
 * What a person narrows the board to: part of an application name, one environment, one state. The served
 * page applies it on the server (`?app=web&env=prod&state=failed`, works without JavaScript); board.js
 * applies the same rules in the browser as one types, on the static export too.
 */
export interface BoardFilter {
  readonly application: string;
  readonly environment: string;
  readonly state: string;
}

export const NO_FILTER: BoardFilter = { application: '', environment: '', state: '' };

/** States one can filter on; `waiting` means a promotion into the environment is pending. */
export const FILTER_STATES: readonly string[] = ['failed', 'waiting', 'unverified', 'healthy', 'not-released'];

/** Longest filter value accepted from a query string. */
export const MAX_FILTER_LENGTH = 128;

/** `env:state` words of a row, as its `data-states` attribute carries them for board.js. */
export function rowStates(cells: readonly Cell[]): string[] {
  return cells.flatMap((cell) => [`${cell.environment}:${cell.state}`, ...(cell.pending === undefined ? [] : [`${cell.environment}:waiting`])]);
}

/** Whether a row matches: the name contains `application`, and some cell (of `environment`, if given) is in `state`. */
export function rowMatches(row: Row, filter: BoardFilter): boolean {
  if (filter.application !== '' && !row.application.includes(asciiLowercase(filter.application.trim()))) {
    return false;
  }
  const states = rowStates(row.cells);
  if (filter.environment !== '' && !states.some((word) => word.startsWith(`${filter.environment}:`))) {
    return false;
  }
  if (filter.state === '') {
    return true;
  }
  return states.some((word) => (filter.environment === '' ? word.endsWith(`:${filter.state}`) : word === `${filter.environment}:${filter.state}`));
}
