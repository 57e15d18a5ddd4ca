import * as fs from 'fs';
import * as path from 'path';
import { Board } from './model';
import { ASSETS, renderBoard } from './render';

/** The files `stagecraft board --out DIR` writes, in order. */
export const SITE_FILES: readonly string[] = ['index.html', ...ASSETS.map((asset) => asset.name)];

/**
 * Writes the static board into `directory` (created when missing): index.html, board.css and board.js, and
 * nothing else, so the folder can be published as it is. A symbolic link where a file goes is refused
 * before anything is written.
 */
export function writeBoardSite(board: Board, directory: string): string[] {
  const files = new Map<string, string>([['index.html', renderBoard(board, { live: false })], ...ASSETS.map((asset) => [asset.name, asset.text] as [string, string])]);
  if (fs.existsSync(directory) && !fs.lstatSync(directory).isDirectory()) {
    throw new Error(`--out ${directory} is not a folder; pass a folder (it is created when missing)`);
  }
  for (const name of files.keys()) {
    const target = path.join(directory, name);
    if (fs.existsSync(target) && !fs.lstatSync(target).isFile()) {
      throw new Error(`${target} is not a plain file (a link or a folder); remove it, nothing was written`);
    }
  }
  fs.mkdirSync(directory, { recursive: true });
  for (const [name, text] of files) {
    fs.writeFileSync(path.join(directory, name), text);
  }
  return [...files.keys()].map((name) => path.join(directory, name));
}
