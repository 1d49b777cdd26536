// Reads a .onnx file and decodes its declared interface (shared/mae/onnx-describe.ts); a file
// that cannot be read is a UserError naming it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../../shared/errors.ts';
import { describeOnnx, type OnnxFileInfo } from '../../shared/mae/onnx-describe.ts';

export async function readOnnxFile(path: string): Promise<OnnxFileInfo> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw new UserError(`${path}: cannot read the model (${why})`, 'model-read');
  }
  return describeOnnx(basename(path), bytes);
}
